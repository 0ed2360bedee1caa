package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.Sandbox;
import io.drsp.sandbox.bank.BankSchema;
import io.drsp.sandbox.bank.BankShard;
import io.drsp.sandbox.bank.BankWorkload;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A controller that dies (halted like kill -9) while every shard replays (shown from MySQL: a shard whose rows the
 * test holds is still short of its target, its applier running): restarted, it finds the recover in its journal,
 * lets each shard finish, and records the recovery point MySQL's own retrieved set says the plan must reach.
 */
class RecoverCrashTest {
    static final Path DIR = Path.of("target/recover-crash").toAbsolutePath();
    static Sandbox sandbox;
    static String conf;
    static Process controller;

    @BeforeAll
    static void up() {
        sandbox = Sandbox.upReplacing(DIR, Sandbox.Options.defaults(), s -> { });
        conf = sandbox.configFile().toString();
    }

    @AfterAll
    static void down() throws Exception {
        TearDown.all(controller, sandbox);
    }

    @Test
    void killedDuringReplayTheRestartedControllerCompletesToTheSamePoint() throws Exception {
        controller = ControllerCrashTest.startController(conf, DIR, Map.of("DRSP_FAILPOINTS", "crash-after:ReplayStarted"));
        // DR gets the bank's schema first, so that the test can hold one of its rows while the replay runs
        assertEquals(0, Cli.run("sync", "1", "--delay", "0", "--config", conf).exitCode());
        Map<String, GtidSet> written = Bank.writtenThenStoppedForRecovery(sandbox, conf, 11);
        // what --all must reach, in MySQL's own words: what each shard has applied and what its receiver retrieved
        Map<String, GtidSet> planned = new HashMap<>();
        for (String shard : sandbox.shards()) {
            Sandbox.Member dr = sandbox.drPrimary(shard);
            planned.put(shard, Db.executed(dr).union(GtidSet.parse(Db.replicaStatus(dr).orElseThrow().get("Retrieved_Gtid_Set"))));
        }

        // The test holds a read lock on s1's accounts (a locking read is refused under super_read_only), so s1's replay
        // cannot finish before the controller dies.
        try (Connection blocker = sandbox.drPrimary("s1").instance().connect(); Statement lock = blocker.createStatement()) {
            lock.execute("LOCK TABLES bank.accounts READ");
            Cli.Result crashed = Cli.run("recover", "1", "--config", conf);
            assertEquals(1, crashed.exitCode(), crashed.toString());
            assertTrue(controller.waitFor(30, TimeUnit.SECONDS), "the controller halted once every shard was replaying");
            assertEquals(137, controller.exitValue());
            GtidSet s1 = Db.executed(sandbox.drPrimary("s1"));
            assertTrue(!s1.containsAll(planned.get("s1")), "s1 was still short of its target when the controller died: "
                    + planned.get("s1").subtract(s1).size() + " transactions to go");
            assertEquals("Yes", Db.replicaStatus(sandbox.drPrimary("s1")).orElseThrow().get("Replica_SQL_Running"),
                    "s1's applier was replaying");
            lock.execute("UNLOCK TABLES");
        }

        controller = ControllerCrashTest.startController(conf, DIR, Map.of());
        Await.until(Duration.ofSeconds(120), () -> status().path("drMode").asText().equals("RECOVERED"),
                "the restarted controller finishes the recover it found in its journal");
        JsonNode point = status().path("recoveryPoint").path("shardGtids");
        for (String shard : sandbox.shards()) {
            GtidSet executed = Db.executed(sandbox.drPrimary(shard));
            assertTrue(executed.containsAll(written.get(shard)), "dr shard " + shard + " reached everything written");
            assertEquals(planned.get(shard), executed, "dr shard " + shard + " stands exactly at its planned GTID set");
            assertEquals(executed, GtidSet.parse(point.path(shard).asText()), "the recovery point is where " + shard + " stands");
        }
        Cli.Result again = Cli.run("recover", "1", "--config", conf);
        assertEquals(0, again.exitCode(), "recover again is a no-op that succeeds: " + again);
        for (String shard : sandbox.shards()) {
            assertEquals(GtidSet.parse(point.path(shard).asText()), Db.executed(sandbox.drPrimary(shard)), "nothing more applied");
        }
    }

    static JsonNode status() throws Exception {
        return Cli.status(conf);
    }
}
