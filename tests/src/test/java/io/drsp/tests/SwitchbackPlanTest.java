package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.controller.Controller;
import io.drsp.core.config.DrspConfig;
import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.Sandbox;
import io.drsp.sandbox.bank.BankShard;
import io.drsp.sandbox.bank.BankWorkload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Switchback's laststamp plan (DESIGN §6 step 2), end to end on real servers. Production runs the bank with
 * cross-shard XA; DR recovers to a time in the middle of it and enters service, while production, not really lost
 * in a test, keeps writing: exactly the transactions a switchback must reverse. The dry run's plan per production
 * shard is checked against production's own binary log read by mysqlbinlog and against XA RECOVER, and shown to
 * change nothing; then each refusal that can be produced for real is.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwitchbackPlanTest {
    static final Path DIR = Path.of("target/switchback-plan").toAbsolutePath();
    static final long SEED = Long.getLong("drsp.seed", System.nanoTime());
    /** A coordinator that prepared a transfer on both data shards and died: left prepared on production. */
    static final String GTRID = "switchback-lost-1";
    /** The drain bound of every fence here: long enough to see the fence poll, short enough to wait out. */
    static final int DRAIN = 8;
    static Sandbox sandbox;
    static Controller controller;
    static DrspConfig config;
    static String conf;
    static List<BankShard> shards;
    static SwitchbackScenario scenario;

    @BeforeAll
    static void up() throws Exception {
        scenario = new SwitchbackScenario(DIR, SEED, 0, DRAIN);
        sandbox = scenario.sandbox;
        conf = scenario.conf;
        config = DrspConfig.load(sandbox.configFile());
        controller = Controller.start(config, Set.of());
        shards = Bank.shards(sandbox, Sandbox.Role.PRODUCTION);
        scenario.syncAndStop();
        System.out.println("switchback-plan: seed " + SEED);
    }

    @AfterAll
    static void down() throws Exception {
        TearDown.all(controller, sandbox);
    }

    @Test
    @Order(1)
    void refusedUntilDrServesFromARecoveryPoint() throws Exception {
        String middle = scenario.middleOfTraffic();
        Map<String, GtidSet> before = Bank.productionExecuted(sandbox);
        refused(Cli.run("laststamp", "1", "--dry-run", "--config", conf), "DR cluster 1 is in mode STOPPED, where laststamp does not apply");
        assertEquals(0, Cli.run("relaytime", "1", "--time", middle, "--config", conf).exitCode());
        Cli.Result recover = Cli.run("recover", "1", "--config", conf);
        assertEquals(0, recover.exitCode(), recover.toString());
        refused(Cli.run("laststamp", "1", "--dry-run", "--config", conf), "DR cluster 1 is in mode RECOVERED, where laststamp does not apply");
        assertEquals(before.keySet(), Bank.productionExecuted(sandbox).keySet());
        Cli.Result service = Cli.run("service", "1", "--config", conf);
        assertEquals(0, service.exitCode(), service.toString());
    }

    @Test
    @Order(2)
    void theDryRunPlansExactlyWhatProductionExecutedAfterThePointAndChangesNothing() throws Exception {
        // Production serves on after the failover: more transfers (cross-shard ones decided), then one left prepared.
        BankWorkload w = new BankWorkload(shards.subList(1, shards.size()), 40, 3, 120, SEED + 1).withCrossShard(0.5, 0.1, 0.5).start();
        try {
            Await.until(Duration.ofSeconds(60), () -> w.stats().crossShardCommitted() >= 50, "50 more cross-shard transfers on production");
        } finally {
            w.close();
        }
        w.stop();
        for (String shard : List.of("s1", "s2")) {
            prepareAndAbandon(sandbox.production(shard), shard);
        }
        JsonNode status = status();
        JsonNode point = status.path("recoveryPoint");
        String pointTime = RecoveryTest.TIME.format(Instant.ofEpochSecond(0, point.path("clusterTimeMicros").asLong() * 1000)
                .atZone(config.timeZone()));

        refused(Cli.run("laststamp", "1", "--config", conf), "production cluster 1 is in mode SERVICE, where laststamp does not"
                + " apply; stopservice --site production, switchback would fit.");
        refused(Cli.run("laststamp", "1", "--dry-run", "--time", "2001-01-01 00:00:00", "--config", conf),
                "laststamp rolls production back only to the DR cluster's recovery point");

        Map<String, GtidSet> executedBefore = Bank.productionExecuted(sandbox);
        Map<String, GtidSet> drBefore = drExecuted();
        Map<String, Long> sumsBefore = bankChecksums();
        Map<String, List<String>> preparedBefore = preparedOnProduction();
        Cli.Result cli = Cli.run("laststamp", "1", "--dry-run", "--time", pointTime, "--config", conf);
        assertEquals(0, cli.exitCode(), cli.toString());
        assertTrue(cli.out().endsWith("dry run: nothing was changed\n"), cli.out());
        System.out.println("switchback-plan: laststamp --dry-run printed:\n" + cli.out());
        JsonNode plan = laststampApi(Map.of("dryRun", true)).path("laststamp");
        Map<String, GtidSet> executedAfter = Bank.productionExecuted(sandbox);

        // Nothing changed: DR, production's bank tables, its prepared branches, both modes; production's only new
        // transactions are its agents' heartbeats (read by mysqlbinlog below).
        assertEquals(drBefore, drExecuted(), "DR's GTID sets");
        assertEquals(sumsBefore, bankChecksums(), "production's bank tables");
        assertEquals(preparedBefore, preparedOnProduction(), "production's prepared XA branches");
        JsonNode after = status();
        assertEquals("SERVICE", after.path("drMode").asText());
        assertEquals("SERVICE", after.path("productionMode").asText());

        long total = 0;
        for (String shard : sandbox.shards()) {
            JsonNode s = shardOf(plan, shard);
            GtidSet pointGtids = GtidSet.parse(point.path("shardGtids").path(shard).asText());
            GtidSet beyond = GtidSet.parse(s.path("beyondGtids").asText());
            String what = shard + " (seed " + SEED + ")";
            assertTrue(beyond.containsAll(executedBefore.get(shard).subtract(pointGtids)), what + ": everything executed after the"
                    + " point before the dry run is planned: " + beyond.toCompactString());
            assertTrue(executedAfter.get(shard).subtract(pointGtids).containsAll(beyond), what + ": nothing else is planned");
            List<BinlogOracle.Transaction> binlog = BinlogOracle.transactions(sandbox.production(shard));
            for (BinlogOracle.Transaction t : binlog) {
                if (executedAfter.get(shard).subtract(executedBefore.get(shard)).contains(t.gtid())) {
                    assertEquals(Set.of("drsp_heartbeat.heartbeat"), t.tables(), what + ": written during the dry run: " + t.gtid());
                }
            }
            List<BinlogOracle.Transaction> planned = binlog.stream().filter(t -> beyond.contains(t.gtid())).toList();
            assertEquals(beyond.size(), planned.size(), what + ": every planned transaction is in production's binlog");
            assertEquals(beyond.size(), s.path("transactions").asLong(), what);
            // What flashback reverses, by mysqlbinlog: every row of the planned transactions, except those of an XA
            // branch rolled back or left prepared (rolled back first): their rows never took effect.
            Map<String, String> decided = new HashMap<>();
            planned.stream().filter(t -> "COMMIT".equals(t.xaPhase()) || "ROLLBACK".equals(t.xaPhase()))
                    .forEach(t -> decided.put(t.xid(), t.xaPhase()));
            Map<String, Long> rows = new TreeMap<>();
            Set<String> undecided = new HashSet<>();
            for (BinlogOracle.Transaction t : planned) {
                if ("PREPARE".equals(t.xaPhase()) && !"COMMIT".equals(decided.get(t.xid()))) {
                    if (!decided.containsKey(t.xid())) {
                        undecided.add(t.xid());
                    }
                    continue;
                }
                t.rows().forEach((table, n) -> rows.merge(table, n, Long::sum));
            }
            Map<String, Long> plannedRows = new TreeMap<>();
            s.path("tables").fields().forEachRemaining(e -> plannedRows.put(e.getKey(), e.getValue().asLong()));
            assertEquals(rows, plannedRows, what + ": rows per table");
            assertEquals(rows.values().stream().mapToLong(Long::longValue).sum(), s.path("rows").asLong(), what);
            assertEquals(beyond.size() - undecided.size(), s.path("reversed").asLong(), what);
            if (!shard.equals("meta")) {
                assertTrue(rows.getOrDefault("bank.accounts", 0L) > 0 && rows.getOrDefault("bank.transfers", 0L) > 0, what
                        + ": production's transfers after the point are planned: " + rows);
            }
            // The branch left prepared: production's XA RECOVER lists exactly it, and the plan rolls it back first.
            String xid = "X'" + hex(GTRID) + "',X'" + hex(shard) + "',1";
            assertEquals(shard.equals("meta") ? Set.of() : Set.of(xid), undecided, what + ": undecided branches by mysqlbinlog");
            assertEquals(shard.equals("meta") ? List.of() : List.of(GTRID + shard), preparedBefore.get(shard), what);
            assertEquals(undecided.size(), s.path("xa").size(), what + ": " + s.path("xa"));
            for (JsonNode line : s.path("xa")) {
                assertTrue(line.asText().startsWith("XA ROLLBACK " + xid + ": prepared after the recovery point"), line.asText());
            }
            total += beyond.size();
            assertTrue(cli.out().contains("\n" + shard + " "), cli.out());
        }
        assertTrue(total > 0, "production wrote after the point");
    }

    /**
     * Switchback step 1 on real servers: fencing production waits for its open transactions (MySQL shows it polling
     * while s1 stays writable), then makes every primary super_read_only; a fence its prepared branches stop leaves
     * production as it was; service --site production gives production its applications back.
     */
    @Test
    @Order(3)
    void fencingProductionDrainsItThenMakesEveryPrimaryReadOnlyAndServiceUndoesIt() throws Exception {
        Map<String, GtidSet> dr = drExecuted();
        Map<String, Long> sums = bankChecksums();
        String hooks = hookLog();
        refused(Cli.run("stopservice", "1", "--site", "elsewhere", "--config", conf),
                "--site must be dr or production, got \"elsewhere\"; nothing was changed.");
        refused(Cli.run("service", "1", "--site", "production", "--config", conf), "production cluster 1 is in mode SERVICE,"
                + " where service does not apply; stopservice --site production, switchback would fit.");
        refused(Cli.run("stopservice", "1", "--site", "production", "--resolve-prepared", "--config", conf),
                "--resolve-prepared decides the XA branches DR holds prepared");

        int drain = config.clusters().get("1").service().drainTimeoutSeconds();
        Cli.Result dry = Cli.run("stopservice", "1", "--site", "production", "--dry-run", "--config", conf);
        assertEquals(0, dry.exitCode(), dry.toString());
        System.out.println("switchback-plan: stopservice --site production --dry-run printed:\n" + dry.out());
        assertTrue(dry.out().startsWith("dry run, nothing was changed. stopservice --site production would fence production"
                + " cluster 1:\n  run the production site's stop_dbproxy hook (") && dry.out().contains("stop_dbproxy.sh)"), dry.out());
        for (String shard : sandbox.shards()) {
            assertTrue(dry.out().contains("\n  " + shard + " (" + sandbox.production(shard).endpoint() + "): wait up to " + drain + " s for"
                    + " open transactions to end, then super_read_only ON (now OFF)" + (shard.equals("meta") ? "\n"
                    : "; 1 XA branch(es) prepared now: left for laststamp to decide")), shard + ": " + dry.out());
        }
        assertEquals(hooks, hookLog(), "the dry run ran no hook");
        assertEquals(sums, bankChecksums(), "the dry run changed no production table");
        assertEquals(dr, drExecuted(), "the dry run changed no DR GTID set");
        assertProductionReadOnly(false);
        assertEquals("SERVICE", status().path("productionMode").asText());

        // Test 2 left a branch prepared on s1 and s2, as a coordinator that died would: the fence gives a live
        // coordinator the drain bound to end it, then fences anyway and leaves it prepared for laststamp, which rolls
        // back what was prepared after the recovery point. Cancelling the switchback leaves it as it was.
        Map<String, List<String>> prepared = preparedOnProduction();
        long fenceStart = System.nanoTime();
        Cli.Result withPrepared = Cli.run("stopservice", "1", "--site", "production", "--config", conf);
        assertEquals(0, withPrepared.exitCode(), withPrepared.toString());
        assertTrue(System.nanoTime() - fenceStart >= DRAIN * 1_000_000_000L, "the fence waited the drain bound first");
        assertProductionReadOnly(true);
        assertEquals(prepared, preparedOnProduction(), "the fence decided no branch");
        assertEquals("FENCED", status().path("productionMode").asText());
        Cli.Result cancelled = Cli.run("service", "1", "--site", "production", "--config", conf);
        assertEquals(0, cancelled.exitCode(), cancelled.toString());
        assertProductionReadOnly(false);
        assertEquals(prepared, preparedOnProduction(), "cancelling decided no branch");
        String afterCancel = hookLog().substring(hooks.length());
        assertTrue(afterCancel.matches("(?s).* stop_dbproxy cluster=1 site=production mode=FENCED\n"
                + ".* start_dbproxy cluster=1 site=production mode=SERVICE\n"), afterCancel);
        assertEquals("SERVICE", status().path("productionMode").asText());
        for (String shard : List.of("s1", "s2")) {
            Db.exec(sandbox.production(shard), "XA ROLLBACK '" + GTRID + "','" + shard + "'"); // as its coordinator decided
        }

        // An application's transaction still open on s1: the fence waits for it, and MySQL shows it polling.
        Sandbox.Member s1 = sandbox.production("s1");
        String id = Db.one(s1, "SELECT MIN(id) FROM bank.accounts");
        Connection open = s1.instance().connect();
        open.setAutoCommit(false);
        String session;
        try (Statement st = open.createStatement()) {
            st.executeUpdate("UPDATE bank.accounts SET owner = 'fence-open-trx' WHERE id = " + id);
            try (java.sql.ResultSet rs = st.executeQuery("SELECT CONNECTION_ID()")) {
                rs.next();
                session = rs.getString(1);
            }
        }
        String beforeFence = hookLog();
        long polled = RecoveryTest.openTransactionPolls(s1);
        CompletableFuture<Cli.Result> fencing = CompletableFuture.supplyAsync(() ->
                Cli.run("stopservice", "1", "--site", "production", "--config", conf));
        Await.until(Duration.ofSeconds(30), () -> hookLog().substring(beforeFence.length())
                .contains(" stop_dbproxy cluster=1 site=production mode=FENCED"), "production's stop_dbproxy ran first");
        Await.until(Duration.ofSeconds(30), () -> RecoveryTest.openTransactionPolls(s1) >= polled + 5,
                "the fence polls production shard s1 for open transactions again and again");
        assertFalse(fencing.isDone(), "the fence waits for the open transaction");
        assertEquals("0", Db.one(s1, "SELECT @@super_read_only"), "s1 is made read-only only once its transactions ended");
        assertEquals("1", Db.one(s1, "SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = " + session),
                "our transaction is still open");
        open.commit();
        open.close();
        Cli.Result fenced = fencing.get();
        assertEquals(0, fenced.exitCode(), fenced.toString());
        assertTrue(fenced.out().startsWith("production cluster 1 is fenced"), fenced.out());
        assertEquals("fence-open-trx", Db.one(s1, "SELECT owner FROM bank.accounts WHERE id = " + id),
                "the open transaction was let finish, not killed");
        assertProductionReadOnly(true);
        try {
            Db.exec(s1, "UPDATE bank.accounts SET owner = 'late' WHERE id = " + id);
            throw new AssertionError("production accepted a write once fenced");
        } catch (SQLException e) {
            assertEquals(1290, e.getErrorCode(), "super_read_only refuses it");
        }
        JsonNode st = status();
        assertEquals("FENCED", st.path("productionMode").asText());
        assertEquals("SERVICE", st.path("drMode").asText());
        Cli.Result table = Cli.run("status", "1", "--config", conf);
        assertTrue(table.out().contains("production: FENCED   dr: SERVICE"), table.out());
        assertEquals(dr, drExecuted(), "DR's GTID sets: the fence touched production only");
        refused(Cli.run("stopservice", "1", "--site", "production", "--config", conf), "production cluster 1 is in mode FENCED,"
                + " where stopservice does not apply; service --site production, laststamp, switchback would fit.");
        Cli.Result plan = Cli.run("laststamp", "1", "--dry-run", "--config", conf);
        assertEquals(0, plan.exitCode(), "laststamp's plan is read from a fenced production: " + plan);

        // The DBA cancels the switchback: production gets its applications back.
        String beforeUndo = hookLog();
        Cli.Result back = Cli.run("service", "1", "--site", "production", "--config", conf);
        assertEquals(0, back.exitCode(), back.toString());
        assertProductionReadOnly(false);
        Db.exec(s1, "UPDATE bank.accounts SET owner = 'after-fence' WHERE id = " + id);
        assertTrue(hookLog().substring(beforeUndo.length()).matches(".* start_dbproxy cluster=1 site=production mode=SERVICE\n"),
                hookLog().substring(beforeUndo.length()));
        assertEquals("SERVICE", status().path("productionMode").asText());
        assertEquals(dr, drExecuted(), "DR's GTID sets");
    }

    @Test
    @Order(4)
    void refusesNamingEachShardWhatNoRollbackCanFix() throws Exception {
        // s1: DDL after the point; s2: its binlog after the point purged; meta: its GTID history reset, so it no
        // longer holds the point.
        Db.exec(sandbox.production("s1"), "CREATE TABLE bank.switchback_ddl (id INT PRIMARY KEY)");
        String ddl = lastDdlGtid(sandbox.production("s1"));
        Db.exec(sandbox.production("s2"), "FLUSH BINARY LOGS");
        String newest = newestBinlog(sandbox.production("s2"));
        Db.exec(sandbox.production("s2"), "PURGE BINARY LOGS TO '" + newest + "'");
        Db.exec(sandbox.production("meta"), "RESET MASTER");
        Map<String, Long> sums = bankChecksums();
        Map<String, GtidSet> dr = drExecuted();

        Cli.Result r = Cli.run("laststamp", "1", "--dry-run", "--config", conf);
        refused(r, "dry run, nothing was changed; laststamp would be refused:");
        System.out.println("switchback-plan: refused: " + r.err());
        assertTrue(r.err().contains("production shard s1 (") && r.err().contains(ddl) && r.err().contains("CREATE TABLE bank.switchback_ddl")
                && r.err().contains("Rebuild this shard from DR instead of rolling it back."), r.err());
        assertTrue(r.err().contains("production shard s2 (") && r.err().contains("has purged the binary log holding")
                && r.err().contains("rebuild this shard from DR instead of rolling it back."), r.err());
        assertTrue(r.err().contains("production shard meta (") && r.err().contains("of the recovery point, so no rollback can"
                + " bring it there"), r.err());
        assertEquals(sums, bankChecksums(), "nothing changed");
        assertEquals(dr, drExecuted(), "nothing changed on DR");

        sandbox.production("s2").instance().stop();
        Cli.Result down = Cli.run("laststamp", "1", "--dry-run", "--config", conf);
        refused(down, "production shard s2 (" + sandbox.production("s2").endpoint() + ") is unreachable");
        System.out.println("switchback-plan: refused: " + down.err());

        // Fencing a production with a shard down is refused before its hook runs or any shard is touched.
        String hooks = hookLog();
        refused(Cli.run("stopservice", "1", "--site", "production", "--dry-run", "--config", conf), "dry run, nothing was"
                + " changed; stopservice --site production would be refused: production shard s2 ("
                + sandbox.production("s2").endpoint() + ") is unreachable");
        Cli.Result fence = Cli.run("stopservice", "1", "--site", "production", "--config", conf);
        refused(fence, "production shard s2 (" + sandbox.production("s2").endpoint() + ") is unreachable");
        assertTrue(fence.err().contains("nothing was changed"), fence.err());
        assertEquals(hooks, hookLog(), "no hook ran");
        for (String shard : List.of("meta", "s1")) {
            assertEquals("0", Db.one(sandbox.production(shard), "SELECT @@super_read_only"), shard);
        }
        assertEquals("SERVICE", status().path("productionMode").asText());
    }

    private static String hookLog() {
        try {
            Path log = DIR.resolve("hooks/dbproxy.log");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Read from each production primary itself, not from drsp's status. */
    private static void assertProductionReadOnly(boolean readOnly) throws SQLException {
        for (String shard : sandbox.shards()) {
            assertEquals(readOnly ? "1" : "0", Db.one(sandbox.production(shard), "SELECT @@super_read_only"), "production " + shard);
        }
    }

    private static void prepareAndAbandon(Sandbox.Member m, String bqual) throws Exception {
        try (Connection c = m.instance().connect(); Statement st = c.createStatement()) {
            st.execute("XA START '" + GTRID + "','" + bqual + "'");
            st.execute("UPDATE bank.accounts SET balance = balance - 1 WHERE id = (SELECT MIN(id) FROM (SELECT id FROM bank.accounts) a)");
            st.execute("XA END '" + GTRID + "','" + bqual + "'");
            st.execute("XA PREPARE '" + GTRID + "','" + bqual + "'");
        } // the session ends; MySQL keeps the branch prepared, as for a coordinator that died
    }

    /** The newest transaction without rows that is no XA decision: the DDL (heartbeats write rows meanwhile). */
    private static String lastDdlGtid(Sandbox.Member m) throws Exception {
        List<BinlogOracle.Transaction> binlog = BinlogOracle.transactions(m);
        for (int i = binlog.size() - 1; i >= 0; i--) {
            if (binlog.get(i).tables().isEmpty() && binlog.get(i).xaPhase() == null) {
                return binlog.get(i).gtid().toString();
            }
        }
        throw new AssertionError("no DDL in " + m.name() + "'s binlog");
    }

    private static String newestBinlog(Sandbox.Member m) throws Exception {
        try (Connection c = m.instance().connect(); Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SHOW BINARY LOGS")) {
            String last = null;
            while (rs.next()) {
                last = rs.getString(1);
            }
            return last;
        }
    }

    private static String hex(String s) {
        return HexFormat.of().formatHex(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static JsonNode shardOf(JsonNode plan, String shard) {
        for (JsonNode s : plan.path("shards")) {
            if (s.path("shard").asText().equals(shard)) {
                return s;
            }
        }
        throw new AssertionError("no plan for shard " + shard + ": " + plan);
    }

    private static Map<String, GtidSet> drExecuted() throws Exception {
        Map<String, GtidSet> m = new HashMap<>();
        for (String shard : sandbox.shards()) {
            m.put(shard, Db.executed(sandbox.drPrimary(shard)));
        }
        return m;
    }

    private static Map<String, Long> bankChecksums() throws Exception {
        Map<String, Long> m = new TreeMap<>();
        for (String shard : List.of("s1", "s2")) {
            for (String table : List.of("bank.accounts", "bank.transfers")) {
                m.put(shard + ":" + table, Db.checksum(sandbox.production(shard), table));
            }
        }
        return m;
    }

    private static Map<String, List<String>> preparedOnProduction() throws Exception {
        Map<String, List<String>> m = new TreeMap<>();
        for (String shard : sandbox.shards()) {
            m.put(shard, Db.xaRecover(sandbox.production(shard)));
        }
        return m;
    }

    private static void refused(Cli.Result r, String sentence) {
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.err().contains(sentence), r.toString());
    }

    private static JsonNode status() throws Exception {
        Cli.Result r = Cli.run("status", "1", "--json", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        return new ObjectMapper().readTree(r.out());
    }

    private static JsonNode laststampApi(Map<String, Object> body) throws Exception {
        return Api.post(config, "laststamp", body, Duration.ofSeconds(120));
    }
}
