import io.drsp.cli.Drsp;
import io.drsp.controller.Controller;
import io.drsp.core.config.DrspConfig;
import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.MysqlInstance;
import io.drsp.sandbox.Sandbox;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The end of an island drill, timed: on a sandbox of 2 data shards (and meta), each DR shard with one local replica,
 * a drill writes about {@code rowChanges} row changes (updates, inserts, deletes in 10-row transactions, split
 * between the shards), then stopservice, flashback (archive, parallel undo, replica catch-up) and purge (with table
 * checksums) are timed through the CLI as a DBA runs them. Rounds repeat service, drill, flashback, purge.
 *
 * Run from the repository root: bench/drill/run.sh [rounds=3] [rowChangesPerRound=100000]
 */
public class DrillBench {
    static final int ROWS_PER_TABLE = 20000;

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int rowChanges = args.length > 1 ? Integer.parseInt(args[1]) : 100000;
        Path dir = Path.of("target/bench-drill").toAbsolutePath();
        Sandbox sandbox = Sandbox.upReplacing(dir.resolve("sandbox"), Sandbox.Options.defaults().withReplicas(1), s -> { });
        String conf = sandbox.configFile().toString();
        Controller controller = Controller.start(DrspConfig.load(sandbox.configFile()), Set.of());
        List<double[]> results = new ArrayList<>();
        try {
            for (String shard : List.of("s1", "s2")) {
                load(sandbox.production(shard).instance());
            }
            check(Drsp.run("sync", "1", "--delay", "0", "--config", conf), "sync");
            for (String shard : List.of("s1", "s2")) {
                GtidSet written = executed(sandbox.production(shard).instance());
                while (!executed(sandbox.drPrimary(shard).instance()).containsAll(written)) {
                    Thread.sleep(100);
                }
            }
            check(Drsp.run("stopsync", "1", "--config", conf), "stopsync");
            check(Drsp.run("relaytime", "1", "--all", "--config", conf), "relaytime");
            check(Drsp.run("recover", "1", "--config", conf), "recover");
            for (int round = 1; round <= rounds; round++) {
                double service = timed(() -> check(Drsp.run("service", "1", "--config", conf), "service"));
                long t = System.nanoTime();
                long changed = 0;
                for (String shard : List.of("s1", "s2")) {
                    changed += drill(sandbox.drPrimary(shard).instance(), rowChanges / 2, new Random(round * 31L + shard.hashCode()));
                }
                double drill = (System.nanoTime() - t) / 1e9;
                double stop = timed(() -> check(Drsp.run("stopservice", "1", "--config", conf), "stopservice"));
                long before = lastOrdering(sandbox);
                double flashback = timed(() -> check(Drsp.run("flashback", "1", "--config", conf), "flashback"));
                double purge = timed(() -> check(Drsp.run("purge", "1", "--config", conf), "purge"));
                printStepTimes(sandbox, before);
                results.add(new double[] {changed, service, drill, stop, flashback, purge, changed / flashback});
                System.out.printf("round %d: %d row changes; service %.1f s, drill writes %.1f s, stopservice %.1f s,"
                        + " flashback %.1f s (%.0f rows/s), purge %.1f s, flashback + purge %.1f s%n", round, changed, service,
                        drill, stop, flashback, changed / flashback, purge, flashback + purge);
            }
        } finally {
            controller.close();
            sandbox.down(false);
        }
        System.out.println();
        System.out.println("| round | row changes | service s | stopservice s | flashback s | flashback rows/s | purge s | flashback + purge s |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (int i = 0; i < results.size(); i++) {
            double[] r = results.get(i);
            System.out.printf("| %d | %.0f | %.1f | %.1f | %.1f | %.0f | %.1f | %.1f |%n", i + 1, r[0], r[1], r[3], r[4], r[6], r[5], r[4] + r[5]);
        }
        System.out.printf("median: flashback %.1f s (%.0f rows/s), purge %.1f s, flashback + purge %.1f s%n",
                median(results, 4), median(results, 6), median(results, 5), medianSum(results));
    }

    static long lastOrdering(Sandbox sandbox) throws SQLException {
        try (Connection c = sandbox.control().instance().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(ordering), 0) FROM drsp.event_journal")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Each runbook step since {@code after}, timed from the journal: StepStarted to the next event written after it. */
    static void printStepTimes(Sandbox sandbox, long after) throws SQLException {
        List<String[]> events = new ArrayList<>();
        try (Connection c = sandbox.control().instance().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT event_ser_manifest, write_timestamp, CAST(event_payload AS CHAR)"
                     + " FROM drsp.event_journal WHERE ordering > " + after + " ORDER BY ordering")) {
            while (rs.next()) {
                events.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
            }
        }
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i)[0].endsWith("StepStarted") && i + 1 < events.size()) {
                String description = events.get(i)[2].replaceAll(".*\"description\":\"([^\"]*)\".*", "$1");
                System.out.printf("    %6.1f s  %s%n", (Long.parseLong(events.get(i + 1)[1]) - Long.parseLong(events.get(i)[1])) / 1000.0,
                        description);
            }
        }
    }

    static void load(MysqlInstance db) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE IF NOT EXISTS sbtest");
            for (int t = 1; t <= 2; t++) {
                st.execute("CREATE TABLE sbtest.sbtest" + t + " (id INT PRIMARY KEY, k INT NOT NULL, c CHAR(120) NOT NULL,"
                        + " pad CHAR(60) NOT NULL, KEY k_" + t + " (k))");
                for (int from = 1; from <= ROWS_PER_TABLE; from += 1000) {
                    StringBuilder b = new StringBuilder("INSERT INTO sbtest.sbtest" + t + " VALUES ");
                    for (int id = from; id < from + 1000; id++) {
                        b.append(id == from ? "" : ",").append("(").append(id).append(",").append(id % 997).append(",'")
                                .append("c".repeat(110)).append("','").append("p".repeat(50)).append("')");
                    }
                    st.execute(b.toString());
                }
            }
        }
    }

    /** About {@code rows} row changes in transactions of 10: 6 updated, 2 deleted, 2 inserted (new ids). */
    static long drill(MysqlInstance db, int rows, Random r) throws SQLException {
        long changed = 0;
        int nextId = ROWS_PER_TABLE + 1 + r.nextInt(1_000_000) * 100;
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            while (changed < rows) {
                String table = "sbtest.sbtest" + (1 + r.nextInt(2));
                int from = 1 + r.nextInt(ROWS_PER_TABLE - 10);
                changed += st.executeUpdate("UPDATE " + table + " SET k = k + 1, c = '" + "d".repeat(100 + r.nextInt(20))
                        + "' WHERE id BETWEEN " + from + " AND " + (from + 5));
                changed += st.executeUpdate("DELETE FROM " + table + " WHERE id IN (" + (1 + r.nextInt(ROWS_PER_TABLE)) + ", "
                        + (1 + r.nextInt(ROWS_PER_TABLE)) + ")");
                changed += st.executeUpdate("INSERT INTO " + table + " VALUES (" + nextId++ + ", 1, 'drill', 'x'), ("
                        + nextId++ + ", 2, 'drill', 'y')");
                c.commit();
            }
        }
        return changed;
    }

    interface Step {
        void run() throws Exception;
    }

    static double timed(Step s) throws Exception {
        long t = System.nanoTime();
        s.run();
        return (System.nanoTime() - t) / 1e9;
    }

    static void check(int exit, String what) {
        if (exit != 0) {
            throw new IllegalStateException(what + " exited " + exit);
        }
    }

    static GtidSet executed(MysqlInstance db) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT @@GLOBAL.gtid_executed")) {
            rs.next();
            return GtidSet.parse(rs.getString(1));
        }
    }

    static double median(List<double[]> results, int column) {
        List<Double> v = results.stream().map(r -> r[column]).sorted().toList();
        return v.get(v.size() / 2);
    }

    static double medianSum(List<double[]> results) {
        List<Double> v = results.stream().map(r -> r[4] + r[5]).sorted().toList();
        return v.get(v.size() / 2);
    }
}
