package io.drsp.agent.relay;

import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.MysqlInstance;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * A production shard and its DR shard on a delayed link (SOURCE_DELAY=3600): the DR retrieves everything into its
 * relay log and applies nothing, which is exactly what a relay index sees in delayed sync.
 */
final class ReplicationPair implements AutoCloseable {

    final MysqlInstance source;
    final MysqlInstance dr;

    private ReplicationPair(MysqlInstance source, MysqlInstance dr) {
        this.source = source;
        this.dr = dr;
    }

    static ReplicationPair start(String name, int serverIdBase, Map<String, String> sourceSettings, Map<String, String> drSettings) {
        Path parent = Path.of("target/relay");
        Map<String, String> drAll = new HashMap<>(drSettings);
        drAll.put("skip-replica-start", "ON");
        MysqlInstance src = MysqlInstance.startNew(parent, name + "-src", serverIdBase, sourceSettings);
        MysqlInstance dr;
        try {
            dr = MysqlInstance.startNew(parent, name + "-dr", serverIdBase + 1, drAll);
        } catch (RuntimeException e) {
            src.stop();
            throw e;
        }
        ReplicationPair pair = new ReplicationPair(src, dr);
        try {
            pair.link(3600);
        } catch (RuntimeException e) {
            pair.close();
            throw e;
        }
        return pair;
    }

    void link(int delaySeconds) {
        exec(dr, "CHANGE REPLICATION SOURCE TO SOURCE_HOST='127.0.0.1', SOURCE_PORT=" + source.port()
                + ", SOURCE_USER='" + source.credentials().replicationUser() + "', SOURCE_PASSWORD='"
                + source.credentials().replicationPassword() + "', SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1, "
                + "SOURCE_DELAY=" + delaySeconds, "START REPLICA");
    }

    Path relayIndexFile() {
        String index = query(dr, "SELECT @@relay_log_index");
        Path p = Path.of(index);
        return p.isAbsolute() ? p : Path.of(query(dr, "SELECT @@datadir")).resolve(p);
    }

    GtidSet sourceExecuted() {
        return GtidSet.parse(query(source, "SELECT @@GLOBAL.gtid_executed"));
    }

    GtidSet drRetrieved() {
        return GtidSet.parse(query(dr, "SELECT RECEIVED_TRANSACTION_SET FROM performance_schema.replication_connection_status"));
    }

    /** Polls until the DR's relay log holds everything the source committed. */
    GtidSet awaitRetrieved() {
        GtidSet want = sourceExecuted();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        while (true) {
            GtidSet got = drRetrieved();
            if (got.containsAll(want)) {
                return want;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("DR retrieved " + got + " but source executed " + want + " after 120 s; "
                        + "replication status: " + query(dr, "SELECT CONCAT(SERVICE_STATE, ' ', LAST_ERROR_MESSAGE) FROM performance_schema.replication_connection_status"));
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(20); // poll interval; the deadline above is what bounds the wait
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    static void exec(MysqlInstance db, String... sql) {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(db + ": " + e.getMessage(), e);
        }
    }

    static String query(MysqlInstance db, String sql) {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(db + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            dr.stop();
        } finally {
            source.stop();
        }
    }
}
