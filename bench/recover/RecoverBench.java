import io.drsp.cli.Drsp;
import io.drsp.controller.Controller;
import io.drsp.core.config.DrspConfig;
import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.MysqlInstance;
import io.drsp.sandbox.Sandbox;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Recover overhead: the time from `drsp recover` to RECOVERED against the time MySQL's applier alone needs to apply
 * the same relay log, measured in one run on two DR copies of the same production shard (the sandbox's DR s1, driven
 * by drsp, and a second replica of production s1 driven by hand). Rounds alternate which goes first.
 *
 * Run from the repository root: bench/recover/run.sh [rounds=3] [transactionsPerRound=30000] [xaFraction=0]
 *
 * With xaFraction above 0, that fraction of the transactions are XA (XA START ... XA PREPARE, then XA COMMIT: two
 * GTIDs each), so drsp's recover also reads every XA statement of the backlog from the relay index, in pages, and
 * plans the cut across them: the ratio then says what the XA checks add.
 */
public class RecoverBench {
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int trxPerRound = args.length > 1 ? Integer.parseInt(args[1]) : 30000;
        double xaFraction = args.length > 2 ? Double.parseDouble(args[2]) : 0;
        Path dir = Path.of("target/bench-recover").toAbsolutePath();
        Sandbox sandbox = Sandbox.upReplacing(dir.resolve("sandbox"), Sandbox.Options.defaults().withShards(1), s -> { });
        String conf = sandbox.configFile().toString();
        Controller controller = Controller.start(DrspConfig.load(sandbox.configFile()), Set.of());
        MysqlInstance production = sandbox.production("s1").instance();
        MysqlInstance drsp = sandbox.drPrimary("s1").instance();
        MysqlInstance nativeCopy = MysqlInstance.startNew(dir, "native", 901, Map.of("skip-replica-start", "ON", "super-read-only", "ON"));
        List<double[]> results = new ArrayList<>();
        try {
            exec(production, "CREATE DATABASE IF NOT EXISTS sbtest",
                    "CREATE TABLE IF NOT EXISTS sbtest.sbtest1 (id INT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL, c CHAR(120) NOT NULL,"
                            + " pad CHAR(60) NOT NULL, KEY k_1 (k))");
            exec(nativeCopy, "CHANGE REPLICATION SOURCE TO SOURCE_HOST='127.0.0.1', SOURCE_PORT=" + production.port()
                    + ", SOURCE_USER='" + sandbox.credentials().replicationUser() + "', SOURCE_PASSWORD='"
                    + sandbox.credentials().replicationPassword() + "', SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1, SOURCE_DELAY=3600",
                    "START REPLICA");
            for (int round = 1; round <= rounds; round++) {
                check(Drsp.run("sync", "1", "--delay", "3600", "--config", conf), "sync");
                if (round > 1) {
                    exec(nativeCopy, "CHANGE REPLICATION SOURCE TO SOURCE_AUTO_POSITION=1, SOURCE_DELAY=3600", "START REPLICA");
                }
                long t = System.nanoTime();
                write(production, trxPerRound, xaFraction);
                System.out.printf("round %d: %d transactions written on production s1 in %.1f s%n", round, trxPerRound,
                        (System.nanoTime() - t) / 1e9);
                GtidSet written = executed(production);
                awaitRetrieved(drsp, written);
                awaitRetrieved(nativeCopy, written);
                check(Drsp.run("stopsync", "1", "--config", conf), "stopsync");
                exec(nativeCopy, "STOP REPLICA");
                check(Drsp.run("relaytime", "1", "--all", "--config", conf), "relaytime");
                double nativeSeconds;
                double drspSeconds;
                if (round % 2 == 1) {
                    nativeSeconds = nativeApply(nativeCopy);
                    drspSeconds = drspRecover(conf);
                } else {
                    drspSeconds = drspRecover(conf);
                    nativeSeconds = nativeApply(nativeCopy);
                }
                if (!executed(drsp).equals(executed(nativeCopy).subtract(executed(nativeCopy).forUuid(uuid(nativeCopy))))) {
                    throw new IllegalStateException("the two copies differ after round " + round);
                }
                results.add(new double[] {nativeSeconds, drspSeconds, drspSeconds / nativeSeconds});
                System.out.printf("round %d: native apply %.2f s, drsp recover %.2f s, ratio %.3f%n", round, nativeSeconds,
                        drspSeconds, drspSeconds / nativeSeconds);
            }
        } finally {
            controller.close();
            nativeCopy.stop();
            sandbox.down(false);
        }
        List<Double> ratios = results.stream().map(r -> r[2]).sorted().toList();
        System.out.printf("%nmedian ratio drsp recover / native apply over %d rounds, XA fraction %.2f: %.3f (target <= 1.05)%n",
                rounds, xaFraction, ratios.get(ratios.size() / 2));
        System.out.println("| round | transactions | native apply s | drsp recover s | ratio |");
        System.out.println("|---|---|---|---|---|");
        for (int i = 0; i < results.size(); i++) {
            System.out.printf("| %d | %d | %.2f | %.2f | %.3f |%n", i + 1, trxPerRound, results.get(i)[0], results.get(i)[1], results.get(i)[2]);
        }
    }

    /** MySQL alone: lift the delay without losing relay log, apply everything retrieved, wait until it is in. */
    static double nativeApply(MysqlInstance db) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            String file;
            long pos;
            GtidSet retrieved;
            try (ResultSet rs = st.executeQuery("SHOW REPLICA STATUS")) {
                rs.next();
                file = rs.getString("Relay_Log_File");
                pos = rs.getLong("Relay_Log_Pos");
                retrieved = GtidSet.parse(rs.getString("Retrieved_Gtid_Set"));
            }
            long t0 = System.nanoTime();
            st.execute("CHANGE REPLICATION SOURCE TO SOURCE_DELAY=0, SOURCE_AUTO_POSITION=0, RELAY_LOG_FILE='" + file
                    + "', RELAY_LOG_POS=" + pos);
            st.execute("START REPLICA SQL_THREAD UNTIL SQL_AFTER_GTIDS='" + retrieved.toCompactString() + "'");
            while (!executed(db).containsAll(retrieved)) {
                Thread.sleep(20);
            }
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    static double drspRecover(String conf) {
        long t0 = System.nanoTime();
        check(Drsp.run("recover", "1", "--config", conf), "recover");
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Sysbench-like write transactions from 4 clients: 2 inserts, 2 updates by key, 1 delete-or-insert. */
    static void write(MysqlInstance db, int transactions, double xaFraction) throws Exception {
        AtomicLong xids = new AtomicLong();
        AtomicLong left = new AtomicLong(transactions);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread th = new Thread(() -> {
                try (Connection c = db.connect()) {
                    c.setAutoCommit(false);
                    java.util.Random r = new java.util.Random(Thread.currentThread().getId());
                    try (PreparedStatement ins = c.prepareStatement("INSERT INTO sbtest.sbtest1 (k, c, pad) VALUES (?, ?, ?)");
                         PreparedStatement upd = c.prepareStatement("UPDATE sbtest.sbtest1 SET k = k + 1, c = ? WHERE id = ?")) {
                        while (left.decrementAndGet() >= 0) {
                            for (int attempt = 0; ; attempt++) {
                                boolean xa = r.nextDouble() < xaFraction;
                                String xid = "'bench-" + xids.incrementAndGet() + "','s1'";
                                try {
                                    if (xa) {
                                        c.setAutoCommit(true);
                                        try (Statement st = c.createStatement()) {
                                            st.execute("XA START " + xid);
                                        }
                                    }
                                    for (int i = 0; i < 2; i++) {
                                        ins.setInt(1, r.nextInt(100000));
                                        ins.setString(2, "c".repeat(100 + r.nextInt(20)));
                                        ins.setString(3, "p".repeat(50));
                                        ins.executeUpdate();
                                        upd.setString(1, "u".repeat(110));
                                        upd.setInt(2, 1 + r.nextInt(Math.max(1, transactions)));
                                        upd.executeUpdate();
                                    }
                                    if (xa) {
                                        try (Statement st = c.createStatement()) {
                                            st.execute("XA END " + xid);
                                            st.execute("XA PREPARE " + xid);
                                            st.execute("XA COMMIT " + xid);
                                        }
                                        c.setAutoCommit(false);
                                    } else {
                                        c.commit();
                                    }
                                    break;
                                } catch (java.sql.SQLTransactionRollbackException deadlock) {
                                    if (xa) {
                                        try (Statement st = c.createStatement()) {
                                            st.execute("XA END " + xid);
                                            st.execute("XA ROLLBACK " + xid);
                                        } catch (SQLException ignored) {
                                            // the victim's branch is already rolled back by the server
                                        }
                                        c.setAutoCommit(false);
                                        if (attempt > 20) {
                                            throw deadlock;
                                        }
                                        continue;
                                    }
                                    c.rollback(); // clients of a real bank retry a deadlock victim, so does the load
                                    if (attempt > 20) {
                                        throw deadlock;
                                    }
                                }
                            }
                        }
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            th.start();
            threads.add(th);
        }
        for (Thread th : threads) {
            th.join();
        }
    }

    static void awaitRetrieved(MysqlInstance db, GtidSet written) throws Exception {
        long deadline = System.currentTimeMillis() + 600_000;
        while (System.currentTimeMillis() < deadline) {
            try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW REPLICA STATUS")) {
                rs.next();
                // After a lossless switch back to auto-position the retrieved set starts afresh: count executed too.
                if (GtidSet.parse(rs.getString("Retrieved_Gtid_Set")).union(executed(db)).containsAll(written)) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(db + " did not retrieve the round's transactions");
    }

    static GtidSet executed(MysqlInstance db) throws SQLException {
        return GtidSet.parse(one(db, "SELECT @@GLOBAL.gtid_executed"));
    }

    static String uuid(MysqlInstance db) throws SQLException {
        return one(db, "SELECT @@server_uuid");
    }

    static String one(MysqlInstance db, String sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static void exec(MysqlInstance db, String... sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    static void check(int exit, String what) {
        if (exit != 0) {
            throw new IllegalStateException("drsp " + what + " exited with " + exit);
        }
    }
}
