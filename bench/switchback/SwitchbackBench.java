import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.cli.Drsp;
import io.drsp.controller.Controller;
import io.drsp.core.config.DrspConfig;
import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.MysqlInstance;
import io.drsp.sandbox.Sandbox;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Switchback, timed: on a sandbox of 2 data shards (and meta), each DR shard with one local replica, DR recovers all
 * of production's relay log and serves; production, not really lost, writes {@code rowChangesPerShard} row changes on
 * each data shard after the recovery point (updates, inserts, deletes in 10-row transactions, one client per shard,
 * the shards in parallel) while DR writes a little of its own. Then {@code switchback 1 --delay 0} is timed through
 * the CLI as a DBA runs it: fence production, laststamp (archive, XA rollback, flashback, replica catch-up, checksums
 * against the DR snapshot point, purge), production catches up from DR, DR stops serving, production serves, DR
 * follows it again. Per-step times come from the controller's journal; production's downtime is from the DR site's
 * stop_dbproxy step to production's start_dbproxy hook. Rounds fail over again (stopsync, relaytime --all, recover,
 * service) and repeat.
 *
 * Run from the repository root: bench/switchback/run.sh [rounds=1] [rowChangesPerShard=100000]
 */
public class SwitchbackBench {
    static final int ROWS_PER_TABLE = 20000;
    static final int DR_ROW_CHANGES_PER_SHARD = 2000;
    static final List<String> DATA_SHARDS = List.of("s1", "s2");
    static final String[] PHASES = {"preflight", "fence", "laststamp", "catch-up", "DR stop", "production serves", "DR follows"};

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        int rowChanges = args.length > 1 ? Integer.parseInt(args[1]) : 100000;
        Path dir = Path.of("target/bench-switchback").toAbsolutePath();
        Sandbox sandbox = Sandbox.upReplacing(dir.resolve("sandbox"), Sandbox.Options.defaults().withReplicas(1), s -> { });
        String conf = sandbox.configFile().toString();
        Controller controller = Controller.start(DrspConfig.load(sandbox.configFile()), Set.of());
        List<double[]> results = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(DATA_SHARDS.size());
        try {
            for (String shard : DATA_SHARDS) {
                load(sandbox.production(shard).instance());
            }
            check(Drsp.run("sync", "1", "--delay", "0", "--config", conf), "sync");
            for (int round = 1; round <= rounds; round++) {
                // DR follows production with delay 0 (at first after sync, later after the previous switchback): fail over.
                awaitDrApplied(sandbox);
                double failover = timed(() -> {
                    check(Drsp.run("stopsync", "1", "--config", conf), "stopsync");
                    check(Drsp.run("relaytime", "1", "--all", "--config", conf), "relaytime");
                    check(Drsp.run("recover", "1", "--config", conf), "recover");
                    check(Drsp.run("service", "1", "--config", conf), "service");
                });
                // Production, not really lost, writes on after the recovery point; DR serves and writes a little.
                long t = System.nanoTime();
                long produced = 0;
                List<Future<Long>> writers = new ArrayList<>();
                for (int i = 0; i < DATA_SHARDS.size(); i++) {
                    MysqlInstance db = sandbox.production(DATA_SHARDS.get(i)).instance();
                    long seed = round * 31L + i;
                    int firstId = firstId(round, 0, i);
                    writers.add(pool.submit(() -> write(db, rowChanges, new Random(seed), firstId)));
                }
                for (Future<Long> w : writers) {
                    produced += w.get();
                }
                double productionWrites = (System.nanoTime() - t) / 1e9;
                writers.clear();
                long served = 0;
                for (int i = 0; i < DATA_SHARDS.size(); i++) {
                    MysqlInstance db = sandbox.drPrimary(DATA_SHARDS.get(i)).instance();
                    long seed = round * 37L + i + 1000;
                    int firstId = firstId(round, 1, i);
                    writers.add(pool.submit(() -> write(db, DR_ROW_CHANGES_PER_SHARD, new Random(seed), firstId)));
                }
                for (Future<Long> w : writers) {
                    served += w.get();
                }
                System.out.printf("round %d: failover (stopsync, relaytime --all, recover, service) %.1f s; production wrote %d row"
                        + " changes in %.1f s; DR wrote %d%n", round, failover, produced, productionWrites, served);

                long before = lastOrdering(sandbox);
                StringBuilder out = new StringBuilder();
                double switchback = timed(() -> check(capture(out, true, () -> Drsp.run("switchback", "1", "--delay", "0",
                        "--config", conf)), "switchback"));
                List<Event> events = events(sandbox, before);
                Map<String, Double> phases = printStepTimes(events);
                double downtime = downtime(events);
                long reversedRows = archivedRows(events);
                double flashback = stepSeconds(events, "flash back every production shard");
                checkSwitchedBack(sandbox, conf);
                double[] r = new double[5 + PHASES.length];
                r[0] = produced / (double) DATA_SHARDS.size();
                for (int p = 0; p < PHASES.length; p++) {
                    r[1 + p] = phases.getOrDefault(PHASES[p], 0.0);
                }
                r[1 + PHASES.length] = switchback;
                r[2 + PHASES.length] = downtime;
                r[3 + PHASES.length] = reversedRows / flashback;
                r[4 + PHASES.length] = reversedRows;
                results.add(r);
                StringBuilder byPhase = new StringBuilder();
                phases.forEach((p, sec) -> byPhase.append(byPhase.length() == 0 ? "" : ", ").append(String.format("%s %.1f s", p, sec)));
                System.out.printf("round %d: switchback %.1f s through the CLI (journal: %.1f s from its first step to its last event;"
                        + " %s), production down %.1f s; flashback of %d rows in %.1f s (%.0f rows/s)%n", round, switchback,
                        journalSpan(events), byPhase, downtime, reversedRows, flashback, reversedRows / flashback);
            }
        } finally {
            pool.shutdownNow();
            controller.close();
            sandbox.down(false);
        }
        System.out.println();
        StringBuilder header = new StringBuilder("| round | row changes per shard |");
        StringBuilder rule = new StringBuilder("|---|---|");
        for (String p : PHASES) {
            header.append(' ').append(p).append(" s |");
            rule.append("---|");
        }
        System.out.println(header + " total s | production downtime s | flashback rows/s |");
        System.out.println(rule + "---|---|---|");
        for (int i = 0; i < results.size(); i++) {
            double[] r = results.get(i);
            StringBuilder b = new StringBuilder(String.format("| %d | %,.0f |", i + 1, r[0]));
            for (int p = 0; p < PHASES.length; p++) {
                b.append(String.format(" %.1f |", r[1 + p]));
            }
            System.out.println(b + String.format(" %.1f | %.1f | %,.0f |", r[1 + PHASES.length], r[2 + PHASES.length], r[3 + PHASES.length]));
        }
        StringBuilder m = new StringBuilder("median:");
        for (int p = 0; p < PHASES.length; p++) {
            m.append(String.format(" %s %.1f s,", PHASES[p], median(results, 1 + p)));
        }
        System.out.println(m + String.format(" total %.1f s, production downtime %.1f s, flashback %,.0f rows/s",
                median(results, 1 + PHASES.length), median(results, 2 + PHASES.length), median(results, 3 + PHASES.length)));
    }

    /** Insert ids of one writer: round, site (0 production, 1 DR) and shard each get a range of their own. */
    static int firstId(int round, int site, int shard) {
        return Math.toIntExact(ROWS_PER_TABLE + 1 + (round * 4L + site * 2 + shard) * 10_000_000L);
    }

    static void awaitDrApplied(Sandbox sandbox) throws Exception {
        for (String shard : DATA_SHARDS) {
            GtidSet written = executed(sandbox.production(shard).instance());
            while (!executed(sandbox.drPrimary(shard).instance()).containsAll(written)) {
                Thread.sleep(100);
            }
        }
    }

    /** Production serves and DR follows it: every production member writable, every DR member read-only, and drsp says so. */
    static void checkSwitchedBack(Sandbox sandbox, String conf) throws Exception {
        List<String> wrong = new ArrayList<>();
        for (Sandbox.Member m : sandbox.members()) {
            if (m.role() == Sandbox.Role.CONTROL) {
                continue;
            }
            long expected = m.role() == Sandbox.Role.PRODUCTION ? 0 : 1;
            long actual = superReadOnly(m.instance());
            if (actual != expected) {
                wrong.add(m.name() + " super_read_only=" + actual);
            }
        }
        StringBuilder out = new StringBuilder();
        check(capture(out, false, () -> Drsp.run("status", "1", "--json", "--config", conf)), "status");
        JsonNode status = new ObjectMapper().readTree(out.toString());
        if (!"SERVICE".equals(status.path("productionMode").asText()) || !"SYNC".equals(status.path("drMode").asText())) {
            wrong.add("status: production " + status.path("productionMode").asText() + ", DR " + status.path("drMode").asText());
        }
        if (!wrong.isEmpty()) {
            throw new IllegalStateException("switchback did not switch back: " + wrong);
        }
        System.out.println("    checked: production writable, DR read-only, status production SERVICE and DR SYNC");
    }

    static long superReadOnly(MysqlInstance db) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT @@super_read_only")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static long lastOrdering(Sandbox sandbox) throws SQLException {
        try (Connection c = sandbox.control().instance().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(ordering), 0) FROM drsp.event_journal")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    record Event(String manifest, long millis, String payload) {
        boolean is(String type) {
            return manifest.endsWith(type);
        }

        String field(String name) {
            try {
                return new ObjectMapper().readTree(payload).path(name).asText();
            } catch (Exception e) {
                return "";
            }
        }
    }

    static List<Event> events(Sandbox sandbox, long after) throws SQLException {
        List<Event> events = new ArrayList<>();
        try (Connection c = sandbox.control().instance().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT event_ser_manifest, write_timestamp, CAST(event_payload AS CHAR)"
                     + " FROM drsp.event_journal WHERE ordering > " + after + " ORDER BY ordering")) {
            while (rs.next()) {
                events.add(new Event(rs.getString(1), rs.getLong(2), rs.getString(3)));
            }
        }
        return events;
    }

    /**
     * Each runbook step, timed from the journal (StepStarted to the next event written after it), printed and summed by
     * phase of the switchback.
     */
    static Map<String, Double> printStepTimes(List<Event> events) {
        Map<String, Double> phases = new LinkedHashMap<>();
        boolean drStopped = false;
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).is("StepStarted") && i + 1 < events.size()) {
                String description = events.get(i).field("description");
                double seconds = (events.get(i + 1).millis() - events.get(i).millis()) / 1000.0;
                drStopped |= description.equals("run the DR site's stop_dbproxy hook");
                String phase = phase(description, drStopped);
                phases.merge(phase, seconds, Double::sum);
                System.out.printf("    %6.1f s  %-17s %s%n", seconds, phase, description);
            }
        }
        return phases;
    }

    /** The phase of switchback a step belongs to, by the step's description (RunbookStep.describe). */
    static String phase(String d, boolean drStopped) {
        if (d.startsWith("check production can be rolled back")) {
            return "preflight";
        }
        if (d.equals("check every production shard primary answers") || d.equals("run the production site's stop_dbproxy hook")
                || d.startsWith("wait for open transactions on production shard")) {
            return "fence";
        }
        if (d.startsWith("check and archive every production shard") || d.startsWith("roll back the XA branches")
                || d.startsWith("flash back every production shard") || d.startsWith("wait until every production local replica")
                || d.startsWith("check every production member's tables") || d.startsWith("purge production shard")) {
            return "laststamp";
        }
        if (d.startsWith("make production shard") && d.contains("replicate from DR")) {
            return "catch-up";
        }
        if (d.startsWith("wait until every production primary holds every DR transaction")) {
            return drStopped ? "DR stop" : "catch-up";
        }
        if (d.equals("run the DR site's stop_dbproxy hook") || d.startsWith("wait for open transactions on dr shard")) {
            return "DR stop";
        }
        if (d.startsWith("stop production shard") || (d.startsWith("make production shard") && d.endsWith("writable"))
                || d.equals("run the production site's start_dbproxy hook")) {
            return "production serves";
        }
        if (d.startsWith("discard dr shard") || d.startsWith("configure and start the link of shard")) {
            return "DR follows";
        }
        return "other";
    }

    /** From the start of the DR site's stop_dbproxy step to production's start_dbproxy hook having run. */
    static double downtime(List<Event> events) {
        Long from = null;
        for (Event e : events) {
            if (from == null && e.is("StepStarted") && e.field("description").equals("run the DR site's stop_dbproxy hook")) {
                from = e.millis();
            }
            if (from != null && e.is("HookRan") && e.field("hook").contains("start_dbproxy")
                    && e.field("site").equalsIgnoreCase("production")) {
                return (e.millis() - from) / 1000.0;
            }
        }
        throw new IllegalStateException("no DR stop_dbproxy step followed by production's start_dbproxy hook in the journal");
    }

    static double journalSpan(List<Event> events) {
        Event first = events.stream().filter(e -> e.is("StepStarted")).findFirst().orElseThrow();
        return (events.get(events.size() - 1).millis() - first.millis()) / 1000.0;
    }

    static double stepSeconds(List<Event> events, String descriptionStart) {
        for (int i = 0; i + 1 < events.size(); i++) {
            if (events.get(i).is("StepStarted") && events.get(i).field("description").startsWith(descriptionStart)) {
                return (events.get(i + 1).millis() - events.get(i).millis()) / 1000.0;
            }
        }
        throw new IllegalStateException("no step \"" + descriptionStart + "...\" in the journal");
    }

    /** The rows laststamp archived and flashed back on every production shard (the RollbackArchived event). */
    static long archivedRows(List<Event> events) throws Exception {
        for (Event e : events) {
            if (e.is("RollbackArchived")) {
                long rows = 0;
                for (JsonNode shard : new ObjectMapper().readTree(e.payload()).path("archive").path("shards")) {
                    rows += shard.path("rows").asLong();
                }
                return rows;
            }
        }
        throw new IllegalStateException("no RollbackArchived event in the journal");
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

    /** About {@code rows} row changes in transactions of 10: 6 updated, 2 deleted, 2 inserted (ids from {@code nextId}). */
    static long write(MysqlInstance db, int rows, Random r, int nextId) throws SQLException {
        long changed = 0;
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            while (changed < rows) {
                String table = "sbtest.sbtest" + (1 + r.nextInt(2));
                int from = 1 + r.nextInt(ROWS_PER_TABLE - 10);
                changed += st.executeUpdate("UPDATE " + table + " SET k = k + 1, c = '" + "d".repeat(100 + r.nextInt(20))
                        + "' WHERE id BETWEEN " + from + " AND " + (from + 5));
                changed += st.executeUpdate("DELETE FROM " + table + " WHERE id IN (" + (1 + r.nextInt(ROWS_PER_TABLE)) + ", "
                        + (1 + r.nextInt(ROWS_PER_TABLE)) + ")");
                changed += st.executeUpdate("INSERT INTO " + table + " VALUES (" + nextId++ + ", 1, 'bench', 'x'), ("
                        + nextId++ + ", 2, 'bench', 'y')");
                c.commit();
            }
        }
        return changed;
    }

    interface Step {
        void run() throws Exception;
    }

    interface Command {
        int run() throws Exception;
    }

    static double timed(Step s) throws Exception {
        long t = System.nanoTime();
        s.run();
        return (System.nanoTime() - t) / 1e9;
    }

    /** Runs a CLI command in this JVM, its output going into {@code out} (and to the terminal as usual if {@code echo}). */
    static synchronized int capture(StringBuilder out, boolean echo, Command command) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                if (echo) {
                    original.write(b);
                }
                copy.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                if (echo) {
                    original.write(b, off, len);
                }
                copy.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8);
        System.setOut(both);
        try {
            return command.run();
        } finally {
            both.flush();
            System.setOut(original);
            out.append(copy.toString(StandardCharsets.UTF_8));
        }
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

    /** The median (of an even number of rounds: the mean of the middle two). */
    static double median(List<double[]> results, int column) {
        List<Double> v = results.stream().map(r -> r[column]).sorted().toList();
        return v.size() % 2 == 1 ? v.get(v.size() / 2) : (v.get(v.size() / 2 - 1) + v.get(v.size() / 2)) / 2;
    }
}
