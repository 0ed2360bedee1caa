import io.drsp.core.gtid.GtidSet;
import io.drsp.flashback.Flashback;
import io.drsp.flashback.FlashbackApplier;
import io.drsp.flashback.FlashbackPlan;
import io.drsp.flashback.FlashbackRequest;
import io.drsp.flashback.ConnectionSettings;
import io.drsp.flashback.Selection;
import io.drsp.sandbox.MysqlInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Flashback benchmark: sysbench-like tables, >= 1,000,000 mixed row changes on a source, then
 * (1) native MySQL replication applies the same forward changes on a fresh replica (SQL thread timed alone, relay
 *     log already retrieved), and
 * (2) drsp flashback undoes them on the source, end to end (binlog read through the replication protocol, reverse,
 *     render, apply), with sql_log_bin off.
 * Prints rows/s of both, their ratio, the JVM's peak RSS (VmHWM), and checks the source is back to its snapshot.
 * Also prints, per phase, the machine's 1-minute load average (sampled every second) and the CPU seconds the
 * mysqld applying (and, for flashback, this JVM) used: on a shared machine the wall times depend on foreign load,
 * the CPU seconds much less.
 * Args: [rowChanges=1200000] [tables=4] [rowsPerTable=100000] [verifyImages=true] [batchRows=500] [workers=4]
 */
public class FlashbackBench {
    public static void main(String[] args) throws Exception {
        long target = args.length > 0 ? Long.parseLong(args[0]) : 1_200_000;
        int tables = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int rowsPerTable = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
        boolean verify = args.length > 3 ? Boolean.parseBoolean(args[3]) : true;
        int batchRows = args.length > 4 ? Integer.parseInt(args[4]) : 500;
        int workers = args.length > 5 ? Integer.parseInt(args[5]) : FlashbackApplier.Options.DEFAULT_WORKERS;
        Path dir = Path.of("target/bench");
        Map<String, String> settings = Map.of("innodb-buffer-pool-size", "512M", "innodb-redo-log-capacity", "512M",
                "max-allowed-packet", "64M");
        MysqlInstance src = MysqlInstance.startNew(dir, "bench-source", 201, settings);
        MysqlInstance replica = MysqlInstance.startNew(dir, "bench-replica", 202, settings);
        try (Connection s = src.connect(); Connection r = replica.connect()) {
            String load = "SET SESSION cte_max_recursion_depth = 10000000";
            for (Connection c : List.of(s, r)) {
                exec(c, "SET SESSION sql_log_bin = 0", load, "CREATE DATABASE sbtest");
                for (int t = 1; t <= tables; t++) {
                    exec(c, "CREATE TABLE sbtest.sbtest" + t + " (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL DEFAULT 0, "
                            + "c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', KEY k_" + t + " (k))",
                            "INSERT INTO sbtest.sbtest" + t + " (id, k, c, pad) WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL "
                            + "SELECT n + 1 FROM s WHERE n < " + rowsPerTable + ") SELECT n, (n * 7919) % " + rowsPerTable
                            + ", SHA2(CONCAT('c', n), 256), MD5(CONCAT('p', n)) FROM s");
                }
                exec(c, "SET SESSION sql_log_bin = 1");
            }
            GtidSet snapshot = GtidSet.parse(one(s, "SELECT @@GLOBAL.gtid_executed"));
            exec(r, "RESET MASTER", "SET GLOBAL gtid_purged = '" + snapshot.toCompactString() + "'");
            List<String> before = checksums(s, tables);
            System.out.println("loaded " + tables + " x " + rowsPerTable + " rows; snapshot " + snapshot.toCompactString());

            long t0 = System.nanoTime();
            long changed = workload(s, tables, rowsPerTable, target);
            GtidSet workload = GtidSet.parse(one(s, "SELECT @@GLOBAL.gtid_executed")).subtract(snapshot);
            System.out.printf("workload: %d row changes in %d transactions, %.1f s%n", changed, workload.size(), secs(t0));

            // native: fetch the relay log first, then time the applier alone
            String user = src.credentials().adminUser();
            exec(r, "CHANGE REPLICATION SOURCE TO SOURCE_HOST='127.0.0.1', SOURCE_PORT=" + src.port() + ", SOURCE_USER='" + user
                    + "', SOURCE_PASSWORD='" + src.credentials().adminPassword() + "', SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1",
                    "START REPLICA IO_THREAD");
            await(r, "SELECT RECEIVED_TRANSACTION_SET FROM performance_schema.replication_connection_status", workload);
            String nativeWorkers = one(r, "SELECT @@GLOBAL.replica_parallel_workers");
            Phase nativePhase = new Phase(replica);
            long n0 = System.nanoTime();
            exec(r, "START REPLICA SQL_THREAD");
            await(r, "SELECT @@GLOBAL.gtid_executed", workload);
            double nativeSecs = secs(n0);
            System.out.println("native phase: " + nativePhase.end());
            exec(r, "STOP REPLICA");
            double nativeRate = changed / nativeSecs;
            System.out.printf("native apply (replica_parallel_workers=%s): %.1f s, %.0f rows/s%n", nativeWorkers, nativeSecs, nativeRate);
            if (!checksums(r, tables).equals(checksums(s, tables))) {
                throw new AssertionError("the replica does not match the source");
            }

            ConnectionSettings cs = new ConnectionSettings("127.0.0.1", src.port(), user, src.credentials().adminPassword());
            FlashbackRequest request = FlashbackRequest.onServer(cs, new Selection.AllExcept(snapshot))
                    .withOptions(new FlashbackApplier.Options(false, null, batchRows, 4 << 20, verify, workers));
            Phase flashbackPhase = new Phase(src);
            long f0 = System.nanoTime();
            double planSecs;
            double rowCheckSecs;
            long rows;
            try (FlashbackPlan plan = Flashback.plan(request)) {
                planSecs = secs(f0);
                rowCheckSecs = plan.rowCheck().took().toNanos() / 1e9;
                System.out.printf("pre-flight row check: %d rows matched by digest, %d compared value by value%n", plan.rowCheck().rowsByDigest(), plan.rowCheck().rowsByValue());
                rows = plan.rows();
                System.out.println("plan: " + plan.transactions() + " transactions, " + rows + " rows, " + String.format("%.1f s", planSecs));
                Flashback.apply(plan, p -> System.out.println("  " + p));
            }
            double flashSecs = secs(f0);
            System.out.printf("pre-flight row check: %.1f s, %.1f %% of the end-to-end flashback (target <= 10 %%)%n",
                    rowCheckSecs, 100 * rowCheckSecs / flashSecs);
            System.out.println("flashback phase: " + flashbackPhase.end());
            double flashRate = rows / flashSecs;
            long rssKb = vmHwmKb();
            System.out.printf("flashback (verifyImages=%s, batchRows=%d, workers=%d): %.1f s end to end (read+check %.1f s), %.0f rows/s%n",
                    verify, batchRows, workers, flashSecs, planSecs, flashRate);
            System.out.printf("ratio flashback/native: %.2f%n", flashRate / nativeRate);
            System.out.printf("peak RSS of this JVM (VmHWM, includes the workload generator): %d MB, max heap %d MB%n",
                    rssKb / 1024, Runtime.getRuntime().maxMemory() >> 20);
            List<String> after = checksums(s, tables);
            System.out.println("source back at snapshot data: " + after.equals(before));
            if (!after.equals(before)) {
                throw new AssertionError("checksums differ: " + before + " vs " + after);
            }
        } finally {
            replica.stop();
            src.stop();
        }
    }

    /** Load average and CPU seconds over one timed phase. */
    static final class Phase {
        private final long mysqldPid;
        private final double mysqldCpu0;
        private final double jvmCpu0;
        private final List<Double> load = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final Thread sampler;

        Phase(MysqlInstance applying) throws Exception {
            mysqldPid = applying.processHandle().orElseThrow().pid();
            mysqldCpu0 = cpuSeconds(mysqldPid);
            jvmCpu0 = cpuSeconds(ProcessHandle.current().pid());
            sampler = new Thread(() -> {
                try {
                    while (true) {
                        load.add(Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]));
                        Thread.sleep(1000); // a sampling period, not a wait for a condition
                    }
                } catch (Exception e) {
                    // interrupted: the phase ended
                }
            }, "load-sampler");
            sampler.setDaemon(true);
            sampler.start();
        }

        String end() throws Exception {
            double mysqld = cpuSeconds(mysqldPid) - mysqldCpu0;
            double jvm = cpuSeconds(ProcessHandle.current().pid()) - jvmCpu0;
            sampler.interrupt();
            sampler.join();
            double min = load.stream().mapToDouble(Double::doubleValue).min().orElse(0);
            double max = load.stream().mapToDouble(Double::doubleValue).max().orElse(0);
            double mean = load.stream().mapToDouble(Double::doubleValue).average().orElse(0);
            return String.format("load average %.1f-%.1f (mean %.1f); CPU: applying mysqld %.1f s, this JVM %.1f s",
                    min, max, mean, mysqld, jvm);
        }

        /** utime + stime of a process, from /proc (clock ticks of 1/100 s). */
        static double cpuSeconds(long pid) throws Exception {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        }
    }

    /** Transactions of an UPDATE (200 rows), a DELETE (50) and an INSERT (50) on random tables, until enough rows. */
    static long workload(Connection c, int tables, int rowsPerTable, long target) throws Exception {
        Random rnd = new Random(42);
        long changed = 0;
        long nextId = rowsPerTable + 1L;
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            while (changed < target) {
                int t = 1 + rnd.nextInt(tables);
                int from = 1 + rnd.nextInt(rowsPerTable - 300);
                changed += st.executeUpdate("UPDATE sbtest.sbtest" + t + " SET k = k + 1, c = SHA2(CONCAT(c, " + rnd.nextInt()
                        + "), 256) WHERE id BETWEEN " + from + " AND " + (from + 199));
                int t2 = 1 + rnd.nextInt(tables);
                int from2 = 1 + rnd.nextInt(rowsPerTable - 100);
                changed += st.executeUpdate("DELETE FROM sbtest.sbtest" + t2 + " WHERE id BETWEEN " + from2 + " AND " + (from2 + 49));
                StringBuilder ins = new StringBuilder("INSERT INTO sbtest.sbtest" + (1 + rnd.nextInt(tables)) + " (id, k, c, pad) VALUES ");
                for (int i = 0; i < 50; i++) {
                    ins.append(i == 0 ? "" : ", ").append("(").append(nextId++).append(", ").append(rnd.nextInt(rowsPerTable))
                            .append(", '").append(Long.toHexString(rnd.nextLong())).append("', 'new')");
                }
                changed += st.executeUpdate(ins.toString());
                c.commit();
            }
        }
        c.setAutoCommit(true);
        return changed;
    }

    static void await(Connection c, String sql, GtidSet wanted) throws Exception {
        long deadline = System.nanoTime() + 3_600_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (GtidSet.parse(one(c, sql)).containsAll(wanted)) {
                return;
            }
            Thread.sleep(20); // polling a server status with a deadline (not waiting for time to pass)
        }
        throw new IllegalStateException("timed out waiting for " + sql);
    }

    static List<String> checksums(Connection c, int tables) throws Exception {
        List<String> out = new ArrayList<>();
        for (int t = 1; t <= tables; t++) {
            out.add(one(c, "CHECKSUM TABLE sbtest.sbtest" + t, 2));
        }
        return out;
    }

    static long vmHwmKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    static void exec(Connection c, String... sql) throws Exception {
        try (Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    static String one(Connection c, String sql) throws Exception {
        return one(c, sql, 1);
    }

    static String one(Connection c, String sql, int column) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(column) : null;
        }
    }
}
