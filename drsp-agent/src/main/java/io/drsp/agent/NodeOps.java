package io.drsp.agent;

import io.drsp.core.config.Endpoint;
import io.drsp.core.config.Site;
import io.drsp.core.config.UserRef;
import io.drsp.core.gtid.GtidSet;
import io.drsp.core.mysql.MysqlAdmin;
import io.drsp.core.mysql.ReplicaStatus;
import io.drsp.core.mysql.ReplicationError;
import io.drsp.core.mysql.Role;
import io.drsp.core.mysql.SettingViolation;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import io.drsp.agent.relay.RelayIndex;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Everything an agent does to its MySQL instance, as plain blocking JDBC: the actor only decides when. Each call
 * opens a short admin session, so a restarted server or a dropped connection costs nothing but one retry.
 */
public final class NodeOps implements AutoCloseable {
    /** drsp's own schema on production shards, replicated like any data: the pt-heartbeat idea. */
    public static final String HEARTBEAT_SCHEMA = "drsp_heartbeat";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration IO_THREAD_DEADLINE = Duration.ofSeconds(15);

    private final NodeKey key;
    private final Endpoint endpoint;
    private final UserRef admin;
    private final UserRef replication;
    private MysqlAdmin heartbeatSession;
    private boolean heartbeatTableReady;
    /** The production time of the last heartbeat this agent committed: see {@link NodeInspection#heartbeatWrittenMicros}. */
    private volatile Long heartbeatWrittenMicros;
    /** Guards {@link #relayIndex}: the agent's warm-up, recovery cuts and status all read the relay log through it. */
    private final ReentrantLock relayLock = new ReentrantLock();
    private RelayIndex relayIndex;

    public NodeOps(NodeKey key, Endpoint endpoint, UserRef admin, UserRef replication) {
        this.key = key;
        this.endpoint = endpoint;
        this.admin = admin;
        this.replication = replication;
    }

    public NodeKey key() {
        return key;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    /** XA branches on this instance (XA RECOVER, completing them), with the same account. */
    public XaOps xa() {
        return new XaOps(key, endpoint, admin);
    }

    /** The drill's operations on this instance (flashback, catch-up, purge, checksums), with the same account. */
    public DrillOps drill() {
        return new DrillOps(key, endpoint, admin);
    }

    private MysqlAdmin session() {
        return MysqlAdmin.connect(endpoint, admin.name(), admin.password().resolve(), CONNECT_TIMEOUT);
    }

    private Role role() {
        return key.site() == Site.PRODUCTION ? Role.PRODUCTION_SHARD : Role.DR_SHARD;
    }

    /** A full look at the instance; an unreachable one is a normal answer, not an exception. */
    public NodeInspection inspect() {
        return look(true);
    }

    /**
     * The applier's part of {@link #inspect}, cheap enough to poll several times a second during a replay: GTID sets,
     * read-only flags and the link, without the settings check, the relay backlog bytes or the applied time (the
     * answer's violations list is empty because it was not checked, and its backlog bytes are null).
     */
    public NodeInspection inspectApplier() {
        return look(false);
    }

    private NodeInspection look(boolean full) {
        try (MysqlAdmin s = session()) {
            List<String> violations = full ? s.checkRequiredSettings(role()).stream().map(SettingViolation::describe).toList() : List.of();
            GtidSet executed = s.gtidExecuted();
            boolean superReadOnly = isOn(s.variable("super_read_only"));
            boolean readOnly = isOn(s.variable("read_only"));
            NodeInspection.LinkView link = s.replicaStatus()
                    .map(r -> linkView(r, executed, full ? relayFigures(s, r, executed) : new RelayFigures(null, null, null))).orElse(null);
            Long applied = full ? appliedSourceTime(s.connection()) : null;
            XaOps.Prepared xa = full ? XaOps.preparedNow(s) : null;
            return new NodeInspection(key.toString(), endpoint.toString(), true, null, s.serverUuid(), executed.toString(),
                    s.gtidPurged().toString(), superReadOnly, readOnly, violations, link, applied, NodeInspection.nowMicros(),
                    xa == null ? null : xa.xids().size(), xa == null ? null : xa.oldestSeconds(), heartbeatWrittenMicros);
        } catch (RuntimeException | SQLException e) {
            return NodeInspection.unreachable(key, endpoint.toString(), e.getMessage(), heartbeatWrittenMicros);
        }
    }

    /**
     * Changes SOURCE_DELAY without losing a byte of relay log. With the receiver stopped, MySQL deletes every relay
     * log file on CHANGE REPLICATION SOURCE unless the statement names a relay log position; the retrieved but not
     * yet applied transactions may be all that is left of a lost production. So the applier's own current position
     * is named, which keeps the files. MySQL then sets relay_log_purge off for good; {@link #ensureLink} turns it back
     * on, or applied relay log would pile up for as long as sync runs.
     * Found by the recovery test: a recover that lifted the delay with the receiver stopped had lost its backlog.
     */
    private static void changeDelayKeepingRelayLog(MysqlAdmin s, Statement st, int delaySeconds) throws SQLException {
        ReplicaStatus r = s.replicaStatus().orElseThrow();
        if (r.sqlThreadRunning()) {
            throw new SQLException("the applier must be stopped to change the delay");
        }
        // Naming a relay position is refused while auto-positioning is on, so the link goes position-based: it then
        // continues exactly from the receiver's own source position, and ensureLink returns it to auto-positioning
        // once that costs nothing (relay log fully applied).
        String keep = r.ioThreadRunning() ? "" : ", SOURCE_AUTO_POSITION = 0, RELAY_LOG_FILE = " + literal(r.relayLogFile())
                + ", RELAY_LOG_POS = " + r.relayLogPos();
        st.execute("CHANGE REPLICATION SOURCE TO SOURCE_DELAY = " + delaySeconds + keep);
        GtidSet after = s.replicaStatus().orElseThrow().retrievedGtidSet();
        if (!after.containsAll(r.retrievedGtidSet())) {
            throw new SQLException("changing the delay lost retrieved relay log (" + r.retrievedGtidSet().subtract(after)
                    .toCompactString() + "); stop and investigate before anything else");
        }
    }

    /**
     * What this DR shard's relay index says about a recovery target: the retrieved transactions it selects, their
     * bytes, and the shard's window (last applied and last retrieved production times). Reads only relay log
     * written since the last call.
     */
    public ShardCut cut(CutRequest request) {
        try (MysqlAdmin s = session()) {
            RelayIndex relayIndex = freshRelayIndex(s);
            GtidSet executed = s.gtidExecuted();
            boolean applierRunning = s.replicaStatus().map(ReplicaStatus::sqlThreadRunning).orElse(false);
            Long lastApplied = appliedSourceTime(s.connection());
            return RelayCut.answer(relayIndex, request, key.toString(), s.serverUuid(), executed, lastApplied,
                    applierRunning);
        } catch (RuntimeException | SQLException e) {
            return ShardCut.failed(key, key.describe() + " (" + endpoint + "): " + e.getMessage());
        }
    }

    /** Where MySQL keeps this instance's relay log index: the agent runs on the database host and reads it there. */
    private static Path relayLogIndexFile(MysqlAdmin s) {
        Path index = Path.of(s.variable("relay_log_index").orElseThrow());
        return index.isAbsolute() ? index : Path.of(s.variable("datadir").orElseThrow()).resolve(index);
    }

    private static Long boxed(java.util.OptionalLong v) {
        return v.isPresent() ? v.getAsLong() : null;
    }

    private static boolean isOn(Optional<String> flag) {
        return flag.map(v -> v.equalsIgnoreCase("ON") || v.equals("1")).orElse(false);
    }

    /**
     * Keeps this DR shard's relay index current, so that a recovery cut or a status after an agent restart does not
     * have to read the whole relay log first (a full build reads it at a few hundred MB/s). No-op without a link.
     */
    public void refreshRelayIndex() {
        if (key.site() != Site.DR) {
            return;
        }
        try (MysqlAdmin s = session()) {
            if (s.replicaStatus().isPresent()) {
                freshRelayIndex(s);
            }
        }
    }

    /** The relay index brought up to date with the relay log, built on first use. */
    private RelayIndex freshRelayIndex(MysqlAdmin s) {
        Path indexFile = relayLogIndexFile(s);
        relayLock.lock();
        try {
            if (relayIndex == null || !relayIndex.indexFile().equals(indexFile)) {
                relayIndex = RelayIndex.open(indexFile);
            } else {
                relayIndex.refresh();
            }
            return relayIndex;
        } finally {
            relayLock.unlock();
        }
    }

    /**
     * Relay bytes of the retrieved but unapplied transactions, from the relay index: MySQL's own numbers cannot say
     * it (Relay_Log_Space counts every relay file, the current one's applied part too). Null while
     * the index is first being built or busy: status answers at once rather than wait for a read of the relay log.
     */
    private RelayFigures relayFigures(MysqlAdmin s, ReplicaStatus r, GtidSet executed) {
        GtidSet backlog = r.retrievedGtidSet().subtract(executed);
        Long free = relayDiskFree(s);
        RelayFigures unknown = new RelayFigures(backlog.isEmpty() ? 0L : null, null, free);
        try {
            if (!relayLock.tryLock(1, TimeUnit.SECONDS)) {
                return unknown;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unknown;
        }
        try {
            if (relayIndex == null) {
                return unknown;
            }
            RelayIndex index = freshRelayIndex(s); // the lock is reentrant; the refresh reads only new relay log
            java.util.OptionalLong last = index.lastCommitMicros();
            return new RelayFigures(backlog.isEmpty() ? 0L : index.bytesOf(backlog), last.isPresent() ? last.getAsLong() : null, free);
        } finally {
            relayLock.unlock();
        }
    }

    /**
     * What the relay index adds to MySQL's status: the unapplied transactions' bytes, and the production commit time
     * of the newest transaction retrieved (what a loss of production now would keep: the RPO's side on DR).
     */
    private record RelayFigures(Long backlogBytes, Long lastRetrievedSourceMicros, Long relayDiskFreeBytes) {
    }

    /** Free bytes where the relay log lives: the agent runs on the database host, so it asks the file system. */
    private static Long relayDiskFree(MysqlAdmin s) {
        try {
            Path dir = relayLogIndexFile(s).toAbsolutePath().getParent();
            return java.nio.file.Files.getFileStore(dir).getUsableSpace();
        } catch (java.io.IOException | RuntimeException e) {
            return null; // not on this host, or not readable by the agent: shown as unknown
        }
    }

    private static NodeInspection.LinkView linkView(ReplicaStatus r, GtidSet executed, RelayFigures relay) {
        GtidSet backlog = r.retrievedGtidSet().subtract(executed);
        return new NodeInspection.LinkView(r.ioRunning(), r.sqlRunning(), r.sqlState(),
                r.lastIoError().map(e -> e.describe()).orElse(null), r.lastSqlError().map(e -> e.describe()).orElse(null),
                r.sourceHost() + ":" + r.sourcePort(), r.sqlDelay(),
                r.sqlRemainingDelay().isPresent() ? r.sqlRemainingDelay().getAsLong() : null,
                r.retrievedGtidSet().toString(), executed.toString(), backlog.size(), relay.backlogBytes(), boxed(r.secondsBehindSource()),
                r.lastIoError().map(ReplicationError::errno).orElse(null), r.lastSqlError().map(ReplicationError::errno).orElse(null),
                r.relayLogSpace(), relay.lastRetrievedSourceMicros(), relay.relayDiskFreeBytes());
    }

    /**
     * The production time this instance stands at. The applier's own record of the last original commit time is
     * exact but resets when mysqld restarts; the replicated heartbeat survives restarts and keeps moving while
     * production is idle. The later of the two is the truth.
     */
    private Long appliedSourceTime(Connection c) throws SQLException {
        Long best = null;
        if (key.site() == Site.DR) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT CAST(COALESCE(MAX(UNIX_TIMESTAMP(LAST_APPLIED_TRANSACTION_ORIGINAL_COMMIT_TIMESTAMP)), 0) * 1000000 AS SIGNED)"
                            + " FROM performance_schema.replication_applier_status_by_worker WHERE CHANNEL_NAME = ''")) {
                if (rs.next() && rs.getLong(1) > 0) {
                    best = rs.getLong(1);
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT ts_us FROM " + HEARTBEAT_SCHEMA + ".heartbeat WHERE shard = ?")) {
            ps.setString(1, key.shard());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    best = best == null ? rs.getLong(1) : Math.max(best, rs.getLong(1));
                }
            }
        } catch (SQLException e) {
            if (e.getErrorCode() != 1146 && e.getErrorCode() != 1049) { // no heartbeat table yet is normal
                throw e;
            }
        }
        return best;
    }

    /**
     * Makes this DR shard replicate from {@code source} with {@code delaySeconds}, and read-only. Idempotent: a link
     * already pointing at the source only gets its delay changed, with the receiver left running, so relay log
     * already retrieved is never thrown away (it may be all that is left of a lost production).
     */
    public String ensureLink(Endpoint source, int delaySeconds) {
        try (MysqlAdmin s = session(); Statement st = s.connection().createStatement()) {
            st.execute("SET GLOBAL super_read_only = ON");
            Optional<ReplicaStatus> current = s.replicaStatus();
            boolean sameSource = current.isPresent() && current.get().sourceHost().equals(source.host())
                    && current.get().sourcePort() == source.port() && current.get().sourceUser().equals(replication.name());
            if (sameSource && !current.get().autoPosition() && !current.get().ioThreadRunning()
                    && current.get().retrievedGtidSet().subtract(s.gtidExecuted()).isEmpty()) {
                sameSource = false; // position-based after a recovery, nothing left to apply: back to auto-position, losslessly
            }
            String detail;
            if (!sameSource) {
                st.execute("STOP REPLICA");
                String password = replication.password().resolve();
                try {
                    st.execute("CHANGE REPLICATION SOURCE TO SOURCE_HOST = " + literal(source.host())
                            + ", SOURCE_PORT = " + source.port() + ", SOURCE_USER = " + literal(replication.name())
                            + ", SOURCE_PASSWORD = " + literal(password) + ", SOURCE_AUTO_POSITION = 1"
                            + ", GET_SOURCE_PUBLIC_KEY = 1, SOURCE_CONNECT_RETRY = 5, SOURCE_DELAY = " + delaySeconds);
                } catch (SQLException e) {
                    throw new SQLException(e.getMessage().replace(password, "***"), e.getSQLState(), e.getErrorCode());
                }
                detail = "link configured from " + source + " with delay " + delaySeconds + " s";
            } else if (current.get().sqlDelay() != delaySeconds) {
                st.execute("STOP REPLICA SQL_THREAD");
                changeDelayKeepingRelayLog(s, st, delaySeconds);
                detail = "delay changed from " + current.get().sqlDelay() + " s to " + delaySeconds + " s";
            } else {
                detail = "link from " + source + " already has delay " + delaySeconds + " s";
            }
            st.execute("START REPLICA");
            // Applied relay log is of no use to DR (recoveries and the relay index read only what is unapplied), and
            // a delay change with the receiver stopped, a recovery or an older drsp may have left purging off.
            st.execute("SET GLOBAL relay_log_purge = ON");
            awaitReceiverConnected(s, source);
            return detail;
        } catch (SQLException e) {
            throw new MysqlOperationException(key.describe() + " (" + endpoint + "): cannot configure its link: " + e.getMessage(), e);
        }
    }

    private void awaitReceiverConnected(MysqlAdmin s, Endpoint source) {
        Instant deadline = Instant.now().plus(IO_THREAD_DEADLINE);
        ReplicaStatus r = null;
        while (Instant.now().isBefore(deadline)) {
            r = s.replicaStatus().orElseThrow();
            if (r.lastIoError().isPresent()) {
                throw new MysqlOperationException(key.describe() + " cannot replicate from " + source + ": "
                        + r.lastIoError().get().describe());
            }
            if (r.ioThreadRunning() && r.sqlThreadRunning()) {
                return;
            }
            pause(100);
        }
        throw new MysqlOperationException(key.describe() + ": receiver from " + source + " not running after "
                + IO_THREAD_DEADLINE.toSeconds() + " s (" + (r == null ? "?" : r.ioRunning() + ", " + r.ioState()) + ")");
    }

    /** Stops both replication threads and keeps the relay log, so a later recover or sync loses nothing. */
    public String stopLink() {
        try (MysqlAdmin s = session(); Statement st = s.connection().createStatement()) {
            if (s.replicaStatus().isEmpty()) {
                return "no link configured";
            }
            st.execute("STOP REPLICA");
            return "link stopped, relay log kept";
        } catch (SQLException e) {
            throw new MysqlOperationException(key.describe() + " (" + endpoint + "): cannot stop its link: " + e.getMessage(), e);
        }
    }

    /**
     * Stops replicating and forgets the link with its relay log (RESET REPLICA ALL). Switchback uses it twice: on a
     * production primary that has caught up with DR, and on a DR primary before it follows production again, whose
     * relay log still holds the production transactions laststamp rolled back, under GTIDs production reuses for new
     * ones. Only ever after drsp has checked that nothing in that relay log is still needed. Idempotent.
     */
    public String dropLink() {
        try (MysqlAdmin s = session(); Statement st = s.connection().createStatement()) {
            if (s.replicaStatus().isEmpty()) {
                return "no link configured";
            }
            st.execute("STOP REPLICA");
            relayLock.lock();
            try {
                st.execute("RESET REPLICA ALL");
                relayIndex = null; // it described files that are gone; new ones may take the same names
            } finally {
                relayLock.unlock();
            }
            return "link and relay log discarded";
        } catch (SQLException e) {
            throw new MysqlOperationException(key.describe() + " (" + endpoint + "): cannot discard its link: " + e.getMessage(), e);
        }
    }

    /**
     * Starts applying the relay log up to exactly {@code target} (the whole GTID set this shard must have executed),
     * with the delay lifted: a recovery must not wait out SOURCE_DELAY. Idempotent: a shard already at the target
     * is left alone, and an applier already running towards it keeps running.
     */
    public String startReplay(GtidSet target) {
        try (MysqlAdmin s = session(); Statement st = s.connection().createStatement()) {
            GtidSet executed = s.gtidExecuted();
            ReplicaStatus link = s.replicaStatus().orElseThrow(() -> new MysqlOperationException(
                    key.describe() + " has no link to replay from; run sync first"));
            if (link.ioThreadRunning()) {
                throw new MysqlOperationException(key.describe() + ": its receiver is still running; stopsync first");
            }
            if (executed.containsAll(target)) {
                return "already at the target";
            }
            if (link.sqlThreadRunning()) {
                return "applier already running";
            }
            if (link.sqlDelay() != 0) {
                changeDelayKeepingRelayLog(s, st, 0);
            }
            st.execute("START REPLICA SQL_THREAD UNTIL SQL_AFTER_GTIDS = '" + target.toCompactString() + "'");
            return "replaying " + target.subtract(executed).size() + " transactions";
        } catch (SQLException e) {
            throw new MysqlOperationException(key.describe() + " (" + endpoint + "): cannot start the replay: " + e.getMessage(), e);
        }
    }

    /** This member's GTID set and binary log position: what a snapshot point records per member. */
    public MemberSnapshot snapshot() {
        try (MysqlAdmin s = session(); Statement st = s.connection().createStatement();
             ResultSet rs = st.executeQuery("SHOW MASTER STATUS")) {
            String file = null;
            long pos = 0;
            if (rs.next()) {
                file = rs.getString("File");
                pos = rs.getLong("Position");
            }
            return new MemberSnapshot(key.toString(), endpoint.toString(), s.gtidExecuted().toString(), file, pos,
                    NodeInspection.nowMicros(), Map.of());
        } catch (SQLException e) {
            throw new MysqlOperationException(key.describe() + " (" + endpoint + "): cannot read its GTID set and binlog position: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Waits, up to {@code bound}, until no session has an open transaction, then makes the instance super read-only.
     * Past the bound it names the sessions still open and changes nothing: ending a customer's transaction is the
     * DBA's call, not drsp's.
     *
     * @param leavePrepared production's fence (switchback): XA branches still prepared at the bound do not stop it. A
     *                      live coordinator has had the whole bound to end them; the rest are a dead coordinator's,
     *                      which laststamp rolls back when prepared after the recovery point, or names when before.
     */
    public String closeForWrites(Duration bound, boolean leavePrepared) {
        try (MysqlAdmin s = session(); Statement st = s.connection().createStatement()) {
            Instant deadline = Instant.now().plus(bound);
            List<String> open = openTransactions(st);
            List<String> prepared = preparedBranches(s);
            // INNODB_TRX is a cache InnoDB refreshes at most every 100 ms: a transaction begun just before a read can
            // be missing from it. "None open" counts only when a second read, past the next refresh, agrees.
            boolean noneSeenBefore = false;
            while (Instant.now().isBefore(deadline)) {
                boolean none = open.isEmpty() && prepared.isEmpty();
                if (none && noneSeenBefore) {
                    break;
                }
                noneSeenBefore = none;
                pause(200);
                open = openTransactions(st);
                prepared = preparedBranches(s);
            }
            boolean leaving = leavePrepared && !prepared.isEmpty() && open.isEmpty();
            if (leaving) {
                pause(200); // "none open" counts only when a read past the next INNODB_TRX refresh agrees
                open = openTransactions(st);
                leaving = open.isEmpty();
            }
            if (!leaving && (!open.isEmpty() || !prepared.isEmpty())) {
                List<String> what = new java.util.ArrayList<>(open);
                what.addAll(prepared);
                throw new MysqlOperationException(key.describe() + " still has " + (open.isEmpty() ? "" : open.size()
                        + " open transaction(s)" + (prepared.isEmpty() ? "" : " and ")) + (prepared.isEmpty() ? ""
                        : prepared.size() + " prepared XA branch(es)") + " after " + bound.toSeconds() + " s: "
                        + String.join("; ", what) + "; end them (a prepared branch with XA COMMIT or XA ROLLBACK, as its"
                        + " coordinator decided) or run stopservice" + (key.site() == Site.PRODUCTION ? " --site production" : "")
                        + " again");
            }
            st.execute("SET SESSION lock_wait_timeout = " + Math.max(1, bound.toSeconds()));
            st.execute("SET GLOBAL super_read_only = ON");
            return leaving ? "no open transactions; super_read_only ON; left prepared for laststamp to decide: "
                    + String.join("; ", prepared) : "no open transactions or prepared XA branches; super_read_only ON";
        } catch (SQLException e) {
            throw new MysqlOperationException(key.describe() + " (" + endpoint + "): cannot make it read-only: " + e.getMessage(), e);
        }
    }

    /** A prepared XA branch left by its coordinator keeps its row locks but is no session's: it is named by its XID. */
    private static List<String> preparedBranches(MysqlAdmin s) {
        XaOps.Prepared prepared = XaOps.preparedNow(s);
        List<String> out = new java.util.ArrayList<>();
        for (String x : prepared.xids()) {
            io.drsp.agent.relay.XaInfo xa = io.drsp.agent.relay.XaInfo.fromSqlXid(x, io.drsp.agent.relay.XaPhase.PREPARE);
            out.add("XA branch '" + xa.gtrid() + "','" + xa.bqual() + "'," + xa.formatId() + " prepared");
        }
        if (!out.isEmpty() && prepared.oldestSeconds() != null) {
            out.set(out.size() - 1, out.get(out.size() - 1) + ", the oldest " + prepared.oldestSeconds() + " s ago");
        }
        return out;
    }

    private static List<String> openTransactions(Statement st) throws SQLException {
        List<String> open = new java.util.ArrayList<>();
        try (ResultSet rs = st.executeQuery("SELECT t.trx_mysql_thread_id, p.USER, p.HOST, TIMESTAMPDIFF(SECOND, t.trx_started, NOW())"
                + " FROM information_schema.INNODB_TRX t LEFT JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id"
                + " WHERE t.trx_mysql_thread_id NOT IN (0, CONNECTION_ID()) AND (p.COMMAND IS NULL OR p.COMMAND <> 'Connect')")) {
            while (rs.next()) {
                open.add("session " + rs.getLong(1) + " (" + rs.getString(2) + "@" + rs.getString(3) + ", open " + rs.getLong(4) + " s)");
            }
        }
        return open;
    }

    /** Read-only means {@code super_read_only}: not even an administrator's session may write by accident. */
    public String setReadOnly(boolean readOnly) {
        try (MysqlAdmin s = session(); Statement st = s.connection().createStatement()) {
            if (readOnly) {
                st.execute("SET GLOBAL super_read_only = ON");
            } else {
                st.execute("SET GLOBAL super_read_only = OFF");
                st.execute("SET GLOBAL read_only = OFF");
            }
            return readOnly ? "super_read_only ON" : "read_only OFF";
        } catch (SQLException e) {
            throw new MysqlOperationException(key.describe() + " (" + endpoint + "): cannot change read-only: " + e.getMessage(), e);
        }
    }

    /**
     * Writes this production shard's heartbeat: the production clock at commit. Replicated, it tells the DR side how
     * far behind it is even when no application writes.
     */
    public void writeHeartbeat() {
        try {
            if (heartbeatSession == null) {
                heartbeatSession = session();
            }
            Connection c = heartbeatSession.connection();
            if (!heartbeatTableReady) {
                createHeartbeatTable(c);
                heartbeatTableReady = true;
            }
            try (PreparedStatement ps = c.prepareStatement("REPLACE INTO " + HEARTBEAT_SCHEMA + ".heartbeat (shard, server_uuid, ts_us, ts)"
                    + " SELECT ?, @@server_uuid, CAST(UNIX_TIMESTAMP(t) * 1000000 AS SIGNED), t FROM (SELECT NOW(6) AS t) n"
                    // Only while production serves: a fenced shard is read_only, and while switchback flashes it back
                    // super_read_only is lifted for drsp's own session, which this account would otherwise pass too.
                    + " WHERE @@GLOBAL.read_only = 0")) {
                ps.setString(1, key.shard());
                if (ps.executeUpdate() == 0) {
                    return; // fenced: production commits nothing, so the last heartbeat written stays its last commit
                }
            }
            // Read back rather than timed here: it is production's clock, the one DR's retrieved times are in.
            try (PreparedStatement ps = c.prepareStatement("SELECT ts_us FROM " + HEARTBEAT_SCHEMA + ".heartbeat WHERE shard = ?")) {
                ps.setString(1, key.shard());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        heartbeatWrittenMicros = rs.getLong(1);
                    }
                }
            }
        } catch (RuntimeException | SQLException e) {
            closeHeartbeatSession();
            throw new MysqlOperationException(key.describe() + " (" + endpoint + "): heartbeat not written: " + e.getMessage(), e);
        }
    }

    private static void createHeartbeatTable(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '"
                     + HEARTBEAT_SCHEMA + "' AND TABLE_NAME = 'heartbeat'")) {
            rs.next();
            if (rs.getLong(1) > 0) {
                return; // DDL only when needed: each CREATE IF NOT EXISTS would still cost a GTID
            }
        }
        try (Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE IF NOT EXISTS " + HEARTBEAT_SCHEMA);
            st.execute("CREATE TABLE IF NOT EXISTS " + HEARTBEAT_SCHEMA + ".heartbeat (shard VARCHAR(64) NOT NULL PRIMARY KEY,"
                    + " server_uuid CHAR(36) NOT NULL, ts_us BIGINT NOT NULL, ts DATETIME(6) NOT NULL)");
        }
    }

    private void closeHeartbeatSession() {
        if (heartbeatSession != null) {
            heartbeatSession.close();
            heartbeatSession = null;
        }
    }

    static String literal(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MysqlOperationException("interrupted");
        }
    }

    @Override
    public void close() {
        closeHeartbeatSession();
    }
}
