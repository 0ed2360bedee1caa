package io.drsp.cli;

import static io.drsp.cli.CliRun.drsp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.drsp.controller.ApiToken;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the CLI waits for a long command: the controller answers at once that the runbook runs (HTTP 202), and the CLI
 * follows it with short requests for as long as it runs, printing progress, with no overall limit of its own. The
 * controller here is a stand-in speaking the API's HTTP; what the runbooks do to MySQL is tested end to end.
 */
class FollowRunbookTest {
    @TempDir
    Path dir;
    HttpServer server;
    final List<String> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger polls = new AtomicInteger();
    volatile int runningPolls;
    volatile String end;
    volatile int endStatus;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/", this::answer);
        server.start();
        String token = ApiToken.loadOrCreate(dir.resolve("controller.token")).value();
        Files.writeString(dir.resolve("drsp.conf"), """
                drsp {
                  home = "state"
                  time-zone = "UTC"
                  controller {
                    http { host = "127.0.0.1", port = %d }
                    token-file = "controller.token"
                    remoting { host = "127.0.0.1", port = 1 }
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
                """.formatted(server.getAddress().getPort()));
        assertTrue(token.length() > 10);
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void answer(HttpExchange x) throws IOException {
        String path = x.getRequestURI().toString();
        requests.add(x.getRequestMethod() + " " + path);
        String body;
        int status;
        if (path.endsWith("/clusters/1/recover") && x.getRequestMethod().equals("POST")) {
            status = 202;
            body = "{\"cluster\":\"1\",\"runbookId\":\"recover-1234\",\"running\":true,\"progress\":\"recover step 2/3\"}";
        } else if (path.endsWith("/clusters/1/status")) {
            status = 200;
            body = "{\"progress\":{\"s1\":{\"activity\":\"replaying\",\"unit\":\"trx\",\"done\":" + polls.get()
                    + ",\"total\":1000,\"ratePerSecond\":5.0,\"etaSeconds\":100.0}}}";
        } else if (path.startsWith("/api/v1/clusters/1/runbooks/recover-1234?waitSeconds=")) {
            if (polls.incrementAndGet() <= runningPolls) {
                status = 202;
                body = "{\"cluster\":\"1\",\"runbookId\":\"recover-1234\",\"running\":true,\"progress\":\"recover step 2/3\"}";
            } else {
                status = endStatus;
                body = end;
            }
        } else {
            status = 404;
            body = "{\"detail\":\"unexpected " + path + "\"}";
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(status, bytes.length);
        x.getResponseBody().write(bytes);
        x.close();
    }

    @Test
    void aRunbookIsFollowedUntilItEndsHoweverManyAnswersSayItRuns() {
        runningPolls = 25;
        endStatus = 200;
        end = "{\"cluster\":\"1\",\"message\":\"DR cluster 1 recovered to time 2024-01-01 10:00:00.\",\"drMode\":\"RECOVERED\","
                + "\"recoveryPoint\":{\"clusterTimeMicros\":1704103200000000,\"shardGtids\":{\"s1\":\"aaaaaaaa-0000-0000-0000-000000000001:1-9\"}}}";
        CliRun r = drsp("recover", "1", "--config", dir.resolve("drsp.conf").toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("DR cluster 1 recovered to time 2024-01-01 10:00:00."), r.out());
        assertEquals(26, polls.get(), "followed through every answer that it still ran: " + requests);
        assertTrue(r.out().contains("replaying s1: 25/1000 trx, 5 trx/s, ETA 100 s"), "progress while it ran: " + r.out());
        assertTrue(requests.stream().filter(q -> q.contains("/runbooks/")).allMatch(q -> q.endsWith("?waitSeconds=2")),
                "each request waits briefly: " + requests);
    }

    @Test
    void aRunbookThatFailsWhileFollowedEndsWithItsSentenceAndExitOne() {
        runningPolls = 3;
        endStatus = 502;
        end = "{\"title\":\"failed\",\"status\":502,\"detail\":\"dr shard s1: the applier stopped with error 1062 at x: Duplicate"
                + " entry; fix it and run recover again\"}";
        CliRun r = drsp("recover", "1", "--config", dir.resolve("drsp.conf").toString());
        assertEquals(1, r.code(), r.toString());
        assertEquals("drsp: dr shard s1: the applier stopped with error 1062 at x: Duplicate entry; fix it and run recover again",
                r.err().strip(), "one sentence");
    }
}
