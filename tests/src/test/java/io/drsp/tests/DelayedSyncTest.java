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
import io.drsp.sandbox.bank.BankSchema;
import io.drsp.sandbox.bank.BankShard;
import io.drsp.sandbox.bank.BankWorkload;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Delayed sync of a 2-shard pair under the bank workload, driven through the CLI: the delay holds for every
 * transaction, changes in place without losing relay log, stopsync applies nothing more, and status is truthful,
 * including about a broken link.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DelayedSyncTest {
    static final Path DIR = Path.of("target/delayed-sync").toAbsolutePath();
    static final ObjectMapper JSON = new ObjectMapper();
    static Sandbox sandbox;
    static Controller controller;
    static String conf;
    static BankWorkload workload;

    @BeforeAll
    static void up() throws SQLException {
        sandbox = Sandbox.up(DIR, Sandbox.Options.defaults(), s -> { });
        conf = sandbox.configFile().toString();
        controller = Controller.start(DrspConfig.load(sandbox.configFile()), Set.of());
        List<BankShard> shards = Bank.shards(sandbox, Sandbox.Role.PRODUCTION);
        BankSchema.create(shards.get(0), shards.subList(1, shards.size()), 50);
        workload = new BankWorkload(shards.subList(1, shards.size()), 50, 3, 100, 7).start();
        Db.exec(sandbox.production("s1"), "CREATE DATABASE probe",
                "CREATE TABLE probe.visible (id INT PRIMARY KEY)");
    }

    @AfterAll
    static void down() {
        if (workload != null) {
            workload.close();
        }
        if (controller != null) {
            controller.close();
        }
        if (sandbox != null) {
            sandbox.down(false);
        }
    }

    @Test
    @Order(1)
    void everyTransactionBecomesVisibleOnDrBetweenTheDelayAndTwoSecondsLater() throws Exception {
        Cli.Result r = Cli.run("sync", "1", "--delay", "5", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("delay 5 s"), r.out());
        Map<Integer, Double> visibleAfter = probeVisibility(0, 40, 5);
        for (var e : visibleAfter.entrySet()) {
            assertTrue(e.getValue() >= 5.0 && e.getValue() <= 7.0,
                    "probe " + e.getKey() + " visible on DR after " + e.getValue() + " s; all: " + visibleAfter);
        }
    }

    @Test
    @Order(2)
    void statusReportsEachFieldTruthfully() throws Exception {
        Sandbox.Member dr = sandbox.drPrimary("s1");
        GtidSet executedBefore = Db.executed(dr);
        GtidSet retrievedBefore = GtidSet.parse(Db.replicaStatus(dr).orElseThrow().get("Retrieved_Gtid_Set"));
        long before = System.currentTimeMillis();
        JsonNode status = statusJson();
        long after = System.currentTimeMillis();
        GtidSet executedAfter = Db.executed(dr);
        GtidSet retrievedAfter = GtidSet.parse(Db.replicaStatus(dr).orElseThrow().get("Retrieved_Gtid_Set"));

        assertEquals("SYNC", status.path("drMode").asText());
        assertEquals("SERVICE", status.path("productionMode").asText());
        assertEquals(5, status.path("delaySeconds").asInt());
        assertEquals(3, status.path("shards").size(), "meta, s1, s2");
        for (JsonNode shard : status.path("shards")) {
            JsonNode link = shard.path("dr").path("link");
            String name = shard.path("shard").asText();
            assertTrue(shard.path("production").path("reachable").asBoolean(), name);
            assertTrue(shard.path("dr").path("superReadOnly").asBoolean(), name + " DR is read-only in sync");
            assertEquals("Yes", link.path("ioRunning").asText(), name);
            assertEquals("Yes", link.path("sqlRunning").asText(), name);
            assertTrue(link.path("ioError").isNull() && link.path("sqlError").isNull(), name);
            assertEquals(5, link.path("delaySeconds").asInt(), name);
            assertEquals(sandbox.production(name).endpoint(), link.path("source").asText(), name);
            if (!link.path("remainingDelaySeconds").isNull()) {
                assertTrue(link.path("remainingDelaySeconds").asInt() <= 5, name);
            }
            // Production writes a heartbeat every second, so DR stands at about now - delay, never ahead of it.
            double applied = shard.path("dr").path("appliedSourceTimeMicros").asLong() / 1000.0;
            assertTrue(applied <= after - 5000 + 100 && applied >= before - 5000 - 2500,
                    name + " applied production time " + applied + " not within [now-7.5 s, now-5 s]");
            assertTrue(shard.path("lagSeconds").asDouble() <= 2.5, name + " lag " + shard.path("lagSeconds"));
            GtidSet retrieved = GtidSet.parse(link.path("retrievedGtids").asText());
            GtidSet executed = GtidSet.parse(link.path("executedGtids").asText());
            assertEquals(retrieved.subtract(executed).size(), shard.path("backlogTransactions").asLong(), name);
            assertTrue(shard.path("backlogTransactions").asLong() >= 3, name + ": 5 s of heartbeats wait in the relay log");
            assertTrue(shard.path("backlogBytes").asLong() > 0, name);
            if (name.equals("s1")) {
                assertTrue(executed.containsAll(executedBefore) && executedAfter.containsAll(executed), "executed set of s1");
                assertTrue(retrieved.containsAll(retrievedBefore) && retrievedAfter.containsAll(retrieved), "retrieved set of s1");
            }
        }
        Cli.Result table = Cli.run("status", "1", "--config", conf);
        assertEquals(0, table.exitCode(), table.toString());
        assertTrue(table.out().contains("dr: SYNC") && table.out().contains("delay: 5 s"), table.out());
    }

    @Test
    @Order(3)
    void changingTheDelayInPlaceKeepsTheRetrievedRelayLog() throws Exception {
        Sandbox.Member dr = sandbox.drPrimary("s1");
        GtidSet retrievedBefore = GtidSet.parse(Db.replicaStatus(dr).orElseThrow().get("Retrieved_Gtid_Set"));
        Cli.Result r = Cli.run("sync", "1", "--delay", "2", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        Map<String, String> rs = Db.replicaStatus(dr).orElseThrow();
        assertEquals("2", rs.get("SQL_Delay"));
        assertTrue(GtidSet.parse(rs.get("Retrieved_Gtid_Set")).containsAll(retrievedBefore),
                "relay log retrieved before the change is still there");
        assertEquals(2, statusJson().path("delaySeconds").asInt());
        Map<Integer, Double> visibleAfter = probeVisibility(1000, 10, 2);
        for (var e : visibleAfter.entrySet()) {
            assertTrue(e.getValue() >= 2.0 && e.getValue() <= 4.0, "with delay 2, probe " + e.getKey() + ": " + visibleAfter);
        }
    }

    @Test
    @Order(4)
    void stopsyncKeepsRelayLogAndAppliesNothingMore() throws Exception {
        assertEquals(0, Cli.run("sync", "1", "--delay", "5", "--config", conf).exitCode());
        Await.until(Duration.ofSeconds(20), () -> statusJson().path("shards").get(1).path("backlogTransactions").asLong() > 20,
                "relay backlog builds up behind the 5 s delay");
        Cli.Result r = Cli.run("stopsync", "1", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("STOPPED", statusJson().path("drMode").asText());
        Sandbox.Member dr = sandbox.drPrimary("s1");
        GtidSet executed = Db.executed(dr);
        Map<String, String> rs = Db.replicaStatus(dr).orElseThrow();
        GtidSet retrieved = GtidSet.parse(rs.get("Retrieved_Gtid_Set"));
        assertEquals("No", rs.get("Replica_IO_Running"));
        assertEquals("No", rs.get("Replica_SQL_Running"));
        assertFalse(retrieved.subtract(executed).isEmpty(), "unapplied relay log is kept");

        GtidSet production = Db.executed(sandbox.production("s1"));
        Await.until(Duration.ofSeconds(30), () -> Db.executed(sandbox.production("s1")).subtract(production).size() >= 50,
                "production commits 50 more transactions");
        assertEquals(executed, Db.executed(dr), "nothing applied after stopsync");
        assertEquals(retrieved, GtidSet.parse(Db.replicaStatus(dr).orElseThrow().get("Retrieved_Gtid_Set")),
                "nothing retrieved after stopsync, and nothing retrieved was thrown away");
    }

    @Test
    @Order(5)
    void aBrokenLinkIsReportedWithItsError() throws Exception {
        assertEquals(0, Cli.run("sync", "1", "--delay", "1", "--config", conf).exitCode());
        Sandbox.Member prodS2 = sandbox.production("s2");
        workload.stop();
        prodS2.instance().stop();
        try {
            Await.until(Duration.ofSeconds(60), () -> {
                JsonNode s2 = statusJson().path("shards").get(2);
                return !s2.path("production").path("reachable").asBoolean()
                        && !s2.path("dr").path("link").path("ioRunning").asText().equals("Yes")
                        && !s2.path("dr").path("link").path("ioError").isNull();
            }, "status shows production s2 down and the receiver of dr s2 failing with its error");
            JsonNode s2 = statusJson().path("shards").get(2);
            assertTrue(s2.path("dr").path("link").path("ioError").asText().contains("2003"),
                    "MySQL's connect error is passed on: " + s2.path("dr").path("link").path("ioError"));
            Cli.Result table = Cli.run("status", "1", "--config", conf);
            assertTrue(table.out().contains("production shard s2") && table.out().contains("dr shard s2 receiver"), table.out());
            assertEquals("Yes", statusJson().path("shards").get(1).path("dr").path("link").path("ioRunning").asText(),
                    "s1 is not affected");
        } finally {
            prodS2.instance().start();
        }
        Await.until(Duration.ofSeconds(60), () -> statusJson().path("shards").get(2).path("dr").path("link")
                .path("ioRunning").asText().equals("Yes"), "the link of s2 reconnects by itself once production s2 is back");
    }

    static JsonNode statusJson() throws Exception {
        Cli.Result r = Cli.run("status", "1", "--json", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        return JSON.readTree(r.out());
    }

    /**
     * Commits {@code count} probe rows on production s1, one every 250 ms, each stamped with the server's clock at its
     * statement (at or before its commit), and polls DR s1 every 20 ms for them: seconds from stamp to visibility.
     */
    /**
     * Writes {@code count} probe rows on production s1, waits (polling) until all are on DR, and returns for each the
     * seconds between its production commit and its commit on DR, both as the servers recorded them in DR's binlog
     * (original and immediate commit timestamps): the moment a row becomes visible, without client or polling noise.
     */
    static Map<Integer, Double> probeVisibility(int firstId, int count, int delaySeconds) throws Exception {
        Thread writer = new Thread(() -> {
            try (Connection c = sandbox.production("s1").instance().connect();
                 PreparedStatement ps = c.prepareStatement("INSERT INTO probe.visible VALUES (?)")) {
                for (int i = 0; i < count; i++) {
                    ps.setInt(1, firstId + i);
                    ps.executeUpdate();
                    Thread.sleep(250); // the probes' spacing, not a wait for a condition
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        Sandbox.Member dr = sandbox.drPrimary("s1");
        Await.until(Duration.ofMillis(count * 250L + (delaySeconds + 30) * 1000L),
                () -> Long.parseLong(Db.one(dr, "SELECT COUNT(*) FROM probe.visible WHERE id >= " + firstId)) == count,
                "every probe reached DR");
        writer.join();
        Map<Integer, Double> visibleAfter = new TreeMap<>();
        for (BinlogOracle.Transaction t : BinlogOracle.transactions(dr)) {
            for (long id : t.firstColumns().getOrDefault("probe.visible", List.of())) {
                if (id >= firstId && id < firstId + count) {
                    visibleAfter.put((int) id, (t.immediateCommitMicros() - t.originalCommitMicros()) / 1e6);
                }
            }
        }
        assertEquals(count, visibleAfter.size(), "every probe is in DR's binlog: " + visibleAfter);
        return visibleAfter;
    }
}
