package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.Sandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole switchback runbook in one go, its controller killed (halted as by kill -9, with the agents it hosts)
 * at one step of each phase in turn: each restart resumes the journaled runbook by itself and is killed at the next.
 * Before each restart, MySQL itself confirms the kill came where it was meant to, half-way through the phase. The
 * last restart runs to the end, which must be the end of a run never killed ({@link SwitchbackScenario#assertSwitchedBack}).
 */
class SwitchbackCrashTest {
    static final Path DIR = Path.of("target/switchback-crash").toAbsolutePath();
    static final long SEED = Long.getLong("drsp.seed", System.nanoTime());
    static SwitchbackScenario scenario;
    static Sandbox sandbox;
    static Process controller;

    @BeforeAll
    static void up() throws Exception {
        scenario = new SwitchbackScenario(DIR, SEED);
        sandbox = scenario.sandbox;
        controller = ControllerCrashTest.startController(scenario.conf, DIR, Map.of());
        scenario.syncAndStop();
        scenario.failOver();
        System.out.println("switchback-crash: seed " + SEED);
    }

    @AfterAll
    static void down() throws Exception {
        TearDown.all(controller, sandbox);
    }

    @Test
    void aSwitchbackKilledInEveryPhaseResumesToTheEndOfOneNeverKilled() throws Exception {
        Map<String, GtidSet> drBefore = executed(Sandbox.Role.DR);
        controller.destroy();
        assertTrue(controller.waitFor(60, TimeUnit.SECONDS), "the controller stopped");
        // Nothing to resume yet, so the API is waited for: the command needs it.
        controller = ControllerCrashTest.startController(scenario.conf, DIR, Map.of("DRSP_FAILPOINTS",
                "crash-after:StepStarted:SWITCHBACK_PREFLIGHT"));
        CompletableFuture<Cli.Result> command = CompletableFuture.supplyAsync(() ->
                Cli.run("switchback", "1", "--delay", "1", "--config", scenario.conf));
        awaitHalted("the preflight, before anything changed");
        assertEquals(List.of("0", "0", "0"), readOnly(Sandbox.Role.PRODUCTION), "production still serves");
        assertEquals(drBefore, executed(Sandbox.Role.DR), "DR unchanged");
        Cli.Result first = command.get(60, TimeUnit.SECONDS);
        assertEquals(1, first.exitCode(), "the command ends with its controller: " + first);

        restart("crash-after:ShardClosed:s1");
        awaitHalted("production's fence, between shards");
        assertEquals(List.of("1", "1", "0"), readOnly(Sandbox.Role.PRODUCTION), "meta and s1 fenced, s2 not yet");

        restart("crash-after:RollbackArchived");
        awaitHalted("laststamp, archived but nothing undone");
        Path archive = onlyArchive();
        for (String shard : List.of("s1", "s2")) {
            assertTrue(Files.size(archive.resolve(shard).resolve("forward.sql")) > 10_000, shard + " archived in " + archive);
            assertTrue(Db.executed(sandbox.production(shard)).subtract(scenario.point.get(shard)).size() > 50,
                    shard + ": production still holds what it wrote after the point");
            assertEquals("0", Db.one(sandbox.production(shard), "SELECT COUNT(*) FROM information_schema.TABLES"
                    + " WHERE TABLE_SCHEMA = 'drsp_flashback'"), shard + ": no flashback began");
        }

        restart("crash-after:FlashbackPartway:production:s1");
        awaitHalted("production's flashback, part-way through s1");
        long undone = Long.parseLong(Db.one(sandbox.production("s1"), "SELECT COUNT(*) FROM drsp_flashback.reversed"));
        long archived = forwardTransactions(archive.resolve("s1").resolve("forward.sql"));
        assertTrue(undone > 0 && undone < archived, "s1's ledger holds " + undone + " of its " + archived + " undos: killed mid-way");

        restart("crash-after:ShardPurged:s1");
        awaitHalted("the purge, between shards");
        assertEquals(scenario.point.get("s1"), Db.executed(sandbox.production("s1")), "s1 purged to the point");
        assertTrue(!Db.executed(sandbox.production("s2")).equals(scenario.point.get("s2")), "s2 not purged yet");

        restart("crash-after:SwitchbackStepDone:s2"); // the first step of s2 after the purge: its link from DR
        awaitHalted("production's links from DR, after s2's");
        Map<String, String> link = Db.replicaStatus(sandbox.production("s2")).orElseThrow();
        assertEquals(String.valueOf(sandbox.drPrimary("s2").instance().port()), link.get("Source_Port"), "s2 replicates from DR");
        assertTrue(lastModes().contains("\"production\":\"CATCHING_UP\""), "s2's link ended the phase, journaled with it: "
                + lastModes());

        restart("crash-after:ShardClosed:s1"); // production's fence is done: this is DR's
        awaitHalted("DR's stopservice, between shards");
        assertEquals(List.of("1", "1", "0"), readOnly(Sandbox.Role.DR), "DR meta and s1 read-only, s2 still serving");
        assertTrue(lastModes().contains("\"production\":\"CATCHING_UP\""), "DR's fence is not done: " + lastModes());

        restart("crash-after:StepStarted:DROP_LINK:s1"); // production's, the first
        awaitHalted("production's catch-up done, its links being dropped");
        for (String shard : sandbox.shards()) {
            assertTrue(Db.executed(sandbox.production(shard)).containsAll(Db.executed(sandbox.drPrimary(shard))),
                    shard + ": production holds every DR transaction");
            assertEquals(!shard.equals("meta"), Db.replicaStatus(sandbox.production(shard)).isPresent(),
                    shard + ": meta's link from DR is dropped, s1's step had only begun");
        }

        restart("crash-after:HookRan"); // production's start_dbproxy
        awaitHalted("production serves; DR not following yet");
        assertEquals(List.of("0", "0", "0"), readOnly(Sandbox.Role.PRODUCTION));
        String hooks = Files.readString(DIR.resolve("hooks/dbproxy.log"));
        assertTrue(hooks.strip().endsWith("start_dbproxy cluster=1 site=production mode=SERVICE"), hooks);

        restart("crash-after:ShardLinkConfigured:s1");
        awaitHalted("DR's return to sync, between shards");
        assertEquals("Yes", Db.replicaStatus(sandbox.drPrimary("s1")).orElseThrow().get("Replica_IO_Running"), "DR s1 follows");
        assertTrue(Db.replicaStatus(sandbox.drPrimary("s2")).isEmpty(), "DR s2's old link and relay log are discarded, no new one yet");

        restart(null);
        Await.until(java.time.Duration.ofSeconds(120), () -> "SYNC".equals(scenario.status().path("drMode").asText()),
                "the resumed switchback ends with DR in sync");
        scenario.assertSwitchedBack(1);
        assertEquals(1, scenario.archives(), "laststamp archived once, however often it was killed");
    }

    private static void restart(String failpoint) throws Exception {
        if (controller.isAlive()) {
            controller.destroy();
            assertTrue(controller.waitFor(60, TimeUnit.SECONDS), "the controller stopped");
        }
        Map<String, String> env = new HashMap<>();
        env.put("JAVA_TOOL_OPTIONS", "-Ddrsp.snapshot-every=5");
        if (failpoint == null) {
            controller = ControllerCrashTest.startController(scenario.conf, DIR, env);
            return;
        }
        // Not waiting for the API: the resumed runbook may reach the failpoint before it binds.
        env.put("DRSP_FAILPOINTS", failpoint);
        controller = ChildJvm.drsp(DIR.resolve("controller.out"), env, "controller", "--config", scenario.conf);
    }

    private static void awaitHalted(String where) throws InterruptedException {
        assertTrue(controller.waitFor(180, TimeUnit.SECONDS), "the controller halted at its failpoint in " + where);
        assertEquals(137, controller.exitValue(), where);
    }

    /** The newest mode change in the controller's journal, read from the control database (the controller is dead). */
    private static String lastModes() throws Exception {
        return Db.one(sandbox.control(), "SELECT CAST(event_payload AS CHAR) FROM drsp.event_journal"
                + " WHERE event_ser_manifest LIKE '%ModesChanged' ORDER BY ordering DESC LIMIT 1");
    }

    /** super_read_only of each primary of a site, meta first. */
    private static List<String> readOnly(Sandbox.Role role) throws Exception {
        List<String> out = new java.util.ArrayList<>();
        for (Sandbox.Member m : sandbox.members(role)) {
            out.add(Db.one(m, "SELECT @@super_read_only"));
        }
        return out;
    }

    private static Map<String, GtidSet> executed(Sandbox.Role role) throws Exception {
        Map<String, GtidSet> m = new java.util.TreeMap<>();
        for (Sandbox.Member member : sandbox.members(role)) {
            m.put(member.shard(), Db.executed(member));
        }
        return m;
    }

    private static Path onlyArchive() throws Exception {
        try (Stream<Path> dirs = Files.list(sandbox.dir().resolve("state/archive/1"))) {
            List<Path> found = dirs.filter(p -> p.getFileName().toString().startsWith("switchback-")).toList();
            assertEquals(1, found.size(), found.toString());
            return found.get(0);
        }
    }

    private static long forwardTransactions(Path forward) throws Exception {
        try (Stream<String> lines = Files.lines(forward)) {
            return lines.filter(l -> SwitchbackTest.FORWARD_TRX.matcher(l).find()).count();
        }
    }
}
