package io.drsp.agent;

import io.drsp.core.gtid.GtidSet;
import io.drsp.flashback.Flashback;
import io.drsp.flashback.FlashbackApplier;
import io.drsp.flashback.FlashbackPlan;
import io.drsp.flashback.FlashbackRequest;
import io.drsp.flashback.GtidPurge;
import io.drsp.flashback.Refusal;
import io.drsp.flashback.Selection;
import io.drsp.flashback.SuperReadOnly;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What ending an island drill does to one DR member: archive the drill's transactions (refusing what cannot be
 * reversed), undo them exactly once each, wait for a local replica to replay that undo, give the member back exactly
 * the snapshot's GTID set, and checksum its tables to prove the data is the snapshot's again.
 */
public final class DrillOps {
    /**
     * Where the flashback records each drill transaction it has undone, in the same transaction as the undo: a
     * flashback cut short by a crash continues with exactly the rest. Replicated like the undo, dropped by the purge.
     */
    public static final String LEDGER_SCHEMA = "drsp_flashback";
    public static final String LEDGER = LEDGER_SCHEMA + ".reversed";

    /** A drill's transactions on one shard, as archived before anything is undone. */
    public record DrillArchive(GtidSet drill, long transactions, long rows, Path dir) {
    }

    private final MemberConnection member;
    private final NodeKey key;

    DrillOps(MemberConnection member) {
        this.member = member;
        this.key = member.key();
    }


    /**
     * The drill is everything this primary executed beyond its snapshot point. Writes its forward and reverse SQL to
     * {@code dir} and changes nothing on the server. Anything that cannot be reversed (DDL, TRUNCATE, ...) refuses,
     * naming each transaction and statement.
     */
    public DrillArchive archive(GtidSet snapshot, Path dir) {
        return archive(snapshot, dir, (d, t) -> { });
    }

    public DrillArchive archive(GtidSet snapshot, Path dir, JobRunner.Progress progress) {
        try {
            GtidSet executed = executed();
            if (!executed.containsAll(snapshot)) {
                throw new MysqlOperationException(member.where() + " does not hold its snapshot point: it lacks "
                        + snapshot.subtract(executed).toCompactString() + "; restore it from a backup taken at the snapshot point.");
            }
            return archiveExactly(executed.subtract(snapshot), dir, progress, (plan, d) -> { });
        } catch (MysqlOperationException e) {
            throw e;
        } catch (Exception e) {
            throw new MysqlOperationException(member.where() + ": the drill could not be archived: " + e.getMessage(), e);
        }
    }

    /** What an archive adds to the forward and reverse SQL, from the checked plan, in the same directory. */
    @FunctionalInterface
    interface ArchiveExtra {
        void write(FlashbackPlan plan, Path dir) throws java.io.IOException;
    }

    /**
     * Writes the forward and reverse SQL of exactly {@code selected} to {@code dir}, with the images of every row
     * checked against the server, and changes nothing; refuses, naming each, what cannot be reversed. The drill's
     * archive and switchback's (production's transactions after the recovery point) are this one.
     */
    DrillArchive archiveExactly(GtidSet selected, Path dir, JobRunner.Progress progress, ArchiveExtra extra) throws Exception {
        if (selected.isEmpty()) {
            return new DrillArchive(selected, 0, 0, dir);
        }
        Files.createDirectories(dir);
        FlashbackRequest request = FlashbackRequest.onServer(member.flashback(), new Selection.Only(selected))
                .withOptions(FlashbackApplier.Options.defaults().withDryRun(dir));
        try (FlashbackPlan plan = Flashback.plan(request)) {
            if (plan.isRefused()) {
                throw new MysqlOperationException(refusals(plan.refusals()));
            }
            Flashback.apply(plan, p -> progress.report(p.rowsDone(), p.rowsTotal()));
            extra.write(plan, dir);
            return new DrillArchive(selected, plan.transactions(), plan.rows(), dir);
        }
    }

    /**
     * Undoes, newest first, each transaction of {@code drill} that the ledger does not hold yet, with sql_log_bin on
     * so local replicas replay the undo. super_read_only is lifted for the run (read_only stays on: applications
     * still cannot write) and set again afterwards, since a DR shard outside service is always super read-only.
     */
    public String flashback(GtidSet drill, JobRunner.Progress progress) {
        try (Connection c = member.flashback().connect(); Statement st = c.createStatement()) {
            st.execute("SET GLOBAL read_only = ON");
            st.execute("SET GLOBAL super_read_only = OFF");
            try {
                st.execute("CREATE DATABASE IF NOT EXISTS " + LEDGER_SCHEMA);
                st.execute("CREATE TABLE IF NOT EXISTS " + LEDGER + " (source_gtid VARCHAR(100) NOT NULL PRIMARY KEY,"
                        + " reversed_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB");
                GtidSet undone = ledger(st);
                GtidSet remaining = drill.subtract(undone);
                if (remaining.isEmpty()) {
                    return "all " + drill.size() + " drill transactions are undone";
                }
                FlashbackPlan plan = planRemaining(remaining, undone.isEmpty());
                if (plan == null) {
                    return "all " + drill.size() + " transactions are undone (the rest were XA COMMITs of undone prepares)";
                }
                try (plan) {
                    if (plan.isRefused()) {
                        throw new MysqlOperationException(refusals(plan.refusals()));
                    }
                    FlashbackApplier.Result r = Flashback.apply(plan, p -> {
                        progress.report(p.rowsDone(), p.rowsTotal());
                        if (p.rowsDone() < p.rowsTotal()) {
                            // A test's kill -9 with part of the undo committed and part not.
                            io.drsp.core.fault.Failpoints.crashAfter("FlashbackPartway:" + key.site().configKey() + ":" + key.shard());
                        }
                    });
                    return "undid " + r.transactions() + " transactions, " + r.rows() + " rows in " + r.elapsed().toMillis() + " ms"
                            + (undone.isEmpty() ? "" : " (" + undone.intersect(drill).size() + " were undone before a restart)");
                }
            } finally {
                st.execute("SET GLOBAL super_read_only = ON");
            }
        } catch (MysqlOperationException e) {
            throw e;
        } catch (Exception e) {
            throw new MysqlOperationException(member.where() + ": flashback failed: " + e.getMessage(), e);
        }
    }

    /** XA decisions the scanner refuses when their prepare is not in the range. */
    private static final String DECISION_WITHOUT_PREPARE = "XA COMMIT of a branch prepared before the range";

    /**
     * The flashback of what the ledger does not hold yet. The ledger holds a committed XA branch's undo under its XA
     * PREPARE's GTID; the XA COMMIT, which has no rows, is never recorded. After a run cut short, such a commit whose
     * prepare is undone is therefore in {@code remaining} without it, and the scanner refuses it. The whole set was
     * checked reversible when archived, so that prepare can only be in the ledger: the commit is done with and is
     * left out of the plan.
     */
    private FlashbackPlan planRemaining(GtidSet remaining, boolean firstRun) throws Exception {
        FlashbackApplier.Options options = FlashbackApplier.Options.defaults().withSqlLogBin(true).withLedger(LEDGER);
        FlashbackPlan plan = Flashback.plan(FlashbackRequest.onServer(member.flashback(), new Selection.Only(remaining)).withOptions(options));
        if (firstRun || !plan.isRefused() || !plan.refusals().stream().allMatch(r -> r.gtid() != null
                && r.reason().startsWith(DECISION_WITHOUT_PREPARE))) {
            return plan;
        }
        GtidSet.Builder done = GtidSet.builder();
        plan.refusals().forEach(r -> done.add(io.drsp.core.gtid.Gtid.parse(r.gtid())));
        plan.close();
        GtidSet rest = remaining.subtract(done.build());
        if (rest.isEmpty()) {
            return null;
        }
        return Flashback.plan(FlashbackRequest.onServer(member.flashback(), new Selection.Only(rest)).withOptions(options));
    }

    private static GtidSet ledger(Statement st) throws SQLException {
        GtidSet.Builder b = GtidSet.builder();
        try (ResultSet rs = st.executeQuery("SELECT source_gtid FROM " + LEDGER)) {
            while (rs.next()) {
                b.add(io.drsp.core.gtid.Gtid.parse(rs.getString(1)));
            }
        }
        return b.build();
    }

    /**
     * One sentence for all refusals: each distinct reason (and statement) once, with the transactions it applies to
     * (the first few of many), so a DBA sees every DDL by name without a page of repeats.
     *
     * @param cannot what cannot be done, e.g. "cannot be flashed back"
     * @param advice the sentence that says what to do instead
     */
    static String refusals(String where, String cannot, List<Refusal> refusals, String advice) {
        Map<String, List<String>> byReason = new java.util.LinkedHashMap<>();
        for (Refusal r : refusals) {
            String why = r.reason() + (r.statement() == null ? "" : " (" + r.statement() + ")");
            List<String> gtids = byReason.computeIfAbsent(why, k -> new ArrayList<>());
            if (r.gtid() != null && !gtids.contains(r.gtid())) {
                gtids.add(r.gtid());
            }
        }
        return where + " " + cannot + "; nothing was changed. Not reversible: "
                + byReason.entrySet().stream().map(e -> (e.getValue().isEmpty() ? "" : e.getValue().size() <= 3
                        ? String.join(", ", e.getValue()) + " " : e.getValue().size() + " transactions (" + String.join(", ",
                        e.getValue().subList(0, 3)) + ", ...) ") + e.getKey())
                .collect(Collectors.joining("; ")) + ". " + advice;
    }

    private String refusals(List<Refusal> refusals) {
        return refusals(member.where(), "cannot be flashed back", refusals, "Restore this shard from a backup taken at the snapshot point.");
    }

    /**
     * Polls, up to {@code bound}, until this replica has executed everything in {@code primaryExecuted}; fails at once
     * when its applier or receiver stopped with an error, since waiting would not help.
     */
    public String awaitCaughtUp(GtidSet primaryExecuted, Duration bound, JobRunner.Progress progress) {
        Instant deadline = Instant.now().plus(bound);
        try (Connection c = member.flashback().connect(); Statement st = c.createStatement()) {
            GtidSet executed = executed(st);
            long total = primaryExecuted.subtract(executed).size();
            while (true) {
                long missing = primaryExecuted.subtract(executed).size();
                progress.report(total - missing, total);
                if (missing == 0) {
                    return "replayed " + total + " transactions of its primary";
                }
                String error = replicationError(st);
                if (error != null) {
                    throw new MysqlOperationException(member.where() + " stopped replaying " + source() + ": " + error);
                }
                if (!Instant.now().isBefore(deadline)) {
                    throw new MysqlOperationException(member.where() + " did not replay " + source() + " within " + bound.toSeconds()
                            + " s: missing " + primaryExecuted.subtract(executed).toCompactString());
                }
                Thread.sleep(100);
                executed = executed(st);
            }
        } catch (SQLException e) {
            throw new MysqlOperationException(member.where() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MysqlOperationException(member.where() + ": interrupted while waiting for it to catch up");
        }
    }

    /** What this member replays: its primary, or for a production primary during switchback, its DR shard. */
    private String source() {
        return key.isPrimary() ? "its DR shard" : "its primary";
    }

    private static String replicationError(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT LAST_ERROR_MESSAGE FROM performance_schema.replication_applier_status_by_worker"
                + " WHERE CHANNEL_NAME = '' AND LAST_ERROR_NUMBER <> 0 LIMIT 1")) {
            if (rs.next()) {
                return rs.getString(1);
            }
        }
        try (ResultSet rs = st.executeQuery("SELECT LAST_ERROR_MESSAGE FROM performance_schema.replication_connection_status"
                + " WHERE CHANNEL_NAME = '' AND LAST_ERROR_NUMBER <> 0 AND SERVICE_STATE <> 'ON' LIMIT 1")) {
            if (rs.next()) {
                return rs.getString(1);
            }
        }
        return null;
    }

    /**
     * Gives this member exactly {@code snapshot} as its GTID history, after dropping the flashback ledger locally
     * (sql_log_bin off: every member drops its own copy). A local replica stops replicating first and starts again
     * afterwards: its primary must have been purged before, or it would fetch the drill back. Idempotent.
     */
    public String purgeTo(GtidSet snapshot) {
        try (Connection c = member.flashback().connect(); Statement st = c.createStatement()) {
            boolean replica = !key.isPrimary();
            if (replica) {
                st.execute("STOP REPLICA");
                // The primary reuses the drill's GTID numbers after its own purge; a relay log still holding the old
                // drill transactions under those numbers would make auto-positioning skip the new ones. The replica
                // has replayed everything (checked before any purge), so its relay log holds nothing it needs.
                st.execute("RESET REPLICA");
            }
            dropLedger(st);
            GtidPurge.purgeTo(c, snapshot);
            if (replica) {
                st.execute("START REPLICA");
            }
            return "gtid_executed is the snapshot point's " + snapshot.toCompactString();
        } catch (Exception e) {
            throw new MysqlOperationException(member.where() + ": purge failed: " + e.getMessage(), e);
        }
    }

    private static void dropLedger(Statement st) throws SQLException {
        st.execute("SET SESSION sql_log_bin = 0");
        try {
            SuperReadOnly.lifted(st, () -> st.execute("DROP DATABASE IF EXISTS " + LEDGER_SCHEMA));
        } finally {
            st.execute("SET SESSION sql_log_bin = 1");
        }
    }

    /** CHECKSUM TABLE of every base table outside MySQL's own schemas: what proves the data is the snapshot's. */
    public Map<String, Long> tableChecksums(JobRunner.Progress progress) {
        Map<String, Long> sums = new TreeMap<>();
        try (Connection c = member.flashback().connect(); Statement st = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT CONCAT('`', REPLACE(TABLE_SCHEMA, '`', '``'), '`.`', REPLACE(TABLE_NAME, '`', '``'), '`')"
                    + " FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE'"
                    + " AND TABLE_SCHEMA NOT IN ('mysql', 'sys', 'performance_schema', 'information_schema') ORDER BY 1")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String t : tables) {
                progress.report(sums.size(), tables.size());
                try (ResultSet rs = st.executeQuery("CHECKSUM TABLE " + t + " EXTENDED")) {
                    rs.next();
                    sums.put(t, rs.getLong(2));
                }
            }
            progress.report(sums.size(), tables.size());
            return sums;
        } catch (SQLException e) {
            throw new MysqlOperationException(member.where() + ": cannot checksum its tables: " + e.getMessage(), e);
        }
    }

    public Map<String, Long> tableChecksums() {
        return tableChecksums((d, t) -> { });
    }

    private GtidSet executed() throws SQLException {
        try (Connection c = member.flashback().connect(); Statement st = c.createStatement()) {
            return executed(st);
        }
    }

    private static GtidSet executed(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT @@GLOBAL.gtid_executed")) {
            rs.next();
            return GtidSet.parse(rs.getString(1));
        }
    }
}
