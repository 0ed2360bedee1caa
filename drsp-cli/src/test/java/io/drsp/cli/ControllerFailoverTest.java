package io.drsp.cli;

import static io.drsp.cli.CliRun.drsp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.drsp.controller.ApiToken;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With three controllers configured the CLI finds one that answers: c1 is down (nothing listens on its port), c2 is
 * up but no controller drives the pair yet (the API's 503 for a takeover under way), c3 answers. A command whose
 * answer is lost is sent again; a refusal is final. The controllers are stand-ins speaking the API's HTTP; the real
 * ones are taken over end to end in ControllerHaTest.
 */
class ControllerFailoverTest {
    @TempDir
    Path dir;
    HttpServer c2;
    HttpServer c3;
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** The X-Drsp-Request-Id of each request, "none" for none: a command's id, the same in every resend. */
    final List<String> requestIds = new CopyOnWriteArrayList<>();
    volatile boolean c2Drives;
    volatile int lostBeforeAnswer;
    volatile boolean c3Refuses;

    @BeforeEach
    void start() throws IOException {
        c2 = server("c2");
        c3 = server("c3");
        int down;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            down = s.getLocalPort(); // free once closed: connections to it are refused, as to a dead controller
        }
        ApiToken.loadOrCreate(dir.resolve("controller.token"));
        Files.writeString(dir.resolve("drsp.conf"), """
                drsp {
                  home = "state"
                  time-zone = "UTC"
                  controller {
                    peers {
                      c1 { http { host = "127.0.0.1", port = %d }, remoting { host = "127.0.0.1", port = 11 } }
                      c2 { http { host = "127.0.0.1", port = %d }, remoting { host = "127.0.0.1", port = 12 }, metrics { host = "127.0.0.1", port = 22 } }
                      c3 { http { host = "127.0.0.1", port = %d }, remoting { host = "127.0.0.1", port = 13 }, metrics { host = "127.0.0.1", port = 23 } }
                    }
                    token-file = "controller.token"
                    control-db { endpoint = "127.0.0.1:2", database = "drsp", user = admin }
                  }
                  users {
                    admin { name = "a", password { env = "UNUSED_A" } }
                    replication { name = "r", password { env = "UNUSED_R" } }
                  }
                  clusters { "1" {
                    production { shards { meta { primary = "127.0.0.1:3" }, s1 { primary = "127.0.0.1:4" } } }
                    dr { shards { meta { primary = "127.0.0.1:5" }, s1 { primary = "127.0.0.1:6" } } }
                  } }
                }
                """.formatted(down, c2.getAddress().getPort(), c3.getAddress().getPort()));
    }

    private HttpServer server(String name) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/api/v1/", x -> answer(name, x));
        s.start();
        return s;
    }

    @AfterEach
    void stop() {
        c2.stop(0);
        c3.stop(0);
    }

    private void answer(String name, HttpExchange x) throws IOException {
        if (x.getRequestURI().getPath().equals("/api/v1/clusters")) {
            reply(x, 200, "{\"clusters\":[\"1\"]}"); // the CLI's check that a controller answers at all
            return;
        }
        requests.add(name + " " + x.getRequestMethod() + " " + x.getRequestURI().getPath());
        requestIds.add(java.util.Objects.requireNonNullElse(x.getRequestHeaders().getFirst("X-Drsp-Request-Id"), "none"));
        if (name.equals("c2") && !c2Drives) {
            reply(x, 503, "{\"title\":\"no controller drives the pairs\",\"status\":503,\"detail\":\"no controller drives cluster 1"
                    + " at the moment (a takeover is under way); nothing was changed, try again.\"}");
            return;
        }
        if (name.equals("c3") && lostBeforeAnswer > 0) {
            lostBeforeAnswer--;
            x.getRequestBody().readAllBytes();
            x.close(); // the controller dies after taking the request: no answer, the connection closed
            return;
        }
        if (name.equals("c3") && c3Refuses) {
            reply(x, 409, "{\"title\":\"wrong mode\",\"status\":409,\"detail\":\"recover needs DR in mode STOPPED, it is SYNC.\"}");
            return;
        }
        if (x.getRequestURI().getPath().endsWith("/stopsync")) {
            reply(x, 200, "{\"cluster\":\"1\",\"message\":\"answered by " + name + "\",\"drMode\":\"STOPPED\"}");
        } else {
            reply(x, 200, "{\"cluster\":\"1\",\"productionMode\":\"NORMAL\",\"drMode\":\"SYNC\",\"delaySeconds\":0,\"shards\":[],"
                    + "\"answeredBy\":\"" + name + "\"}");
        }
    }

    private static void reply(HttpExchange x, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(status, bytes.length);
        x.getResponseBody().write(bytes);
        x.close();
    }

    private String conf() {
        return dir.resolve("drsp.conf").toString();
    }

    @Test
    void aDeadControllerAndOneWithoutOwnerArePassedOverForOneThatAnswers() {
        CliRun r = drsp("status", "1", "--json", "--config", conf());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("\"answeredBy\" : \"c3\""), r.out());
        assertEquals(List.of("c2 GET /api/v1/clusters/1/status", "c3 GET /api/v1/clusters/1/status"), requests);
        requests.clear();
        c2Drives = true;
        r = drsp("stopsync", "1", "--config", conf());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("answered by c2"), r.out());
        assertEquals(List.of("c2 POST /api/v1/clusters/1/stopsync"), requests, "c1 refused the connection, so c2 got it");
    }

    @Test
    void aCommandWhoseAnswerWasLostIsSentAgainAndARefusalIsFinal() {
        lostBeforeAnswer = 1;
        CliRun r = drsp("stopsync", "1", "--config", conf());
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("c2 POST /api/v1/clusters/1/stopsync", "c3 POST /api/v1/clusters/1/stopsync",
                "c2 POST /api/v1/clusters/1/stopsync", "c3 POST /api/v1/clusters/1/stopsync"), requests);
        assertTrue(r.err().contains("the answer of controller c3 was lost") && r.err().contains("sending the command again"), r.err());
        String id = requestIds.get(0);
        assertTrue(id.matches("[a-z0-9]{8,32}"), id);
        assertEquals(List.of(id, id, id, id), requestIds, "every sending of the command carries its one id");
        requests.clear();
        requestIds.clear();
        c3Refuses = true;
        r = drsp("recover", "1", "--config", conf());
        assertEquals(1, r.code(), r.toString());
        assertEquals("drsp: recover needs DR in mode STOPPED, it is SYNC.", r.err().strip());
        assertEquals(List.of("c2 POST /api/v1/clusters/1/recover", "c3 POST /api/v1/clusters/1/recover"), requests,
                "a refusal is not asked again elsewhere");
        assertTrue(requestIds.get(0).matches("[a-z0-9]{8,32}") && !requestIds.get(0).equals(id), "another command, another id: "
                + requestIds);
        requestIds.clear();
        c3Refuses = false;
        assertEquals(0, drsp("status", "1", "--config", conf()).code());
        assertTrue(requestIds.stream().allMatch("none"::equals), "a status changes nothing and has no id: " + requestIds);
    }

    @Test
    void aControllerOfSeveralMustBeNamed() {
        CliRun r = drsp("controller", "--config", conf());
        assertEquals(1, r.code());
        assertEquals("drsp: this configuration lists 3 controllers under drsp.controller.peers (c1, c2, c3); say which one this"
                + " is with --name.", r.err().strip());
        r = drsp("controller", "--name", "c4", "--config", conf());
        assertEquals(1, r.code());
        assertEquals("drsp: controller \"c4\" is not configured, expected one of: c1, c2, c3.", r.err().strip());
        r = drsp("controller", "--name", "c2", "--remote-agent", "1/dr/s1", "--config", conf());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("drsp: --remote-agent is for a single controller"), r.err());
    }
}
