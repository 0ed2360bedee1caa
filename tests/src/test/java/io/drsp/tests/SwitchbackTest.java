package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.core.gtid.Gtid;
import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.MysqlDistribution;
import io.drsp.sandbox.MysqlInstance;
import io.drsp.sandbox.Sandbox;
import io.drsp.sandbox.bank.BankSchema;
import io.drsp.sandbox.bank.BankShard;
import io.drsp.sandbox.bank.BankTotals;
import io.drsp.sandbox.bank.BankWorkload;
import io.drsp.sandbox.bank.XaJournal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Switchback end to end on real servers, with the bank's cross-shard XA traffic (DESIGN §6). Production writes; DR
 * syncs with an hour's delay and stops with all of it unapplied, so its relay log holds production's transactions
 * beyond the recovery point, chosen in the middle of the traffic. DR serves and writes; production, not really lost
 * in a test, writes on and leaves a branch prepared. Then production is fenced and rolled back by laststamp on its
 * own (its archive checked against mysqlbinlog and re-applied to a copy), and switchback finishes from there. At the
 * end DR follows production again and, after new production traffic, equals it table for table with no errant GTID:
 * had DR replayed its old relay log, production's reused GTIDs would have made the two differ.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwitchbackTest {
    static final Path DIR = Path.of("target/switchback").toAbsolutePath();
    static final long SEED = Long.getLong("drsp.seed", System.nanoTime());
    static final String GTRID = "switchback-lost";
    static final Pattern FORWARD_TRX = Pattern.compile("^-- ([0-9a-f-]+:\\d+) \\(original commit");
    static Sandbox sandbox;
    static String conf;
    static Process controller;
    static List<BankShard> production;
    static List<BankShard> dr;
    static long workloadStart;
    static long workloadEnd;
    /** The test's own oracle of the snapshot point: each DR primary's checksums when DR entered service. */
    static final Map<String, Map<String, Long>> snapshotSums = new TreeMap<>();
    static Map<String, GtidSet> point;

    @BeforeAll
    static void up() throws Exception {
        sandbox = Sandbox.upReplacing(DIR, Sandbox.Options.defaults().withReplicas(1), s -> { });
        // The fence waits this long for production's prepared branches before leaving them to laststamp.
        Files.writeString(sandbox.configFile(), "drsp.clusters.\"1\".service.drain-timeout = 5\n",
                java.nio.file.StandardOpenOption.APPEND);
        conf = sandbox.configFile().toString();
        controller = ControllerCrashTest.startController(conf, DIR, Map.of());
        List<BankShard> all = Bank.shards(sandbox, Sandbox.Role.PRODUCTION);
        production = all.subList(1, all.size());
        dr = Bank.shards(sandbox, Sandbox.Role.DR).subList(1, all.size());
        BankSchema.create(all.get(0), production, 40);
        assertEquals(0, Cli.run("sync", "1", "--delay", "3600", "--config", conf).exitCode());
        workloadStart = nowMicros();
        BankWorkload w = new BankWorkload(production, 40, 3, 120, SEED).withCrossShard(0.5, 0.1, 0.5).start();
        try {
            Await.until(Duration.ofSeconds(90), () -> w.stats().crossShardCommitted() >= 150 && w.stats().resolved() >= 5,
                    "150 cross-shard transfers committed and 5 abandoned ones resolved on production");
        } finally {
            w.close();
        }
        w.stop();
        workloadEnd = nowMicros();
        Bank.awaitRetrieved(sandbox, Bank.productionExecuted(sandbox));
        assertEquals(0, Cli.run("stopsync", "1", "--config", conf).exitCode());
        System.out.println("switchback: seed " + SEED);
    }

    @AfterAll
    static void down() throws Exception {
        TearDown.all(controller, sandbox);
    }

    @Test
    @Order(1)
    void drRecoversToTheMiddleServesAndWritesWhileProductionWritesOn() throws Exception {
        String middle = RecoveryTest.TIME.format(Instant.ofEpochSecond(0, (workloadStart + (workloadEnd - workloadStart) / 2) * 1000)
                .atZone(sandboxZone()));
        assertEquals(0, Cli.run("relaytime", "1", "--time", middle, "--config", conf).exitCode());
        Cli.Result recover = Cli.run("recover", "1", "--config", conf);
        assertEquals(0, recover.exitCode(), recover.toString());
        for (String shard : sandbox.shards()) {
            GtidSet retrieved = GtidSet.parse(Db.replicaStatus(sandbox.drPrimary(shard)).orElseThrow().get("Retrieved_Gtid_Set"));
            if (!shard.equals("meta")) {
                assertTrue(retrieved.subtract(Db.executed(sandbox.drPrimary(shard))).size() > 50, shard
                        + ": DR's relay log still holds production transactions beyond the point");
            }
        }
        Cli.Result service = Cli.run("service", "1", "--config", conf);
        assertEquals(0, service.exitCode(), service.toString());
        for (String shard : sandbox.shards()) {
            snapshotSums.put(shard, Copies.checksums(sandbox.drPrimary(shard), true));
        }
        JsonNode status = status();
        point = new TreeMap<>();
        status.path("recoveryPoint").path("shardGtids").fields().forEachRemaining(e -> point.put(e.getKey(), GtidSet.parse(e.getValue().asText())));

        // Production serves on after the failover: these are what switchback must take out of it, archived.
        BankWorkload lost = new BankWorkload(production, 40, 2, 80, SEED + 1).withCrossShard(0.5, 0.1, 0.5).start();
        BankWorkload served = new BankWorkload(dr, 40, 2, 80, SEED + 2).withCrossShard(0.5, 0, 0).start();
        try {
            Await.until(Duration.ofSeconds(90), () -> lost.stats().crossShardCommitted() >= 60 && served.stats().crossShardCommitted() >= 60,
                    "60 cross-shard transfers on each site");
        } finally {
            lost.close();
            served.close();
        }
        lost.stop();
        served.stop();
        for (String shard : List.of("s1", "s2")) {
            prepareAndAbandon(sandbox.production(shard), shard);
        }
        assertTrue(BankTotals.read(dr).holds(), "DR's own traffic keeps the bank whole");
    }

    @Test
    @Order(2)
    void theDryRunListsEveryStepAndChangesNothing() throws Exception {
        Map<String, GtidSet> drBefore = executed(Sandbox.Role.DR);
        Map<String, Long> prodSums = bankSums(Sandbox.Role.PRODUCTION);
        Map<String, List<String>> prepared = preparedOnProduction();
        Cli.Result dry = Cli.run("switchback", "1", "--dry-run", "--delay", "1", "--config", conf);
        assertEquals(0, dry.exitCode(), dry.toString());
        System.out.println("switchback: --dry-run printed:\n" + dry.out());
        assertTrue(dry.out().startsWith("dry run, nothing was changed. switchback of cluster 1 from production SERVICE and DR"
                + " SERVICE would run "), dry.out());
        for (String step : List.of("run the production site's stop_dbproxy hook", "check and archive every production shard's"
                + " transactions after the recovery point", "purge production shard s2 (primary, then replicas) to the recovery point",
                "make production shard s1 replicate from DR (delay 0)", "run the DR site's stop_dbproxy hook",
                "discard dr shard s2's link and its relay log from before the failover", "configure and start the link of shard meta")) {
            assertTrue(dry.out().contains(step), step + " in:\n" + dry.out());
        }
        assertTrue(dry.out().contains("laststamp would roll production back to the recovery point"), dry.out());
        assertTrue(dry.out().endsWith("dry run: nothing was changed\n"), dry.out());
        assertEquals(drBefore, executed(Sandbox.Role.DR), "DR's GTID sets");
        assertEquals(prodSums, bankSums(Sandbox.Role.PRODUCTION), "production's bank tables");
        assertEquals(prepared, preparedOnProduction(), "production's prepared XA branches");
        JsonNode s = status();
        assertEquals("SERVICE", s.path("drMode").asText());
        assertEquals("SERVICE", s.path("productionMode").asText());
        refused(Cli.run("laststamp", "1", "--config", conf), "production cluster 1 is in mode SERVICE, where laststamp does not"
                + " apply; stopservice --site production, switchback would fit.");
        refused(Cli.run("switchback", "1", "--delay", "-3", "--config", conf), "the delay must be a whole number of seconds");
    }

    @Test
    @Order(3)
    void laststampArchivesExactlyWhatProductionWroteAfterThePointAndRollsItBack() throws Exception {
        assertEquals(0, Cli.run("stopservice", "1", "--site", "production", "--config", conf).exitCode());
        // What production holds before the rollback: its bank, and its binary log read by mysqlbinlog.
        Map<String, Map<String, Long>> before = new TreeMap<>();
        Map<String, List<BinlogOracle.Transaction>> binlogs = new TreeMap<>();
        for (String shard : sandbox.shards()) {
            before.put(shard, Copies.checksums(sandbox.production(shard), true));
            binlogs.put(shard, BinlogOracle.transactions(sandbox.production(shard)));
        }
        Cli.Result laststamp = Cli.run("laststamp", "1", "--config", conf);
        assertEquals(0, laststamp.exitCode(), laststamp.toString());
        System.out.println("switchback: laststamp printed:\n" + laststamp.out());
        assertEquals("ROLLED_BACK", status().path("productionMode").asText());
        assertEquals("SERVICE", status().path("drMode").asText());

        Path archive = onlyArchive();
        MysqlInstance copy = MysqlInstance.startNew(DIR, "archive-copy", 901, Map.of());
        try {
            for (String shard : sandbox.shards()) {
                Sandbox.Member m = sandbox.production(shard);
                String what = shard + " (seed " + SEED + ")";
                // MySQL's own view: exactly the point as GTID set, the snapshot's tables, nothing prepared.
                assertEquals(point.get(shard), Db.executed(m), what + ": gtid_executed is the recovery point");
                assertEquals(snapshotSums.get(shard), Copies.checksums(m, true), what + ": tables equal DR's at its snapshot point");
                assertEquals(List.of(), Db.xaRecover(m), what + ": nothing left prepared");

                // The archive holds exactly production's transactions after the point, by mysqlbinlog: every one with
                // rows that took effect (a branch rolled back or left undecided changed nothing).
                Map<String, String> decided = new HashMap<>();
                List<BinlogOracle.Transaction> after = binlogs.get(shard).stream().filter(t -> !point.get(shard).contains(t.gtid())).toList();
                after.stream().filter(t -> "COMMIT".equals(t.xaPhase()) || "ROLLBACK".equals(t.xaPhase()))
                        .forEach(t -> decided.put(t.xid(), t.xaPhase()));
                Set<String> expected = new TreeSet<>();
                for (BinlogOracle.Transaction t : after) {
                    boolean noEffect = "PREPARE".equals(t.xaPhase()) && !"COMMIT".equals(decided.get(t.xid()));
                    if (!t.rows().isEmpty() && !noEffect) {
                        expected.add(t.gtid().toString());
                    }
                }
                Path dir = archive.resolve(shard);
                assertEquals(expected, forwardGtids(dir.resolve("forward.sql")), what + ": the archive's transactions");
                String summary = Files.readString(dir.resolve("summary.txt"));
                if (!shard.equals("meta")) {
                    assertTrue(expected.size() > 50, what + ": production's traffic after the point is archived: " + expected.size());
                    assertTrue(summary.contains("rolled back first: XA ROLLBACK X'" + hex(GTRID) + "',X'" + hex(shard) + "',1"), summary);
                }
                // Re-applied to a copy of the rolled-back shard, the forward SQL gives production's tables back.
                reapply(m, copy, dir.resolve("forward.sql"));
                Map<String, Long> reapplied = Copies.checksums(new Sandbox.Member("copy", Sandbox.Role.PRODUCTION, shard, copy), true);
                Map<String, Long> expectedSums = new TreeMap<>(before.get(shard));
                expectedSums.keySet().retainAll(reapplied.keySet());
                assertEquals(expectedSums, reapplied, what + ": the archive re-applied to a copy reproduces production's tables");
                assertTrue(reapplied.keySet().containsAll(List.of("`bank`.`accounts`", "`bank`.`transfers`")) || shard.equals("meta"),
                        reapplied.toString());
            }
        } finally {
            copy.stop();
        }
        Cli.Result again = Cli.run("laststamp", "1", "--config", conf);
        assertEquals(1, again.exitCode(), again.toString());
        assertTrue(again.err().contains("production cluster 1 is in mode ROLLED_BACK, where laststamp does not apply; switchback would fit."),
                again.err());
    }

    @Test
    @Order(4)
    void switchbackFinishesAndDrFollowsProductionWithNoErrantGtidAndEqualTables() throws Exception {
        long started = System.nanoTime();
        Cli.Result switchback = Cli.run("switchback", "1", "--delay", "1", "--config", conf);
        assertEquals(0, switchback.exitCode(), switchback.toString());
        System.out.println("switchback: switchback printed in " + (System.nanoTime() - started) / 1_000_000 + " ms:\n" + switchback.out());
        assertTrue(switchback.out().contains("archived under " + onlyArchive()), "the archive laststamp wrote: " + switchback.out());
        JsonNode s = status();
        assertEquals("SERVICE", s.path("productionMode").asText());
        assertEquals("SYNC", s.path("drMode").asText());
        for (String shard : sandbox.shards()) {
            assertEquals("0", Db.one(sandbox.production(shard), "SELECT @@super_read_only"), "production " + shard + " is writable");
            assertEquals("1", Db.one(sandbox.drPrimary(shard), "SELECT @@super_read_only"), "DR " + shard + " is read-only");
            assertTrue(Db.replicaStatus(sandbox.production(shard)).isEmpty(), "production " + shard + " replicates from nobody");
            Map<String, String> link = Db.replicaStatus(sandbox.drPrimary(shard)).orElseThrow();
            assertEquals(String.valueOf(sandbox.production(shard).instance().port()), link.get("Source_Port"), shard);
            assertEquals("1", link.get("SQL_Delay"), shard + ": DR follows with the delay asked for");
        }
        // New production traffic: DR follows it, and its old relay log (production's rolled-back transactions, whose
        // GTIDs production now reuses) must not have been applied in its place.
        BankWorkload fresh = new BankWorkload(production, 40, 2, 80, SEED + 3).withCrossShard(0.5, 0.1, 0.5).start();
        try {
            Await.until(Duration.ofSeconds(90), () -> fresh.stats().crossShardCommitted() >= 60, "60 new cross-shard transfers");
        } finally {
            fresh.close();
        }
        fresh.stop();
        Map<String, GtidSet> written = Bank.productionExecuted(sandbox);
        Copies.awaitApplied(DrillTest.drMembers(sandbox), written, Duration.ofSeconds(120));
        for (Sandbox.Member m : DrillTest.drMembers(sandbox)) {
            Copies.assertEqualsProduction(sandbox, m, "after the switchback, seed " + SEED);
            assertEquals(List.of(), Db.xaRecover(m), m.name() + ": nothing prepared");
        }
        for (String shard : sandbox.shards()) {
            GtidSet drOwn = Db.executed(sandbox.drPrimary(shard)).subtract(point.get(shard));
            assertTrue(Db.executed(sandbox.production(shard)).containsAll(drOwn), shard + ": production holds every DR transaction");
            assertEquals(List.of(), Db.xaRecover(sandbox.production(shard)), "production " + shard);
        }
        for (List<BankShard> site : List.of(production, dr)) {
            BankTotals totals = BankTotals.read(site);
            assertTrue(totals.holds(), "the bank invariant holds: " + totals);
            assertEquals(List.of(), XaJournal.read(site).torn(), "no global transaction is torn");
        }
    }

    private static Path onlyArchive() throws Exception {
        try (Stream<Path> dirs = Files.list(sandbox.dir().resolve("state/archive/1"))) {
            List<Path> found = dirs.filter(p -> p.getFileName().toString().startsWith("laststamp-")).toList();
            assertEquals(1, found.size(), found.toString());
            return found.get(0);
        }
    }

    private static Set<String> forwardGtids(Path forward) throws Exception {
        Set<String> gtids = new TreeSet<>();
        if (!Files.exists(forward)) {
            return gtids;
        }
        for (String line : Files.readAllLines(forward)) {
            Matcher m = FORWARD_TRX.matcher(line);
            if (m.find()) {
                gtids.add(Gtid.parse(m.group(1)).toString());
            }
        }
        return gtids;
    }

    /** The shard's user schemas dumped into the copy with mysqldump, then the archive's forward SQL run by mysql. */
    private static void reapply(Sandbox.Member from, MysqlInstance copy, Path forward) throws Exception {
        try (Connection c = copy.connect(); Statement st = c.createStatement()) {
            for (String db : List.of("bank", "drsp_heartbeat", "drsp_flashback")) {
                st.execute("DROP DATABASE IF EXISTS " + db);
            }
        }
        List<String> dbs = new ArrayList<>();
        for (String db : List.of("bank", "drsp_heartbeat")) {
            if (DrillTest.tableExists(from, db + (db.equals("bank") ? ".accounts" : ".heartbeat"))) {
                dbs.add(db);
            }
        }
        Path dump = DIR.resolve("copy-" + from.shard() + ".sql");
        Path bin = MysqlDistribution.obtain().mysqlClient().getParent();
        List<String> cmd = new ArrayList<>(List.of(bin.resolve("mysqldump").toString(), "--protocol=TCP", "-h127.0.0.1",
                "-P" + from.instance().port(), "-u" + from.instance().credentials().adminUser(), "--single-transaction",
                "--set-gtid-purged=OFF", "--databases"));
        cmd.addAll(dbs);
        run(new ProcessBuilder(cmd).redirectOutput(dump.toFile()), from.instance());
        run(new ProcessBuilder(bin.resolve("mysql").toString(), "--protocol=TCP", "-h127.0.0.1", "-P" + copy.port(),
                "-u" + copy.credentials().adminUser()).redirectInput(dump.toFile()), copy);
        if (Files.exists(forward)) {
            run(new ProcessBuilder(bin.resolve("mysql").toString(), "--protocol=TCP", "-h127.0.0.1", "-P" + copy.port(),
                    "-u" + copy.credentials().adminUser()).redirectInput(forward.toFile()), copy);
        }
    }

    private static void run(ProcessBuilder pb, MysqlInstance as) throws Exception {
        pb.environment().put("MYSQL_PWD", as.credentials().adminPassword());
        Path err = Files.createTempFile(DIR, "client", ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        assertEquals(0, p.waitFor(), String.join(" ", pb.command()) + ": " + Files.readString(err));
    }

    private static void prepareAndAbandon(Sandbox.Member m, String bqual) throws Exception {
        String id = Db.one(m, "SELECT MIN(id) FROM bank.accounts");
        try (Connection c = m.instance().connect(); Statement st = c.createStatement()) {
            st.execute("XA START '" + GTRID + "','" + bqual + "'");
            st.execute("UPDATE bank.accounts SET balance = balance - 1 WHERE id = " + id);
            st.execute("XA END '" + GTRID + "','" + bqual + "'");
            st.execute("XA PREPARE '" + GTRID + "','" + bqual + "'");
        } // the session ends; MySQL keeps the branch prepared, as for a coordinator that died
    }

    private static Map<String, GtidSet> executed(Sandbox.Role role) throws Exception {
        Map<String, GtidSet> m = new TreeMap<>();
        for (Sandbox.Member member : sandbox.members(role)) {
            m.put(member.shard(), Db.executed(member));
        }
        return m;
    }

    private static Map<String, Long> bankSums(Sandbox.Role role) throws Exception {
        Map<String, Long> m = new TreeMap<>();
        for (Sandbox.Member member : sandbox.members(role)) {
            if (!member.shard().equals("meta")) {
                for (String table : List.of("bank.accounts", "bank.transfers")) {
                    m.put(member.shard() + ":" + table, Db.checksum(member, table));
                }
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

    private static java.time.ZoneId sandboxZone() throws Exception {
        return io.drsp.core.config.DrspConfig.load(sandbox.configFile()).timeZone();
    }

    private static String hex(String s) {
        return HexFormat.of().formatHex(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static void refused(Cli.Result r, String sentence) {
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.err().contains(sentence), r.toString());
    }

    static JsonNode status() throws Exception {
        Cli.Result r = Cli.run("status", "1", "--json", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        return new ObjectMapper().readTree(r.out());
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }
}
