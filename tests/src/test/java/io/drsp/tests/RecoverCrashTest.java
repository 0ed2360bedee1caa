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
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A controller that dies (halted like kill -9) while every shard replays: restarted, it finds the recover in its
 * journal, lets each shard finish, and records the same recovery point the plan promised.
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
    static void down() {
        if (controller != null) {
            controller.destroy();
        }
        if (sandbox != null) {
            sandbox.down(false);
        }
    }

    @Test
    void killedDuringReplayTheRestartedControllerCompletesToTheSamePoint() throws Exception {
        controller = ControllerCrashTest.startController(conf, DIR, Map.of("DRSP_FAILPOINTS", "crash-after:ReplayStarted"));
        List<BankShard> shards = Bank.shards(sandbox, Sandbox.Role.PRODUCTION);
        BankSchema.create(shards.get(0), shards.subList(1, shards.size()), 50);
        assertEquals(0, Cli.run("sync", "1", "--delay", "3600", "--config", conf).exitCode());
        BankWorkload w = new BankWorkload(shards.subList(1, shards.size()), 50, 3, 200, 11).start();
        Await.until(Duration.ofSeconds(60), () -> w.stats().committed() >= 1000, "1000 transfers");
        w.stop();
        Map<String, GtidSet> written = Bank.productionExecuted(sandbox);
        Bank.awaitRetrieved(sandbox, written);
        assertEquals(0, Cli.run("stopsync", "1", "--config", conf).exitCode());
        assertEquals(0, Cli.run("relaytime", "1", "--all", "--config", conf).exitCode());

        Cli.Result crashed = Cli.run("recover", "1", "--config", conf);
        assertEquals(1, crashed.exitCode(), crashed.toString());
        assertTrue(controller.waitFor(30, TimeUnit.SECONDS), "the controller halted once every shard was replaying");
        assertEquals(137, controller.exitValue());

        controller = ControllerCrashTest.startController(conf, DIR, Map.of());
        Await.until(Duration.ofSeconds(120), () -> status().path("drMode").asText().equals("RECOVERED"),
                "the restarted controller finishes the recover it found in its journal");
        JsonNode point = status().path("recoveryPoint").path("shardGtids");
        for (String shard : sandbox.shards()) {
            GtidSet executed = Db.executed(sandbox.drPrimary(shard));
            assertTrue(executed.containsAll(written.get(shard)), "dr shard " + shard + " reached everything retrieved");
            assertEquals(executed, GtidSet.parse(point.path(shard).asText()), "the recovery point is where " + shard + " stands");
        }
        Cli.Result again = Cli.run("recover", "1", "--config", conf);
        assertEquals(0, again.exitCode(), "recover again is a no-op that succeeds: " + again);
        for (String shard : sandbox.shards()) {
            assertEquals(GtidSet.parse(point.path(shard).asText()), Db.executed(sandbox.drPrimary(shard)), "nothing more applied");
        }
    }

    static JsonNode status() throws Exception {
        Cli.Result r = Cli.run("status", "1", "--json", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        return new ObjectMapper().readTree(r.out());
    }
}
