package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.agent.NodeKey;
import io.drsp.agent.Topology;
import io.drsp.controller.ApiToken;
import io.drsp.core.config.ControllerPeer;
import io.drsp.core.config.DrspConfig;
import io.drsp.sandbox.Sandbox;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Three controllers in processes of their own (as on three hosts) and one 'drsp agent' process for every node of
 * cluster 1, on a sandbox: the cluster every controller-HA scenario runs on, with what those scenarios ask of it
 * (who drives, kill -9, signals, the journal's own write times). Each process logs to a file of its own under
 * {@code logs}, which outlives the sandbox's teardown.
 */
final class HaControllers implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    final Sandbox sandbox;
    final Path logs;
    final String conf;
    final DrspConfig config;
    final Map<String, Process> controllers = new LinkedHashMap<>();
    private final Process agents;

    /**
     * Writes the sandbox's configuration for three controllers (with {@code extraConf} appended), starts the agents and
     * the controllers, c1 first (the first seed node, which forms the cluster: the oldest, so the first owner), and
     * waits until all three are up and every agent has registered.
     */
    HaControllers(Sandbox sandbox, Path logs, String extraConf) throws Exception {
        this.sandbox = sandbox;
        this.logs = logs;
        Files.createDirectories(logs);
        sandbox.writeConfig(3);
        if (!extraConf.isEmpty()) {
            Files.writeString(sandbox.configFile(), extraConf, StandardOpenOption.APPEND);
        }
        conf = sandbox.configFile().toString();
        config = DrspConfig.load(Path.of(conf));
        List<String> args = new ArrayList<>(List.of("agent", "--config", conf));
        for (NodeKey key : Topology.nodes(config.cluster("1"))) {
            args.addAll(List.of("--node", key.toString()));
        }
        agents = ChildJvm.drsp(logs.resolve("agents.out"), Map.of("DRSP_TEST_LOG", logs.resolve("agents.log").toString()),
                args.toArray(String[]::new));
        for (ControllerPeer peer : config.controller().peers()) {
            start(peer.name());
        }
        Await.until(Duration.ofSeconds(120), () -> {
            JsonNode s = statusOrNull();
            return s != null && upCount(s) == 3 && s.path("agents").path("registered").asInt() == Topology.nodes(config.cluster("1")).size();
        }, "three controllers up and every agent registered");
    }

    /** Starts controller {@code name} and waits until its API answers (401 without the token). */
    void start(String name) throws Exception {
        Process p = ChildJvm.drsp(logs.resolve("controller-" + name + ".out"), Map.of("DRSP_TEST_LOG",
                logs.resolve("controller-" + name + ".log").toString()), "controller", "--name", name, "--config", conf);
        controllers.put(name, p);
        HttpClient http = http();
        int port = config.controller().peer(name).http().port();
        Await.until(Duration.ofSeconds(120), () -> {
            if (!p.isAlive()) {
                throw new AssertionError("controller " + name + " exited with " + p.exitValue());
            }
            try {
                return http.send(HttpRequest.newBuilder(URI.create(scheme() + "://127.0.0.1:" + port + "/api/v1/clusters")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 401;
            } catch (java.io.IOException e) {
                return false;
            }
        }, "controller " + name + " answers");
    }

    void kill(String name) throws Exception {
        Process p = controllers.get(name);
        p.destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue());
    }

    void signal(String name, String signal) throws Exception {
        Process p = controllers.get(name);
        if (p.isAlive()) {
            assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start().waitFor());
        }
    }

    /** Waits until a controller drives the pair under a later epoch than {@code epochBefore}. */
    void awaitTakeover(long epochBefore) {
        Await.until(Duration.ofSeconds(90), () -> {
            JsonNode s = statusOrNull();
            return s != null && s.path("epoch").asLong() > epochBefore;
        }, "another controller took the pair over");
    }

    /** Restarts a killed controller and waits until all three are up again. */
    void rejoin(String name) throws Exception {
        start(name);
        Await.until(Duration.ofSeconds(90), () -> {
            JsonNode st = statusOrNull();
            return st != null && upCount(st) == 3;
        }, name + " rejoined");
    }

    /**
     * Before each scenario: a controller an earlier, failed scenario left paused is resumed (downed by the majority
     * meanwhile, it then ends itself), and one that is not up is started again, so that one failure does not cascade:
     * with two of three controllers gone, the last would rightly down itself for want of a majority.
     */
    void restoreAll() throws Exception {
        for (String name : controllers.keySet()) {
            signal(name, "CONT");
        }
        JsonNode s = statusOrNull();
        for (String name : List.copyOf(controllers.keySet())) {
            Process p = controllers.get(name);
            boolean up = false;
            for (JsonNode m : s == null ? JSON.createArrayNode() : s.path("controllers")) {
                up |= m.path("name").asText().equals(name) && m.path("status").asText().equals("up") && m.path("reachable").asBoolean();
            }
            if (p.isAlive() && !up && !p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            if (!p.isAlive()) {
                System.out.println("restoring controller " + name + ", which an earlier scenario left down");
                start(name);
            }
        }
        Await.until(Duration.ofSeconds(120), () -> {
            JsonNode st = statusOrNull();
            return st != null && upCount(st) == 3 && owner(st) != null;
        }, "three controllers up, one driving");
    }

    JsonNode status() throws Exception {
        return Cli.status(conf);
    }

    JsonNode statusOrNull() {
        try {
            Cli.Result r = Cli.run("status", "1", "--json", "--config", conf);
            return r.exitCode() == 0 ? JSON.readTree(r.out()) : null;
        } catch (Exception e) {
            return null;
        }
    }

    /** Status straight from one controller's API (not the CLI, which would try a paused controller first). */
    JsonNode statusThrough(ControllerPeer peer) {
        try {
            HttpResponse<String> r = get(peer, "status");
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        } catch (Exception e) {
            return null;
        }
    }

    HttpResponse<String> get(ControllerPeer peer, String what) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(scheme() + "://127.0.0.1:" + peer.http().port()
                        + "/api/v1/clusters/1/" + what))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + ApiToken.read(config.controller().tokenFile()).value())
                .build();
        return http().send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** HTTPS verified against drsp.tls.api's trust store when the sandbox was made with --tls, plain HTTP otherwise. */
    private HttpClient http() {
        HttpClient.Builder b = HttpClient.newBuilder();
        io.drsp.core.config.ApiTransport.client(config).ifPresent(b::sslContext);
        return b.build();
    }

    private String scheme() {
        return io.drsp.core.config.ApiTransport.scheme(config);
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

    String log(String name) throws Exception {
        return Files.readString(logs.resolve("controller-" + name + ".log"));
    }

    boolean journalHas(String manifestEnd, String payloadPart) throws SQLException {
        return journalMillisOrNegative(manifestEnd, payloadPart, 0) >= 0;
    }

    long journalMillis(String manifestEnd, String payloadPart) throws SQLException {
        long at = journalMillisOrNegative(manifestEnd, payloadPart, 0);
        assertTrue(at >= 0, "the journal holds a " + manifestEnd + " with " + payloadPart);
        return at;
    }

    /** The write time of the last event of that kind (holding that text) in pair 1's journal, -1 if none. */
    long journalMillisOrNegative(String manifestEnd, String payloadPart, long notBefore) throws SQLException {
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
    long firstEventAfter(long millis) throws SQLException {
        try (Connection c = sandbox.control().instance().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT write_timestamp FROM drsp.event_journal WHERE persistence_id = 'pair-1'"
                     + " AND write_timestamp > " + millis + " ORDER BY sequence_number LIMIT 1")) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }

    /** The description of the last step started in pair 1's journal. */
    String lastStepStarted() throws SQLException {
        return Db.one(sandbox.control(), "SELECT CAST(event_payload AS CHAR) FROM drsp.event_journal WHERE persistence_id = 'pair-1'"
                + " AND event_ser_manifest LIKE '%StepStarted' ORDER BY sequence_number DESC LIMIT 1");
    }

    /** A paused controller would not stop: each is sent SIGCONT first, then every process is stopped (not the sandbox). */
    @Override
    public void close() throws Exception {
        for (String name : controllers.keySet()) {
            signal(name, "CONT");
        }
        List<Object> parts = new ArrayList<>(controllers.values());
        parts.add(agents);
        TearDown.all(parts.toArray());
    }
}
