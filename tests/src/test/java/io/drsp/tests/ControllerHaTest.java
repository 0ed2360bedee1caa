package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.agent.ClusterRoles;
import io.drsp.core.config.ControllerPeer;
import io.drsp.core.config.DrspConfig;
import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.Sandbox;
import io.drsp.sandbox.bank.BankShard;
import io.drsp.sandbox.bank.BankWorkload;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three controllers in processes of their own (as on three hosts) form one Pekko cluster with the agents, which run
 * as a 'drsp agent' process: every pair's entity is a cluster singleton on the oldest controller. The owner is killed
 * -9 in the middle of a recovery's replay, and another finishes the recovery from the journal to exactly the planned
 * GTID sets; a paused owner, resumed after the takeover, changes nothing; status answers through every controller.
 * Orders 1-2 run in the normal suite; the longer scenarios (pause, kill mid-flashback, rolling restart, repeated
 * takeovers) are tagged ha-long and run with bench/ha/takeover.sh (-DexcludedGroups=), about 13 minutes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControllerHaTest {
    static final Path DIR = Path.of("target/controller-ha").toAbsolutePath();
    /** Beside the sandbox, which its teardown deletes: the controllers' and agents' logs outlive the test. */
    static final Path LOGS = Path.of("target/controller-ha-logs").toAbsolutePath();
    static final ObjectMapper JSON = HaControllers.JSON;
    static Sandbox sandbox;
    static HaControllers ha;
    static String conf;
    static DrspConfig config;
    static List<BankShard> shards;

    @BeforeAll
    static void up() throws Exception {
        sandbox = Sandbox.upReplacing(DIR, Sandbox.Options.defaults(), s -> { });
        ha = new HaControllers(sandbox, LOGS, "");
        conf = ha.conf;
        config = ha.config;
        shards = Bank.shards(sandbox, Sandbox.Role.PRODUCTION);
    }

    @AfterAll
    static void down() throws Exception {
        Path hooks = DIR.resolve("hooks");
        if (Files.isDirectory(hooks) && !Files.exists(hooks.resolve("gate.open"))) {
            Files.createFile(hooks.resolve("gate.open")); // no hook is left waiting behind a failed test
        }
        TearDown.all(ha, sandbox);
    }

    @BeforeEach
    void threeControllersUp() throws Exception {
        ha.restoreAll();
    }

    @Test
    @Order(1)
    void everyControllerAnswersAndStatusNamesTheOwnerAndTheMembers() throws Exception {
        JsonNode s = ha.status();
        String owner = HaControllers.owner(s);
        assertEquals(ClusterRoles.address(config.controller().peer(owner).remoting()), s.path("owner").asText(),
                "the journal names the controller status says drives: " + s.path("controllers"));
        Cli.Result table = Cli.run("status", "1", "--config", conf);
        List<String> members = new ArrayList<>();
        for (ControllerPeer peer : config.controller().peers()) {
            members.add(peer.name() + " (up" + (peer.name().equals(owner) ? ", drives)" : ")"));
        }
        assertTrue(table.out().contains("controllers: " + String.join(", ", members) + "\n"), table.out());
        assertTrue(table.out().contains("driven by: " + s.path("owner").asText()), table.out());
        // Each controller answers the API; the two others pass the request on to the owner.
        for (ControllerPeer peer : config.controller().peers()) {
            HttpResponse<String> r = ha.get(peer, "status");
            assertEquals(200, r.statusCode(), peer.name() + ": " + r.body());
            assertEquals(owner, HaControllers.owner(JSON.readTree(r.body())), peer.name());
        }
        assertEquals(0, Cli.run("sync", "1", "--delay", "0", "--config", conf).exitCode());
        // What a forwarded status costs: medians of 15 calls through the owner and through a non-owner.
        ControllerPeer other = config.controller().peers().stream().filter(p -> !p.name().equals(owner)).findFirst().orElseThrow();
        double[] medians = medianMillis(config.controller().peer(owner), other);
        System.out.printf("status through the owner %s: median %.0f ms; through %s (forwarded): median %.0f ms%n", owner,
                medians[0], other.name(), medians[1]);
    }

    @Test
    @Order(2)
    void killedDuringReplayTheOwnerIsReplacedAndTheRecoveryEndsAtThePlannedPoint() throws Exception {
        Map<String, GtidSet> written = Bank.writtenThenStoppedForRecovery(sandbox, conf, 11);
        Map<String, GtidSet> planned = plannedByMysql();
        JsonNode before = ha.status();
        long epochBefore = before.path("epoch").asLong();
        String killed = HaControllers.owner(before);

        Process recover;
        long killedAtMillis;
        // The test holds a read lock on s1's accounts, so s1's replay cannot finish before the owner dies.
        try (Connection blocker = sandbox.drPrimary("s1").instance().connect(); Statement lock = blocker.createStatement()) {
            lock.execute("LOCK TABLES bank.accounts READ");
            // In a JVM of its own, as a runbook script runs it: the test's in-process CLI goes on answering status.
            recover = ChildJvm.drsp(DIR.resolve("recover.out"), Map.of(), "recover", "1", "--config", conf);
            Await.until(Duration.ofSeconds(60), () -> "Yes".equals(Db.replicaStatus(sandbox.drPrimary("s1")).orElseThrow()
                    .get("Replica_SQL_Running")) && ha.journalHas("StepStarted", "\"description\":\"replay "), "s1 replaying");
            killedAtMillis = System.currentTimeMillis();
            ha.kill(killed);
            ha.awaitTakeover(epochBefore);
            assertTrue(Db.executed(sandbox.drPrimary("s1")).subtract(planned.get("s1")).isEmpty());
            assertFalse(Db.executed(sandbox.drPrimary("s1")).containsAll(planned.get("s1")),
                    "s1 was still short of its target when the owner died and was taken over");
            lock.execute("UNLOCK TABLES");
            // The CLI sent the command to c1 (passed on to the owner if c1 is not); whatever answer or follow-up was
            // lost with the owner, it asked again of the controllers that answer.
            assertTrue(recover.waitFor(5, TimeUnit.MINUTES), "recover ended");
        }
        String out = Files.readString(DIR.resolve("recover.out"));
        assertEquals(0, recover.exitValue(), out);
        assertTrue(out.contains("DR cluster 1 recovered"), out);
        JsonNode s = ha.status();
        assertEquals("RECOVERED", s.path("drMode").asText());
        String owner = HaControllers.owner(s);
        assertTrue(owner != null && !owner.equals(killed), "another controller drives now: " + s.path("controllers"));
        assertEquals(ClusterRoles.address(config.controller().peer(owner).remoting()), s.path("owner").asText(),
                "the journal's takeover names it");
        JsonNode point = s.path("recoveryPoint").path("shardGtids");
        for (String shard : sandbox.shards()) {
            GtidSet executed = Db.executed(sandbox.drPrimary(shard));
            assertTrue(executed.containsAll(written.get(shard)), "dr shard " + shard + " reached everything written");
            assertEquals(planned.get(shard), executed, "dr shard " + shard + " stands exactly at its planned GTID set");
            assertEquals(executed, GtidSet.parse(point.path(shard).asText()), "the recovery point is where " + shard + " stands");
        }
        List<BankShard> dr = Bank.shards(sandbox, Sandbox.Role.DR);
        io.drsp.sandbox.bank.BankTotals totals = io.drsp.sandbox.bank.BankTotals.read(dr.subList(1, dr.size()));
        assertTrue(totals.holds(), "the recovered bank's total holds: " + totals);
        long tookOver = ha.journalMillis("OwnerTookOver", "\"epoch\":" + (epochBefore + 1));
        long firstStep = ha.firstEventAfter(tookOver);
        System.out.printf("takeover after kill -9 of %s: OwnerTookOver %d ms, first event of the new owner %d ms after the kill%n",
                killed, tookOver - killedAtMillis, firstStep - killedAtMillis);
        // the killed controller comes back as a new member, the youngest: the new owner keeps the pair
        ha.start(killed);
        Await.until(Duration.ofSeconds(90), () -> {
            JsonNode st = ha.statusOrNull();
            return st != null && HaControllers.upCount(st) == 3 && owner.equals(HaControllers.owner(st));
        }, killed + " rejoined and " + owner + " still drives");
    }

    @Test
    @Order(3)
    @Tag("ha-long")
    void aPausedOwnerResumedAfterTheTakeoverRunsNoStepAndChangesNoMysql() throws Exception {
        assertEquals(0, Cli.run("service", "1", "--config", conf).exitCode());
        // The drill: what DR holds at its snapshot point, then bank transfers on DR that the flashback must undo.
        atSnapshot = drReading();
        BankWorkload drill = new BankWorkload(Bank.shards(sandbox, Sandbox.Role.DR).subList(1, 3), 50, 2, 200, 12).start();
        Await.until(Duration.ofSeconds(60), () -> drill.stats().committed() >= 300, "300 drill transfers on DR");
        drill.stop();
        assertFalse(atSnapshot.equals(drReading()), "the drill changed DR");
        Path hooks = DIR.resolve("hooks");
        TakeoverFencingTest.gateStopDbproxyHook(hooks);
        JsonNode before = ha.status();
        long epochBefore = before.path("epoch").asLong();
        String paused = HaControllers.owner(before);
        Process stopservice = ChildJvm.drsp(LOGS.resolve("stopservice.out"), Map.of(), "stopservice", "1", "--config", conf);
        Await.until(Duration.ofSeconds(60), () -> TakeoverFencingTest.waitingHooks(hooks) == 1,
                "the owner's stop_dbproxy hook waits at the gate");
        Map<String, Long> fencesBefore = superReadOnlySets();
        long pausedAt = System.currentTimeMillis();
        ha.signal(paused, "STOP");
        ControllerPeer live = config.controller().peers().stream().filter(p -> !p.name().equals(paused)).findFirst().orElseThrow();
        Await.until(Duration.ofSeconds(90), () -> {
            JsonNode s = ha.statusThrough(live);
            return s != null && s.path("epoch").asLong() > epochBefore;
        }, "another controller took the pair over from the paused one");
        Await.until(Duration.ofSeconds(60), () -> TakeoverFencingTest.waitingHooks(hooks) == 2,
                "the new owner resumed stopservice from the journal: its own stop_dbproxy hook waits too");
        Files.createFile(hooks.resolve("gate.open"));
        assertTrue(stopservice.waitFor(3, TimeUnit.MINUTES), "stopservice ended");
        assertEquals(0, stopservice.exitValue(), Files.readString(LOGS.resolve("stopservice.out")));
        JsonNode after = ha.statusThrough(live);
        String owner = HaControllers.owner(after);
        assertTrue(owner != null && !owner.equals(paused), after.path("controllers").toString());
        assertEquals("SERVICE_STOPPED", after.path("drMode").asText(), after.toString());
        Map<String, Long> fencesAfterTakeover = superReadOnlySets();
        Map<String, GtidSet> gtidsAfterTakeover = drExecuted();
        Files.delete(hooks.resolve("gate.open"));
        TakeoverFencingTest.gateStopDbproxyHook(hooks); // later runbooks run the hook too; the gate stays open
        Files.createFile(hooks.resolve("gate.open"));

        // The paused owner wakes up: its hook has long returned, and its next step would close the shards again.
        long resumedAt = System.currentTimeMillis();
        ha.signal(paused, "CONT");
        Process old = ha.controllers.get(paused);
        assertTrue(old.waitFor(60, TimeUnit.SECONDS), "the resumed controller, downed by the majority, ends its process");
        assertEquals(fencesAfterTakeover, superReadOnlySets(), "the resumed controller set super_read_only nowhere");
        assertEquals(gtidsAfterTakeover, drExecuted(), "and changed no DR shard");
        for (var e : fencesAfterTakeover.entrySet()) {
            assertEquals(fencesBefore.get(e.getKey()) + 1, e.getValue(), e.getKey() + " was fenced exactly once, by the new owner");
        }
        assertEquals(List.of(), writersAfterTakeover(epochBefore + 1), "every journal write after the takeover is the new owner's");
        String log = Files.readString(LOGS.resolve("controller-" + paused + ".log"));
        System.out.printf("pause of %s: takeover in %d ms; after SIGCONT it ended in %d ms%n", paused,
                ha.journalMillis("OwnerTookOver", "\"epoch\":" + (epochBefore + 1)) - pausedAt, System.currentTimeMillis() - resumedAt);
        assertFalse(log.contains("took over under epoch " + (epochBefore + 1)), "the paused one never took the pair back");
        ha.rejoin(paused);
    }

    @Test
    @Order(4)
    @Tag("ha-long")
    void killedDuringTheDrillsFlashbackTheOwnerIsReplacedAndPurgeEndsAtTheSnapshotPoint() throws Exception {
        JsonNode before = ha.status();
        long epochBefore = before.path("epoch").asLong();
        String killed = HaControllers.owner(before);
        Process flashback;
        // The test holds a read lock on s1's accounts, so s1's flashback cannot finish before the owner dies.
        try (Connection blocker = sandbox.drPrimary("s1").instance().connect(); Statement lock = blocker.createStatement()) {
            lock.execute("LOCK TABLES bank.accounts READ");
            flashback = ChildJvm.drsp(LOGS.resolve("flashback.out"), Map.of(), "flashback", "1", "--config", conf);
            Await.until(Duration.ofSeconds(90), () -> ha.journalHas("StepStarted", "\"description\":\"undo every shard"),
                    "the flashback step started");
            Await.until(Duration.ofSeconds(60), () -> !drReading().get("s2").equals(atSnapshot.get("s2"))
                    && lockWaits(sandbox.drPrimary("s1")) > 0, "s1's flashback waits for the test's lock");
            ha.kill(killed);
            ha.awaitTakeover(epochBefore);
            assertFalse(drReading().get("s1").equals(atSnapshot.get("s1")), "s1 was not flashed back when the owner died");
            lock.execute("UNLOCK TABLES");
            assertTrue(flashback.waitFor(5, TimeUnit.MINUTES), "flashback ended");
        }
        assertEquals(0, flashback.exitValue(), Files.readString(LOGS.resolve("flashback.out")));
        Cli.Result purge = Cli.run("purge", "1", "--config", conf);
        assertEquals(0, purge.exitCode(), purge.toString());
        assertEquals(atSnapshot, drReading(), "every DR primary is back at the snapshot point: GTID set and CHECKSUM TABLE");
        JsonNode s = ha.status();
        String owner = HaControllers.owner(s);
        assertTrue(owner != null && !owner.equals(killed), s.path("controllers").toString());
        ha.rejoin(killed);
    }

    @Test
    @Order(5)
    @Tag("ha-long")
    void restartingEveryControllerInTurnWhileSyncRunsKeepsStatusAnsweringAndSyncApplying() throws Exception {
        assertEquals(0, Cli.run("sync", "1", "--delay", "0", "--config", conf).exitCode());
        BankWorkload w = new BankWorkload(shards.subList(1, shards.size()), 50, 2, 50, 13).start();
        List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Double> latencies = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean polling = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread poller = new Thread(() -> {
            while (polling.get()) {
                long t0 = System.nanoTime();
                Cli.Result r = Cli.run("status", "1", "--json", "--config", conf);
                latencies.add((System.nanoTime() - t0) / 1e6);
                try {
                    if (r.exitCode() != 0 || !JSON.readTree(r.out()).path("drMode").asText().equals("SYNC")) {
                        failures.add(r.toString());
                    }
                    Thread.sleep(500);
                } catch (Exception e) {
                    failures.add(e.toString());
                }
            }
        }, "status-poller");
        poller.start();
        try {
            for (ControllerPeer peer : config.controller().peers()) {
                Process p = ha.controllers.get(peer.name());
                p.destroy(); // SIGTERM: Pekko's coordinated shutdown leaves the cluster and hands its singletons over
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), peer.name() + " stopped");
                ha.start(peer.name());
                Await.until(Duration.ofSeconds(120), () -> {
                    JsonNode st = ha.statusOrNull();
                    return st != null && HaControllers.upCount(st) == 3 && HaControllers.owner(st) != null;
                }, peer.name() + " rejoined and a controller drives");
            }
        } finally {
            polling.set(false);
            poller.join();
            w.stop();
        }
        assertEquals(List.of(), failures, "every status during the restarts answered, in mode SYNC");
        Map<String, GtidSet> written = Bank.productionExecuted(sandbox);
        Await.until(Duration.ofSeconds(120), () -> {
            for (String shard : sandbox.shards()) {
                if (!Db.executed(sandbox.drPrimary(shard)).containsAll(written.get(shard))) {
                    return false;
                }
            }
            return true;
        }, "DR applied everything production wrote during the restarts");
        for (String shard : sandbox.shards()) {
            assertEquals(written.get(shard), Db.executed(sandbox.drPrimary(shard)), "dr " + shard + " has exactly what production wrote");
            for (String table : List.of("bank.accounts", "bank.transfers")) {
                if (DrillTest.tableExists(sandbox.drPrimary(shard), table)) {
                    assertEquals(Db.checksum(sandbox.production(shard), table), Db.checksum(sandbox.drPrimary(shard), table),
                            shard + " " + table);
                }
            }
        }
        latencies.sort(Double::compare);
        System.out.printf("rolling restart: %d status calls, all answered; median %.0f ms, max %.0f ms%n", latencies.size(),
                latencies.get(latencies.size() / 2), latencies.get(latencies.size() - 1));
    }

    /**
     * The takeover time, kill -9 of the owner to the takeover epoch journaled by the next one and to the first step
     * it runs, over -Ddrsp.ha.takeovers=N kills during delayed sync (bench/ha/takeover.sh; skipped in the normal run).
     */
    @Test
    @Order(6)
    @Tag("ha-long")
    void takeoverTimeOverRepeatedKills() throws Exception {
        int kills = Integer.getInteger("drsp.ha.takeovers", 0);
        org.junit.jupiter.api.Assumptions.assumeTrue(kills > 0, "only with -Ddrsp.ha.takeovers=N (bench/ha/takeover.sh)");
        List<String> rows = new ArrayList<>(List.of("# kill\tvictim\tnew_owner\ttook_over_ms\tfirst_step_ms"));
        List<Long> took = new ArrayList<>();
        for (int i = 1; i <= kills; i++) {
            JsonNode before = ha.status();
            long epochBefore = before.path("epoch").asLong();
            String victim = HaControllers.owner(before);
            long killedAt = System.currentTimeMillis();
            ha.kill(victim);
            Await.until(Duration.ofSeconds(120), () -> ha.journalMillisOrNegative("OwnerTookOver", "\"epoch\":" + (epochBefore + 1), 0) >= 0,
                    "the takeover to epoch " + (epochBefore + 1));
            long tookOver = ha.journalMillis("OwnerTookOver", "\"epoch\":" + (epochBefore + 1)) - killedAt;
            // the first step the new owner runs: a stopsync sent right away, through any controller
            assertEquals(0, Cli.run("stopsync", "1", "--config", conf).exitCode());
            long firstStep = ha.journalMillisOrNegative("StepStarted", "\"step\":0", killedAt) - killedAt;
            String owner = HaControllers.owner(ha.status());
            rows.add(i + "\t" + victim + "\t" + owner + "\t" + tookOver + "\t" + firstStep);
            took.add(tookOver);
            assertEquals(0, Cli.run("sync", "1", "--delay", "0", "--config", conf).exitCode());
            ha.rejoin(victim);
        }
        took.sort(Long::compare);
        rows.add("# median " + took.get(took.size() / 2) + " ms, max " + took.get(took.size() - 1) + " ms over " + kills + " kills");
        Path out = Path.of("target/ha-results/takeover.tsv");
        Files.createDirectories(out.getParent());
        Files.write(out, rows);
        rows.forEach(System.out::println);
    }

    // ---- helpers

    static Map<String, Map<String, Object>> atSnapshot;

    /** Each DR primary's GTID set and CHECKSUM TABLE values (the flashback ledger left out), read with plain JDBC. */
    static Map<String, Map<String, Object>> drReading() throws SQLException {
        Map<String, Map<String, Object>> r = new java.util.TreeMap<>();
        for (String shard : sandbox.shards()) {
            Sandbox.Member m = sandbox.drPrimary(shard);
            r.put(shard, Map.of("gtids", Db.executed(m), "sums", Copies.checksums(m, true)));
        }
        return r;
    }

    /** Sessions of the member waiting for a table lock (the flashback's writes behind the test's LOCK TABLES). */
    static long lockWaits(Sandbox.Member m) throws SQLException {
        return Long.parseLong(Db.one(m, "SELECT COUNT(*) FROM performance_schema.threads WHERE PROCESSLIST_STATE LIKE '%table metadata lock%'"
                + " OR PROCESSLIST_STATE LIKE 'Waiting for table level lock%'"));
    }

    static Map<String, Long> superReadOnlySets() throws Exception {
        Map<String, Long> sets = new java.util.TreeMap<>();
        for (String shard : sandbox.shards()) {
            sets.put(shard, TakeoverFencingTest.superReadOnlySets(sandbox.drPrimary(shard)));
        }
        return sets;
    }

    static Map<String, GtidSet> drExecuted() throws SQLException {
        Map<String, GtidSet> executed = new java.util.TreeMap<>();
        for (String shard : sandbox.shards()) {
            executed.put(shard, Db.executed(sandbox.drPrimary(shard)));
        }
        return executed;
    }

    /**
     * Journal rows written after the takeover to {@code epoch} (and before any later one) by another writer than the one
     * that journaled it (pekko-persistence-jdbc records each journal instance's writer id with every row), as
     * "sequence_number writer".
     */
    static List<String> writersAfterTakeover(long epoch) throws SQLException {
        List<String> others = new ArrayList<>();
        String owner = null;
        try (Connection c = sandbox.control().instance().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT sequence_number, writer, event_ser_manifest, CAST(event_payload AS CHAR)"
                     + " FROM drsp.event_journal WHERE persistence_id = 'pair-1' ORDER BY sequence_number")) {
            while (rs.next()) {
                if (rs.getString(3).endsWith("OwnerTookOver") && rs.getString(4).contains("\"epoch\":" + epoch)) {
                    owner = rs.getString(2);
                } else if (owner != null && rs.getString(3).endsWith("OwnerTookOver")) {
                    break; // a later takeover: its owner's writes are its own
                } else if (owner != null && !rs.getString(2).equals(owner)) {
                    others.add(rs.getLong(1) + " " + rs.getString(2));
                }
            }
        }
        assertTrue(owner != null, "the journal holds the takeover to epoch " + epoch);
        return others;
    }

    /** Medians of 15 status calls through each of two controllers, taken in turns so both see the same machine. */
    static double[] medianMillis(ControllerPeer a, ControllerPeer b) throws Exception {
        List<Double> ta = new ArrayList<>();
        List<Double> tb = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            for (ControllerPeer p : List.of(a, b)) {
                long t0 = System.nanoTime();
                assertEquals(200, ha.get(p, "status").statusCode());
                (p == a ? ta : tb).add((System.nanoTime() - t0) / 1e6);
            }
        }
        ta.sort(Double::compare);
        tb.sort(Double::compare);
        return new double[] {ta.get(7), tb.get(7)};
    }

    /** What --all must reach, in MySQL's own words: what each DR shard has applied and what its receiver retrieved. */
    static Map<String, GtidSet> plannedByMysql() throws SQLException {
        Map<String, GtidSet> planned = new HashMap<>();
        for (String shard : sandbox.shards()) {
            Sandbox.Member dr = sandbox.drPrimary(shard);
            planned.put(shard, Db.executed(dr).union(GtidSet.parse(Db.replicaStatus(dr).orElseThrow().get("Retrieved_Gtid_Set"))));
        }
        return planned;
    }
}
