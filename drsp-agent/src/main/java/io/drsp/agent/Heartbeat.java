package io.drsp.agent;

import io.drsp.core.mysql.MysqlAdmin;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The production primary's heartbeat: drsp's own row, written every second and replicated like any data (the
 * pt-heartbeat idea), so DR knows how far behind it is even when no application writes; and the last one committed,
 * which the agent remembers once the instance is lost.
 */
final class Heartbeat implements AutoCloseable {
    /** drsp's own schema on production shards. */
    static final String SCHEMA = "drsp_heartbeat";

    private final MemberConnection member;
    private final NodeKey key;
    private MysqlAdmin heartbeatSession;
    private boolean heartbeatTableReady;
    /** The production time of the last heartbeat this agent committed: see {@link NodeInspection#heartbeatWrittenMicros}. */
    private volatile Long heartbeatWrittenMicros;

    Heartbeat(MemberConnection member) {
        this.member = member;
        this.key = member.key();
    }

    Long writtenMicros() {
        return heartbeatWrittenMicros;
    }

    /**
     * Writes this production shard's heartbeat: the production clock at commit. Replicated, it tells the DR side how
     * far behind it is even when no application writes.
     */
    void write() {
        try {
            if (heartbeatSession == null) {
                heartbeatSession = member.session();
            }
            Connection c = heartbeatSession.connection();
            if (!heartbeatTableReady) {
                createHeartbeatTable(c);
                heartbeatTableReady = true;
            }
            try (PreparedStatement ps = c.prepareStatement("REPLACE INTO " + SCHEMA + ".heartbeat (shard, server_uuid, ts_us, ts)"
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
            try (PreparedStatement ps = c.prepareStatement("SELECT ts_us FROM " + SCHEMA + ".heartbeat WHERE shard = ?")) {
                ps.setString(1, key.shard());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        heartbeatWrittenMicros = rs.getLong(1);
                    }
                }
            }
        } catch (RuntimeException | SQLException e) {
            closeHeartbeatSession();
            throw new MysqlOperationException(member.where() + ": heartbeat not written: " + e.getMessage(), e);
        }
    }

    private static void createHeartbeatTable(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '"
                     + SCHEMA + "' AND TABLE_NAME = 'heartbeat'")) {
            rs.next();
            if (rs.getLong(1) > 0) {
                return; // DDL only when needed: each CREATE IF NOT EXISTS would still cost a GTID
            }
        }
        try (Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE IF NOT EXISTS " + SCHEMA);
            st.execute("CREATE TABLE IF NOT EXISTS " + SCHEMA + ".heartbeat (shard VARCHAR(64) NOT NULL PRIMARY KEY,"
                    + " server_uuid CHAR(36) NOT NULL, ts_us BIGINT NOT NULL, ts DATETIME(6) NOT NULL)");
        }
    }

    private void closeHeartbeatSession() {
        if (heartbeatSession != null) {
            heartbeatSession.close();
            heartbeatSession = null;
        }
    }

    @Override
    public void close() {
        closeHeartbeatSession();
    }
}
