package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.controller.Controller;
import io.drsp.controller.metrics.MetricNames;
import io.drsp.core.config.DrspConfig;
import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.Sandbox;
import io.drsp.sandbox.bank.BankSchema;
import io.drsp.sandbox.bank.BankShard;
import io.drsp.sandbox.bank.BankWorkload;
import java.net.URI;
import java.sql.SQLException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The controller's {@code /metrics} during delayed sync on real servers, judged by MySQL's own {@code SHOW REPLICA
 * STATUS} and by the real {@code promtool}: each figure a scrape shows equals what MySQL says (read when it stands
 * still), a shard that stops answering shows {@code drsp_shard_up 0} while scrapes keep answering at once, and the
 * text passes {@code promtool check metrics}. Every wait polls the scrape with a deadline.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MetricsTest {
    static final Path DIR = Path.of("target/metrics").toAbsolutePath();
    static final Pattern SAMPLE = Pattern.compile("^([a-z_]+)(\\{([^}]*)\\})? (\\S+)$");
    static Sandbox sandbox;
    static Controller controller;
    static String conf;
    static URI metrics;

    @BeforeAll
    static void up() throws Exception {
        sandbox = Sandbox.upReplacing(DIR, Sandbox.Options.defaults(), s -> { });
        conf = sandbox.configFile().toString();
        controller = Controller.start(DrspConfig.load(sandbox.configFile()), Set.of());
        metrics = URI.create("http://127.0.0.1:" + controller.metricsPort() + "/metrics");
        List<BankShard> shards = Bank.shards(sandbox, Sandbox.Role.PRODUCTION);
        BankSchema.create(shards.get(0), shards.subList(1, shards.size()), 20);
    }

    @AfterAll
    static void down() throws Exception {
        TearDown.all(controller, sandbox);
    }

    @Test
    @Order(1)
    void duringDelayedSyncEachFigureIsWhatMysqlSaysAndPromtoolAcceptsTheText() throws Exception {
        assertEquals(0, Cli.run("sync", "1", "--delay", "7", "--config", conf).exitCode());
        List<BankShard> data = Bank.shards(sandbox, Sandbox.Role.PRODUCTION);
        BankWorkload w = new BankWorkload(data.subList(1, data.size()), 20, 2, 50, 7).start();
        try {
            Map<String, Double> seen = awaitScrape(s -> s.containsKey(key(MetricNames.MODE_INFO, "cluster", "1", "site", "dr", "mode", "SYNC"))
                    && s.containsKey(key(MetricNames.REPLICATION_DELAY, "cluster", "1", "shard", "s2")), "a scrape showing DR in SYNC");
            for (String shard : sandbox.shards()) {
                Map<String, String> r = Db.replicaStatus(sandbox.drPrimary(shard)).orElseThrow();
                assertEquals(Double.parseDouble(r.get("SQL_Delay")), seen.get(key(MetricNames.REPLICATION_DELAY, "cluster", "1", "shard", shard)),
                        shard + ": SOURCE_DELAY");
                assertEquals(1.0, seen.get(key(MetricNames.REPLICATION_THREAD_RUNNING, "cluster", "1", "shard", shard, "thread", "io")), shard);
                assertEquals(1.0, seen.get(key(MetricNames.REPLICATION_THREAD_RUNNING, "cluster", "1", "shard", shard, "thread", "sql")), shard);
                for (String site : List.of("production", "dr")) {
                    assertEquals(1.0, seen.get(key(MetricNames.SHARD_UP, "cluster", "1", "site", site, "shard", shard)), site + " " + shard);
                }
            }
            assertEquals(1.0, seen.get(key(MetricNames.MODE_INFO, "cluster", "1", "site", "production", "mode", "SERVICE")));
            assertEquals(1.0, seen.get(key(MetricNames.RUNBOOK_LAST_RESULT, "cluster", "1", "operation", "sync", "result", "done")));
            int members = sandbox.members().size() - 1; // the control database has no agent
            assertEquals((double) members, seen.get(key(MetricNames.AGENTS_EXPECTED, "cluster", "1")));
            assertEquals((double) members, seen.get(key(MetricNames.AGENTS_REGISTERED, "cluster", "1")));
            assertEquals(0.0, seen.get(key(MetricNames.AGENTS_DUPLICATE, "cluster", "1")));
            assertTrue(seen.containsKey(key("jvm_threads_current")), "the client library's JVM metrics are there");
            // The figures a DR plan is judged by, during healthy delayed sync: nothing retrieved is more than a few
            // seconds old, and what DR has applied (the window's start) trails by about the delay.
            Map<String, Double> figures = awaitScrape(f -> f.containsKey(key(MetricNames.RPO, "cluster", "1"))
                    && f.containsKey(key(MetricNames.RECOVERABLE_WINDOW_START, "cluster", "1")), "RPO and the window's start");
            double now = System.currentTimeMillis() / 1000.0;
            double rpo = figures.get(key(MetricNames.RPO, "cluster", "1"));
            double start = figures.get(key(MetricNames.RECOVERABLE_WINDOW_START, "cluster", "1"));
            System.out.println("metrics: RPO " + rpo + " s, window start " + (now - start) + " s ago");
            assertTrue(rpo >= 0 && rpo < 5, "healthy sync loses at most seconds: RPO " + rpo);
            assertTrue(now - start > 7 - 2 && now - start < 7 + 20, "DR has applied up to about the delay ago: " + (now - start) + " s");
            Cli.Result table = Cli.run("status", "1", "--config", conf);
            assertTrue(table.out().contains("recoverable window: ") && table.out().contains("; RPO now "), table.out());
            Path scrape = DIR.resolve("scrape.txt");
            Files.writeString(scrape, scrapeText());
            // promtool check metrics reads the exposition on its standard input.
            Cli.Result promtool = Scripts.exec(List.of("sh", "-c", Promtool.binary() + " check metrics < '" + scrape + "'"), null, Map.of());
            System.out.println("metrics: promtool check metrics: " + promtool);
            assertEquals(0, promtool.exitCode(), "promtool check metrics accepts a real scrape: " + promtool);
        } finally {
            w.close();
        }
        w.stop();
    }

    /** Stopped, the links stand still: each figure then equals MySQL's exactly. */
    @Test
    @Order(2)
    void afterStopsyncBacklogRelayDiskAndThreadsEqualShowReplicaStatus() throws Exception {
        Bank.awaitRetrieved(sandbox, Bank.productionExecuted(sandbox));
        assertEquals(0, Cli.run("stopsync", "1", "--config", conf).exitCode());
        Map<String, Map<String, String>> mysql = new TreeMap<>();
        for (String shard : sandbox.shards()) {
            mysql.put(shard, Db.replicaStatus(sandbox.drPrimary(shard)).orElseThrow());
        }
        double asked = System.currentTimeMillis() / 1000.0;
        Map<String, Double> seen = awaitScrape(s -> s.getOrDefault(key(MetricNames.LAST_COLLECTION, "cluster", "1"), 0.0) > asked
                && s.containsKey(key(MetricNames.MODE_INFO, "cluster", "1", "site", "dr", "mode", "STOPPED")), "a collection after stopsync");
        for (String shard : sandbox.shards()) {
            Map<String, String> r = mysql.get(shard);
            GtidSet backlog = GtidSet.parse(r.get("Retrieved_Gtid_Set")).subtract(GtidSet.parse(r.get("Executed_Gtid_Set")));
            assertEquals((double) backlog.size(), seen.get(key(MetricNames.RELAY_BACKLOG_TRANSACTIONS, "cluster", "1", "shard", shard)), shard);
            assertTrue(backlog.size() > 0 || shard.equals("meta"), shard + ": the delay left a backlog to show");
            assertEquals(Double.parseDouble(r.get("Relay_Log_Space")), seen.get(key(MetricNames.RELAY_LOG_DISK_BYTES, "cluster", "1", "shard", shard, "member", "primary")),
                    shard + ": Relay_Log_Space");
            assertEquals(0.0, seen.get(key(MetricNames.REPLICATION_THREAD_RUNNING, "cluster", "1", "shard", shard, "thread", "io")), shard);
            assertEquals(0.0, seen.get(key(MetricNames.REPLICATION_THREAD_RUNNING, "cluster", "1", "shard", shard, "thread", "sql")), shard);
        }
        assertEquals(1.0, seen.get(key(MetricNames.RUNBOOK_LAST_RESULT, "cluster", "1", "operation", "stopsync", "result", "done")));
    }

    /** A production shard stopped: it shows as down at the next collection, and every scrape meanwhile answers at once. */
    @Test
    @Order(3)
    void aShardThatStopsAnsweringShowsDownWhileScrapesStayFast() throws Exception {
        sandbox.production("s2").instance().stop();
        long slowest = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Map<String, Double> seen = Map.of();
        while (System.nanoTime() < deadline) {
            long t = System.nanoTime();
            seen = parse(scrapeText());
            slowest = Math.max(slowest, System.nanoTime() - t);
            if (Double.valueOf(0.0).equals(seen.get(key(MetricNames.SHARD_UP, "cluster", "1", "site", "production", "shard", "s2")))) {
                break;
            }
            Thread.sleep(200);
        }
        assertEquals(0.0, seen.get(key(MetricNames.SHARD_UP, "cluster", "1", "site", "production", "shard", "s2")), "s2 shows down");
        assertEquals(1.0, seen.get(key(MetricNames.SHARD_UP, "cluster", "1", "site", "production", "shard", "s1")), "s1 stays up");
        System.out.println("metrics: slowest scrape while production s2 was down: " + slowest / 1_000_000 + " ms");
        assertTrue(slowest < TimeUnit.SECONDS.toNanos(1), "a scrape never waits for a shard: " + slowest / 1_000_000 + " ms");
        sandbox.production("s2").instance().start();
        awaitScrape(s -> Double.valueOf(1.0).equals(s.get(key(MetricNames.SHARD_UP, "cluster", "1", "site", "production", "shard", "s2"))),
                "production s2 up again");
    }

    /** The real Prometheus server (Debian's package) scrapes the controller; its query API answers with drsp's lag. */
    @Test
    @Order(4)
    void aRealPrometheusScrapesTheControllerAndAnswersForTheLag() throws Exception {
        int port = io.drsp.sandbox.Sandbox.freePort();
        Path config = DIR.resolve("prometheus.yml");
        Files.writeString(config, "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: drsp\n    static_configs:\n"
                + "      - targets: ['127.0.0.1:" + controller.metricsPort() + "']\n");
        Path log = DIR.resolve("prometheus.log");
        Process prometheus = new ProcessBuilder("prometheus", "--config.file=" + config, "--storage.tsdb.path=" + DIR.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + port).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            URI query = URI.create("http://127.0.0.1:" + port + "/api/v1/query?query=drsp_replication_lag_seconds");
            com.fasterxml.jackson.databind.JsonNode[] answer = new com.fasterxml.jackson.databind.JsonNode[1];
            Await.until(Duration.ofSeconds(60), () -> {
                if (!prometheus.isAlive()) {
                    throw new AssertionError("prometheus exited: " + Files.readString(log));
                }
                try {
                    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(query).timeout(Duration.ofSeconds(5))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    answer[0] = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
                    return r.statusCode() == 200 && answer[0].path("data").path("result").size() == sandbox.shards().size();
                } catch (java.io.IOException e) {
                    return false; // not listening yet
                }
            }, "Prometheus answering with the lag of every shard");
            System.out.println("metrics: Prometheus answered: " + answer[0]);
            for (com.fasterxml.jackson.databind.JsonNode series : answer[0].path("data").path("result")) {
                assertEquals("1", series.path("metric").path("cluster").asText(), series.toString());
                assertEquals("drsp", series.path("metric").path("job").asText(), series.toString());
                assertTrue(sandbox.shards().contains(series.path("metric").path("shard").asText()), series.toString());
                assertTrue(Double.parseDouble(series.path("value").get(1).asText()) >= 0, series.toString());
            }
        } finally {
            prometheus.destroy();
            prometheus.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * A recovery journals how many transactions each shard's replay applied and in how long: the apply rates the RTO
     * estimate prices a backlog at. The count is MySQL's own (gtid_executed before and after, XA completions aside),
     * and the time fits inside the replay step the journal timed.
     */
    @Test
    @Order(5)
    void aRecoveryJournalsEachShardsReplayAsMysqlCountsIt() throws Exception {
        Map<String, GtidSet> before = new TreeMap<>();
        for (String shard : sandbox.shards()) {
            before.put(shard, Db.executed(sandbox.drPrimary(shard)));
        }
        assertEquals(0, Cli.run("relaytime", "1", "--all", "--config", conf).exitCode());
        Cli.Result dry = Cli.run("recover", "1", "--dry-run", "--config", conf);
        assertEquals(0, dry.exitCode(), dry.toString());
        assertTrue(dry.out().contains("est. ?: no recovery of this cluster has measured an apply rate yet"),
                "no replay was ever measured, so no shard is priced: " + dry.out());
        Cli.Result recover = Cli.run("recover", "1", "--config", conf);
        assertEquals(0, recover.exitCode(), recover.toString());
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.JsonNode replayed = json.readTree(Db.one(sandbox.control(),
                "SELECT CAST(event_payload AS CHAR) FROM drsp.event_journal WHERE persistence_id = 'pair-1'"
                        + " AND event_ser_manifest LIKE '%ShardsReplayed' ORDER BY sequence_number DESC LIMIT 1"));
        com.fasterxml.jackson.databind.JsonNode plan = json.readTree(Db.one(sandbox.control(),
                "SELECT CAST(event_payload AS CHAR) FROM drsp.event_journal WHERE persistence_id = 'pair-1'"
                        + " AND event_ser_manifest LIKE '%RecoveryPlanned' ORDER BY sequence_number DESC LIMIT 1")).path("plan");
        long[] step = replayStepMillis();
        boolean anyMeasured = false;
        for (com.fasterxml.jackson.databind.JsonNode sh : plan.path("shards")) {
            String shard = sh.path("shard").asText();
            GtidSet applied = Db.executed(sandbox.drPrimary(shard)).subtract(before.get(shard));
            long completions = sh.path("xaCompletions").size();
            com.fasterxml.jackson.databind.JsonNode r = replayed.path("replays").path(shard);
            System.out.println("metrics: " + shard + " replayed " + r + "; MySQL applied " + applied.size() + " (" + completions
                    + " XA completions); replay step " + (step[1] - step[0]) + " ms");
            if (applied.size() - completions == 0) {
                assertTrue(r.isMissingNode(), shard + " had nothing to replay, so it says nothing of a rate: " + replayed);
                continue;
            }
            assertEquals(applied.size() - completions, r.path("transactions").asLong(), shard + ": what its replay applied, by MySQL's count");
            double seconds = r.path("seconds").asDouble();
            assertTrue(seconds > 0 && seconds * 1000 <= step[1] - step[0] + 1, shard + ": " + seconds
                    + " s fits inside the replay step's " + (step[1] - step[0]) + " ms");
            anyMeasured = true;
        }
        assertTrue(anyMeasured, "the delay left a backlog on the data shards: " + replayed);
    }

    /**
     * A DR member frozen as a stalled host would be (SIGSTOP: its port still accepts, nothing answers) does not hold up
     * status: the answer comes before the member could have answered (its agent waits 10 s for it), names it as late
     * and shows it as its last look saw it, which equals what the server itself said before the freeze. Thawed, it is
     * looked at afresh.
     */
    @Test
    @Order(6)
    void aFrozenMemberIsShownFromItsLastLookWithoutHoldingUpStatus() throws Exception {
        Sandbox.Member frozen = sandbox.drPrimary("s1");
        String node = "1/dr/s1";
        GtidSet before = Db.executed(frozen);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        Await.until(Duration.ofSeconds(30), () -> {
            com.fasterxml.jackson.databind.JsonNode s = json.readTree(Cli.run("status", "1", "--json", "--config", conf).out());
            return s.path("lateLooks").isEmpty() && before.equals(GtidSet.parse(drShard(s, "s1").path("gtidExecuted").asText()));
        }, "a status with a fresh look at dr s1");
        long pid = frozen.instance().processHandle().orElseThrow().pid();
        signal("STOP", pid);
        try {
            long t = System.nanoTime();
            Cli.Result r = Cli.run("status", "1", "--json", "--config", conf);
            long millis = (System.nanoTime() - t) / 1_000_000;
            assertEquals(0, r.exitCode(), r.toString());
            com.fasterxml.jackson.databind.JsonNode s = json.readTree(r.out());
            System.out.println("metrics: status with dr s1 frozen answered in " + millis + " ms; late: " + s.path("lateLooks"));
            assertTrue(millis < 5_000, "status did not wait for the frozen member's agent (10 s): " + millis + " ms");
            assertEquals(node, s.path("lateLooks").path(0).path("node").asText(), "the frozen member is named: " + s.path("lateLooks"));
            assertEquals(1, s.path("lateLooks").size(), "only the frozen member is late: " + s.path("lateLooks"));
            assertTrue(drShard(s, "s1").path("reachable").asBoolean(), "shown from its last look, which saw it up");
            assertEquals(before, GtidSet.parse(drShard(s, "s1").path("gtidExecuted").asText()), "its last look's GTIDs");
            Cli.Result table = Cli.run("status", "1", "--config", conf);
            assertTrue(table.out().contains("slow to answer, shown from their last look: " + node + " ("), table.out());
            // The API's bounded status (no fresh=true) names it too; a fresh that is neither true nor false is refused.
            HttpResponse<String> bounded = apiStatus("");
            assertEquals(200, bounded.statusCode(), bounded.body());
            assertEquals(node, json.readTree(bounded.body()).path("lateLooks").path(0).path("node").asText(), bounded.body());
            HttpResponse<String> bad = apiStatus("?fresh=maybe");
            assertEquals(400, bad.statusCode(), bad.body());
            assertTrue(bad.body().contains("fresh must be true or false, got \\\"maybe\\\"."), bad.body());
        } finally {
            signal("CONT", pid);
        }
        Await.until(Duration.ofSeconds(90), () -> {
            com.fasterxml.jackson.databind.JsonNode s = json.readTree(Cli.run("status", "1", "--json", "--config", conf).out());
            return s.path("lateLooks").isEmpty() && drShard(s, "s1").path("reachable").asBoolean();
        }, "dr s1 looked at afresh once thawed");
    }

    private static HttpResponse<String> apiStatus(String query) throws Exception {
        DrspConfig config = DrspConfig.load(sandbox.configFile());
        var http = config.controller().http();
        String token = io.drsp.controller.ApiToken.read(config.controller().tokenFile()).value();
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + http.host() + ":" + http.port()
                        + "/api/v1/clusters/1/status" + query)).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static com.fasterxml.jackson.databind.JsonNode drShard(com.fasterxml.jackson.databind.JsonNode status, String shard) {
        for (com.fasterxml.jackson.databind.JsonNode sh : status.path("shards")) {
            if (sh.path("shard").asText().equals(shard)) {
                return sh.path("dr");
            }
        }
        throw new AssertionError("no shard " + shard + " in " + status);
    }

    private static void signal(String name, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
        assertEquals(0, p.waitFor(), "kill -" + name + " " + pid);
    }

    /** The journal's write times of the last replay step's start and of the event after it. */
    static long[] replayStepMillis() throws SQLException {
        try (java.sql.Connection c = sandbox.control().instance().connect(); java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SELECT event_ser_manifest, write_timestamp, CAST(event_payload AS CHAR)"
                     + " FROM drsp.event_journal WHERE persistence_id = 'pair-1' ORDER BY sequence_number")) {
            long start = -1;
            long end = -1;
            while (rs.next()) {
                if (rs.getString(1).endsWith("StepStarted") && rs.getString(3).contains("\"description\":\"replay ")) {
                    start = rs.getLong(2);
                    end = -1;
                } else if (start >= 0 && end < 0) {
                    end = rs.getLong(2);
                }
            }
            assertTrue(start >= 0 && end >= start, "the journal timed a replay step");
            return new long[] {start, end};
        }
    }

    static Map<String, Double> awaitScrape(java.util.function.Predicate<Map<String, Double>> ready, String what) {
        Map<String, Double>[] last = new Map[1];
        Await.until(Duration.ofSeconds(60), () -> {
            last[0] = parse(scrapeText());
            return ready.test(last[0]);
        }, what);
        return last[0];
    }

    static String scrapeText() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    /** Each sample by its name and labels (sorted), as {@link #key} writes them. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> out = new HashMap<>();
        for (String line : text.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (line.startsWith("#") || !m.matches()) {
                continue;
            }
            TreeMap<String, String> labels = new TreeMap<>();
            if (m.group(3) != null && !m.group(3).isEmpty()) {
                for (String pair : m.group(3).split(",(?=[a-z_]+=\")")) {
                    int eq = pair.indexOf('=');
                    labels.put(pair.substring(0, eq), pair.substring(eq + 2, pair.length() - 1));
                }
            }
            out.put(m.group(1) + labels, Double.parseDouble(m.group(4)));
        }
        return out;
    }

    static String key(String name, String... labels) {
        TreeMap<String, String> m = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            m.put(labels[i], labels[i + 1]);
        }
        return name + m;
    }
}
