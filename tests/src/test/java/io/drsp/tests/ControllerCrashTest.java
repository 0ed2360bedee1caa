package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.Sandbox;
import io.drsp.sandbox.bank.BankSchema;
import io.drsp.sandbox.bank.BankShard;
import io.drsp.sandbox.bank.BankTotals;
import io.drsp.sandbox.bank.BankWorkload;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A controller killed (halted, as kill -9 would) right after journaling that it configured dr shard s1, before s2:
 * restarted, it tells the truth, finishes the sync it was running, and a repeated sync changes nothing twice. Then,
 * under the bank workload, killed after journaling that it started changing s2's delay but before asking s2's agent:
 * restarted, it finishes the change, and DR ends as an exact copy of production.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControllerCrashTest {
    static final Path DIR = Path.of("target/controller-crash").toAbsolutePath();
    static Sandbox sandbox;
    static String conf;
    static Process controller;
    static BankWorkload production;

    @BeforeAll
    static void up() {
        sandbox = Sandbox.upReplacing(DIR, Sandbox.Options.defaults(), s -> { });
        conf = sandbox.configFile().toString();
    }

    @AfterAll
    static void down() throws Exception {
        TearDown.all(production, controller, sandbox);
    }

    @Test
    @Order(1)
    void killedAfterConfiguringOneOfTwoShardsResumesAndRepeatsNothing() throws Exception {
        controller = startController(conf, DIR, Map.of("DRSP_FAILPOINTS", "crash-after:ShardLinkConfigured:s1"));
        Cli.Result crashed = Cli.run("sync", "1", "--delay", "3", "--config", conf);
        assertEquals(1, crashed.exitCode(), crashed.toString());
        assertTrue(controller.waitFor(30, TimeUnit.SECONDS), "the controller halted at the failpoint");
        assertEquals(137, controller.exitValue());
        assertEquals("3", Db.replicaStatus(sandbox.drPrimary("meta")).orElseThrow().get("SQL_Delay"), "meta was linked");
        assertEquals("3", Db.replicaStatus(sandbox.drPrimary("s1")).orElseThrow().get("SQL_Delay"), "s1 was linked");
        assertTrue(Db.replicaStatus(sandbox.drPrimary("s2")).isEmpty(), "s2 was not reached before the crash");
        Map<String, String> receivers = new java.util.HashMap<>();
        for (String shard : List.of("meta", "s1")) {
            receivers.put(shard, receiver(sandbox.drPrimary(shard)));
        }

        controller = startController(conf, DIR, Map.of());
        assertTrue(Integer.parseInt(Db.one(sandbox.control(), "SELECT COUNT(*) FROM drsp.snapshot WHERE persistence_id = 'pair-1'")) >= 1,
                "the crashed controller had taken a snapshot, so this restart recovered from it");
        JsonNode first = status();
        // Truthful: either still resuming the interrupted sync, or done with it; never a mode it has not reached.
        assertTrue(first.path("drMode").asText().equals("SYNC")
                        || first.path("drMode").asText().equals("IDLE") && first.path("runbook").asText().startsWith("sync"),
                first.toString());
        Await.until(Duration.ofSeconds(60), () -> status().path("drMode").asText().equals("SYNC"),
                "the restarted controller finishes the interrupted sync by itself");
        // MySQL's word, not the journal's: the links configured before the crash were not touched again (the same
        // receiver thread, still writing the same relay log file).
        for (String shard : List.of("meta", "s1")) {
            assertEquals(receivers.get(shard), receiver(sandbox.drPrimary(shard)), shard + "'s link was not configured again");
        }
        for (Sandbox.Member dr : sandbox.members(Sandbox.Role.DR)) {
            Map<String, String> rs = Db.replicaStatus(dr).orElseThrow();
            assertEquals("3", rs.get("SQL_Delay"), dr.name());
            assertEquals("Yes", rs.get("Replica_IO_Running"), dr.name());
        }

        Cli.Result again = Cli.run("sync", "1", "--delay", "3", "--config", conf);
        assertEquals(0, again.exitCode(), again.toString());
        Map<String, Integer> configured = linkConfiguredEventsPerShard();
        // Once by the crashed-and-resumed sync, once (as "already has delay 3 s") by the repeated one.
        assertEquals(Map.of("meta", 2, "s1", 2, "s2", 2), configured, "no step ran twice within one sync");
        for (Sandbox.Member dr : sandbox.members(Sandbox.Role.DR)) {
            assertEquals("1", Db.one(dr, "SELECT COUNT(*) FROM performance_schema.replication_connection_configuration"),
                    dr.name() + " has exactly one channel");
        }
        assertTrue(detailOfLastLinkConfigured("s2").contains("already has delay 3 s"),
                "the repeated sync found s2 as the resumed one left it");
        // MySQL's count of the statements that change a link's settings: one per member over the crash, the resume
        // and the repeated sync (meta and s1 by the crashed controller, s2 by the resumed one, none by the repeat).
        for (Sandbox.Member dr : sandbox.members(Sandbox.Role.DR)) {
            assertEquals("1", Db.one(dr, "SELECT COALESCE(SUM(COUNT_STAR), 0) FROM performance_schema.events_statements_summary_by_digest"
                    + " WHERE DIGEST_TEXT LIKE 'CHANGE REPLICATION SOURCE%'"), dr.name() + "'s link settings changed exactly once");
        }
    }

    @Test
    @Order(2)
    void killedBetweenJournalingAStepAndAskingTheAgentFinishesTheStepUnderLoad() throws Exception {
        List<BankShard> shards = Bank.shards(sandbox, Sandbox.Role.PRODUCTION);
        BankSchema.create(shards.get(0), shards.subList(1, shards.size()), 50);
        production = new BankWorkload(shards.subList(1, shards.size()), 50, 2, 40, 11).start();

        restartController(Map.of("DRSP_FAILPOINTS", "crash-after:StepStarted:ENSURE_LINK:s2"));
        Cli.Result crashed = Cli.run("sync", "1", "--delay", "5", "--config", conf);
        assertEquals(1, crashed.exitCode(), crashed.toString());
        assertTrue(controller.waitFor(30, TimeUnit.SECONDS), "the controller halted at the failpoint");
        assertEquals(137, controller.exitValue());
        assertEquals("5", Db.replicaStatus(sandbox.drPrimary("s1")).orElseThrow().get("SQL_Delay"), "s1 was changed");
        assertEquals("3", Db.replicaStatus(sandbox.drPrimary("s2")).orElseThrow().get("SQL_Delay"),
                "s2's step was journaled as started, but its agent was never asked");

        controller = startController(conf, DIR, Map.of());
        Await.until(Duration.ofSeconds(60), () -> status().path("drMode").asText().equals("SYNC")
                        && status().path("delaySeconds").asInt() == 5,
                "the restarted controller finishes the interrupted delay change");
        for (Sandbox.Member dr : sandbox.members(Sandbox.Role.DR)) {
            Map<String, String> rs = Db.replicaStatus(dr).orElseThrow();
            assertEquals("5", rs.get("SQL_Delay"), dr.name());
            assertEquals("Yes", rs.get("Replica_IO_Running"), dr.name());
            assertEquals("Yes", rs.get("Replica_SQL_Running"), dr.name());
        }
        assertEquals(Map.of("meta", 3, "s1", 3, "s2", 3), linkConfiguredEventsPerShard(), "each shard changed once more, s2 too");

        production.stop();
        Map<String, GtidSet> written = Bank.productionExecuted(sandbox);
        Copies.awaitApplied(sandbox.members(Sandbox.Role.DR), written, Duration.ofSeconds(90));
        for (Sandbox.Member dr : sandbox.members(Sandbox.Role.DR)) {
            Copies.assertEqualsProduction(sandbox, dr, "after a controller crash mid-sync under load");
        }
        BankTotals totals = BankTotals.read(Bank.shards(sandbox, Sandbox.Role.DR).subList(1, 3));
        assertTrue(totals.holds(), "the bank invariant holds on DR: " + totals);
    }

    @Test
    @Order(3)
    void aDelayChangeThatFailsOnOneShardSetsTheOthersBackToTheClustersDelay() throws Exception {
        restartController(Map.of("DRSP_FAILPOINTS", "fail:ENSURE_LINK:s2"));
        Cli.Result failed = Cli.run("sync", "1", "--delay", "8", "--config", conf);
        assertEquals(1, failed.exitCode(), failed.toString());
        assertTrue(failed.err().contains("(shards meta, s1 were set back to the delay of 5 s, so every shard keeps the cluster's delay)"),
                failed.err());
        awaitEveryDrShardDelay(5, Duration.ofSeconds(30), "every DR shard follows with the cluster's delay of 5 s again");
        JsonNode s = status();
        assertEquals("SYNC", s.path("drMode").asText(), s.toString());
        assertEquals(5, s.path("delaySeconds").asInt(), s.toString());
        for (Sandbox.Member dr : sandbox.members(Sandbox.Role.DR)) {
            assertEquals("Yes", Db.replicaStatus(dr).orElseThrow().get("Replica_SQL_Running"), dr.name() + " never stopped following");
        }
    }

    @Test
    @Order(4)
    void killedAfterJournalingAFailureButBeforeTakingItsChangeBackFinishesTheUndoAfterRestart() throws Exception {
        restartController(Map.of("DRSP_FAILPOINTS", "fail:ENSURE_LINK:s2,crash-after:RunbookFailed"));
        Cli.Result failed = Cli.run("sync", "1", "--delay", "9", "--config", conf);
        assertEquals(1, failed.exitCode(), failed.toString());
        assertTrue(controller.waitFor(30, TimeUnit.SECONDS), "the controller halted at the failpoint");
        assertEquals(137, controller.exitValue());
        assertEquals("9", Db.replicaStatus(sandbox.drPrimary("s1")).orElseThrow().get("SQL_Delay"),
                "s1 was changed and the failure journaled, but nothing was taken back yet");

        controller = startController(conf, DIR, Map.of());
        awaitEveryDrShardDelay(5, Duration.ofSeconds(60), "the restarted controller sets meta and s1 back to the cluster's delay of 5 s");
        Await.until(Duration.ofSeconds(30), () -> undoCompletedEvents().equals(List.of("meta", "s1")),
                "each shard taken back is journaled");
        Cli.Result again = Cli.run("sync", "1", "--delay", "5", "--config", conf);
        assertEquals(0, again.exitCode(), "with the undo done, commands are taken again: " + again);
        assertEquals(5, status().path("delaySeconds").asInt());
    }

    /** Shards whose undo was journaled for the newest failed runbook, sorted. */
    static List<String> undoCompletedEvents() throws Exception {
        List<JsonNode> events = journal("UndoCompleted");
        if (events.isEmpty()) {
            return List.of();
        }
        String newest = events.get(events.size() - 1).path("runbookId").asText();
        return events.stream().filter(e -> e.path("runbookId").asText().equals(newest)).map(e -> e.path("shard").asText()).sorted().toList();
    }

    static void awaitEveryDrShardDelay(int seconds, Duration deadline, String what) {
        Await.until(deadline, () -> {
            for (Sandbox.Member dr : sandbox.members(Sandbox.Role.DR)) {
                if (!String.valueOf(seconds).equals(Db.replicaStatus(dr).orElseThrow().get("SQL_Delay"))) {
                    return false;
                }
            }
            return true;
        }, what);
    }

    /** Stops this class's controller and starts it again with {@code env} (failpoints). */
    static void restartController(Map<String, String> env) throws Exception {
        controller.destroy();
        controller.waitFor(60, TimeUnit.SECONDS);
        controller = startController(conf, DIR, env);
    }

    /** A controller in its own JVM, returned once its API answers. */
    static Process startController(String conf, Path dir, Map<String, String> env) throws Exception {
        Map<String, String> all = new HashMap<>(env);
        // A snapshot every 5 events: every restart in these scenarios then recovers from a snapshot plus events.
        all.putIfAbsent("JAVA_TOOL_OPTIONS", "-Ddrsp.snapshot-every=5");
        Process p = ChildJvm.drsp(dir.resolve("controller.out"), all, "controller", "--config", conf);
        int port = io.drsp.core.config.DrspConfig.load(Path.of(conf)).controller().http().port();
        try {
            awaitApi(p, port);
        } catch (AssertionError e) {
            p.destroyForcibly(); // never leave a controller behind for the next test to trip over
            throw e;
        }
        return p;
    }

    private static void awaitApi(Process p, int port) {
        HttpClient http = HttpClient.newHttpClient();
        Await.until(Duration.ofSeconds(180), () -> {
            if (!p.isAlive()) {
                throw new AssertionError("controller exited with " + p.exitValue());
            }
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/clusters")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 401;
            } catch (java.io.IOException e) {
                return false;
            }
        }, "the controller's API answers");
    }

    /** The receiver thread's id and the relay log file it writes: both change when the link is configured or restarted. */
    static String receiver(Sandbox.Member dr) throws Exception {
        return Db.one(dr, "SELECT THREAD_ID FROM performance_schema.replication_connection_status") + " writing "
                + Db.replicaStatus(dr).orElseThrow().get("Relay_Log_File");
    }

    static JsonNode status() throws Exception {
        Cli.Result r = Cli.run("status", "1", "--json", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        return new ObjectMapper().readTree(r.out());
    }

    /** The payloads of pair 1's journaled events whose class name ends with {@code event}, in journal order. */
    static List<JsonNode> journal(String event) throws Exception {
        List<JsonNode> events = new java.util.ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        try (Connection c = sandbox.control().instance().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT CAST(event_payload AS CHAR) FROM drsp.event_journal WHERE persistence_id = 'pair-1'"
                     + " AND event_ser_manifest LIKE '%" + event + "' ORDER BY sequence_number")) {
            while (rs.next()) {
                events.add(json.readTree(rs.getString(1)));
            }
        }
        return events;
    }

    static Map<String, Integer> linkConfiguredEventsPerShard() throws Exception {
        Map<String, Integer> count = new java.util.TreeMap<>();
        for (JsonNode e : journal("ShardLinkConfigured")) {
            count.merge(e.path("shard").asText(), 1, Integer::sum);
        }
        return count;
    }

    static String detailOfLastLinkConfigured(String shard) throws Exception {
        String detail = "";
        for (JsonNode e : journal("ShardLinkConfigured")) {
            if (e.path("shard").asText().equals(shard)) {
                detail = e.path("detail").asText();
            }
        }
        return detail;
    }
}
