package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.agent.ClusterRoles;
import io.drsp.agent.NodeKey;
import io.drsp.agent.Topology;
import io.drsp.controller.ApiToken;
import io.drsp.core.config.ControllerPeer;
import io.drsp.core.config.DrspConfig;
import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.Sandbox;
import io.drsp.sandbox.bank.BankSchema;
import io.drsp.sandbox.bank.BankShard;
import io.drsp.sandbox.bank.BankWorkload;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
 * Three controllers in processes of their own (as on three hosts) form one Pekko cluster with the agents, which run
 * as a 'drsp agent' process: every pair's entity is a cluster singleton on the oldest controller. The owner is killed
 * -9 in the middle of a recovery's replay, and another finishes the recovery from the journal to exactly the planned
 * GTID sets; a paused owner, resumed after the takeover, changes nothing; status answers through every controller.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControllerHaTest {
    static final Path DIR = Path.of("target/controller-ha").toAbsolutePath();
    static final ObjectMapper JSON = new ObjectMapper();
    static Sandbox sandbox;
    static String conf;
    static DrspConfig config;
    static Process agents;
    static final Map<String, Process> controllers = new LinkedHashMap<>();
    static List<BankShard> shards;

    @BeforeAll
    static void up() throws Exception {
        sandbox = Sandbox.upReplacing(DIR, Sandbox.Options.defaults(), s -> { });
        sandbox.writeConfig(3);
        conf = sandbox.configFile().toString();
        config = DrspConfig.load(Path.of(conf));
        List<String> args = new ArrayList<>(List.of("agent", "--config", conf));
        for (NodeKey key : Topology.nodes(config.cluster("1"))) {
            args.addAll(List.of("--node", key.toString()));
        }
        agents = ChildJvm.drsp(DIR.resolve("agents.out"), Map.of("DRSP_TEST_LOG", DIR.resolve("agents.log").toString()),
                args.toArray(String[]::new));
        // c1 first: it is the first seed node, the one that forms the cluster, and so the oldest, the first owner.
        for (ControllerPeer peer : config.controller().peers()) {
            start(peer.name());
        }
        Await.until(Duration.ofSeconds(120), () -> {
            JsonNode s = statusOrNull();
            return s != null && upCount(s) == 3 && s.path("agents").path("registered").asInt() == Topology.nodes(config.cluster("1")).size();
        }, "three controllers up and every agent registered");
        shards = Bank.shards(sandbox, Sandbox.Role.PRODUCTION);
    }

    @AfterAll
    static void down() throws Exception {
        List<Object> parts = new ArrayList<>(controllers.values());
        parts.add(agents);
        parts.add(sandbox);
        TearDown.all(parts.toArray());
    }

    @Test
    @Order(1)
    void everyControllerAnswersAndStatusNamesTheOwnerAndTheMembers() throws Exception {
        JsonNode s = status();
        String owner = owner(s);
        assertEquals(ClusterRoles.address(config.controller().peer(owner).remoting()), s.path("owner").asText(),
                "the journal names the controller status says drives: " + s.path("controllers"));
        Cli.Result table = Cli.run("status", "1", "--config", conf);
        List<String> members = new ArrayList<>();
        for (ControllerPeer peer : config.controller().peers()) {
            members.add(peer.name() + " (up" + (peer.name().equals(owner) ? ", drives)" : ")"));
        }
        assertTrue(table.out().contains("controllers: " + String.join(", ", members) + "\n"), table.out());
        assertTrue(table.out().contains("driven by: " + s.path("owner").asText()), table.out());
        // Each controller answers the API; the two others pass the request on to the owner.
        for (ControllerPeer peer : config.controller().peers()) {
            HttpResponse<String> r = get(peer, "status");
            assertEquals(200, r.statusCode(), peer.name() + ": " + r.body());
            assertEquals(owner, owner(JSON.readTree(r.body())), peer.name());
        }
        assertEquals(0, Cli.run("sync", "1", "--delay", "0", "--config", conf).exitCode());
        // What a forwarded status costs: medians of 15 calls through the owner and through a non-owner.
        ControllerPeer other = config.controller().peers().stream().filter(p -> !p.name().equals(owner)).findFirst().orElseThrow();
        double[] medians = medianMillis(config.controller().peer(owner), other);
        System.out.printf("status through the owner %s: median %.0f ms; through %s (forwarded): median %.0f ms%n", owner,
                medians[0], other.name(), medians[1]);
    }

    @Test
    @Order(2)
    void killedDuringReplayTheOwnerIsReplacedAndTheRecoveryEndsAtThePlannedPoint() throws Exception {
        BankSchema.create(shards.get(0), shards.subList(1, shards.size()), 50);
        Await.until(Duration.ofSeconds(60), () -> "50".equals(countAccounts(sandbox.drPrimary("s1"))), "DR s1 has the accounts");
        assertEquals(0, Cli.run("sync", "1", "--delay", "3600", "--config", conf).exitCode());
        BankWorkload w = new BankWorkload(shards.subList(1, shards.size()), 50, 3, 200, 11).start();
        Await.until(Duration.ofSeconds(60), () -> w.stats().committed() >= 1000, "1000 transfers");
        w.stop();
        Map<String, GtidSet> written = Bank.productionExecuted(sandbox);
        Bank.awaitRetrieved(sandbox, written);
        assertEquals(0, Cli.run("stopsync", "1", "--config", conf).exitCode());
        assertEquals(0, Cli.run("relaytime", "1", "--all", "--config", conf).exitCode());
        Map<String, GtidSet> planned = plannedByMysql();
        JsonNode before = status();
        long epochBefore = before.path("epoch").asLong();
        String killed = owner(before);

        Process recover;
        long killedAtMillis;
        // The test holds a read lock on s1's accounts, so s1's replay cannot finish before the owner dies.
        try (Connection blocker = sandbox.drPrimary("s1").instance().connect(); Statement lock = blocker.createStatement()) {
            lock.execute("LOCK TABLES bank.accounts READ");
            // In a JVM of its own, as a runbook script runs it: the test's in-process CLI goes on answering status.
            recover = ChildJvm.drsp(DIR.resolve("recover.out"), Map.of(), "recover", "1", "--config", conf);
            Await.until(Duration.ofSeconds(60), () -> "Yes".equals(Db.replicaStatus(sandbox.drPrimary("s1")).orElseThrow()
                    .get("Replica_SQL_Running")) && journalHas("StepStarted", "\"description\":\"replay "), "s1 replaying");
            killedAtMillis = System.currentTimeMillis();
            kill(killed);
            Await.until(Duration.ofSeconds(90), () -> {
                JsonNode s = statusOrNull();
                return s != null && s.path("epoch").asLong() > epochBefore;
            }, "another controller took the pair over");
            assertTrue(Db.executed(sandbox.drPrimary("s1")).subtract(planned.get("s1")).isEmpty());
            assertFalse(Db.executed(sandbox.drPrimary("s1")).containsAll(planned.get("s1")),
                    "s1 was still short of its target when the owner died and was taken over");
            lock.execute("UNLOCK TABLES");
            // The CLI sent the command to c1 (passed on to the owner if c1 is not); whatever answer or follow-up was
            // lost with the owner, it asked again of the controllers that answer.
            assertTrue(recover.waitFor(5, TimeUnit.MINUTES), "recover ended");
        }
        String out = Files.readString(DIR.resolve("recover.out"));
        assertEquals(0, recover.exitValue(), out);
        assertTrue(out.contains("DR cluster 1 recovered"), out);
        JsonNode s = status();
        assertEquals("RECOVERED", s.path("drMode").asText());
        String owner = owner(s);
        assertTrue(owner != null && !owner.equals(killed), "another controller drives now: " + s.path("controllers"));
        assertEquals(ClusterRoles.address(config.controller().peer(owner).remoting()), s.path("owner").asText(),
                "the journal's takeover names it");
        JsonNode point = s.path("recoveryPoint").path("shardGtids");
        for (String shard : sandbox.shards()) {
            GtidSet executed = Db.executed(sandbox.drPrimary(shard));
            assertTrue(executed.containsAll(written.get(shard)), "dr shard " + shard + " reached everything written");
            assertEquals(planned.get(shard), executed, "dr shard " + shard + " stands exactly at its planned GTID set");
            assertEquals(executed, GtidSet.parse(point.path(shard).asText()), "the recovery point is where " + shard + " stands");
        }
        List<BankShard> dr = Bank.shards(sandbox, Sandbox.Role.DR);
        io.drsp.sandbox.bank.BankTotals totals = io.drsp.sandbox.bank.BankTotals.read(dr.subList(1, dr.size()));
        assertTrue(totals.holds(), "the recovered bank's total holds: " + totals);
        long tookOver = journalMillis("OwnerTookOver", "\"epoch\":" + (epochBefore + 1));
        long firstStep = firstEventAfter(tookOver);
        System.out.printf("takeover after kill -9 of %s: OwnerTookOver %d ms, first event of the new owner %d ms after the kill%n",
                killed, tookOver - killedAtMillis, firstStep - killedAtMillis);
        // the killed controller comes back as a new member, the youngest: the new owner keeps the pair
        start(killed);
        Await.until(Duration.ofSeconds(90), () -> {
            JsonNode st = statusOrNull();
            return st != null && upCount(st) == 3 && owner.equals(owner(st));
        }, killed + " rejoined and " + owner + " still drives");
    }

    // ---- helpers

    static void start(String name) throws Exception {
        Process p = ChildJvm.drsp(DIR.resolve("controller-" + name + ".out"), Map.of("DRSP_TEST_LOG",
                DIR.resolve("controller-" + name + ".log").toString()), "controller", "--name", name, "--config", conf);
        controllers.put(name, p);
        HttpClient http = HttpClient.newHttpClient();
        int port = config.controller().peer(name).http().port();
        Await.until(Duration.ofSeconds(120), () -> {
            if (!p.isAlive()) {
                throw new AssertionError("controller " + name + " exited with " + p.exitValue());
            }
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/clusters")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 401;
            } catch (java.io.IOException e) {
                return false;
            }
        }, "controller " + name + " answers");
    }

    static void kill(String name) throws Exception {
        Process p = controllers.get(name);
        p.destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue());
    }

    static HttpResponse<String> get(ControllerPeer peer, String what) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + peer.http().port()
                        + "/api/v1/clusters/1/" + what))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + ApiToken.read(config.controller().tokenFile()).value())
                .build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Medians of 15 status calls through each of two controllers, taken in turns so both see the same machine. */
    static double[] medianMillis(ControllerPeer a, ControllerPeer b) throws Exception {
        List<Double> ta = new ArrayList<>();
        List<Double> tb = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            for (ControllerPeer p : List.of(a, b)) {
                long t0 = System.nanoTime();
                assertEquals(200, get(p, "status").statusCode());
                (p == a ? ta : tb).add((System.nanoTime() - t0) / 1e6);
            }
        }
        ta.sort(Double::compare);
        tb.sort(Double::compare);
        return new double[] {ta.get(7), tb.get(7)};
    }

    static JsonNode status() throws Exception {
        Cli.Result r = Cli.run("status", "1", "--json", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        return JSON.readTree(r.out());
    }

    static JsonNode statusOrNull() {
        try {
            Cli.Result r = Cli.run("status", "1", "--json", "--config", conf);
            return r.exitCode() == 0 ? JSON.readTree(r.out()) : null;
        } catch (Exception e) {
            return null;
        }
    }

    static int upCount(JsonNode s) {
        int n = 0;
        for (JsonNode m : s.path("controllers")) {
            if (m.path("status").asText().equals("up") && m.path("reachable").asBoolean()) {
                n++;
            }
        }
        return n;
    }

    static String owner(JsonNode s) {
        String owner = null;
        for (JsonNode m : s.path("controllers")) {
            if (m.path("drives").asBoolean()) {
                assertEquals(null, owner, "one controller drives: " + s.path("controllers"));
                owner = m.path("name").asText();
            }
        }
        return owner;
    }

    /** What --all must reach, in MySQL's own words: what each DR shard has applied and what its receiver retrieved. */
    static Map<String, GtidSet> plannedByMysql() throws SQLException {
        Map<String, GtidSet> planned = new HashMap<>();
        for (String shard : sandbox.shards()) {
            Sandbox.Member dr = sandbox.drPrimary(shard);
            planned.put(shard, Db.executed(dr).union(GtidSet.parse(Db.replicaStatus(dr).orElseThrow().get("Retrieved_Gtid_Set"))));
        }
        return planned;
    }

    static String countAccounts(Sandbox.Member m) throws SQLException {
        return DrillTest.tableExists(m, "bank.accounts") ? Db.one(m, "SELECT COUNT(*) FROM bank.accounts") : null;
    }

    static boolean journalHas(String manifestEnd, String payloadPart) throws SQLException {
        return journalMillisOrNegative(manifestEnd, payloadPart, 0) >= 0;
    }

    static long journalMillis(String manifestEnd, String payloadPart) throws SQLException {
        long at = journalMillisOrNegative(manifestEnd, payloadPart, 0);
        assertTrue(at >= 0, "the journal holds a " + manifestEnd + " with " + payloadPart);
        return at;
    }

    /** The write time of the last event of that kind (holding that text) in pair 1's journal, -1 if none. */
    static long journalMillisOrNegative(String manifestEnd, String payloadPart, long notBefore) throws SQLException {
        long at = -1;
        try (Connection c = sandbox.control().instance().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT event_ser_manifest, write_timestamp, CAST(event_payload AS CHAR)"
                     + " FROM drsp.event_journal WHERE persistence_id = 'pair-1' ORDER BY sequence_number")) {
            while (rs.next()) {
                if (rs.getString(1).endsWith(manifestEnd) && rs.getString(3).contains(payloadPart) && rs.getLong(2) >= notBefore) {
                    at = rs.getLong(2);
                }
            }
        }
        return at;
    }

    /** The write time of the first event journaled after {@code millis} (by sequence), -1 if none. */
    static long firstEventAfter(long millis) throws SQLException {
        try (Connection c = sandbox.control().instance().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT write_timestamp FROM drsp.event_journal WHERE persistence_id = 'pair-1'"
                     + " AND write_timestamp > " + millis + " ORDER BY sequence_number LIMIT 1")) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }

    static String log(String name) throws Exception {
        return Files.readString(DIR.resolve("controller-" + name + ".log"));
    }
}
