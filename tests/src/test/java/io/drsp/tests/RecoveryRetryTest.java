package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.controller.ApiToken;
import io.drsp.controller.Controller;
import io.drsp.core.config.DrspConfig;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * When recovery or leaving service goes wrong on one shard: a DR shard whose replay hits a conflicting row stays
 * RECOVERING with MySQL's error named, can be left or retried, and once fixed reaches the exact point; stopservice
 * gives up at the cluster's drain timeout naming the open session and leaves the cluster serving. The conflicts are
 * made as a DBA's mistake would make them: a row written directly on the DR shard, outside the binlog.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RecoveryRetryTest {
    static final Path DIR = Path.of("target/recovery-retry").toAbsolutePath();
    static final long SEED = Long.getLong("drsp.seed", System.nanoTime());
    static final int DRAIN_TIMEOUT = 4;
    static Sandbox sandbox;
    static Controller controller;
    static DrspConfig config;
    static String conf;

    @BeforeAll
    static void up() throws Exception {
        sandbox = Sandbox.upReplacing(DIR, Sandbox.Options.defaults(), s -> { });
        Files.writeString(sandbox.configFile(), "drsp.clusters.\"1\".service.drain-timeout = " + DRAIN_TIMEOUT + "\n",
                StandardOpenOption.APPEND);
        conf = sandbox.configFile().toString();
        config = DrspConfig.load(sandbox.configFile());
        controller = Controller.start(config, Set.of());
        List<BankShard> shards = Bank.shards(sandbox, Sandbox.Role.PRODUCTION);
        BankSchema.create(shards.get(0), shards.subList(1, shards.size()), 50);
        assertEquals(0, Cli.run("sync", "1", "--delay", "3600", "--config", conf).exitCode(), "sync with a delay DR never reaches");
        long start = nowMicros();
        transfers(600, SEED);
        long end = nowMicros();
        assertEquals(0, Cli.run("stopsync", "1", "--config", conf).exitCode());
        // Half of the workload applied: the bank's tables exist on DR, the other half waits in the relay log.
        assertEquals(0, Cli.run("relaytime", "1", "--time", RecoveryTest.TIME.format(Instant.ofEpochSecond(0, (start + end) / 2 * 1000)
                .atZone(config.timeZone())), "--config", conf).exitCode());
        Cli.Result half = Cli.run("recover", "1", "--config", conf);
        assertEquals(0, half.exitCode(), half.toString());
    }

    @AfterAll
    static void down() throws Exception {
        TearDown.all(controller, sandbox);
    }

    @Test
    @Order(1)
    void aShardWhoseReplayFailsStaysRecoveringNamingItAndARetryAfterTheFixStandsExactlyAtTheTarget() throws Exception {
        assertEquals(0, Cli.run("relaytime", "1", "--all", "--config", conf).exitCode());
        Map<String, GtidSet> target = allRetrieved();
        long conflict = conflictingTransfer("s1");

        Cli.Result failed = Cli.run("recover", "1", "--config", conf);
        assertEquals(1, failed.exitCode(), failed.toString());
        assertEquals(1, failed.err().strip().lines().count(), "one sentence: " + failed.err());
        assertTrue(failed.err().contains("dr shard s1") && failed.err().contains("Duplicate entry '" + conflict + "'"), failed.err());
        JsonNode status = status();
        assertEquals("RECOVERING", status.path("drMode").asText());
        assertTrue(status.path("lastError").asText().contains("dr shard s1")
                && status.path("lastError").asText().contains("Duplicate entry '" + conflict + "'"), status.toString());
        assertTrue(shard(status, "s1").path("dr").path("link").path("sqlError").asText().contains("Duplicate entry"), status.toString());
        try {
            Await.until(Duration.ofSeconds(120), () -> Db.executed(sandbox.drPrimary("s2")).equals(target.get("s2"))
                    && Db.executed(sandbox.drPrimary("meta")).equals(target.get("meta")), "the other shards reach exactly their target");
        } catch (AssertionError e) {
            StringBuilder b = new StringBuilder(e.getMessage());
            for (String shard : List.of("s2", "meta")) {
                GtidSet now = Db.executed(sandbox.drPrimary(shard));
                b.append("\n").append(shard).append(": missing ").append(target.get(shard).subtract(now).toCompactString())
                        .append(", beyond ").append(now.subtract(target.get(shard)).toCompactString());
            }
            b.append("\nplan: ").append(status().path("recoveryPoint")).append(" / ").append(status().path("target"));
            throw new AssertionError(b.toString(), e);
        }
        assertFalse(Db.executed(sandbox.drPrimary("s1")).containsAll(target.get("s1")), "s1 stopped at the conflicting row");
        awaitAppliersStopped();

        // From RECOVERING a target can be set again (here the same one): the recovery is not a dead end.
        Cli.Result retarget = Cli.run("relaytime", "1", "--all", "--config", conf);
        assertEquals(0, retarget.exitCode(), retarget.toString());
        assertEquals("RECOVERING", status().path("drMode").asText());

        asAdminOutsideTheBinlog("s1", "DELETE FROM bank.transfers WHERE id = " + conflict);
        Cli.Result retried = Cli.run("recover", "1", "--config", conf);
        assertEquals(0, retried.exitCode(), retried.toString());
        assertTrue(retried.out().contains("recovered to all retrieved relay log"), retried.out());
        JsonNode after = status();
        assertEquals("RECOVERED", after.path("drMode").asText());
        for (String shard : sandbox.shards()) {
            assertEquals(target.get(shard), Db.executed(sandbox.drPrimary(shard)), "dr shard " + shard + " stands exactly at its target");
            assertEquals(target.get(shard), GtidSet.parse(after.path("recoveryPoint").path("shardGtids").path(shard).asText()),
                    "the recovery point records where " + shard + " stands");
        }
        assertBankHoldsOnDr();
    }

    @Test
    @Order(2)
    void fromRecoveringStopsyncKeepsTheTargetAndSyncAbandonsTheRecovery() throws Exception {
        assertEquals(0, Cli.run("sync", "1", "--delay", "3600", "--config", conf).exitCode(), "sync resumes from RECOVERED");
        transfers(200, SEED + 1);
        assertEquals(0, Cli.run("stopsync", "1", "--config", conf).exitCode());
        assertEquals(0, Cli.run("relaytime", "1", "--all", "--config", conf).exitCode());
        long conflict = conflictingTransfer("s2");
        Cli.Result failed = Cli.run("recover", "1", "--config", conf);
        assertEquals(1, failed.exitCode(), failed.toString());
        assertTrue(failed.err().contains("dr shard s2") && failed.err().contains("Duplicate entry '" + conflict + "'"), failed.err());
        awaitAppliersStopped();
        JsonNode target = status().path("target");

        Cli.Result stopped = Cli.run("stopsync", "1", "--config", conf);
        assertEquals(0, stopped.exitCode(), stopped.toString());
        JsonNode status = status();
        assertEquals("STOPPED", status.path("drMode").asText());
        assertEquals(target, status.path("target"), "stopsync keeps the recovery target");
        for (String shard : sandbox.shards()) {
            Map<String, String> link = Db.replicaStatus(sandbox.drPrimary(shard)).orElseThrow();
            assertEquals("No", link.get("Replica_SQL_Running"), shard);
            assertEquals("No", link.get("Replica_IO_Running"), shard);
        }
        Cli.Result again = Cli.run("recover", "1", "--config", conf);
        assertEquals(1, again.exitCode(), "the conflict is still there: " + again);
        assertEquals("RECOVERING", status().path("drMode").asText());
        awaitAppliersStopped();

        Cli.Result sync = Cli.run("sync", "1", "--delay", "3600", "--config", conf);
        assertEquals(0, sync.exitCode(), sync.toString());
        JsonNode synced = status();
        assertEquals("SYNC", synced.path("drMode").asText());
        assertTrue(synced.path("target").isNull() || synced.path("target").isMissingNode(), "the abandoned recovery's target is history: " + synced.path("target"));
        for (String shard : sandbox.shards()) {
            Map<String, String> link = Db.replicaStatus(sandbox.drPrimary(shard)).orElseThrow();
            assertEquals("3600", link.get("SQL_Delay"), shard + " waits out the delay again");
            assertEquals("Yes", link.get("Replica_IO_Running"), shard);
        }
        asAdminOutsideTheBinlog("s2", "DELETE FROM bank.transfers WHERE id = " + conflict);
    }

    @Test
    @Order(3)
    void stopserviceGivesUpAtTheDrainTimeoutNamingTheOpenSessionAndTheClusterStaysInService() throws Exception {
        assertEquals(0, Cli.run("stopsync", "1", "--config", conf).exitCode());
        assertEquals(0, Cli.run("relaytime", "1", "--all", "--config", conf).exitCode());
        Cli.Result recovered = Cli.run("recover", "1", "--config", conf);
        assertEquals(0, recovered.exitCode(), recovered.toString());
        assertEquals(0, Cli.run("service", "1", "--config", conf).exitCode());

        long account = Long.parseLong(Db.one(sandbox.drPrimary("s2"), "SELECT MIN(id) FROM bank.accounts"));
        try (Connection open = sandbox.drPrimary("s2").instance().connect()) {
            long session;
            try (Statement st = open.createStatement(); ResultSet rs = st.executeQuery("SELECT CONNECTION_ID()")) {
                rs.next();
                session = rs.getLong(1);
            }
            open.setAutoCommit(false);
            try (Statement st = open.createStatement()) {
                st.executeUpdate("UPDATE bank.accounts SET owner = 'open-trx' WHERE id = " + account);
            }
            String named = "session " + session + " (" + sandbox.credentials().adminUser() + "@";

            Cli.Result r = Cli.run("stopservice", "1", "--config", conf);
            assertEquals(1, r.exitCode(), r.toString());
            assertEquals(1, r.err().strip().lines().count(), "one sentence: " + r.err());
            assertTrue(r.err().contains("dr shard s2") && r.err().contains("after " + DRAIN_TIMEOUT + " s") && r.err().contains(named),
                    r.err());
            assertTrue(r.err().matches("(?s).*" + java.util.regex.Pattern.quote(named) + "[^)]*, open [0-9]+ s\\).*"),
                    "says how long the session has been open: " + r.err());
            assertEquals("SERVICE", status().path("drMode").asText());
            awaitEveryDrShardWritable();

            // Through the API itself: the request answers at once that the runbook runs, and following it gives its end.
            HttpResponse<String> post = api("POST", "clusters/1/stopservice");
            assertEquals(202, post.statusCode(), post.body());
            JsonNode running = new ObjectMapper().readTree(post.body());
            assertTrue(running.path("running").asBoolean(), post.body());
            HttpResponse<String> end = followToTheEnd(running.path("runbookId").asText());
            assertEquals(502, end.statusCode(), end.body());
            assertTrue(new ObjectMapper().readTree(end.body()).path("detail").asText().contains(named), end.body());
            assertEquals("SERVICE", status().path("drMode").asText());
            awaitEveryDrShardWritable();
            open.rollback();
        }
        Cli.Result stopped = Cli.run("stopservice", "1", "--config", conf);
        assertEquals(0, stopped.exitCode(), stopped.toString());
        assertEquals("SERVICE_STOPPED", status().path("drMode").asText());
        assertEquals("1", Db.one(sandbox.drPrimary("s2"), "SELECT @@super_read_only"));
    }

    /**
     * Production transfers, a third of them across shards as XA (so that what a failed and retried replay leaves
     * prepared is checked), then every DR shard has them.
     */
    static void transfers(int count, long seed) throws Exception {
        List<BankShard> shards = Bank.shards(sandbox, Sandbox.Role.PRODUCTION);
        BankWorkload w = new BankWorkload(shards.subList(1, shards.size()), 50, 3, 150, seed).withCrossShard(0.3, 0, 0).start();
        Await.until(Duration.ofSeconds(60), () -> w.stats().committed() >= count, count + " transfers on production");
        w.stop();
        Map<String, GtidSet> written = Bank.productionExecuted(sandbox);
        // Executed too, not only retrieved: a sync after a recovery starts a fresh relay log from what DR executed.
        Await.until(Duration.ofSeconds(60), () -> {
            for (String shard : sandbox.shards()) {
                GtidSet retrieved = GtidSet.parse(Db.replicaStatus(sandbox.drPrimary(shard)).orElseThrow().get("Retrieved_Gtid_Set"));
                if (!retrieved.union(Db.executed(sandbox.drPrimary(shard))).containsAll(written.get(shard))) {
                    return false;
                }
            }
            return true;
        }, "every DR shard has what production wrote, retrieved or executed");
    }

    /**
     * Writes, on the DR shard and outside its binlog, the row of a production transfer it has retrieved but not
     * applied, about halfway through its backlog: replaying that transfer then fails with a duplicate key.
     */
    static long conflictingTransfer(String shard) throws SQLException {
        String applied = Db.one(sandbox.drPrimary(shard), "SELECT COALESCE(MAX(id), 0) FROM bank.transfers");
        long backlog = Long.parseLong(Db.one(sandbox.production(shard), "SELECT COUNT(*) FROM bank.transfers WHERE id > " + applied));
        assertTrue(backlog >= 2, "dr shard " + shard + " has transfers left to replay (seed " + SEED + ")");
        long id = Long.parseLong(Db.one(sandbox.production(shard), "SELECT id FROM bank.transfers WHERE id > " + applied
                + " ORDER BY id LIMIT 1 OFFSET " + backlog / 2));
        asAdminOutsideTheBinlog(shard, "INSERT INTO bank.transfers (id, from_id, to_id, amount, created_at) VALUES (" + id
                + ", 0, 0, 0.01, NOW(6))");
        return id;
    }

    static void asAdminOutsideTheBinlog(String shard, String sql) throws SQLException {
        Db.exec(sandbox.drPrimary(shard), "SET GLOBAL super_read_only = OFF", "SET SESSION sql_log_bin = 0", sql,
                "SET GLOBAL super_read_only = ON");
    }

    /** What recover --all replays to: each DR shard's GTID set and all it retrieved (its receiver is stopped). */
    static Map<String, GtidSet> allRetrieved() throws SQLException {
        Map<String, GtidSet> m = new HashMap<>();
        for (String shard : sandbox.shards()) {
            Map<String, String> link = Db.replicaStatus(sandbox.drPrimary(shard)).orElseThrow();
            assertEquals("No", link.get("Replica_IO_Running"), shard);
            m.put(shard, Db.executed(sandbox.drPrimary(shard)).union(GtidSet.parse(link.get("Retrieved_Gtid_Set"))));
        }
        return m;
    }

    static void awaitAppliersStopped() {
        Await.until(Duration.ofSeconds(60), () -> {
            for (String shard : sandbox.shards()) {
                if (!"No".equals(Db.replicaStatus(sandbox.drPrimary(shard)).orElseThrow().get("Replica_SQL_Running"))) {
                    return false;
                }
            }
            return true;
        }, "every DR applier has stopped (at its target or at the error)");
    }

    static void awaitEveryDrShardWritable() {
        Await.until(Duration.ofSeconds(30), () -> {
            for (String shard : sandbox.shards()) {
                if (!"0".equals(Db.one(sandbox.drPrimary(shard), "SELECT @@super_read_only + @@read_only"))) {
                    return false;
                }
            }
            return true;
        }, "every DR shard is writable (still in service)");
    }

    static void assertBankHoldsOnDr() throws SQLException {
        List<BankShard> data = Bank.shards(sandbox, Sandbox.Role.DR).subList(1, 3);
        BankTotals totals = BankTotals.read(data);
        assertTrue(totals.holds(), "seed " + SEED + ": " + totals);
        io.drsp.sandbox.bank.XaJournal journal = io.drsp.sandbox.bank.XaJournal.read(data);
        assertTrue(journal.committedTransfers() > 0, "cross-shard transfers reached DR, so the checks below mean something");
        assertEquals(List.of(), journal.torn(), "seed " + SEED + ": every cross-shard transfer on both its shards or neither");
        for (String shard : sandbox.shards()) {
            assertNull(Db.one(sandbox.drPrimary(shard), "XA RECOVER"), "no XA branch left in doubt on dr " + shard);
        }
    }

    static HttpResponse<String> api(String method, String path) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + config.controller().http().port()
                        + "/api/v1/" + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + ApiToken.read(config.controller().tokenFile()).value());
        b = method.equals("POST") ? b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")) : b.GET();
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Follows a runbook as the CLI does, each request bounded by the API; returns the answer that is not 202. */
    static HttpResponse<String> followToTheEnd(String runbookId) throws Exception {
        Instant deadline = Instant.now().plusSeconds(120);
        HttpResponse<String> r = api("GET", "clusters/1/runbooks/" + runbookId + "?waitSeconds=1");
        while (r.statusCode() == 202 && Instant.now().isBefore(deadline)) {
            r = api("GET", "clusters/1/runbooks/" + runbookId + "?waitSeconds=1");
        }
        return r;
    }

    static JsonNode shard(JsonNode status, String shard) {
        for (JsonNode s : status.path("shards")) {
            if (s.path("shard").asText().equals(shard)) {
                return s;
            }
        }
        throw new AssertionError("no shard " + shard + " in " + status);
    }

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
