package io.drsp.agent;

import io.drsp.core.config.Endpoint;
import io.drsp.core.config.UserRef;
import io.drsp.core.gtid.GtidSet;
import io.drsp.flashback.ConnectionSettings;
import io.drsp.flashback.Flashback;
import io.drsp.flashback.FlashbackApplier;
import io.drsp.flashback.FlashbackPlan;
import io.drsp.flashback.FlashbackRequest;
import io.drsp.flashback.GtidPurge;
import io.drsp.flashback.Refusal;
import io.drsp.flashback.Selection;
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
 * What ending an island drill does to one DR member: undo every transaction made since the snapshot point (archiving
 * it first), wait for a local replica to replay that undo, give the member back exactly the snapshot's GTID set, and
 * checksum its tables to prove the data is the snapshot's again.
 */
public final class DrillOps {
    private final NodeKey key;
    private final Endpoint endpoint;
    private final UserRef admin;

    public DrillOps(NodeKey key, Endpoint endpoint, UserRef admin) {
        this.key = key;
        this.endpoint = endpoint;
        this.admin = admin;
    }

    private ConnectionSettings settings() {
        return new ConnectionSettings(endpoint.host(), endpoint.port(), admin.name(), admin.password().resolve());
    }

    /**
     * Reverses, newest first, every transaction of this primary that is not in {@code snapshot}, with sql_log_bin on
     * so its local replicas replay the undo. The forward and reverse SQL are written to {@code archive} first; with
     * {@code archiveOnly} nothing else happens. Anything that cannot be reversed (DDL, TRUNCATE, ...) refuses the
     * whole flashback before a row is touched, naming each transaction.
     */
    public String flashbackTo(GtidSet snapshot, Path archive, boolean archiveOnly) {
        FlashbackRequest request = FlashbackRequest.onServer(settings(), new Selection.AllExcept(snapshot));
        try {
            Files.createDirectories(archive);
            try (FlashbackPlan dry = Flashback.plan(request.withOptions(FlashbackApplier.Options.defaults().withDryRun(archive)))) {
                if (dry.isRefused()) {
                    throw new MysqlOperationException(refusals(dry.refusals()));
                }
                if (dry.selected().isEmpty()) {
                    return "nothing was written since the snapshot point";
                }
                Flashback.apply(dry, p -> { });
                if (archiveOnly) {
                    return "would reverse " + dry.transactions() + " transactions, " + dry.rows() + " rows; SQL in " + archive;
                }
            }
            try (FlashbackPlan plan = Flashback.plan(request.withOptions(FlashbackApplier.Options.defaults().withSqlLogBin(true)))) {
                if (plan.isRefused()) {
                    throw new MysqlOperationException(refusals(plan.refusals()));
                }
                FlashbackApplier.Result r = Flashback.apply(plan, p -> { });
                return "reversed " + r.transactions() + " transactions, " + r.rows() + " rows in " + r.elapsed().toMillis()
                        + " ms; forward and reverse SQL archived in " + archive;
            }
        } catch (MysqlOperationException e) {
            throw e;
        } catch (Exception e) {
            throw new MysqlOperationException(key.describe() + " (" + endpoint + "): flashback failed: " + e.getMessage(), e);
        }
    }

    private String refusals(List<Refusal> refusals) {
        return key.describe() + " cannot be flashed back; nothing was changed. Not reversible: "
                + refusals.stream().map(r -> r.gtid() + " " + r.reason() + (r.statement() == null ? "" : " (" + r.statement() + ")"))
                .collect(Collectors.joining("; ")) + ". Restore this shard from a backup taken at the snapshot point.";
    }

    /** Polls, up to {@code bound}, until this replica has executed everything in {@code primaryExecuted}. */
    public String awaitCaughtUp(GtidSet primaryExecuted, Duration bound) {
        Instant deadline = Instant.now().plus(bound);
        try (Connection c = settings().connect(); Statement st = c.createStatement()) {
            GtidSet executed = GtidSet.empty();
            while (Instant.now().isBefore(deadline)) {
                try (ResultSet rs = st.executeQuery("SELECT @@GLOBAL.gtid_executed")) {
                    rs.next();
                    executed = GtidSet.parse(rs.getString(1));
                }
                if (executed.containsAll(primaryExecuted)) {
                    return "replayed the primary's " + primaryExecuted.size() + " transactions";
                }
                try (ResultSet rs = st.executeQuery("SELECT SERVICE_STATE, LAST_ERROR_MESSAGE FROM performance_schema.replication_applier_status_by_worker"
                        + " WHERE CHANNEL_NAME = '' AND LAST_ERROR_NUMBER <> 0 LIMIT 1")) {
                    if (rs.next()) {
                        throw new MysqlOperationException(key.describe() + " stopped replaying: " + rs.getString(2));
                    }
                }
                Thread.sleep(100);
            }
            throw new MysqlOperationException(key.describe() + " did not replay its primary within " + bound.toSeconds()
                    + " s: missing " + primaryExecuted.subtract(executed).toCompactString());
        } catch (SQLException e) {
            throw new MysqlOperationException(key.describe() + " (" + endpoint + "): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MysqlOperationException("interrupted");
        }
    }

    /**
     * Gives this member exactly {@code snapshot} as its GTID history. A local replica stops replicating first and
     * starts again afterwards: its primary must have been purged before, or it would fetch the drill back.
     */
    public String purgeTo(GtidSet snapshot) {
        try (Connection c = settings().connect(); Statement st = c.createStatement()) {
            boolean replica = !key.isPrimary();
            if (replica) {
                st.execute("STOP REPLICA");
                // The primary reuses the drill's GTID numbers after its own purge; a relay log still holding the old
                // drill transactions under those numbers would make auto-positioning skip the new ones. The replica
                // has replayed everything (checked before any purge), so its relay log holds nothing it needs.
                st.execute("RESET REPLICA");
            }
            GtidPurge.purgeTo(c, snapshot);
            if (replica) {
                st.execute("START REPLICA");
            }
            return "gtid_executed is the snapshot point's " + snapshot.toCompactString();
        } catch (Exception e) {
            throw new MysqlOperationException(key.describe() + " (" + endpoint + "): purge failed: " + e.getMessage(), e);
        }
    }

    /** CHECKSUM TABLE of every base table outside MySQL's own schemas: what proves the data is the snapshot's. */
    public Map<String, Long> tableChecksums() {
        Map<String, Long> sums = new TreeMap<>();
        try (Connection c = settings().connect(); Statement st = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT CONCAT('`', REPLACE(TABLE_SCHEMA, '`', '``'), '`.`', REPLACE(TABLE_NAME, '`', '``'), '`')"
                    + " FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE'"
                    + " AND TABLE_SCHEMA NOT IN ('mysql', 'sys', 'performance_schema', 'information_schema') ORDER BY 1")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String t : tables) {
                try (ResultSet rs = st.executeQuery("CHECKSUM TABLE " + t + " EXTENDED")) {
                    rs.next();
                    sums.put(t, rs.getLong(2));
                }
            }
            return sums;
        } catch (SQLException e) {
            throw new MysqlOperationException(key.describe() + " (" + endpoint + "): cannot checksum its tables: " + e.getMessage(), e);
        }
    }
}
