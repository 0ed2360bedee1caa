package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.controller.ApiToken;
import io.drsp.controller.Controller;
import io.drsp.core.config.DrspConfig;
import io.drsp.sandbox.Sandbox;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Takeover epoch fencing (#14) with two controllers in one JVM on one control database, each with its own actor
 * system, HTTP, remoting and metrics ports, and its own agents (so controller A's agents never see B's epoch: the
 * case of an owner whose agents restarted and forgot it, which only the journal check catches). A starts fencing
 * production and is held inside its stop_dbproxy hook, as a paused owner would be; B starts, journals epoch 2 and
 * resumes the runbook. Let go, A runs nothing more against MySQL and stops driving the pair; B finishes. An idle
 * owner asked to act after a takeover takes nothing back either. Clustering
 * and sharding, which would keep A from running the entity at all, are a later step of #14.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TakeoverFencingTest {
    static final Path DIR = Path.of("target/takeover-fencing").toAbsolutePath();
    static final ObjectMapper JSON = new ObjectMapper();
    static Sandbox sandbox;
    static Path confA;
    static Path confB;
    static Path hooks;
    static Controller a;
    static Controller b;

    @BeforeAll
    static void up() throws Exception {
        sandbox = Sandbox.upReplacing(DIR, Sandbox.Options.defaults().withShards(1), s -> { });
        confA = sandbox.configFile();
        confB = confA.resolveSibling("drsp-b.conf");
        Files.writeString(confB, otherPorts(Files.readString(confA)));
        hooks = DIR.resolve("hooks");
        a = Controller.start(DrspConfig.load(confA), Set.of());
    }

    @AfterAll
    static void down() throws Exception {
        if (hooks != null && !Files.exists(hooks.resolve("gate.open"))) {
            Files.createFile(hooks.resolve("gate.open")); // no hook is left waiting behind a failed test
        }
        TearDown.all(b, a, sandbox);
    }

    @Test
    @Order(1)
    void aNewPairIsTakenOverUnderEpochOneByItsController() throws Exception {
        JsonNode s = status(confA);
        assertEquals(1, s.path("epoch").asLong(), s.toString());
        assertEquals(a.system().address().toString(), s.path("owner").asText());
        assertEquals(List.of(1L), takeovers().stream().map(t -> t.epoch).toList());
    }

    @Test
    @Order(2)
    void anOwnerHeldInAStepRunsNothingMoreOnceAnotherHasTakenOverAndStops() throws Exception {
        gateStopDbproxyHook();
        Map<String, Long> setsBefore = new HashMap<>();
        for (Sandbox.Member m : sandbox.members(Sandbox.Role.PRODUCTION)) {
            setsBefore.put(m.name(), superReadOnlySets(m));
            assertEquals("0", Db.one(m, "SELECT @@GLOBAL.super_read_only"), m.name() + " serves before the fence");
        }

        HttpResponse<String> started = post(confA, "stopservice", "{\"site\":\"production\"}");
        assertEquals(202, started.statusCode(), started.body());
        Await.until(Duration.ofSeconds(60), () -> waitingHooks() == 1, "A's stop_dbproxy hook waits at the gate");

        b = Controller.start(DrspConfig.load(confB), Set.of());
        Await.until(Duration.ofSeconds(60), () -> waitingHooks() == 2,
                "B took the pair over and resumed the runbook from the journal: its own stop_dbproxy hook waits too");
        JsonNode s = status(confB);
        assertEquals(2, s.path("epoch").asLong(), s.toString());
        assertEquals(b.system().address().toString(), s.path("owner").asText());
        assertNotEquals(a.system().address().toString(), b.system().address().toString());

        Files.createFile(hooks.resolve("gate.open"));
        Await.until(Duration.ofSeconds(90), () -> status(confB).path("productionMode").asText().equals("FENCED"),
                "B finishes fencing production");
        Await.until(Duration.ofSeconds(60), () -> get(confA, "status").statusCode() == 503,
                "A stopped driving cluster 1 and its API says so");
        assertTrue(get(confA, "status").body().contains("this controller no longer drives cluster 1"));
        HttpResponse<String> refused = post(confA, "service", "{\"site\":\"production\"}");
        assertEquals(503, refused.statusCode(), refused.body());

        // MySQL's own view: every production primary was made read-only once, by B; A closed none of them.
        for (Sandbox.Member m : sandbox.members(Sandbox.Role.PRODUCTION)) {
            assertEquals(setsBefore.get(m.name()) + 1, superReadOnlySets(m), m.name() + ": one SET GLOBAL super_read_only");
            assertEquals("1", Db.one(m, "SELECT @@GLOBAL.super_read_only"), m.name());
        }
        // The journal: B's takeover is epoch 2, and after it only B's entity wrote.
        List<Takeover> takeovers = takeovers();
        assertEquals(List.of(1L, 2L), takeovers.stream().map(t -> t.epoch).toList());
        Takeover byB = takeovers.get(1);
        assertEquals(b.system().address().toString(), byB.owner);
        assertNotEquals(takeovers.get(0).writer, byB.writer);
        assertEquals(List.of(byB.writer), writersAfter(byB.sequenceNr), "nothing was journaled by A after B took over");
    }

    @Test
    @Order(3)
    void aControllerStartedAgainTakesOverUnderTheNextEpochAndItsStepsRun() throws Exception {
        TearDown.all(b, a);
        b = null;
        a = Controller.start(DrspConfig.load(confA), Set.of());
        JsonNode s = status(confA);
        assertEquals(3, s.path("epoch").asLong(), s.toString());
        assertEquals("FENCED", s.path("productionMode").asText());

        Cli.Result opened = Cli.run("service", "1", "--site", "production", "--config", confA.toString());
        assertEquals(0, opened.exitCode(), opened.toString());
        for (Sandbox.Member m : sandbox.members(Sandbox.Role.PRODUCTION)) {
            assertEquals("0", Db.one(m, "SELECT @@GLOBAL.super_read_only"), m.name() + " serves again under epoch 3");
        }
    }

    /**
     * An idle owner asked to start a runbook after another controller took over: its journal write fails (the new
     * owner holds that sequence number), and the entity, restarted after the failure, finds the later takeover in the
     * journal and stops instead of taking the pair back. Nothing reaches MySQL.
     */
    @Test
    @Order(4)
    void anIdleOwnerAskedToActAfterATakeoverTakesNothingBackAndChangesNothing() throws Exception {
        b = Controller.start(DrspConfig.load(confB), Set.of());
        assertEquals(4, status(confB).path("epoch").asLong());
        Map<String, Long> setsBefore = new HashMap<>();
        for (Sandbox.Member m : sandbox.members(Sandbox.Role.PRODUCTION)) {
            setsBefore.put(m.name(), superReadOnlySets(m));
        }
        DrspConfig config = DrspConfig.load(confA);
        // Its answer never comes (the entity that took the command is gone); what matters is what A does next.
        HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + config.controller().http().port()
                        + "/api/v1/clusters/1/stopservice")).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + ApiToken.read(config.controller().tokenFile()).value())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"site\":\"production\"}")).build(), HttpResponse.BodyHandlers.ofString());
        Await.until(Duration.ofSeconds(60), () -> get(confA, "status").statusCode() == 503,
                "A's restarted entity found B's takeover and stopped driving cluster 1");

        for (Sandbox.Member m : sandbox.members(Sandbox.Role.PRODUCTION)) {
            assertEquals(setsBefore.get(m.name()), superReadOnlySets(m), m.name() + " was not fenced");
            assertEquals("0", Db.one(m, "SELECT @@GLOBAL.super_read_only"), m.name() + " still serves");
        }
        List<Takeover> takeovers = takeovers();
        assertEquals(List.of(1L, 2L, 3L, 4L), takeovers.stream().map(t -> t.epoch).toList(), "A took nothing back");
        Takeover byB = takeovers.get(3);
        assertEquals(List.of(byB.writer), writersAfter(byB.sequenceNr));
        JsonNode s = status(confB);
        assertEquals("SERVICE", s.path("productionMode").asText(), s.toString());
        assertTrue(s.path("runbook").isNull(), "no runbook was journaled for B to resume: " + s);
    }

    /** The sandbox's stop_dbproxy hook, made to wait (at most a minute) until the test opens its gate. */
    static void gateStopDbproxyHook() throws Exception {
        gateStopDbproxyHook(hooks);
    }

    static void gateStopDbproxyHook(Path hooks) throws Exception {
        Path script = hooks.resolve("stop_dbproxy.sh");
        Files.writeString(script, "#!/bin/sh\nd=\"$(dirname \"$0\")\"\n"
                + "echo \"$(date '+%F %T') stop_dbproxy cluster=$DRSP_CLUSTER site=$DRSP_SITE mode=$DRSP_MODE\" >> \"$d/dbproxy.log\"\n"
                + "touch \"$d/gate.waiting.$$\"\n"
                + "i=0; while [ ! -e \"$d/gate.open\" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    static long waitingHooks() throws Exception {
        return waitingHooks(hooks);
    }

    static long waitingHooks(Path hooks) throws Exception {
        try (Stream<Path> files = Files.list(hooks)) {
            return files.filter(p -> p.getFileName().toString().startsWith("gate.waiting.")).count();
        }
    }

    /** How often MySQL executed SET GLOBAL super_read_only on the member, by its statement digests. */
    static long superReadOnlySets(Sandbox.Member m) throws Exception {
        return Long.parseLong(Db.one(m, "SELECT COALESCE(SUM(COUNT_STAR), 0) FROM performance_schema.events_statements_summary_by_digest"
                + " WHERE DIGEST_TEXT LIKE 'SET GLOBAL%super_read_only%'"));
    }

    /** The controller's config with other HTTP, remoting and metrics ports: a second controller beside the first. */
    static String otherPorts(String conf) {
        Matcher m = Pattern.compile("port = (\\d+)").matcher(conf);
        StringBuilder out = new StringBuilder();
        int replaced = 0;
        while (m.find()) {
            m.appendReplacement(out, "port = " + Sandbox.freePort());
            replaced++;
        }
        m.appendTail(out);
        assertEquals(3, replaced, "http, remoting and metrics ports in " + conf);
        return out.toString();
    }

    record Takeover(long sequenceNr, long epoch, String owner, String writer) {
    }

    static List<Takeover> takeovers() throws Exception {
        List<Takeover> out = new ArrayList<>();
        try (Connection c = sandbox.control().instance().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT sequence_number, CAST(event_payload AS CHAR), writer FROM drsp.event_journal"
                     + " WHERE persistence_id = 'pair-1' AND event_ser_manifest LIKE '%OwnerTookOver' ORDER BY sequence_number")) {
            while (rs.next()) {
                JsonNode e = JSON.readTree(rs.getString(2));
                out.add(new Takeover(rs.getLong(1), e.path("epoch").asLong(), e.path("owner").asText(), rs.getString(3)));
            }
        }
        return out;
    }

    static List<String> writersAfter(long sequenceNr) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = sandbox.control().instance().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT DISTINCT writer FROM drsp.event_journal WHERE persistence_id = 'pair-1'"
                     + " AND sequence_number >= " + sequenceNr)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    static JsonNode status(Path conf) throws Exception {
        Cli.Result r = Cli.run("status", "1", "--json", "--config", conf.toString());
        assertEquals(0, r.exitCode(), r.toString());
        return JSON.readTree(r.out());
    }

    static HttpResponse<String> post(Path conf, String command, String body) throws Exception {
        return send(conf, command, HttpRequest.BodyPublishers.ofString(body), "POST");
    }

    static HttpResponse<String> get(Path conf, String what) throws Exception {
        return send(conf, what, HttpRequest.BodyPublishers.noBody(), "GET");
    }

    private static HttpResponse<String> send(Path conf, String what, HttpRequest.BodyPublisher body, String method) throws Exception {
        DrspConfig config = DrspConfig.load(conf);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + config.controller().http().port()
                        + "/api/v1/clusters/1/" + what))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + ApiToken.read(config.controller().tokenFile()).value())
                .header("Content-Type", "application/json")
                .method(method, body)
                .build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }
}
