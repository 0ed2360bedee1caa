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
import io.drsp.sandbox.bank.BankTotals;
import io.drsp.sandbox.bank.BankWorkload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The recovery path a DBA runs when production is lost: stopsync, relaytime, recover, service, stopservice. Recovery
 * to a time is checked transaction by transaction against production's own binary logs read by mysqlbinlog.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RecoveryTest {
    static final Path DIR = Path.of("target/recovery").toAbsolutePath();
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");
    static final long SEED = Long.getLong("drsp.seed", System.nanoTime());
    static Sandbox sandbox;
    static Controller controller;
    static String conf;
    static ZoneId zone;
    static Map<String, Map<Gtid, Long>> production = new HashMap<>();
    static long workloadStart;
    static long workloadEnd;
    static long lastRecoveredTime;

    @BeforeAll
    static void up() throws Exception {
        sandbox = Sandbox.upReplacing(DIR, Sandbox.Options.defaults(), s -> { });
        conf = sandbox.configFile().toString();
        DrspConfig config = DrspConfig.load(sandbox.configFile());
        zone = config.timeZone();
        controller = Controller.start(config, Set.of());
        List<BankShard> shards = Bank.shards(sandbox, Sandbox.Role.PRODUCTION);
        BankSchema.create(shards.get(0), shards.subList(1, shards.size()), 50);
        assertEquals(0, Cli.run("sync", "1", "--delay", "3600", "--config", conf).exitCode(), "sync with a delay DR never reaches");
        workloadStart = nowMicros();
        BankWorkload w = new BankWorkload(shards.subList(1, shards.size()), 50, 3, 150, SEED).start();
        Await.until(Duration.ofSeconds(60), () -> w.stats().committed() >= 1500, "1500 transfers on production");
        w.stop();
        workloadEnd = nowMicros();
        // The recoverable window ends at the earliest last-retrieved production time across shards; the idle meta
        // shard's is its last heartbeat. Wait for a heartbeat after the workload on every shard, so that the whole
        // workload lies inside the window whatever the heartbeat's phase when it stopped.
        Await.until(Duration.ofSeconds(30), () -> {
            for (String shard : sandbox.shards()) {
                if (Long.parseLong(Db.one(sandbox.production(shard), "SELECT COALESCE(MAX(ts_us), 0) FROM drsp_heartbeat.heartbeat"))
                        <= workloadEnd) {
                    return false;
                }
            }
            return true;
        }, "every production shard wrote a heartbeat after the workload");
        Bank.awaitRetrieved(sandbox, Bank.productionExecuted(sandbox));
        assertEquals(0, Cli.run("stopsync", "1", "--config", conf).exitCode());
        for (String shard : sandbox.shards()) {
            production.put(shard, BinlogOracle.commitTimes(sandbox.production(shard)));
        }
    }

    @AfterAll
    static void down() throws Exception {
        TearDown.all(controller, sandbox);
    }

    @Test
    @Order(1)
    void recoverToRandomTimesIsExactAgainstProductionsBinlog() throws Exception {
        Map<String, GtidSet> stopped = drExecuted();
        refused(Cli.run("recover", "1", "--config", conf), "no recovery target is set for cluster 1; run relaytime first");
        refused(Cli.run("service", "1", "--config", conf), "mode STOPPED, where service does not apply");
        assertEquals(stopped, drExecuted(), "nothing applied by the refusals");
        Random random = new Random(SEED);
        long t1 = workloadStart + (long) (random.nextDouble() * (workloadEnd - workloadStart) / 2);
        long t2 = t1 + (long) (random.nextDouble() * (workloadEnd - t1 - 200_000));
        for (long t : List.of(t1, t2)) {
            String typed = format(t);
            Cli.Result target = Cli.run("relaytime", "1", "--time", typed, "--config", conf);
            assertEquals(0, target.exitCode(), "seed " + SEED + ": " + target);
            Cli.Result r = Cli.run("recover", "1", "--config", conf);
            assertEquals(0, r.exitCode(), "seed " + SEED + ": " + r);
            assertTrue(r.out().contains("recovered to time " + typed), r.out());
            for (String shard : sandbox.shards()) {
                GtidSet expected = BinlogOracle.committedAtOrBefore(production.get(shard), t);
                assertEquals(expected, Db.executed(sandbox.drPrimary(shard)),
                        "seed " + SEED + ", target " + typed + ": dr shard " + shard + " holds exactly production's transactions up to the target");
            }
            assertBankHoldsOnDr();
            assertEquals("RECOVERED", status().path("drMode").asText());
            lastRecoveredTime = t;
        }
    }

    @Test
    @Order(2)
    void refusalsSayWhyAndChangeNothing() throws Exception {
        Map<String, GtidSet> before = drExecuted();
        String behind = format(lastRecoveredTime - 2_000_000);
        refused(Cli.run("relaytime", "1", "--time", behind, "--config", conf), "outside the recoverable window of cluster 1");
        refused(Cli.run("relaytime", "1", "--time", format(nowMicros() + 3_600_000_000L), "--config", conf),
                "outside the recoverable window of cluster 1");
        refused(Cli.run("relaytime", "1", "--time", "2024-13-01 10:00:00", "--config", conf), "2024-13-01 10:00:00");
        refused(Cli.run("relaytime", "1", "--gtid", "not-a-gtid-set", "--config", conf), "not-a-gtid-set");
        refused(Cli.run("relaytime", "1", "--gtid", "11111111-2222-3333-4444-555555555555:1-5", "--config", conf),
                "11111111-2222-3333-4444-555555555555, which is not a production source of cluster 1");
        String s1 = uuid("s1");
        refused(Cli.run("relaytime", "1", "--gtid", gtidTarget(Map.of("s1", s1 + ":1-99999999")), "--config", conf),
                "goes beyond what dr shard s1 has retrieved");
        refused(Cli.run("relaytime", "1", "--gtid", gtidTarget(Map.of("s1", s1 + ":1-3")), "--config", conf),
                "is behind what dr shard s1 has already applied");
        refused(Cli.run("relaytime", "7", "--all", "--config", conf), "cluster \"7\" is not configured");
        JsonNode target = status().path("target");
        long have = Db.executed(sandbox.drPrimary("s1")).forUuid(s1).size();
        long can = GtidSet.parse(Db.replicaStatus(sandbox.drPrimary("s1")).orElseThrow().get("Retrieved_Gtid_Set"))
                .union(Db.executed(sandbox.drPrimary("s1"))).forUuid(s1).size();
        assertTrue(can >= have + 3, "seed " + SEED + ": s1 has retrieved transactions to leave a hole in (" + have + " of " + can + ")");
        // UNTIL SQL_AFTER_GTIDS would apply the hole too: the applier goes in relay order until every target GTID is applied.
        String holed = s1 + ":1-" + (have + 1) + ":" + (have + 3) + "-" + can;
        refused(Cli.run("relaytime", "1", "--gtid", gtidTarget(Map.of("s1", holed)), "--config", conf),
                "the GTID set is not a prefix of dr shard s1's relay log beyond what it has applied: MySQL applies the relay log"
                        + " in order, so replaying to it would also apply " + s1 + ":" + (have + 2) + "; for s1 a target must take"
                        + " every retrieved transaction before its last one, such as " + s1 + ":1-" + (have + 1) + " (stopping before "
                        + s1 + ":" + (have + 2) + ") or " + s1 + ":1-" + can + ".");
        assertEquals(target, status().path("target"), "a refused relaytime leaves the recorded target as it was");
        refused(Cli.run("stopservice", "1", "--config", conf), "mode RECOVERED, where stopservice does not apply");
        refused(Cli.run("stopservice", "1", "--dry-run", "--config", conf),
                "--dry-run shows what --resolve-prepared would do; give both, or neither.");
        assertEquals(before, drExecuted(), "nothing was applied by any refusal");
        assertEquals("RECOVERED", status().path("drMode").asText());
    }

    @Test
    @Order(3)
    void recoverToAGtidSetThenToAllRetrievedRelayLog() throws Exception {
        Map<String, String> target = new HashMap<>();
        for (String shard : sandbox.shards()) {
            GtidSet executed = Db.executed(sandbox.drPrimary(shard));
            GtidSet retrieved = GtidSet.parse(Db.replicaStatus(sandbox.drPrimary(shard)).orElseThrow().get("Retrieved_Gtid_Set"));
            long have = executed.forUuid(uuid(shard)).size();
            long can = retrieved.union(executed).forUuid(uuid(shard)).size();
            target.put(shard, uuid(shard) + ":1-" + (have + (can - have) / 2));
        }
        assertEquals(0, Cli.run("relaytime", "1", "--gtid", gtidTarget(target), "--config", conf).exitCode());
        assertEquals(0, Cli.run("recover", "1", "--config", conf).exitCode());
        for (String shard : sandbox.shards()) {
            assertEquals(GtidSet.parse(target.get(shard)), Db.executed(sandbox.drPrimary(shard)), "dr shard " + shard);
        }
        assertBankHoldsOnDr();

        assertEquals(0, Cli.run("relaytime", "1", "--all", "--config", conf).exitCode());
        Map<String, GtidSet> before = drExecuted();
        Cli.Result plan = Cli.run("recover", "1", "--dry-run", "--config", conf);
        assertEquals(0, plan.exitCode(), plan.toString());
        assertTrue(plan.out().contains("dry run: nothing was changed") && plan.out().contains("REPLAY trx"), plan.out());
        assertEquals(before, drExecuted(), "a dry run applies nothing");
        assertPlanMatchesTheRelayLogAsMysqlbinlogReadsIt(plan.out(), before);
        assertEquals(0, Cli.run("recover", "1", "--config", conf).exitCode());
        for (String shard : sandbox.shards()) {
            GtidSet retrieved = GtidSet.parse(Db.replicaStatus(sandbox.drPrimary(shard)).orElseThrow().get("Retrieved_Gtid_Set"));
            GtidSet executed = Db.executed(sandbox.drPrimary(shard));
            assertTrue(executed.containsAll(retrieved) && executed.subtract(retrieved).subtract(before.get(shard)).isEmpty(),
                    "dr shard " + shard + " applied all retrieved relay log and nothing else");
            assertTrue(Db.executed(sandbox.production(shard)).containsAll(executed), "no errant transaction on dr " + shard);
        }
        assertBankHoldsOnDr();
    }

    @Test
    @Order(4)
    void serviceRunsTheHookMakesDrWritableAndStopserviceWaitsForOpenTransactions() throws Exception {
        Path hookLog = DIR.resolve("hooks/dbproxy.log");
        Files.deleteIfExists(hookLog);
        Cli.Result r = Cli.run("service", "1", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(Files.readString(hookLog).contains("start_dbproxy cluster=1 site=dr mode=SERVICE"), Files.readString(hookLog));
        Cli.Result list = Cli.run("snapshots", "1", "--config", conf);
        assertTrue(list.out().startsWith("snap-1-"), list.out());
        for (String shard : sandbox.shards()) {
            assertTrue(list.out().contains(Db.executed(sandbox.drPrimary(shard)).toCompactString()), "snapshot has " + shard);
        }
        Db.exec(sandbox.drPrimary("s1"), "UPDATE bank.accounts SET owner = 'drill' WHERE id = 1000000");

        Connection open = sandbox.drPrimary("s1").instance().connect();
        open.setAutoCommit(false);
        long openSession;
        try (Statement st = open.createStatement(); var rs = st.executeQuery("SELECT CONNECTION_ID()")) {
            rs.next();
            openSession = rs.getLong(1);
            st.executeUpdate("UPDATE bank.accounts SET owner = 'open-trx' WHERE id = 1000001");
        }
        CompletableFuture<Cli.Result> stopping = CompletableFuture.supplyAsync(() -> Cli.run("stopservice", "1", "--config", conf));
        Await.until(Duration.ofSeconds(30), () -> Files.readString(hookLog).contains("stop_dbproxy"), "stop_dbproxy ran first");
        // Slow is not waiting: MySQL itself must show stopservice polling s1 for open transactions while ours stays
        // open, with s1 still writable, before the transaction ends.
        Sandbox.Member s1 = sandbox.drPrimary("s1");
        long polled = openTransactionPolls(s1);
        Await.until(Duration.ofSeconds(30), () -> openTransactionPolls(s1) >= polled + 5,
                "stopservice polls dr shard s1 for open transactions again and again");
        assertFalse(stopping.isDone(), "stopservice waits for the open transaction");
        assertEquals("0", Db.one(s1, "SELECT @@super_read_only"), "s1 is made read-only only once its transactions ended");
        assertEquals("1", Db.one(s1, "SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = "
                + openSession), "our transaction is still open");
        open.commit();
        open.close();
        Cli.Result stopped = stopping.get();
        assertEquals(0, stopped.exitCode(), stopped.toString());
        assertEquals("open-trx", Db.one(sandbox.drPrimary("s1"), "SELECT owner FROM bank.accounts WHERE id = 1000001"),
                "the open transaction was let finish, not killed");
        try {
            Db.exec(sandbox.drPrimary("s1"), "UPDATE bank.accounts SET owner = 'late' WHERE id = 1000000");
            throw new AssertionError("DR accepted a write after stopservice");
        } catch (SQLException e) {
            assertEquals(1290, e.getErrorCode(), "super_read_only refuses it");
        }
        assertEquals("SERVICE_STOPPED", status().path("drMode").asText());
    }

    @Test
    @Order(5)
    void aFailingStartHookAbortsServiceAndRestoresReadOnly() throws Exception {
        Path hook = DIR.resolve("hooks/start_dbproxy.sh");
        String original = Files.readString(hook);
        Files.writeString(hook, "#!/bin/sh\necho 'proxy 10.0.0.9 refused the switch'\nexit 3\n");
        try {
            Cli.Result r = Cli.run("service", "1", "--config", conf);
            assertEquals(1, r.exitCode(), r.toString());
            assertTrue(r.err().contains("exited with 3: proxy 10.0.0.9 refused the switch"), r.err());
            assertTrue(r.err().contains("were made read-only again"), r.err());
            Await.until(Duration.ofSeconds(20), () -> sandbox.members(Sandbox.Role.DR).stream().allMatch(m -> {
                try {
                    return Db.one(m, "SELECT @@super_read_only").equals("1");
                } catch (SQLException e) {
                    return false;
                }
            }), "every DR shard is read-only again");
            assertEquals("SERVICE_STOPPED", status().path("drMode").asText());
        } finally {
            Files.writeString(hook, original);
        }
    }

    /**
     * The dry run's transactions and bytes per shard, for a target of all retrieved relay log, are what mysqlbinlog
     * finds in each DR shard's relay log files: the retrieved transactions not yet applied, and their own events' bytes.
     */
    static void assertPlanMatchesTheRelayLogAsMysqlbinlogReadsIt(String plan, Map<String, GtidSet> executed) throws Exception {
        Map<String, long[]> planned = new HashMap<>();
        java.util.regex.Pattern row = java.util.regex.Pattern.compile("^(\\S+)\\s+(\\d+)\\s+(\\d+)\\s+");
        for (String line : plan.lines().toList()) {
            java.util.regex.Matcher m = row.matcher(line);
            if (m.find() && sandbox.shards().contains(m.group(1))) {
                planned.put(m.group(1), new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3))});
            }
        }
        assertEquals(Set.copyOf(sandbox.shards()), planned.keySet(), "a plan line per shard: " + plan);
        for (String shard : sandbox.shards()) {
            Sandbox.Member dr = sandbox.drPrimary(shard);
            GtidSet toReplay = GtidSet.parse(Db.replicaStatus(dr).orElseThrow().get("Retrieved_Gtid_Set")).subtract(executed.get(shard));
            long bytes = 0;
            long found = 0;
            for (var e : BinlogOracle.relayTransactionBytes(dr).entrySet()) {
                if (toReplay.contains(e.getKey())) {
                    bytes += e.getValue();
                    found++;
                }
            }
            assertEquals(toReplay.size(), found, shard + ": every transaction to replay is whole in the relay log");
            assertEquals(toReplay.size(), planned.get(shard)[0], shard + ": transactions to replay; plan: " + plan);
            assertEquals(bytes, planned.get(shard)[1], shard + ": relay bytes to replay, as mysqlbinlog reads them; plan: " + plan);
        }
    }

    /**
     * How many times MySQL ran the query with which drsp lists a member's open transactions (the only one that joins
     * INNODB_TRX with PROCESSLIST), from performance_schema's statement digests.
     */
    static long openTransactionPolls(Sandbox.Member member) throws SQLException {
        return Long.parseLong(Db.one(member, "SELECT COALESCE(SUM(COUNT_STAR), 0) FROM performance_schema.events_statements_summary_by_digest"
                + " WHERE DIGEST_TEXT LIKE '%INNODB_TRX%PROCESSLIST%' AND DIGEST_TEXT NOT LIKE '%events_statements_summary_by_digest%'"));
    }

    static void refused(Cli.Result r, String expected) {
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.err().contains(expected), "expected \"" + expected + "\" in: " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one sentence: " + r.err());
    }

    static void assertBankHoldsOnDr() throws SQLException {
        BankTotals totals = BankTotals.read(Bank.shards(sandbox, Sandbox.Role.DR).subList(1, 3));
        assertTrue(totals.holdsPerShard(), "seed " + SEED + ": " + totals);
    }

    static Map<String, GtidSet> drExecuted() throws SQLException {
        Map<String, GtidSet> m = new HashMap<>();
        for (String shard : sandbox.shards()) {
            m.put(shard, Db.executed(sandbox.drPrimary(shard)));
        }
        return m;
    }

    /** A GTID target naming every shard: the given parts, and each other shard where it stands now. */
    static String gtidTarget(Map<String, String> parts) throws SQLException {
        StringBuilder b = new StringBuilder();
        for (String shard : sandbox.shards()) {
            String part = parts.getOrDefault(shard, Db.executed(sandbox.drPrimary(shard)).toCompactString());
            b.append(b.length() == 0 ? "" : ",").append(part);
        }
        return b.toString();
    }

    static String uuid(String shard) throws SQLException {
        return Db.one(sandbox.production(shard), "SELECT @@server_uuid");
    }

    static JsonNode status() throws Exception {
        Cli.Result r = Cli.run("status", "1", "--json", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        return new ObjectMapper().readTree(r.out());
    }

    static String format(long micros) {
        return TIME.format(Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1000).atZone(zone));
    }

    static long nowMicros() {
        Instant i = Instant.now();
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }
}
