package io.drsp.agent;

import io.drsp.core.config.Endpoint;
import io.drsp.core.config.Site;
import io.drsp.core.config.UserRef;
import io.drsp.core.gtid.GtidSet;
import io.drsp.core.mysql.MysqlAdmin;
import io.drsp.core.mysql.ReplicaStatus;
import io.drsp.core.mysql.Role;
import io.drsp.core.mysql.SettingViolation;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

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

    private MysqlAdmin session() {
        return MysqlAdmin.connect(endpoint, admin.name(), admin.password().resolve(), CONNECT_TIMEOUT);
    }

    private Role role() {
        return key.site() == Site.PRODUCTION ? Role.PRODUCTION_SHARD : Role.DR_SHARD;
    }

    /** A full look at the instance; an unreachable one is a normal answer, not an exception. */
    public NodeInspection inspect() {
        try (MysqlAdmin s = session()) {
            List<String> violations = s.checkRequiredSettings(role()).stream().map(SettingViolation::describe).toList();
            GtidSet executed = s.gtidExecuted();
            boolean superReadOnly = "ON".equalsIgnoreCase(s.variable("super_read_only").orElse("OFF"))
                    || "1".equals(s.variable("super_read_only").orElse("0"));
            boolean readOnly = "ON".equalsIgnoreCase(s.variable("read_only").orElse("OFF"))
                    || "1".equals(s.variable("read_only").orElse("0"));
            NodeInspection.LinkView link = s.replicaStatus().map(r -> linkView(r, executed)).orElse(null);
            Long applied = appliedSourceTime(s.connection());
            return new NodeInspection(key.toString(), endpoint.toString(), true, null, s.serverUuid(), executed.toString(),
                    s.gtidPurged().toString(), superReadOnly, readOnly, violations, link, applied, NodeInspection.nowMicros());
        } catch (RuntimeException | SQLException e) {
            return NodeInspection.unreachable(key, endpoint.toString(), e.getMessage());
        }
    }

    private static NodeInspection.LinkView linkView(ReplicaStatus r, GtidSet executed) {
        GtidSet backlog = r.retrievedGtidSet().subtract(executed);
        long backlogBytes = backlog.isEmpty() ? 0 : Math.max(0, r.relayLogSpace() - r.relayLogPos());
        return new NodeInspection.LinkView(r.ioRunning(), r.sqlRunning(), r.sqlState(),
                r.lastIoError().map(e -> e.describe()).orElse(null), r.lastSqlError().map(e -> e.describe()).orElse(null),
                r.sourceHost() + ":" + r.sourcePort(), r.sqlDelay(),
                r.sqlRemainingDelay().isPresent() ? r.sqlRemainingDelay().getAsLong() : null,
                r.retrievedGtidSet().toString(), executed.toString(), backlog.size(), backlogBytes);
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
                    && current.get().sourcePort() == source.port() && current.get().sourceUser().equals(replication.name())
                    && current.get().autoPosition();
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
                st.execute("CHANGE REPLICATION SOURCE TO SOURCE_DELAY = " + delaySeconds);
                detail = "delay changed from " + current.get().sqlDelay() + " s to " + delaySeconds + " s";
            } else {
                detail = "link from " + source + " already has delay " + delaySeconds + " s";
            }
            st.execute("START REPLICA");
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
                    + " SELECT ?, @@server_uuid, CAST(UNIX_TIMESTAMP(t) * 1000000 AS SIGNED), t FROM (SELECT NOW(6) AS t) n")) {
                ps.setString(1, key.shard());
                ps.executeUpdate();
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
