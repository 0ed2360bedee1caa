package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.Sandbox;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A controller halted (like kill -9) while it completes XA branches on DR: three global transactions were committed
 * on production's s2 before the target and on s1 only after it, so recovering to the target must complete s1's three
 * branches under production's GTIDs. The controller dies after the first (shown from MySQL: one of the three
 * commits applied, two branches still in {@code XA RECOVER}); restarted, it completes the other two, and DR's own
 * binlog holds each commit exactly once.
 */
class XaCompleteCrashTest {
    static final Path DIR = Path.of("target/xa-complete-crash").toAbsolutePath();
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
    void killedWhileCompletingBranchesTheRestartedControllerCompletesEachExactlyOnce() throws Exception {
        controller = ControllerCrashTest.startController(conf, DIR, Map.of("DRSP_FAILPOINTS", "crash-after:XaBranchCompleted:s1"));
        assertEquals(0, Cli.run("sync", "1", "--delay", "0", "--config", conf).exitCode());
        for (String shard : sandbox.shards()) {
            Db.exec(sandbox.production(shard), "CREATE DATABASE xa", "CREATE TABLE xa.t (id INT PRIMARY KEY, shard VARCHAR(8))");
        }
        Bank.awaitRetrieved(sandbox, Bank.productionExecuted(sandbox));
        Await.until(Duration.ofSeconds(60), () -> DrillTest.tableExists(sandbox.drPrimary("s1"), "xa.t")
                && DrillTest.tableExists(sandbox.drPrimary("s2"), "xa.t"), "DR has the table");
        assertEquals(0, Cli.run("sync", "1", "--delay", "3600", "--config", conf).exitCode());

        try (Connection s1 = sandbox.production("s1").instance().connect(); Connection s2 = sandbox.production("s2").instance().connect();
             Statement p1 = s1.createStatement(); Statement p2 = s2.createStatement()) {
            for (int g = 1; g <= 3; g++) {
                for (Statement p : List.of(p1, p2)) {
                    String shard = p == p1 ? "s1" : "s2";
                    p.execute("XA START 'transfer-" + g + "','" + shard + "'");
                    p.execute("INSERT INTO xa.t VALUES (" + g + ", '" + shard + "')");
                    p.execute("XA END 'transfer-" + g + "','" + shard + "'");
                    p.execute("XA PREPARE 'transfer-" + g + "','" + shard + "'");
                }
            }
            for (int g = 1; g <= 3; g++) {
                p2.execute("XA COMMIT 'transfer-" + g + "','s2'");
            }
            long committedOnS2 = nowMicros();
            Await.until(Duration.ofSeconds(5), () -> nowMicros() > committedOnS2 + 20_000, "the clock passes the target");
            for (int g = 1; g <= 3; g++) {
                p1.execute("XA COMMIT 'transfer-" + g + "','s1'");
            }
            // Every shard writes after the target, so that the recoverable window (up to each shard's last retrieved
            // commit) reaches past it without waiting for production's heartbeat.
            for (String shard : sandbox.shards()) {
                Db.exec(sandbox.production(shard), "INSERT INTO xa.t VALUES (100, 'after')");
            }
            target = RecoveryTest.TIME.format(Instant.ofEpochSecond(0, (committedOnS2 + 10_000) * 1000)
                    .atZone(io.drsp.core.config.DrspConfig.load(Path.of(conf)).timeZone()));
        }
        Bank.awaitRetrieved(sandbox, Bank.productionExecuted(sandbox));
        assertEquals(0, Cli.run("stopsync", "1", "--config", conf).exitCode());
        List<String> commitsOnS1 = new ArrayList<>();
        for (BinlogOracle.Transaction x : BinlogOracle.transactions(sandbox.production("s1"))) {
            if ("COMMIT".equals(x.xaPhase())) {
                commitsOnS1.add(x.gtid().toString());
            }
        }
        assertEquals(3, commitsOnS1.size(), "production's s1 binlog holds the three XA COMMITs");

        Cli.Result dry = Cli.run("relaytime", "1", "--time", target, "--config", conf);
        assertEquals(0, dry.exitCode(), dry.toString());
        assertTrue(dry.out().contains("s1: cut at the target; completes XA COMMIT 'transfer-1'"), dry.out());
        Cli.Result crashed = Cli.run("recover", "1", "--config", conf);
        assertEquals(1, crashed.exitCode(), crashed.toString());
        assertTrue(controller.waitFor(60, TimeUnit.SECONDS), "the controller halted after completing a branch");
        assertEquals(137, controller.exitValue());
        GtidSet s1 = Db.executed(sandbox.drPrimary("s1"));
        assertEquals(1, commitsOnS1.stream().filter(g -> s1.containsAll(GtidSet.parse(g))).count(),
                "one of s1's three commits was applied when the controller died");
        assertEquals(2, Db.xaRecover(sandbox.drPrimary("s1")).size(), "two of s1's branches were still prepared");

        controller = ControllerCrashTest.startController(conf, DIR, Map.of());
        Await.until(Duration.ofSeconds(120), () -> status().path("drMode").asText().equals("RECOVERED"),
                "the restarted controller finishes the recover it found in its journal");
        JsonNode point = status().path("recoveryPoint");
        for (String shard : List.of("s1", "s2")) {
            Sandbox.Member dr = sandbox.drPrimary(shard);
            assertEquals(List.of(), Db.xaRecover(dr), shard + ": nothing prepared");
            assertEquals("3", Db.one(dr, "SELECT COUNT(*) FROM xa.t"), shard + ": the three transfers are visible");
            GtidSet executed = Db.executed(dr);
            assertEquals(GtidSet.parse(point.path("shardGtids").path(shard).asText()), executed, shard + " stands at the point");
            assertTrue(Db.executed(sandbox.production(shard)).containsAll(executed), shard + ": no errant GTID");
        }
        for (String gtid : commitsOnS1) {
            assertTrue(Db.executed(sandbox.drPrimary("s1")).containsAll(GtidSet.parse(gtid)), gtid + " applied on DR s1");
            assertEquals(1, BinlogOracle.transactions(sandbox.drPrimary("s1")).stream()
                    .filter(x -> x.gtid().toString().equals(gtid)).count(), gtid + " is in DR s1's binlog exactly once");
        }

        // sync skips the completed commits in the relay log, and DR ends where production is
        assertEquals(0, Cli.run("sync", "1", "--delay", "0", "--config", conf).exitCode());
        Map<String, GtidSet> production = Bank.productionExecuted(sandbox);
        Await.until(Duration.ofSeconds(120), () -> Db.executed(sandbox.drPrimary("s1")).containsAll(production.get("s1"))
                && Db.executed(sandbox.drPrimary("s2")).containsAll(production.get("s2")), "DR catches up with production");
        assertEquals("", Db.replicaStatus(sandbox.drPrimary("s1")).orElseThrow().get("Last_SQL_Error"));
    }

    static String target;


    static JsonNode status() throws Exception {
        Cli.Result r = Cli.run("status", "1", "--json", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        return new ObjectMapper().readTree(r.out());
    }

    static long nowMicros() {
        Instant i = Instant.now();
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }
}
