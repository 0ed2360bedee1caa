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
    static void down() throws Exception {
        TearDown.all(workload, controller, sandbox);
    }

    /**
     * Every transaction production commits while the link runs, on every shard (the bank's transfers on s1 and s2,
     * the probes on s1, drsp's own heartbeats on all three, meta included: they are replicated like anything else),
     * is held back by the delay exactly as MySQL's rule says ({@link DelayRule}): DR's binlog shows none committed
     * before its due second, and how late after it each was is the machine's load, reported with the load average.
     * A link set to the wrong delay shows in SQL_Delay itself, which is checked; the median bound (2 s, against MySQL's
     * own nap of under 1 s) catches an applier that falls seconds behind its due times.
     */
    @Test
    @Order(1)
    void everyTransactionOnEveryDrShardIsHeldBackByTheDelayAsMysqlsRuleSays() throws Exception {
        Cli.Result r = Cli.run("sync", "1", "--delay", "5", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("delay 5 s"), r.out());
        for (Sandbox.Member dr : sandbox.members(Sandbox.Role.DR)) {
            assertEquals("5", Db.replicaStatus(dr).orElseThrow().get("SQL_Delay"), dr.name() + "'s link");
        }
        long windowStart = nowMicros();
        Map<Integer, Double> probesLate = probeLateness(0, 40, 5);
        long windowEnd = nowMicros();
        awaitDrApplied(Bank.productionExecuted(sandbox), "every transaction of the window reached every DR shard");

        Map<String, List<Double>> late = new TreeMap<>();
        List<String> early = new ArrayList<>();
        for (String shard : sandbox.shards()) {
            List<Double> l = late.computeIfAbsent(shard, k -> new ArrayList<>());
            DelayRule rule = DelayRule.of(BinlogOracle.transactions(sandbox.drPrimary(shard)), uuid(shard));
            for (DelayRule.Applied a : rule.committedOnDrBetween(windowStart, Long.MAX_VALUE)) {
                if (a.sourceCommitMicros() < windowStart || a.sourceCommitMicros() > windowEnd) {
                    continue;
                }
                double by = DelayRule.lateBy(a, 5);
                l.add(by);
                if (by < 0) {
                    early.add(shard + " committed at " + a.sourceCommitMicros() + " applied at " + a.drCommitMicros());
                }
            }
        }
        String distribution = distribution(late);
        System.out.println("delay 5 s, seconds after MySQL's due time each transaction committed on DR, " + DelayRule.load() + ": "
                + distribution + " probes: " + DelayRule.summary(new ArrayList<>(probesLate.values())));
        assertTrue(late.get("meta").size() >= 5, "meta's heartbeats, one a second: " + distribution);
        for (String shard : List.of("s1", "s2")) {
            assertTrue(late.get(shard).size() >= 100, shard + " carries the bank workload: " + distribution);
        }
        assertTrue(early.isEmpty(), early.size() + " transactions applied before the delay was over: " + early);
        for (var e : late.entrySet()) {
            assertTrue(DelayRule.median(e.getValue()) < 2.0, e.getKey() + ": most transactions applied seconds after the delay"
                    + " was over (" + DelayRule.load() + "): " + distribution);
        }
        assertTrue(DelayRule.median(new ArrayList<>(probesLate.values())) < 2.0, "probes: " + probesLate);
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
            assertAppliedTimeAndLagAsDrsBinlogShows(name, shard, before * 1000, after * 1000, 5);
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
        Map<Integer, Double> late = probeLateness(1000, 10, 2);
        System.out.println("delay 2 s, probes applied after MySQL's due time (s), " + DelayRule.load() + ": " + late);
        assertTrue(late.values().stream().allMatch(l -> l >= 0), "with delay 2, a probe applied before it was due: " + late);
        assertTrue(DelayRule.median(new ArrayList<>(late.values())) < 2.0, "with delay 2, probes applied seconds late: " + late);
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
     * time every second. "Near 0" is what the mechanism allows, measured rather than guessed: at any moment the next
     * heartbeat DR has not applied yet was committed at most one heartbeat gap after the one it has, and MySQL applies
     * it within the second after its due time plus however late the machine's load makes it (DR's binlog shows both).
     * So the lag never exceeds the largest gap between production's heartbeats, plus 1 s, plus the latest apply; 12 s
     * of idleness without the heartbeat would show 12 s. The lag is also right: it lies where DR's own binlog, read
     * afterwards, puts it at the moment status was asked.
     */
    @Test
    @Order(6)
    void withProductionIdleTheLagBeyondTheDelayStaysNearZeroOnEveryShard() throws Exception {
        workload.stop();
        Map<String, GtidSet> lastData = Bank.productionExecuted(sandbox);
        assertEquals(0, Cli.run("sync", "1", "--delay", "5", "--config", conf).exitCode());
        awaitDrApplied(lastData, "DR applied the relay log kept by stopsync and the last transfers");

        record Sample(long before, long after, JsonNode status) {
        }
        List<Sample> samples = new ArrayList<>();
        long from = nowMicros();
        while (nowMicros() < from + 12_000_000) {
            long readBefore = nowMicros();
            JsonNode st = statusJson();
            samples.add(new Sample(readBefore, nowMicros(), st));
            Thread.sleep(500); // the sampling interval: the lag must stay small at every sample, not become small once
        }
        long to = nowMicros();
        Map<String, List<Double>> lags = new TreeMap<>();
        for (String shard : sandbox.shards()) {
            String source = uuid(shard);
            List<BinlogOracle.Transaction> drBinlog = BinlogOracle.transactions(sandbox.drPrimary(shard));
            DelayRule rule = DelayRule.of(drBinlog, source);
            long lastApplied = 0;
            for (Sample sample : samples) {
                JsonNode status = null;
                for (JsonNode sh : sample.status().path("shards")) {
                    if (sh.path("shard").asText().equals(shard)) {
                        status = sh;
                    }
                }
                assertFalse(status == null || status.path("lagSeconds").isNull(), shard + ": lag known");
                lags.computeIfAbsent(shard, k -> new ArrayList<>()).add(status.path("lagSeconds").asDouble());
                assertAppliedTimeAndLag(shard, status, sample.before(), sample.after(), 5, rule);
                long applied = status.path("dr").path("appliedSourceTimeMicros").asLong();
                assertTrue(applied >= lastApplied, shard + ": applied production time never goes back");
                lastApplied = applied;
            }
            // Production was idle: every transaction DR applied meanwhile is drsp's heartbeat.
            List<Double> late = new ArrayList<>();
            for (BinlogOracle.Transaction t : drBinlog) {
                if (t.gtid().uuid().equals(source) && t.immediateCommitMicros() >= from && t.immediateCommitMicros() <= to) {
                    assertEquals(Set.of(HEARTBEAT_TABLE), t.tables(), shard + " " + t.gtid() + " is not a heartbeat: production was not idle");
                    late.add(DelayRule.lateBy(new DelayRule.Applied(t.originalCommitMicros(), t.immediateCommitMicros()), 5));
                }
            }
            // The heartbeats whose application the window could show: committed on production from a delay and a
            // heartbeat before the window up to a delay before its end.
            List<Long> beats = new ArrayList<>();
            for (BinlogOracle.Transaction t : BinlogOracle.transactions(sandbox.production(shard))) {
                if (t.tables().equals(Set.of(HEARTBEAT_TABLE)) && t.originalCommitMicros() >= from - 7_000_000
                        && t.originalCommitMicros() <= to - 5_000_000) {
                    beats.add(t.originalCommitMicros());
                }
            }
            List<Double> gaps = new ArrayList<>();
            for (int i = 1; i < beats.size(); i++) {
                gaps.add((beats.get(i) - beats.get(i - 1)) / 1e6);
            }
            assertTrue(gaps.size() >= 5, shard + ": production's heartbeats around the window: " + beats);
            double bound = Collections.max(gaps) + 1 + Collections.max(late) + VISIBLE_WITHIN / 1e6;
            String measured = shard + ": lag " + DelayRule.summary(lags.get(shard)) + "; production heartbeat gaps "
                    + DelayRule.summary(gaps) + "; DR applied them late by " + DelayRule.summary(late) + "; " + DelayRule.load();
            System.out.println("idle production, delay 5 s, " + measured);
            assertTrue(DelayRule.median(gaps) <= 1.5, "drsp's heartbeat is written every second: " + measured);
            assertTrue(late.stream().allMatch(l -> l >= 0), "a heartbeat applied before it was due: " + measured);
            assertTrue(Collections.max(lags.get(shard)) <= bound, shard + " lag beyond what the heartbeat allows ("
                    + bound + " s): " + measured);
            assertTrue(lags.get(shard).size() >= 10, shard + " sampled throughout: " + measured);
        }
    }

    /**
     * What status says of a DR shard's applied production time and lag, read between {@code beforeMicros} and
     * {@code afterMicros}, against DR's own binlog ({@link DelayRule#standsAt}). MySQL cannot have applied anything
     * committed later than the delay ago, and status cannot name a transaction DR had not committed when status
     * returned; both are exact. The other side allows for a commit already stamped in DR's binlog but not yet visible
     * to status's read, which load stretches: {@link #VISIBLE_WITHIN} bounds it, and the slack seen is printed.
     */
    /**
     * A delay change while the receiver is stopped names a relay log position, so that nothing retrieved is lost, and
     * MySQL answers by turning relay_log_purge off for good. Sync turns it back on: applied relay log files are then
     * deleted as the applier leaves them, as the relay log index file shows, instead of filling the disk for weeks.
     */
    @Test
    @Order(9)
    void syncPurgesAppliedRelayLogAgainAfterADelayChangeWhileStopped() throws Exception {
        assertEquals(0, Cli.run("sync", "1", "--delay", "5", "--config", conf).exitCode());
        Await.until(Duration.ofSeconds(30), () -> {
            for (JsonNode shard : statusJson().path("shards")) {
                if (shard.path("backlogTransactions").asLong() < 2) {
                    return false;
                }
            }
            return true;
        }, "production's heartbeats wait in every DR shard's relay log behind the 5 s delay");
        assertEquals(0, Cli.run("stopsync", "1", "--config", conf).exitCode());
        int delay = 1;
        Cli.Result r = Cli.run("sync", "1", "--delay", Integer.toString(delay), "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        for (String shard : sandbox.shards()) {
            Sandbox.Member dr = sandbox.drPrimary(shard);
            assertEquals("0", Db.replicaStatus(dr).orElseThrow().get("Auto_Position"),
                    shard + ": the change named a relay position (the case in which MySQL turns purging off)");
            assertEquals("1", Db.one(dr, "SELECT @@GLOBAL.relay_log_purge"), shard + ": relay_log_purge is on again");
            Path index = Path.of(Db.one(dr, "SELECT @@GLOBAL.relay_log_index"));
            Path relayIndex = index.isAbsolute() ? index : Path.of(Db.one(dr, "SELECT @@GLOBAL.datadir")).resolve(index);
            String oldest = java.nio.file.Files.readAllLines(relayIndex).get(0);
            // MySQL's multi-threaded applier purges a relay file only once it has moved past the next one as well (it
            // keeps one applied file behind), so the relay log is rotated until the oldest file goes. With purging
            // off, no number of rotations would remove it.
            long[] flushed = {System.nanoTime() - 2_000_000_000L};
            Await.until(Duration.ofSeconds(60), () -> {
                if (System.nanoTime() - flushed[0] > 1_000_000_000L) { // a rotation a second, not one a poll
                    Db.exec(dr, "FLUSH RELAY LOGS");
                    flushed[0] = System.nanoTime();
                }
                return !java.nio.file.Files.readAllLines(relayIndex).contains(oldest);
            }, shard + ": the applier purges " + oldest + " once it has applied it and moved on");
        }
    }

    static void assertAppliedTimeAndLagAsDrsBinlogShows(String name, JsonNode shard, long beforeMicros, long afterMicros, int delay)
            throws Exception {
        assertAppliedTimeAndLag(name, shard, beforeMicros, afterMicros, delay,
                DelayRule.of(BinlogOracle.transactions(sandbox.drPrimary(name)), uuid(name)));
    }

    static void assertAppliedTimeAndLag(String name, JsonNode shard, long beforeMicros, long afterMicros, int delay, DelayRule rule) {
        long applied = shard.path("dr").path("appliedSourceTimeMicros").asLong();
        long standsBefore = rule.standsAt(beforeMicros);
        long standsAfter = rule.standsAt(afterMicros);
        assertTrue(applied <= afterMicros - delay * 1_000_000L, name + ": applied production time " + applied
                + " is less than the delay before status was read (" + afterMicros + ")");
        assertTrue(applied <= standsAfter, name + ": status says DR stands at " + applied + ", its binlog shows at most " + standsAfter);
        assertTrue(applied >= standsBefore - VISIBLE_WITHIN, name + ": status says DR stands at " + applied + ", its binlog shows "
                + standsBefore + " committed before status was asked (" + DelayRule.load() + ")");
        if (applied < standsBefore) {
            System.out.println(name + ": a commit stamped in DR's binlog was not yet visible to status, by "
                    + (standsBefore - applied) / 1000 + " ms of production time, " + DelayRule.load());
        }
        double lag = shard.path("lagSeconds").asDouble();
        double atLeast = Math.max(0, (beforeMicros - standsAfter) / 1e6 - delay);
        double atMost = Math.max(0, (afterMicros - standsBefore + VISIBLE_WITHIN) / 1e6 - delay);
        assertTrue(lag >= atLeast - 0.001 && lag <= atMost + 0.001,
                name + ": lag " + lag + " s, DR's binlog implies " + atLeast + " to " + atMost + " s");
    }

    /** How long a commit DR's binlog has stamped may stay invisible to a reader on a loaded 2-core machine, µs. */
    static final long VISIBLE_WITHIN = 1_000_000;

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
            // MySQL records the error a moment before the applier reports itself stopped: wait for status to see both.
            return "No".equals(rs.get("Replica_SQL_Running")) && mysqls.contains(seen[0].path("dr").path("link").path("sqlError").asText())
                    && "No".equals(seen[0].path("dr").path("link").path("sqlRunning").asText());
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
     * Writes {@code count} probe rows on production s1, waits (polling) until all are on DR, and returns for each how
     * many seconds after MySQL's due time ({@link DelayRule#due}) DR committed it, both times as DR's binlog records
     * them: the moment a row becomes visible, without client or polling noise.
     */
    static Map<Integer, Double> probeLateness(int firstId, int count, int delaySeconds) throws Exception {
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
        Map<Integer, Double> late = new TreeMap<>();
        for (BinlogOracle.Transaction t : BinlogOracle.transactions(dr)) {
            for (long id : t.firstColumns().getOrDefault("probe.visible", List.of())) {
                if (id >= firstId && id < firstId + count) {
                    late.put((int) id, DelayRule.lateBy(new DelayRule.Applied(t.originalCommitMicros(), t.immediateCommitMicros()),
                            delaySeconds));
                }
            }
        }
        assertEquals(count, late.size(), "every probe is in DR's binlog: " + late);
        return late;
    }
}
