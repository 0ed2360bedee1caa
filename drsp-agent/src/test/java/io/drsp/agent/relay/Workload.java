package io.drsp.agent.relay;

import io.drsp.sandbox.MysqlInstance;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Writes transactions of mixed sizes on a source, from a few client threads. */
final class Workload {

    private Workload() {
    }

    static void createTable(MysqlInstance db) {
        ReplicationPair.exec(db, "CREATE DATABASE IF NOT EXISTS relaytest",
                "CREATE TABLE IF NOT EXISTS relaytest.t (id BIGINT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL, "
                        + "c VARCHAR(255) NOT NULL, pad TEXT)");
    }

    /** {@code count} single-row autocommit inserts on one connection. */
    static void small(MysqlInstance db, int count) {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("INSERT INTO relaytest.t (k, c) VALUES (?, ?)")) {
            for (int i = 0; i < count; i++) {
                ps.setInt(1, i);
                ps.setString(2, "row " + i);
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code perThread} transactions on each of {@code threads} connections: mostly one to a few rows, one in 50 a
     * big multi-row insert (hundreds of KB, several row events), one in 40 an update of many rows.
     */
    static void mixed(MysqlInstance db, int threads, int perThread, long seed) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Random random = new Random(seed + t);
                done.add(pool.submit(() -> {
                    try (Connection c = db.connect(); Statement st = c.createStatement()) {
                        st.execute("SET SESSION cte_max_recursion_depth = 100000");
                        for (int i = 0; i < perThread; i++) {
                            int kind = random.nextInt(100);
                            if (kind < 2) {
                                st.execute("INSERT INTO relaytest.t (k, c, pad) WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL "
                                        + "SELECT n + 1 FROM s WHERE n < " + (500 + random.nextInt(1500)) + ") "
                                        + "SELECT n, SHA2(n, 256), REPEAT('p', 200) FROM s");
                            } else if (kind < 5) {
                                st.execute("UPDATE relaytest.t SET k = k + 1 WHERE id % 97 = " + random.nextInt(97) + " LIMIT 300");
                            } else {
                                c.setAutoCommit(false);
                                int rows = 1 + random.nextInt(4);
                                for (int r = 0; r < rows; r++) {
                                    st.execute("INSERT INTO relaytest.t (k, c) VALUES (" + random.nextInt(1000) + ", 'x" + i + "')");
                                }
                                c.commit();
                                c.setAutoCommit(true);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
