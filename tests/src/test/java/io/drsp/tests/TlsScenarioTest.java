package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.controller.Controller;
import io.drsp.core.config.DrspConfig;
import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.Sandbox;
import io.drsp.sandbox.bank.BankShard;
import io.drsp.sandbox.bank.BankTotals;
import io.drsp.sandbox.bank.BankWorkload;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Sync, recover, service and a drill on {@code sandbox up --tls}, where every mysqld serves TLS with the sandbox CA's
 * certificate and the configuration asks for TLS everywhere. MySQL is the oracle of what was encrypted: the DR links'
 * connections as production sees them ({@code Ssl_cipher} of each binlog dump thread), and every session drsp opened
 * (it names itself in {@code session_connect_attrs}), sampled on every instance all through the scenario.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsScenarioTest {
    static final Path DIR = Path.of("target/tls-scenario").toAbsolutePath();
    static Sandbox sandbox;
    static Controller controller;
    static String conf;
    /** Per instance, the Ssl_cipher of each drsp session seen ("" for none: in the clear). */
    static final Map<String, Set<String>> drspSessions = new ConcurrentHashMap<>();
    static final AtomicBoolean sampling = new AtomicBoolean(true);
    static Thread sampler;

    @BeforeAll
    static void up() {
        sandbox = Sandbox.upReplacing(DIR, Sandbox.Options.defaults().withTls(), s -> { });
        conf = sandbox.configFile().toString();
        DrspConfig config = DrspConfig.load(sandbox.configFile());
        assertTrue(config.tls().remoting().isPresent() && config.tls().mysql().isPresent(), "the sandbox asks for TLS everywhere");
        sampler = new Thread(TlsScenarioTest::sample, "drsp-session-sampler");
        sampler.setDaemon(true);
        sampler.start();
        controller = Controller.start(config, Set.of());
    }

    @AfterAll
    static void down() throws Exception {
        sampling.set(false);
        TearDown.all(controller, sandbox);
    }

    @Test
    @Order(1)
    void syncRecoverServiceAndADrillRunOverTlsAndEverySessionOfDrspIsEncrypted() throws Exception {
        Cli.Result sync = Cli.run("sync", "1", "--delay", "0", "--config", conf);
        assertEquals(0, sync.exitCode(), sync.toString());
        Map<String, GtidSet> written = Bank.writtenThenStoppedForRecovery(sandbox, conf, 17);
        // stopsync left the links configured: their TLS as drsp configured it, and as production served it while they ran
        for (String shard : sandbox.shards()) {
            Map<String, String> link = Db.replicaStatus(sandbox.drPrimary(shard)).orElseThrow();
            assertEquals("Yes", link.get("Source_SSL_Allowed"), shard);
            assertEquals(sandbox.dir().resolve("tls/ca.pem").toString(), link.get("Source_SSL_CA_File"), shard);
            assertEquals("Yes", link.get("Source_SSL_Verify_Server_Cert"), shard);
        }
        assertEquals(0, Cli.run("sync", "1", "--delay", "0", "--config", conf).exitCode());
        for (String shard : sandbox.shards()) {
            Await.until(Duration.ofSeconds(30), () -> !dumpCiphers(sandbox.production(shard)).isEmpty(), shard + "'s link connected");
            List<String> ciphers = dumpCiphers(sandbox.production(shard));
            assertTrue(ciphers.stream().noneMatch(String::isEmpty), shard + ": every binlog dump to DR is encrypted: " + ciphers);
        }
        Cli.Result table = Cli.run("status", "1", "--config", conf);
        assertTrue(table.out().contains("  over TLS: meta, s1, s2; in the clear: none\n"), table.out());
        assertApiIsHttpsOnlyAndStillWantsItsToken();
        assertEquals(0, Cli.run("stopsync", "1", "--config", conf).exitCode());
        assertEquals(0, Cli.run("relaytime", "1", "--all", "--config", conf).exitCode());
        Cli.Result recover = Cli.run("recover", "1", "--config", conf);
        assertEquals(0, recover.exitCode(), recover.toString());
        for (String shard : sandbox.shards()) {
            assertTrue(Db.executed(sandbox.drPrimary(shard)).containsAll(written.get(shard)), shard + " recovered all it retrieved");
        }
        assertEquals(0, Cli.run("service", "1", "--config", conf).exitCode());
        Map<String, Map<String, Long>> atSnapshot = new TreeMap<>();
        for (String shard : sandbox.shards()) {
            atSnapshot.put(shard, Copies.checksums(sandbox.drPrimary(shard), true));
        }
        List<BankShard> dr = Bank.shards(sandbox, Sandbox.Role.DR);
        BankWorkload drill = new BankWorkload(dr.subList(1, dr.size()), 50, 2, 200, 18).start();
        Await.until(Duration.ofSeconds(60), () -> drill.stats().committed() >= 200, "200 drill transfers on DR");
        drill.stop();
        assertEquals(0, Cli.run("stopservice", "1", "--config", conf).exitCode());
        // the drill's flashback reads DR's binary log through the server: that stream goes over TLS too
        Cli.Result flashback = Cli.run("flashback", "1", "--config", conf);
        assertEquals(0, flashback.exitCode(), flashback.toString());
        Cli.Result purge = Cli.run("purge", "1", "--config", conf);
        assertEquals(0, purge.exitCode(), purge.toString());
        for (String shard : sandbox.shards()) {
            assertEquals(atSnapshot.get(shard), Copies.checksums(sandbox.drPrimary(shard), true), shard + " back at the snapshot point");
        }
        assertTrue(BankTotals.read(dr.subList(1, dr.size())).holds(), "the bank is whole on DR");

        sampling.set(false);
        sampler.join();
        long seen = drspSessions.values().stream().mapToLong(Set::size).sum();
        assertTrue(drspSessions.keySet().containsAll(List.of("control", "production-1-s1", "dr-1-s1")) && seen > 0,
                "drsp's sessions were seen on the control database, production and DR: " + drspSessions.keySet());
        assertEquals(List.of(), clearSightings, "drsp sessions in the clear");
        drspSessions.forEach((member, ciphers) -> assertFalse(ciphers.contains(""), member + ": a drsp session in the clear"));
        System.out.println("drsp sessions by instance, with their ciphers: " + drspSessions);
    }

    /**
     * A production primary that stops offering TLS (its certificate reloaded from a missing file, as a botched rotation
     * would leave it) cannot be reached by drsp at all: sync is refused in one sentence naming it, and no link changes.
     */
    @Test
    @Order(2)
    void syncIsRefusedWhenAProductionPrimaryDoesNotOfferTls() throws Exception {
        Sandbox.Member s1 = sandbox.production("s1");
        String cert = Db.one(s1, "SELECT @@GLOBAL.ssl_cert");
        Map<String, Map<String, String>> links = new TreeMap<>();
        for (String shard : sandbox.shards()) {
            links.put(shard, Db.replicaStatus(sandbox.drPrimary(shard)).orElse(Map.of()));
        }
        String mode = Cli.status(conf).path("drMode").asText();
        // The test's own sessions are in the clear (the sandbox's tooling), so it can still reach s1 to put TLS back.
        Db.exec(s1, "SET GLOBAL ssl_cert = '" + sandbox.dir().resolve("tls/missing.pem") + "'",
                "ALTER INSTANCE RELOAD TLS NO ROLLBACK ON ERROR");
        try {
            Cli.Result sync = Cli.run("sync", "1", "--delay", "0", "--config", conf);
            assertEquals(1, sync.exitCode(), sync.toString());
            assertEquals(1, sync.err().strip().lines().count(), sync.err());
            assertTrue(sync.err().contains("production shard s1") && sync.err().contains("SSL"), sync.err());
            assertTrue(sync.err().strip().endsWith("nothing was changed."), sync.err());
            assertEquals(mode, Cli.status(conf).path("drMode").asText());
            for (String shard : sandbox.shards()) {
                Map<String, String> now = Db.replicaStatus(sandbox.drPrimary(shard)).orElse(Map.of());
                assertEquals(links.get(shard).get("Source_Port"), now.get("Source_Port"), shard);
                assertEquals(links.get(shard).get("Replica_IO_Running"), now.get("Replica_IO_Running"), shard + ": no link started");
            }
        } finally {
            Db.exec(s1, "SET GLOBAL ssl_cert = '" + cert + "'", "ALTER INSTANCE RELOAD TLS");
        }
    }

    /**
     * The scan every scenario's teardown runs ({@link SecretScan}) knows every kind of secret a TLS sandbox made, finds
     * one written into a log, and names the file and the kind without printing the secret.
     */
    @Test
    @Order(3)
    void theLogScanFindsASecretWrittenToALogAndNamesItWithoutPrintingIt() throws Exception {
        Map<String, String> secrets = SecretScan.secrets(sandbox);
        assertEquals(List.of("the admin password", "the replication password", "the API token", "the TLS store password",
                "the MySQL servers' private key", "the private key of controller.p12", "the private key of agent.p12"),
                List.copyOf(secrets.keySet()));
        SecretScan.check(sandbox); // nothing so far
        Path probe = Path.of("target/secret-probe.log").toAbsolutePath();
        java.nio.file.Files.writeString(probe, "a careless line: token=" + secrets.get("the API token") + "\n");
        try {
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> SecretScan.check(sandbox));
            assertEquals("secrets in logs: secret-probe.log holds the API token", e.getMessage());
        } finally {
            java.nio.file.Files.delete(probe);
        }
    }

    /**
     * The API answers over HTTPS only (the CLI above reached it so, trusting the sandbox CA): plain HTTP to its port gets
     * no answer, and HTTPS without the token is still 401.
     */
    static void assertApiIsHttpsOnlyAndStillWantsItsToken() throws Exception {
        DrspConfig config = DrspConfig.load(sandbox.configFile());
        int port = config.controller().http().port();
        java.net.http.HttpRequest status = java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + "/api/v1/clusters/1/status")).timeout(Duration.ofSeconds(5)).build();
        org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> java.net.http.HttpClient.newHttpClient().send(status, java.net.http.HttpResponse.BodyHandlers.ofString()),
                "plain HTTP gets no answer from an HTTPS port");
        java.net.http.HttpClient https = java.net.http.HttpClient.newBuilder()
                .sslContext(io.drsp.core.config.ApiTransport.client(config).orElseThrow()).build();
        java.net.http.HttpResponse<String> noToken = https.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("https://127.0.0.1:" + port + "/api/v1/clusters/1/status")).timeout(Duration.ofSeconds(10)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(401, noToken.statusCode(), noToken.body());
    }

    /**
     * A 'drsp agent' process for DR s1 whose certificate signs itself (it trusts the sandbox CA, whose certificate is
     * no secret) tries to join the controller: the controller logs the handshake it refused, the rogue never registers
     * (the controller still sees one agent per node), and no MySQL instance changes while it tries.
     */
    @Test
    @Order(4)
    void anAgentWithASelfSignedCertificateCannotJoinAndChangesNothing() throws Exception {
        Path dir = sandbox.dir();
        String password = java.nio.file.Files.readString(dir.resolve("secrets/tls-store")).strip();
        io.drsp.sandbox.SandboxCertificates.selfSigned(dir.resolve("rogue"), "rogue", password);
        Path rogueConf = dir.resolve("rogue.conf");
        java.nio.file.Files.writeString(rogueConf, java.nio.file.Files.readString(sandbox.configFile())
                .replace("tls/agent.p12", "rogue/rogue.p12"));
        int agentsBefore = Cli.status(conf).path("agents").path("registered").asInt();
        // DR is not syncing here, so nothing may change its members; production's GTID sets move with drsp's own
        // heartbeat, so its bank's checksums are compared instead.
        Map<String, Object> before = mysqlState();
        Path e2e = Path.of("target/e2e.log");
        long logFrom = java.nio.file.Files.size(e2e);
        int remoting = DrspConfig.load(sandbox.configFile()).controller().remoting().port();
        Process rogue = ChildJvm.drsp(dir.resolve("rogue-agent.out"), Map.of(), "agent", "--config", rogueConf.toString(),
                "--node", "1/dr/s1");
        try {
            Await.until(Duration.ofSeconds(60), () -> newLog(e2e, logFrom).contains("refused a TLS handshake on the remoting port 127.0.0.1:"
                    + remoting + ": Empty client certificate chain"), "the controller logged the handshake it refused");
            assertTrue(rogue.isAlive(), "the rogue agent still tries");
            assertEquals(agentsBefore, Cli.status(conf).path("agents").path("registered").asInt(), "no agent registered beside ours");
        } finally {
            rogue.destroyForcibly().waitFor();
        }
        assertEquals(before, mysqlState(), "no MySQL instance changed while the rogue tried");
    }

    private static Map<String, Object> mysqlState() throws Exception {
        Map<String, Object> state = new TreeMap<>();
        for (Sandbox.Member m : sandbox.members(Sandbox.Role.DR)) {
            state.put(m.name(), Db.executed(m));
        }
        for (Sandbox.Member m : sandbox.members(Sandbox.Role.PRODUCTION)) {
            Map<String, Long> sums = new TreeMap<>(Copies.checksums(m, true));
            sums.keySet().removeIf(table -> table.contains("drsp_heartbeat")); // drsp's own heartbeat, every second
            state.put(m.name(), sums);
        }
        return state;
    }

    private static String newLog(Path log, long from) throws java.io.IOException {
        byte[] all = java.nio.file.Files.readAllBytes(log);
        return new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Ssl_cipher of each connection production serves a binlog dump on: "" for one in the clear. */
    static List<String> dumpCiphers(Sandbox.Member m) throws SQLException {
        return Db.column(m, "SELECT IFNULL(s.VARIABLE_VALUE, '') FROM performance_schema.threads t"
                + " LEFT JOIN performance_schema.status_by_thread s ON s.THREAD_ID = t.THREAD_ID AND s.VARIABLE_NAME = 'Ssl_cipher'"
                + " WHERE t.PROCESSLIST_COMMAND LIKE 'Binlog Dump%'");
    }

    /** What each sighting of a drsp session in the clear was: instance, thread, user, command, statement. */
    static final List<String> clearSightings = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Every instance, every 200 ms until the scenario ends: the cipher of each session that says it is drsp's. A thread
     * busy at the moment may show an empty Ssl_cipher in performance_schema for an instant; one is taken as in the
     * clear only if three more reads of it, 50 ms apart, say so too.
     */
    private static void sample() {
        while (sampling.get()) {
            for (Sandbox.Member m : sandbox.members()) {
                try (Connection c = m.instance().connect(); Statement st = c.createStatement()) {
                    Map<Long, String> ciphers = drspCiphers(st, "");
                    for (Map.Entry<Long, String> e : ciphers.entrySet()) {
                        String cipher = e.getValue();
                        for (int i = 0; i < 3 && cipher != null && cipher.isEmpty(); i++) {
                            Thread.sleep(50);
                            cipher = drspCiphers(st, " AND t.THREAD_ID = " + e.getKey()).getOrDefault(e.getKey(), null);
                        }
                        if (cipher == null) {
                            continue; // no status row yet, or the session ended: nothing known
                        }
                        drspSessions.computeIfAbsent(m.name(), k -> ConcurrentHashMap.newKeySet()).add(cipher);
                        if (cipher.isEmpty()) {
                            clearSightings.add(m.name() + " " + Db.one(m, "SELECT CONCAT_WS(' ', THREAD_ID, PROCESSLIST_USER,"
                                    + " PROCESSLIST_COMMAND, PROCESSLIST_INFO) FROM performance_schema.threads WHERE THREAD_ID = "
                                    + e.getKey()));
                        }
                    }
                } catch (SQLException e) {
                    // an instance restarting or busy: the next round samples it
                } catch (InterruptedException e) {
                    return;
                }
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Thread id to Ssl_cipher (null: no status row) of each session that names itself drsp's, {@code and} added. */
    private static Map<Long, String> drspCiphers(Statement st, String and) throws SQLException {
        Map<Long, String> out = new java.util.HashMap<>();
        try (ResultSet rs = st.executeQuery("SELECT t.THREAD_ID, s.VARIABLE_VALUE FROM performance_schema.session_connect_attrs a"
                + " JOIN performance_schema.threads t ON t.PROCESSLIST_ID = a.PROCESSLIST_ID"
                + " LEFT JOIN performance_schema.status_by_thread s ON s.THREAD_ID = t.THREAD_ID AND s.VARIABLE_NAME = 'Ssl_cipher'"
                + " WHERE a.ATTR_NAME = 'program_name' AND a.ATTR_VALUE = 'drsp'" + and)) {
            while (rs.next()) {
                out.put(rs.getLong(1), rs.getString(2));
            }
        }
        return out;
    }
}
