package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.controller.Controller;
import io.drsp.core.config.DrspConfig;
import io.drsp.core.gtid.Gtid;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
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
 * transaction on every DR shard, changes in place without losing relay log, stopsync applies nothing more, and status
 * is truthful: threads, applier state and delay left, errors of a broken link and of a failed applier, relay backlog
 * in transactions and in bytes (against mysqlbinlog's reading of the relay log), and lag, also with production idle.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DelayedSyncTest {
    static final Path DIR = Path.of("target/delayed-sync").toAbsolutePath();
    static final ObjectMapper JSON = new ObjectMapper();
    /** MySQL 8.0's text for an applier waiting out SOURCE_DELAY: the only state in which SQL_Remaining_Delay is set. */
    static final String WAITING_OUT_DELAY = "Waiting until SOURCE_DELAY seconds after source executed event";
    static final String HEARTBEAT_TABLE = "drsp_heartbeat.heartbeat";
    static Sandbox sandbox;
    static Controller controller;
    static String conf;
    static BankWorkload workload;

    @BeforeAll
    static void up() throws SQLException {
        sandbox = Sandbox.upReplacing(DIR, Sandbox.Options.defaults(), s -> { });
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

    /**
     * Every transaction production commits while the link runs, on every shard (the bank's transfers on s1 and s2,
     * the probes on s1, drsp's own heartbeats on all three, meta included: they are replicated like anything else),
     * is committed on DR no earlier than 5 s and no later than 7 s after production committed it, as DR's binlog
     * records both times (original and immediate commit timestamps).
     */
    @Test
    @Order(1)
    void everyTransactionOnEveryDrShardBecomesVisibleBetweenTheDelayAndTwoSecondsLater() throws Exception {
        Cli.Result r = Cli.run("sync", "1", "--delay", "5", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("delay 5 s"), r.out());
        long windowStart = nowMicros();
        Map<Integer, Double> visibleAfter = probeVisibility(0, 40, 5);
        long windowEnd = nowMicros();
        awaitDrApplied(Bank.productionExecuted(sandbox), "every transaction of the window reached every DR shard");

        Map<String, List<Double>> delays = new TreeMap<>();
        List<String> outside = new ArrayList<>();
        for (String shard : sandbox.shards()) {
            String source = uuid(shard);
            List<Double> d = delays.computeIfAbsent(shard, k -> new ArrayList<>());
            for (BinlogOracle.Transaction t : BinlogOracle.transactions(sandbox.drPrimary(shard))) {
                if (!t.gtid().uuid().equals(source) || t.originalCommitMicros() < windowStart || t.originalCommitMicros() > windowEnd) {
                    continue;
                }
                double seconds = (t.immediateCommitMicros() - t.originalCommitMicros()) / 1e6;
                d.add(seconds);
                if (seconds < 5.0 || seconds > 7.0) {
                    outside.add(shard + " " + t.gtid() + " " + t.tables() + ": " + seconds + " s");
                }
            }
        }
        String distribution = distribution(delays);
        System.out.println("delay 5 s, production commit to DR commit over " + (windowEnd - windowStart) / 1_000_000 + " s: " + distribution);
        assertTrue(delays.get("meta").size() >= 5, "meta's heartbeats, one a second: " + distribution);
        for (String shard : List.of("s1", "s2")) {
            assertTrue(delays.get(shard).size() >= 100, shard + " carries the bank workload: " + distribution);
        }
        assertTrue(outside.isEmpty(), outside.size() + " transactions outside [5 s, 7 s], first: "
                + outside.subList(0, Math.min(20, outside.size())) + "; " + distribution);
        for (var e : visibleAfter.entrySet()) {
            assertTrue(e.getValue() >= 5.0 && e.getValue() <= 7.0,
                    "probe " + e.getKey() + " visible on DR after " + e.getValue() + " s; all: " + visibleAfter);
        }
    }

    @Test
    @Order(2)
    void statusReportsEachFieldTruthfully() throws Exception {
        Sandbox.Member dr = sandbox.drPrimary("s1");
        GtidSet executedBefore;
        GtidSet retrievedBefore;
        long before;
        JsonNode status;
        long after;
        Instant deadline = Instant.now().plusSeconds(30);
        do { // again while an agent's relay index is busy and the backlog's bytes are not known (null) yet
            executedBefore = Db.executed(dr);
            retrievedBefore = GtidSet.parse(Db.replicaStatus(dr).orElseThrow().get("Retrieved_Gtid_Set"));
            before = System.currentTimeMillis();
            status = statusJson();
            after = System.currentTimeMillis();
        } while (status.findValues("backlogBytes").stream().anyMatch(JsonNode::isNull) && Instant.now().isBefore(deadline));
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
            assertTrue(link.path("ioError").isNull() && link.path("sqlError").isNull(), name + ": no error on either thread");
            assertEquals(5, link.path("delaySeconds").asInt(), name);
            assertEquals(sandbox.production(name).endpoint(), link.path("source").asText(), name);
            assertDelayStateConsistent(name, link, 5);
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
            long relaySpace = Long.parseLong(Db.replicaStatus(sandbox.drPrimary(name)).orElseThrow().get("Relay_Log_Space"));
            assertTrue(shard.path("backlogBytes").asLong() <= relaySpace, name + ": the backlog's bytes lie within the relay log files ("
                    + shard.path("backlogBytes") + " > Relay_Log_Space " + relaySpace + ")");
            if (name.equals("s1")) {
                assertTrue(executed.containsAll(executedBefore) && executedAfter.containsAll(executed), "executed set of s1");
                assertTrue(retrieved.containsAll(retrievedBefore) && retrievedAfter.containsAll(retrieved), "retrieved set of s1");
            }
        }
        Cli.Result table = Cli.run("status", "1", "--config", conf);
        assertEquals(0, table.exitCode(), table.toString());
        assertTrue(table.out().contains("dr: SYNC") && table.out().contains("delay: 5 s"), table.out());

        // Under the workload each applier spends most of its time waiting out the delay of the next transaction: every
        // shard is seen doing so, and whenever it is, status gives the delay left (0 to 5 s).
        Set<String> seenWaiting = new java.util.TreeSet<>();
        Await.until(Duration.ofSeconds(30), () -> {
            for (JsonNode shard : statusJson().path("shards")) {
                JsonNode link = shard.path("dr").path("link");
                assertDelayStateConsistent(shard.path("shard").asText(), link, 5);
                if (WAITING_OUT_DELAY.equals(link.path("sqlState").asText())) {
                    seenWaiting.add(shard.path("shard").asText());
                }
            }
            return seenWaiting.size() == sandbox.shards().size();
        }, "every DR shard's applier is seen waiting out the delay");
    }

    /**
     * A link whose applier is certainly waiting out the delay (600 s: nothing retrieved can be applied during the test,
     * as SHOW REPLICA STATUS confirms before and after): status names that state and gives the delay left,
     * unconditionally, between what MySQL said just before and just after.
     */
    @Test
    @Order(3)
    void aLinkWaitingOutItsDelayShowsThatStateAndTheDelayLeft() throws Exception {
        Cli.Result r = Cli.run("sync", "1", "--delay", "600", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        Await.until(Duration.ofSeconds(30), () -> {
            for (Sandbox.Member dr : sandbox.members(Sandbox.Role.DR)) {
                if (Db.replicaStatus(dr).orElseThrow().get("SQL_Remaining_Delay") == null) {
                    return false;
                }
            }
            return true;
        }, "every DR applier waits out the 600 s delay");
        Map<String, Map<String, String>> before = new HashMap<>();
        Map<String, GtidSet> executedBefore = new HashMap<>();
        for (String shard : sandbox.shards()) {
            before.put(shard, Db.replicaStatus(sandbox.drPrimary(shard)).orElseThrow());
            executedBefore.put(shard, Db.executed(sandbox.drPrimary(shard)));
        }
        JsonNode status = statusJson();
        Cli.Result table = Cli.run("status", "1", "--config", conf);
        for (JsonNode shard : status.path("shards")) {
            String name = shard.path("shard").asText();
            Sandbox.Member dr = sandbox.drPrimary(name);
            Map<String, String> after = Db.replicaStatus(dr).orElseThrow();
            assertEquals(executedBefore.get(name), Db.executed(dr), name + ": nothing was applied, the applier was waiting all along");
            JsonNode link = shard.path("dr").path("link");
            assertEquals(WAITING_OUT_DELAY, link.path("sqlState").asText(), name);
            assertEquals(before.get(name).get("Replica_SQL_Running_State"), link.path("sqlState").asText(), name);
            assertFalse(link.path("remainingDelaySeconds").isNull(), name + ": the delay left is reported while the applier waits");
            long left = link.path("remainingDelaySeconds").asLong();
            long leftBefore = Long.parseLong(before.get(name).get("SQL_Remaining_Delay"));
            long leftAfter = Long.parseLong(after.get("SQL_Remaining_Delay"));
            assertTrue(leftAfter <= left && left <= leftBefore,
                    name + ": delay left " + left + " s, MySQL said " + leftBefore + " s before and " + leftAfter + " s after");
            assertTrue(left > 600 - 30 && left <= 600, name + ": the waiting transaction was committed seconds ago: " + left);
            assertEquals(600, link.path("delaySeconds").asInt(), name);
            assertEquals("Yes", link.path("ioRunning").asText(), name);
            assertEquals("Yes", link.path("sqlRunning").asText(), name);
            assertTrue(link.path("ioError").isNull() && link.path("sqlError").isNull(), name);
            assertTrue(table.out().lines().anyMatch(l -> l.matches(name + " +up +read-only +Yes +Yes +\\d{3} .*")),
                    name + "'s delay left in the table: " + table.out());
        }
        assertEquals(0, Cli.run("sync", "1", "--delay", "5", "--config", conf).exitCode());
        Await.until(Duration.ofSeconds(60), () -> {
            for (JsonNode shard : statusJson().path("shards")) {
                if (shard.path("lagSeconds").isNull() || shard.path("lagSeconds").asDouble() > 2.5) {
                    return false;
                }
            }
            return true;
        }, "back at a 5 s delay, every DR shard catches up what waited");
    }

    @Test
    @Order(4)
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
    @Order(5)
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
        assertBacklogIsExactlyTheRelayBytesOfTheUnappliedTransactions();

        GtidSet production = Db.executed(sandbox.production("s1"));
        Await.until(Duration.ofSeconds(30), () -> Db.executed(sandbox.production("s1")).subtract(production).size() >= 50,
                "production commits 50 more transactions");
        assertEquals(executed, Db.executed(dr), "nothing applied after stopsync");
        assertEquals(retrieved, GtidSet.parse(Db.replicaStatus(dr).orElseThrow().get("Retrieved_Gtid_Set")),
                "nothing retrieved after stopsync, and nothing retrieved was thrown away");
    }

    /**
     * With production fully idle (no workload, only drsp's heartbeat), every DR shard's lag beyond the delay stays
     * near 0 the whole time instead of growing: what DR applies is the heartbeat, which moves its applied production
     * time every second. "Near 0" is what the mechanism allows: the heartbeat's period (1 s), plus MySQL rounding the
     * source's commit time up to a whole second before adding SOURCE_DELAY (under 1 s), plus the time to commit and
     * observe; 3 s bounds it on a loaded machine, where 12 s of idleness without the heartbeat would show 12 s. The
     * lag is also right: it lies between what the DR's own applied production time, read just before and just after,
     * implies.
     */
    @Test
    @Order(6)
    void withProductionIdleTheLagBeyondTheDelayStaysNearZeroOnEveryShard() throws Exception {
        workload.stop();
        Map<String, GtidSet> lastData = Bank.productionExecuted(sandbox);
        assertEquals(0, Cli.run("sync", "1", "--delay", "5", "--config", conf).exitCode());
        awaitDrApplied(lastData, "DR applied the relay log kept by stopsync and the last transfers");

        long from = nowMicros();
        Map<String, List<Double>> lags = new TreeMap<>();
        Map<String, Long> firstApplied = new HashMap<>();
        Map<String, Long> lastApplied = new HashMap<>();
        while (nowMicros() < from + 12_000_000) {
            long readBefore = nowMicros();
            Map<String, Long> appliedBefore = drAppliedProductionTime();
            JsonNode st = statusJson();
            Map<String, Long> appliedAfter = drAppliedProductionTime();
            long readAfter = nowMicros();
            for (JsonNode shard : st.path("shards")) {
                String name = shard.path("shard").asText();
                assertFalse(shard.path("lagSeconds").isNull(), name + ": lag known");
                double lag = shard.path("lagSeconds").asDouble();
                lags.computeIfAbsent(name, k -> new ArrayList<>()).add(lag);
                // Status read the DR's applied time and the clock between these reads: 1 ms covers the rounding.
                double atLeast = (readBefore - appliedAfter.get(name)) / 1e6 - 5 - 0.001;
                double atMost = (readAfter - appliedBefore.get(name)) / 1e6 - 5 + 0.001;
                assertTrue(lag >= atLeast && lag <= atMost, name + ": lag " + lag + " s, DR's applied production time implies "
                        + atLeast + " to " + atMost + " s");
                long applied = shard.path("dr").path("appliedSourceTimeMicros").asLong();
                assertTrue(applied >= lastApplied.getOrDefault(name, 0L), name + ": applied production time never goes back");
                firstApplied.putIfAbsent(name, applied);
                lastApplied.put(name, applied);
            }
            Thread.sleep(500); // the sampling interval: the lag must stay small at every sample, not become small once
        }
        long to = nowMicros();
        String distribution = distribution(lags);
        System.out.println("idle production, lag beyond the 5 s delay: " + distribution);
        for (String shard : sandbox.shards()) {
            assertTrue(lags.get(shard).size() >= 10, shard + " sampled throughout: " + distribution);
            assertTrue(Collections.max(lags.get(shard)) <= 3.0, shard + " stays within 3 s of the delay: " + distribution);
            assertTrue(lastApplied.get(shard) - firstApplied.get(shard) >= 8_000_000,
                    shard + ": applied production time moves with the clock while production is idle");
            // Production was idle: every transaction DR applied meanwhile is drsp's heartbeat, about one a second.
            String source = uuid(shard);
            int heartbeats = 0;
            for (BinlogOracle.Transaction t : BinlogOracle.transactions(sandbox.drPrimary(shard))) {
                if (t.gtid().uuid().equals(source) && t.immediateCommitMicros() >= from && t.immediateCommitMicros() <= to) {
                    assertEquals(Set.of(HEARTBEAT_TABLE), t.tables(), shard + " " + t.gtid() + " is not a heartbeat: production was not idle");
                    heartbeats++;
                }
            }
            assertTrue(heartbeats >= 8, shard + ": " + heartbeats + " heartbeats applied in " + (to - from) / 1_000_000 + " s");
        }
    }

    /** Each DR shard's replicated heartbeat row: the production time (µs) of the newest heartbeat it applied. */
    /**
     * The production time each DR shard stands at, read on the DR itself: the later of its newest heartbeat row (the
     * stamp production wrote) and its applier's last original commit time (the heartbeat's commit follows its stamp,
     * by a moment or, on a loaded machine, by more than 250 ms).
     */
    static Map<String, Long> drAppliedProductionTime() throws SQLException {
        Map<String, Long> applied = new HashMap<>();
        for (String shard : sandbox.shards()) {
            long beat = Long.parseLong(Db.one(sandbox.drPrimary(shard), "SELECT ts_us FROM " + HEARTBEAT_TABLE
                    + " WHERE shard = '" + shard + "'"));
            long committed = Long.parseLong(Db.one(sandbox.drPrimary(shard), "SELECT CAST(COALESCE(MAX(UNIX_TIMESTAMP("
                    + "LAST_APPLIED_TRANSACTION_ORIGINAL_COMMIT_TIMESTAMP)), 0) * 1000000 AS SIGNED)"
                    + " FROM performance_schema.replication_applier_status_by_worker WHERE CHANNEL_NAME = ''"));
            applied.put(shard, Math.max(beat, committed));
        }
        return applied;
    }

    @Test
    @Order(7)
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

    /**
     * An applier that fails (a row DR has and production inserts too: duplicate key) is reported with MySQL's own
     * error, which names the failing transaction; the receiver goes on; once the DBA removes the cause, sync starts
     * the applier again and the error is gone.
     */
    @Test
    @Order(8)
    void aFailedApplierIsReportedWithMysqlsErrorAndSyncRestartsItOnceFixed() throws Exception {
        Sandbox.Member dr = sandbox.drPrimary("s1");
        Sandbox.Member prod = sandbox.production("s1");
        // Written with the binlog off, so DR gets no GTID of its own: only the applier trips over it.
        Db.exec(dr, "SET GLOBAL super_read_only = OFF", "SET SESSION sql_log_bin = 0", "INSERT INTO probe.visible VALUES (777777)",
                "SET GLOBAL super_read_only = ON");
        Db.exec(prod, "INSERT INTO probe.visible VALUES (777777)");
        Gtid failing = BinlogOracle.transactions(prod).stream()
                .filter(t -> t.firstColumns().getOrDefault("probe.visible", List.of()).contains(777777L)).findFirst().orElseThrow().gtid();
        // MySQL records the worker's error, then the coordinator's summary ("Coordinator stopped because there were
        // error(s) in the worker(s) ... transaction '<gtid>'"); status gives MySQL's own text of either, with its errno
        // and time, once SHOW REPLICA STATUS has settled.
        JsonNode[] seen = new JsonNode[1];
        Map<String, String> rs = new HashMap<>();
        Set<String> mysqls = new java.util.HashSet<>();
        Await.until(Duration.ofSeconds(30), () -> {
            seen[0] = statusJson().path("shards").get(1);
            rs.clear();
            rs.putAll(Db.replicaStatus(dr).orElseThrow());
            String worker = Db.one(dr, "SELECT LAST_ERROR_MESSAGE FROM performance_schema.replication_applier_status_by_worker"
                    + " WHERE CHANNEL_NAME = '' AND LAST_ERROR_NUMBER <> 0 ORDER BY LAST_ERROR_TIMESTAMP DESC LIMIT 1");
            String prefix = "error " + rs.get("Last_SQL_Errno") + " at " + rs.get("Last_SQL_Error_Timestamp") + ": ";
            mysqls.clear();
            mysqls.add(prefix + rs.get("Last_SQL_Error"));
            if (worker != null) {
                mysqls.add(prefix + worker);
            }
            return "No".equals(rs.get("Replica_SQL_Running")) && mysqls.contains(seen[0].path("dr").path("link").path("sqlError").asText());
        }, "status shows the applier of dr s1 stopped, with the error MySQL gives");
        JsonNode s1 = seen[0];
        JsonNode link = s1.path("dr").path("link");
        System.out.println("applier error as status gives it: " + link.path("sqlError").asText());
        assertEquals("s1", s1.path("shard").asText());
        assertEquals("1062", rs.get("Last_SQL_Errno"), "duplicate key: " + rs.get("Last_SQL_Error"));
        assertTrue(link.path("sqlError").asText().startsWith("error 1062 at "), link.path("sqlError").asText());
        assertTrue(link.path("sqlError").asText().contains(failing.toString()), "names the failing transaction: " + link.path("sqlError"));
        assertEquals("No", link.path("sqlRunning").asText());
        assertTrue(link.path("sqlState").asText("").isBlank(), "a stopped applier has no state: " + link.path("sqlState"));
        assertTrue(link.path("remainingDelaySeconds").isNull());
        assertEquals("Yes", link.path("ioRunning").asText(), "the receiver goes on");
        assertTrue(link.path("ioError").isNull(), link.path("ioError").toString());
        assertTrue(s1.path("backlogTransactions").asLong() >= 1, "the failing transaction waits in the relay log");
        for (int i : new int[] {0, 2}) {
            JsonNode other = statusJson().path("shards").get(i).path("dr").path("link");
            assertEquals("Yes", other.path("sqlRunning").asText(), "other shards are not affected");
            assertTrue(other.path("sqlError").isNull(), other.toString());
        }
        Cli.Result table = Cli.run("status", "1", "--config", conf);
        assertTrue(table.out().contains("dr shard s1 applier: error 1062 at "), table.out());
        assertTrue(table.out().lines().anyMatch(l -> l.matches("s1 +up +read-only +Yes +No .*")), table.out());

        Db.exec(dr, "SET GLOBAL super_read_only = OFF", "SET SESSION sql_log_bin = 0", "DELETE FROM probe.visible WHERE id = 777777",
                "SET GLOBAL super_read_only = ON");
        Cli.Result sync = Cli.run("sync", "1", "--delay", "1", "--config", conf);
        assertEquals(0, sync.exitCode(), sync.toString());
        Await.until(Duration.ofSeconds(30), () -> Db.executed(dr).contains(failing), "dr s1 applies the transaction that failed");
        Await.until(Duration.ofSeconds(30), () -> {
            JsonNode l = statusJson().path("shards").get(1).path("dr").path("link");
            return l.path("sqlRunning").asText().equals("Yes") && l.path("sqlError").isNull();
        }, "status shows the applier of dr s1 running again, without error");
    }

    /**
     * SQL_Remaining_Delay and the applier state come from the same SHOW REPLICA STATUS row: the delay left is
     * reported exactly when the applier waits out the delay, and lies between 0 and the delay.
     */
    static void assertDelayStateConsistent(String shard, JsonNode link, int delay) {
        String state = link.path("sqlState").asText("");
        assertFalse(state.isBlank(), shard + ": a running applier always has a state");
        if (WAITING_OUT_DELAY.equals(state)) {
            assertFalse(link.path("remainingDelaySeconds").isNull(), shard + ": waiting out the delay, the delay left is reported");
            long left = link.path("remainingDelaySeconds").asLong();
            assertTrue(left >= 0 && left <= delay, shard + ": delay left " + left + " s with a delay of " + delay + " s");
        } else {
            assertTrue(link.path("remainingDelaySeconds").isNull(), shard + ": no delay left while " + state);
        }
    }

    /**
     * With both threads stopped, each shard's backlog is the retrieved but unapplied transactions, and its bytes are
     * those transactions' own relay bytes, as mysqlbinlog reads the relay log files: exact, not an estimate.
     */
    static void assertBacklogIsExactlyTheRelayBytesOfTheUnappliedTransactions() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (JsonNode shard : statusWithBacklogBytesKnown().path("shards")) {
            String name = shard.path("shard").asText();
            Sandbox.Member dr = sandbox.drPrimary(name);
            Map<String, String> rs = Db.replicaStatus(dr).orElseThrow();
            assertEquals("No", rs.get("Replica_IO_Running"), name);
            GtidSet backlog = GtidSet.parse(rs.get("Retrieved_Gtid_Set")).subtract(Db.executed(dr));
            long bytes = 0;
            long found = 0;
            for (var e : BinlogOracle.relayTransactionBytes(dr).entrySet()) {
                if (backlog.contains(e.getKey())) {
                    bytes += e.getValue();
                    found++;
                }
            }
            assertEquals(backlog.size(), found, name + ": every unapplied transaction is complete in the relay log");
            assertEquals(backlog.size(), shard.path("backlogTransactions").asLong(), name);
            String detail = name + ": status says " + shard.path("backlogBytes").asLong() + " bytes, the relay log holds " + bytes
                    + " bytes of its " + backlog.size() + " unapplied transactions (Relay_Log_Space " + rs.get("Relay_Log_Space")
                    + ", Relay_Log_Pos " + rs.get("Relay_Log_Pos") + ")";
            System.out.println("backlog after stopsync, " + detail);
            if (shard.path("backlogBytes").asLong() != bytes) {
                wrong.add(detail);
            }
        }
        assertTrue(wrong.isEmpty(), "backlogBytes is not the relay bytes of the unapplied transactions: " + wrong);
    }

    /** Status once every shard's backlog bytes are known (the agent answers null while its relay index is busy). */
    static JsonNode statusWithBacklogBytesKnown() throws Exception {
        JsonNode[] status = new JsonNode[1];
        Await.until(Duration.ofSeconds(30), () -> {
            status[0] = statusJson();
            for (JsonNode shard : status[0].path("shards")) {
                if (shard.path("backlogBytes").isNull()) {
                    return false;
                }
            }
            return true;
        }, "every shard's relay backlog in bytes is known");
        return status[0];
    }

    /** Polls until every DR shard has applied what production had written ({@code written}). */
    static void awaitDrApplied(Map<String, GtidSet> written, String what) {
        Await.until(Duration.ofSeconds(90), () -> {
            for (String shard : sandbox.shards()) {
                if (!Db.executed(sandbox.drPrimary(shard)).containsAll(written.get(shard))) {
                    return false;
                }
            }
            return true;
        }, what);
    }

    /** Per shard: count, min, median, p99 and max of the values, for messages and the test's output. */
    static String distribution(Map<String, List<Double>> values) {
        StringBuilder b = new StringBuilder();
        for (var e : values.entrySet()) {
            List<Double> v = new ArrayList<>(e.getValue());
            Collections.sort(v);
            if (v.isEmpty()) {
                b.append(e.getKey()).append(": none; ");
                continue;
            }
            b.append(String.format(Locale.ROOT, "%s: n=%d min=%.3f p50=%.3f p99=%.3f max=%.3f; ", e.getKey(), v.size(), v.get(0),
                    v.get(v.size() / 2), v.get(Math.min(v.size() - 1, (int) Math.ceil(v.size() * 0.99) - 1)), v.get(v.size() - 1)));
        }
        return b.toString();
    }

    static String uuid(String shard) throws SQLException {
        return Db.one(sandbox.production(shard), "SELECT @@server_uuid");
    }

    static long nowMicros() {
        Instant i = Instant.now();
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }

    static JsonNode statusJson() throws Exception {
        Cli.Result r = Cli.run("status", "1", "--json", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        return JSON.readTree(r.out());
    }

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
