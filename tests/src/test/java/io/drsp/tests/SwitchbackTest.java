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
 * Switchback end to end on real servers, with the bank's cross-shard XA traffic (DESIGN §6), from the failover of
 * {@link SwitchbackScenario}. Production is fenced and rolled back by laststamp on its own (its archive checked
 * against mysqlbinlog and re-applied to a copy), and switchback finishes from there; {@link SwitchbackCrashTest}
 * runs the whole runbook in one go, killed at each step.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwitchbackTest {
    static final Path DIR = Path.of("target/switchback").toAbsolutePath();
    static final long SEED = Long.getLong("drsp.seed", System.nanoTime());
    static final String GTRID = SwitchbackScenario.GTRID;
    static final Pattern FORWARD_TRX = Pattern.compile("^-- ([0-9a-f-]+:\\d+) \\(original commit");
    static SwitchbackScenario scenario;
    static Sandbox sandbox;
    static String conf;
    static Process controller;
    static Map<String, Map<String, Long>> snapshotSums;
    static Map<String, GtidSet> point;

    @BeforeAll
    static void up() throws Exception {
        scenario = new SwitchbackScenario(DIR, SEED);
        sandbox = scenario.sandbox;
        conf = scenario.conf;
        controller = ControllerCrashTest.startController(conf, DIR, Map.of());
        scenario.syncAndStop();
        System.out.println("switchback: seed " + SEED);
    }

    @AfterAll
    static void down() throws Exception {
        TearDown.all(controller, sandbox);
    }

    @Test
    @Order(1)
    void drRecoversToTheMiddleServesAndWritesWhileProductionWritesOn() throws Exception {
        scenario.failOver();
        snapshotSums = scenario.snapshotSums;
        point = scenario.point;
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

    /**
     * A row a DBA wrote by hand on the rolled-back production, unlogged, where DR's service later wrote one: DR's
     * transaction conflicts with production's catch-up. Switchback stops there naming MySQL's error, production stays
     * read-only and catching up; once the DBA removes the row, switchback run again continues.
     */
    @Test
    @Order(4)
    void aDrTransactionThatConflictsWithProductionStopsTheCatchUpAndSwitchbackContinuesOnceFixed() throws Exception {
        Sandbox.Member s1 = sandbox.production("s1");
        // The first transfer DR's service wrote beyond what the rolled-back production holds (DR's auto-increment
        // need not continue right after production's last id: XA branches rolled back on DR consume ids too).
        String max = Db.one(s1, "SELECT MAX(id) FROM bank.transfers");
        String next = Db.one(sandbox.drPrimary("s1"), "SELECT MIN(id) FROM bank.transfers WHERE id > " + max);
        assertTrue(next != null, "DR's service wrote transfers beyond production's " + max);
        unlogged(s1, "INSERT INTO bank.transfers (id, from_id, to_id, amount, gtrid, created_at) VALUES (" + next
                + ", 1, 2, 0.01, NULL, NOW(6))");
        Cli.Result stopped = Cli.run("switchback", "1", "--delay", "1", "--config", conf);
        assertEquals(1, stopped.exitCode(), stopped.toString());
        System.out.println("switchback: stopped at the conflict: " + stopped.err());
        assertTrue(stopped.err().contains("production shard s1") && stopped.err().contains("stopped replaying its DR shard")
                && stopped.err().contains("Duplicate entry") && stopped.err().contains("run switchback 1 again"), stopped.err());
        assertEquals("CATCHING_UP", status().path("productionMode").asText());
        assertEquals("SERVICE", status().path("drMode").asText(), "DR still serves");
        for (String shard : sandbox.shards()) {
            assertEquals("1", Db.one(sandbox.production(shard), "SELECT @@super_read_only"), "production " + shard + " stays read-only");
        }
        unlogged(s1, "DELETE FROM bank.transfers WHERE id = " + next);
    }

    private static void unlogged(Sandbox.Member m, String dml) throws Exception {
        try (Connection c = m.instance().connect(); Statement st = c.createStatement()) {
            st.execute("SET SESSION sql_log_bin = 0");
            st.execute("SET GLOBAL super_read_only = OFF");
            try {
                st.execute(dml);
            } finally {
                st.execute("SET GLOBAL super_read_only = ON");
            }
        }
    }

    @Test
    @Order(5)
    void switchbackFinishesAndDrFollowsProductionWithNoErrantGtidAndEqualTables() throws Exception {
        long started = System.nanoTime();
        Cli.Result switchback = Cli.run("switchback", "1", "--delay", "1", "--config", conf);
        assertEquals(0, switchback.exitCode(), switchback.toString());
        System.out.println("switchback: switchback printed in " + (System.nanoTime() - started) / 1_000_000 + " ms:\n" + switchback.out());
        assertTrue(switchback.out().contains("archived under " + onlyArchive()), "the archive laststamp wrote: " + switchback.out());
        scenario.assertSwitchedBack(1);
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

    private static String hex(String s) {
        return HexFormat.of().formatHex(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static void refused(Cli.Result r, String sentence) {
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.err().contains(sentence), r.toString());
    }

    static JsonNode status() throws Exception {
        return scenario.status();
    }
}
