import io.drsp.agent.relay.RelayIndex;
import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.MysqlDistribution;
import io.drsp.sandbox.MysqlInstance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Relay index benchmark: a source and a DR on a delayed link (SOURCE_DELAY=3600, so the DR only retrieves), a
 * sysbench-like table filled and then updated in multi-row transactions until the DR's relay log holds at least
 * {@code relayMiB}; then, on the same relay files, median of 3 of (1) drsp's full index build
 * ({@link RelayIndex#open}) and (2) {@code mysqlbinlog <all relay files> > /dev/null}, in alternation.
 * Writes bench/relay-index/RESULTS.md (or the file named by the third argument) and deletes the instances and their GBs.
 * Args: [relayMiB=1100] [rowsPerTx=1000] [results=RESULTS.md]
 */
public class RelayIndexBench {
    public static void main(String[] args) throws Exception {
        long relayMiB = args.length > 0 ? Long.parseLong(args[0]) : 1100;
        int rowsPerTx = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        String resultsFile = args.length > 2 ? args[2] : "RESULTS.md";
        Path dir = Path.of("target/relay-bench");
        Map<String, String> settings = Map.of("innodb-buffer-pool-size", "512M", "innodb-redo-log-capacity", "512M",
                "max-binlog-size", "268435456", "max-relay-log-size", "268435456");
        MysqlInstance src = MysqlInstance.startNew(dir, "source", 301, settings);
        Map<String, String> drSettings = new java.util.HashMap<>(settings);
        drSettings.put("skip-replica-start", "ON");
        MysqlInstance dr = MysqlInstance.startNew(dir, "dr", 302, drSettings);
        try {
            exec(dr, "CHANGE REPLICATION SOURCE TO SOURCE_HOST='127.0.0.1', SOURCE_PORT=" + src.port()
                    + ", SOURCE_USER='" + src.credentials().replicationUser() + "', SOURCE_PASSWORD='"
                    + src.credentials().replicationPassword() + "', SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1, "
                    + "SOURCE_DELAY=3600", "START REPLICA");
            Path indexFile = Path.of(one(dr, "SELECT @@datadir")).resolve(one(dr, "SELECT @@relay_log_index"));

            long t0 = System.nanoTime();
            long rows = load(src, dr, indexFile, relayMiB << 20, rowsPerTx);
            awaitRetrieved(src, dr);
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            List<Path> files = relayFiles(indexFile);
            long bytes = 0;
            for (Path f : files) {
                bytes += Files.size(f);
            }
            System.out.printf("relay log: %d files, %.1f MiB, %d row changes written in %.0f s%n",
                    files.size(), bytes / 1048576.0, rows, loadSeconds);

            double[] drsp = new double[3];
            double[] mysqlbinlog = new double[3];
            long transactions = 0;
            for (int run = 0; run < 3; run++) {
                long s = System.nanoTime();
                RelayIndex index = RelayIndex.open(indexFile);
                drsp[run] = (System.nanoTime() - s) / 1e9;
                transactions = index.size();
                GtidSet retrieved = index.retrieved();
                if (run == 0 && !retrieved.equals(GtidSet.parse(one(src, "SELECT @@GLOBAL.gtid_executed")))) {
                    throw new IllegalStateException("index holds " + retrieved + ", source executed something else");
                }
                s = System.nanoTime();
                List<String> cmd = new ArrayList<>(List.of(MysqlDistribution.obtain().mysqlbinlog().toString()));
                files.forEach(f -> cmd.add(f.toString()));
                Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("mysqlbinlog exited with " + p.exitValue());
                }
                mysqlbinlog[run] = (System.nanoTime() - s) / 1e9;
                System.out.printf("run %d: drsp index %.2f s, mysqlbinlog %.2f s%n", run + 1, drsp[run], mysqlbinlog[run]);
            }
            double mib = bytes / 1048576.0;
            double drspRate = mib / median(drsp);
            double binlogRate = mib / median(mysqlbinlog);
            String results = "# Relay index benchmark\n\n"
                    + "Run " + Instant.now() + " on " + machine() + ".\n\n"
                    + "Relay log on a sandbox DR (MySQL 8.0.33, SOURCE_DELAY=3600, CRC32 checksums, no compression): "
                    + files.size() + " files, " + String.format("%.1f MiB", mib) + ", " + transactions + " transactions, "
                    + rows + " row changes of a sysbench-like table (`id, k, c CHAR(120), pad CHAR(60)`; inserts then updates, "
                    + rowsPerTx + " rows per transaction; written in " + String.format("%.0f s", loadSeconds) + ").\n\n"
                    + "| reader | runs (s) | median (s) | MiB/s |\n|---|---|---|---|\n"
                    + String.format("| drsp `RelayIndex.open` (full build) | %s | %.2f | %.0f |%n", runs(drsp), median(drsp), drspRate)
                    + String.format("| `mysqlbinlog <all relay files> > /dev/null` | %s | %.2f | %.0f |%n", runs(mysqlbinlog), median(mysqlbinlog), binlogRate)
                    + String.format("%n**Ratio drsp / mysqlbinlog: %.1fx** (target: >= 1).%n%n", drspRate / binlogRate)
                    + "Load average when measuring: " + Files.readString(Path.of("/proc/loadavg")).strip()
                    + " (the 2 cores are shared with other builds and MySQL instances: absolute speeds are noisy, the ratio less so).\n\n"
                    + "Same files, same run, page cache warm for both (runs alternate; the first drsp run also pays JIT warm-up).\n"
                    + "drsp reads every byte but decodes only format description, GTID, query, XA prepare and transaction\n"
                    + "payload events; row and table-map events are skipped by length. mysqlbinlog decodes every event and\n"
                    + "prints row events as base64.\n\n"
                    + "Reproduce (from the repository root):\n\n"
                    + "```\nmvn -B -q -o -pl drsp-agent install -DskipTests\nbench/relay-index/run.sh "
                    + relayMiB + " " + rowsPerTx + (args.length > 2 ? " " + resultsFile : "") + "\n```\n";
            Files.writeString(Path.of("bench/relay-index").resolve(resultsFile), results);
            System.out.print(results);
        } finally {
            dr.stop();
            src.stop();
            deleteTree(dir);
        }
    }

    /** Inserts, then updates, the table in rowsPerTx chunks until the DR's relay files reach the target size. */
    static long load(MysqlInstance src, MysqlInstance dr, Path indexFile, long targetBytes, int rowsPerTx) throws Exception {
        int tableRows = 1_000_000;
        long changes = 0;
        try (Connection c = src.connect(); Statement st = c.createStatement()) {
            st.execute("SET SESSION cte_max_recursion_depth = 10000000");
            st.execute("CREATE DATABASE sbtest");
            st.execute("CREATE TABLE sbtest.sbtest1 (id INT NOT NULL PRIMARY KEY, k INT NOT NULL DEFAULT 0, "
                    + "c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', KEY k_1 (k))");
            for (int from = 1; from <= tableRows; from += rowsPerTx) {
                int to = Math.min(tableRows, from + rowsPerTx - 1);
                st.execute("INSERT INTO sbtest.sbtest1 (id, k, c, pad) WITH RECURSIVE s(n) AS (SELECT " + from
                        + " UNION ALL SELECT n + 1 FROM s WHERE n < " + to + ") SELECT n, (n * 7919) % " + tableRows
                        + ", LEFT(CONCAT(SHA2(CONCAT('c', n), 256), SHA2(CONCAT('d', n), 256)), 119), "
                        + "LEFT(CONCAT(MD5(CONCAT('p', n)), MD5(CONCAT('q', n))), 59) FROM s");
                changes += to - from + 1;
            }
            for (int pass = 1; relaySize(indexFile) < targetBytes; pass++) {
                for (int from = 1; from <= tableRows && relaySize(indexFile) < targetBytes; from += rowsPerTx) {
                    st.execute("UPDATE sbtest.sbtest1 SET k = k + 1, c = LEFT(CONCAT(SHA2(CONCAT(c, " + pass + "), 256), c), 119) WHERE id BETWEEN "
                            + from + " AND " + (from + rowsPerTx - 1));
                    changes += rowsPerTx;
                }
                awaitRetrieved(src, dr);
            }
        }
        return changes;
    }

    static long relaySize(Path indexFile) throws IOException {
        long total = 0;
        for (Path f : relayFiles(indexFile)) {
            total += Files.exists(f) ? Files.size(f) : 0;
        }
        return total;
    }

    static List<Path> relayFiles(Path indexFile) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String line : Files.readAllLines(indexFile)) {
            if (!line.isBlank()) {
                out.add(indexFile.getParent().resolve(line.strip()).normalize());
            }
        }
        return out;
    }

    static void awaitRetrieved(MysqlInstance src, MysqlInstance dr) throws Exception {
        GtidSet want = GtidSet.parse(one(src, "SELECT @@GLOBAL.gtid_executed"));
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (!GtidSet.parse(one(dr, "SELECT RECEIVED_TRANSACTION_SET FROM performance_schema.replication_connection_status")).containsAll(want)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("DR did not retrieve " + want + " within 600 s");
            }
            Thread.sleep(50); // poll interval; the deadline bounds the wait
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    static String runs(double[] v) {
        return Arrays.stream(v).mapToObj(x -> String.format("%.2f", x)).reduce((a, b) -> a + ", " + b).orElse("");
    }

    static String machine() throws IOException {
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown CPU");
        String mem = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                .findFirst().map(l -> l.replaceAll("\\D+", "")).map(kb -> Long.parseLong(kb) / 1048576 + " GiB RAM").orElse("");
        return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), " + mem + ", Linux "
                + System.getProperty("os.version") + ", Java " + System.getProperty("java.version")
                + " (-Xmx512m -XX:+UseSerialGC), machine shared with other builds";
    }

    static void exec(MysqlInstance db, String... sql) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    static String one(MysqlInstance db, String sql) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
