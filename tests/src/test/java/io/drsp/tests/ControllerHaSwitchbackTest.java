package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drsp.sandbox.Sandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A switchback (after the failover of {@link SwitchbackScenario}) driven by a highly available controller cluster,
 * whose owner is killed -9 while production's laststamp is undoing what production wrote after the point: another
 * controller finishes the runbook from the journal, and the end is the end of a switchback never killed. Everything
 * runs over TLS ({@code sandbox up --tls}): remoting, MySQL, the API and its forwarding. Tagged
 * ha-long with the other long HA scenarios, about 5 minutes.
 */
@Tag("ha-long")
class ControllerHaSwitchbackTest {
    static final Path DIR = Path.of("target/controller-ha-switchback").toAbsolutePath();
    static final Path LOGS = Path.of("target/controller-ha-switchback-logs").toAbsolutePath();
    static final long SEED = Long.getLong("drsp.seed", System.nanoTime());
    static SwitchbackScenario scenario;
    static Sandbox sandbox;
    static HaControllers ha;

    @BeforeAll
    static void up() throws Exception {
        // All on TLS: remoting among the controllers and the agents' process, MySQL sessions and links, the API and its
        // forwarding from a non-owner to the owner.
        scenario = new SwitchbackScenario(DIR, SEED, Sandbox.Options.defaults().withReplicas(1).withTls(), 5);
        sandbox = scenario.sandbox;
        // The scenario's drain timeout again: the configuration is written anew for three controllers.
        ha = new HaControllers(sandbox, LOGS, "drsp.clusters.\"1\".service.drain-timeout = 5\n");
        scenario.syncAndStop();
        scenario.failOver();
        System.out.println("controller-ha-switchback: seed " + SEED);
    }

    @AfterAll
    static void down() throws Exception {
        TearDown.all(ha, sandbox);
    }

    @Test
    void killedDuringLaststampTheOwnerIsReplacedAndTheSwitchbackEndsAsOneNeverKilled() throws Exception {
        JsonNode before = ha.status();
        long epochBefore = before.path("epoch").asLong();
        String killed = HaControllers.owner(before);
        Sandbox.Member s1 = sandbox.production("s1");
        Process switchback = ChildJvm.drsp(LOGS.resolve("switchback.out"), Map.of(), "switchback", "1", "--delay", "1",
                "--config", scenario.conf);
        String killedIn;
        long killedAt;
        // The lock is taken once production is fenced: held before, it would keep super_read_only from being set.
        // laststamp's archive reads binary logs only, so the first step the lock stops is one that undoes on s1.
        Await.until(Duration.ofSeconds(90), () -> "1".equals(Db.one(s1, "SELECT @@super_read_only"))
                && "1".equals(Db.one(sandbox.production("s2"), "SELECT @@super_read_only")), "production fenced");
        try (Connection blocker = s1.instance().connect(); Statement lock = blocker.createStatement()) {
            lock.execute("LOCK TABLES bank.accounts READ");
            Await.until(Duration.ofSeconds(120), () -> ControllerHaTest.lockWaits(s1) > 0,
                    "laststamp's undo on production s1 waits for the test's lock");
            killedIn = ha.lastStepStarted();
            assertTrue(killedIn.contains("roll back the XA branches") || killedIn.contains("flash back every production shard"), "killed in laststamp's"
                    + " undo: " + killedIn);
            killedAt = System.currentTimeMillis();
            ha.kill(killed);
            ha.awaitTakeover(epochBefore);
            assertTrue(!Db.executed(s1).equals(scenario.point.get("s1")), "s1 was not purged to the point when its owner died");
            lock.execute("UNLOCK TABLES");
            assertTrue(switchback.waitFor(5, TimeUnit.MINUTES), "switchback ended");
        }
        String out = Files.readString(LOGS.resolve("switchback.out"));
        assertEquals(0, switchback.exitValue(), out);
        JsonNode after = ha.status();
        String owner = HaControllers.owner(after);
        assertTrue(owner != null && !owner.equals(killed), "another controller drives now: " + after.path("controllers"));
        long tookOver = ha.journalMillis("OwnerTookOver", "\"epoch\":" + (epochBefore + 1));
        System.out.printf("switchback: %s killed -9 in %s; OwnerTookOver %d ms after the kill%n", killed, killedIn,
                tookOver - killedAt);
        // The end of a switchback never killed: production equal to DR table for table, no transaction undone twice
        // (a second undo of a transfer would leave production's balances apart from DR's), nothing prepared anywhere.
        scenario.assertSwitchedBack(1);
        assertEquals(1, scenario.archives(), "laststamp archived once");
        ha.rejoin(killed);
    }
}
