package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import io.drsp.sandbox.bank.XaJournal;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The scale scenario of issue 16: {@code drsp.scale.shards} shards (default 16, meta besides), each DR shard with one
 * local replica, under the bank workload with cross-shard XA, driven through every command of a failover and a drill:
 * sync, a delay change in place, stopsync, relaytime, recover, service, stopservice, flashback, purge, sync again.
 * Each command is timed and must work, judged from MySQL: modes, GTID sets against the recovery and snapshot points,
 * CHECKSUM TABLE against the snapshot, the bank's invariant, nothing prepared. All the while a thread asks the
 * controller's HTTP status API every 250 ms; its p99 latency must stay under a second.
 *
 * <p>Tagged {@code scale} and left out of {@code mvn verify} (52 mysqld at 16 shards); run it with
 * {@code mvn -B -o verify -pl tests -am -Dgroups=scale -DexcludedGroups= -Dtest=ScaleTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Ddrsp.scale.shards=16}. Times and latencies go to
 * {@code tests/target/scale-results/}; {@code bench/scale/SCALE.md} holds the committed ones.
 */
@Tag("scale")
class ScaleTest {
    static final int SHARDS = Integer.getInteger("drsp.scale.shards", 16);
    static final Path DIR = Path.of("target/scale").toAbsolutePath();
    static final Path RESULTS = Path.of("target/scale-results").toAbsolutePath();
    static final long SEED = Long.getLong("drsp.seed", System.nanoTime());
    /** Offered transfers per second on production: modest, so that 2 cores carry 52 mysqld and the controller. */
    static final double RATE = Double.parseDouble(System.getProperty("drsp.scale.rate", "20"));
    static final ObjectMapper JSON = new ObjectMapper();
    static Sandbox sandbox;
    static Controller controller;
    static DrspConfig config;
    static String conf;
    static BankWorkload production;
    static List<BankShard> prodData;
    static List<BankShard> drData;
    static StatusPoller poller;
    static final Map<String, Long> timesMillis = new java.util.LinkedHashMap<>();
    static Path timesFile;

    @BeforeAll
    static void up() throws Exception {
        Files.createDirectories(RESULTS);
        timesFile = RESULTS.resolve("times-" + SHARDS + ".tsv");
        Files.writeString(timesFile, "# shards " + SHARDS + ", seed " + SEED + ", commit " + commit() + ", started "
                + Instant.now() + "\n# step\tmillis\tloadavg-after\n");
        long t0 = System.nanoTime();
        sandbox = Sandbox.upReplacing(DIR, Sandbox.Options.defaults().withShards(SHARDS).withReplicas(1), s -> { });
        note("sandbox up (not a drsp command)", t0);
        conf = sandbox.configFile().toString();
        config = DrspConfig.load(sandbox.configFile());
        controller = Controller.start(config, Set.of());
        List<BankShard> all = Bank.shards(sandbox, Sandbox.Role.PRODUCTION);
        prodData = all.subList(1, all.size());
        drData = Bank.shards(sandbox, Sandbox.Role.DR).subList(1, all.size());
        BankSchema.create(all.get(0), prodData, 40);
        poller = new StatusPoller(config);
        poller.start();
    }

    @AfterAll
    static void down() throws Exception {
        if (poller != null) {
            poller.stop();
            poller.write(RESULTS.resolve("status-" + SHARDS + ".tsv"));
        }
        long t0 = System.nanoTime();
        try {
            TearDown.all(production, controller, sandbox);
        } finally {
            if (sandbox != null) {
                note("sandbox down (not a drsp command)", t0);
            }
        }
    }

    @Test
    void everyCommandWorksOnEveryShardAndStatusStaysUnderASecond() throws Exception {
        int shards = sandbox.shards().size() - 1;
        assertEquals(SHARDS, shards, "the sandbox has the shards asked for");
        production = new BankWorkload(prodData, 40, 2, RATE, SEED).withCrossShard(0.5, 0.05, 0.5).start();
        long workloadStart = nowMicros();

        // sync, then the delay changed in place, under production traffic
        poller.phase("sync");
        timed("sync --delay 3600", "sync", "1", "--delay", "3600");
        JsonNode s = status();
        assertEquals("SYNC", s.path("drMode").asText());
        assertEquals(3600, s.path("delaySeconds").asInt());
        awaitTraffic(150, "150 transfers on production under sync");
        poller.phase("delay change");
        timed("sync --delay 1800 (delay change in place)", "sync", "1", "--delay", "1800");
        s = status();
        assertEquals("SYNC", s.path("drMode").asText());
        assertEquals(1800, s.path("delaySeconds").asInt());
        for (String shard : sandbox.shards()) {
            Map<String, String> link = Db.replicaStatus(sandbox.drPrimary(shard)).orElseThrow();
            assertEquals("1800", link.get("SQL_Delay"), shard + ": the new delay is in force");
            assertEquals("Yes", link.get("Replica_IO_Running"), shard + ": the receiver kept running");
        }
        awaitTraffic(300, "150 more transfers on production after the delay change");

        // production is "lost": everything it wrote so far is retrieved, then sync stops
        long beforeRetrieved = nowMicros();
        Bank.awaitRetrieved(sandbox, Bank.productionExecuted(sandbox));
        poller.phase("stopsync");
        timed("stopsync", "stopsync", "1");
        assertEquals("STOPPED", status().path("drMode").asText());
        for (String shard : sandbox.shards()) {
            Map<String, String> link = Db.replicaStatus(sandbox.drPrimary(shard)).orElseThrow();
            assertEquals("No", link.get("Replica_IO_Running"), shard);
            assertEquals("No", link.get("Replica_SQL_Running"), shard);
        }

        // a time in the middle of the traffic DR retrieved: inside the recoverable window
        long target = workloadStart + (beforeRetrieved - workloadStart) / 2;
        String time = RecoveryTest.TIME.format(Instant.ofEpochSecond(0, target * 1000).atZone(config.timeZone()));
        poller.phase("relaytime");
        timed("relaytime --time (middle of the traffic)", "relaytime", "1", "--time", time);
        poller.phase("recover");
        timed("recover", "recover", "1");
        s = status();
        assertEquals("RECOVERED", s.path("drMode").asText());
        JsonNode point = s.path("recoveryPoint");
        assertTrue(point.path("clusterTimeMicros").asLong() <= target, "the point lies at or before the target: " + point);
        for (String shard : sandbox.shards()) {
            GtidSet executed = Db.executed(sandbox.drPrimary(shard));
            assertEquals(GtidSet.parse(point.path("shardGtids").path(shard).asText()), executed, shard + " stands at the recovery point");
            GtidSet errant = executed.subtract(Db.executed(sandbox.production(shard)));
            assertTrue(errant.isEmpty(), shard + " has no errant GTIDs: " + errant.toCompactString());
        }
        BankTotals totals = BankTotals.read(drData);
        assertTrue(totals.holds(), "the bank's total holds on DR at the recovery point: " + totals);
        XaJournal journal = XaJournal.read(drData);
        assertEquals(List.of(), journal.torn(), "every cross-shard transfer is on both its shards or neither");
        assertEquals(0, journal.preparedBranches(), "no branch prepared on a DR primary: " + journal.prepared());
        assertTrue(journal.committedTransfers() > 0, "the recovery point holds cross-shard transfers: " + point);
        awaitReplicasCaughtUp();
        for (Sandbox.Member m : DrillTest.drMembers(sandbox)) {
            assertEquals(List.of(), Db.xaRecover(m), m.name() + ": nothing prepared after recover");
        }

        // service: the snapshot point, read by the test itself before anything writes on DR
        poller.phase("service");
        timed("service", "service", "1");
        assertEquals("SERVICE", status().path("drMode").asText());
        awaitReplicasCaughtUp();
        Map<String, GtidSet> snapGtids = new TreeMap<>();
        Map<String, Map<String, Long>> snapSums = new TreeMap<>();
        for (Sandbox.Member m : DrillTest.drMembers(sandbox)) {
            snapGtids.put(m.name(), Db.executed(m));
            snapSums.put(m.name(), Copies.checksums(m, false));
        }
        Map<String, GtidSet> recorded = new TreeMap<>();
        DrillTest.snapshotPoint(conf, recorded, new TreeMap<>());
        for (String shard : sandbox.shards()) {
            assertEquals(snapGtids.get(sandbox.drPrimary(shard).name()), recorded.get(shard), "drsp recorded where " + shard + " stands");
        }

        // the drill: transfers, cross-shard too, on DR
        poller.phase("drill writes");
        BankWorkload drill = new BankWorkload(drData, 40, 2, 40, SEED + 1).withCrossShard(0.5, 0, 0).start();
        try {
            Await.until(Duration.ofSeconds(180), () -> drill.stats().committed() + drill.stats().crossShardCommitted() >= 150,
                    "150 drill transfers on DR");
        } finally {
            drill.close();
        }
        drill.stop();
        long drillTransactions = 0;
        for (String shard : sandbox.shards()) {
            drillTransactions += Db.executed(sandbox.drPrimary(shard)).subtract(snapGtids.get(sandbox.drPrimary(shard).name())).size();
        }
        assertTrue(drillTransactions >= 150, "the drill wrote on DR: " + drillTransactions + " transactions");
        awaitReplicasCaughtUp();
        poller.phase("stopservice");
        timed("stopservice", "stopservice", "1");
        assertEquals("SERVICE_STOPPED", status().path("drMode").asText());
        poller.phase("flashback");
        timed("flashback", "flashback", "1");
        assertEquals("FLASHED_BACK", status().path("drMode").asText());
        poller.phase("purge");
        timed("purge", "purge", "1");
        assertEquals("RECOVERED", status().path("drMode").asText());
        for (Sandbox.Member m : DrillTest.drMembers(sandbox)) {
            assertEquals(snapGtids.get(m.name()), Db.executed(m), m.name() + " has exactly the snapshot's GTID set after the purge");
            assertEquals(snapSums.get(m.name()), Copies.checksums(m, false), m.name() + " has the snapshot's CHECKSUM TABLE values");
            assertEquals(List.of(), Db.xaRecover(m), m.name() + ": nothing prepared after the purge");
        }

        // sync again: DR replays the relay log kept since stopsync, then production's new traffic
        poller.phase("sync again");
        timed("sync --delay 2 (again)", "sync", "1", "--delay", "2");
        assertEquals("SYNC", status().path("drMode").asText());
        production.stop();
        Map<String, GtidSet> written = Bank.productionExecuted(sandbox);
        long t0 = System.nanoTime();
        Copies.awaitApplied(DrillTest.drMembers(sandbox), written, Duration.ofSeconds(600));
        note("catch-up after sync (not a command: DR applies what production wrote since stopsync)", t0);
        for (Sandbox.Member m : DrillTest.drMembers(sandbox)) {
            Copies.assertEqualsProduction(sandbox, m, "after sync resumed, seed " + SEED);
        }
        assertTrue(BankTotals.read(drData).holds(), "the bank invariant holds on DR after sync resumed");
        poller.phase("end");

        poller.stop();
        StatusPoller.Summary summary = poller.summary();
        Files.writeString(timesFile, "# status API: " + summary + "\n", StandardOpenOption.APPEND);
        System.out.println("scale " + SHARDS + " shards: " + timesMillis + "; status API " + summary);
        assertEquals(0, summary.failures(), "every status call answered 200: " + summary);
        assertTrue(summary.p99Millis() < 1000, "status API p99 under 1 s over the run: " + summary);
    }

    /** Runs one drsp command, records its wall time, and requires exit 0. */
    static Cli.Result timed(String step, String... args) throws IOException {
        String[] withConf = java.util.Arrays.copyOf(args, args.length + 2);
        withConf[args.length] = "--config";
        withConf[args.length + 1] = conf;
        long t0 = System.nanoTime();
        Cli.Result r = Cli.run(withConf);
        note(step + (r.exitCode() == 0 ? "" : " (exit " + r.exitCode() + ")"), t0);
        assertEquals(0, r.exitCode(), step + " at " + SHARDS + " shards (seed " + SEED + "): " + r);
        return r;
    }

    static void note(String step, long startNanos) throws IOException {
        long ms = (System.nanoTime() - startNanos) / 1_000_000;
        timesMillis.put(step, ms);
        Files.writeString(timesFile, step + "\t" + ms + "\t" + loadAverage() + "\n", StandardOpenOption.APPEND);
    }

    static void awaitTraffic(long transfers, String what) {
        Await.until(Duration.ofSeconds(300), () -> {
            BankWorkload.Stats st = production.stats();
            return st.committed() + st.crossShardCommitted() >= transfers;
        }, what);
    }

    /** Polls until every local replica has executed exactly its primary's GTID set (nothing else writes on DR then). */
    static void awaitReplicasCaughtUp() throws Exception {
        for (Sandbox.Member replica : sandbox.members(Sandbox.Role.DR_REPLICA)) {
            GtidSet primary = Db.executed(sandbox.drPrimary(replica.shard()));
            Await.until(Duration.ofSeconds(120), () -> Db.executed(replica).equals(primary), replica.name() + " replayed its primary");
        }
    }

    static JsonNode status() throws Exception {
        return Cli.status(conf);
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    static String commit() {
        try {
            Process p = new ProcessBuilder("git", "describe", "--always", "--dirty").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor() == 0 ? out : "?";
        } catch (IOException | InterruptedException e) {
            return "?";
        }
    }

    static long nowMicros() {
        Instant i = Instant.now();
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }

    /**
     * GET /api/v1/clusters/1/status every 250 ms, as a monitoring script would (the CLI's own HttpURLConnection, the
     * token from the controller's file), recording each call's latency and the step running at the time.
     */
    static final class StatusPoller {
        record Call(long atMillis, String phase, long micros, int code) {
        }

        record Summary(int calls, int failures, double p50Millis, double p99Millis, double maxMillis, String slowestPhase) {
            @Override
            public String toString() {
                return String.format("%d calls, %d failed, p50 %.1f ms, p99 %.1f ms, max %.1f ms (during %s)", calls, failures,
                        p50Millis, p99Millis, maxMillis, slowestPhase);
            }
        }

        private final URL url;
        private final String token;
        private final List<Call> calls = new ArrayList<>();
        private volatile String phase = "setup";
        private volatile boolean running = true;
        private final Thread thread;

        StatusPoller(DrspConfig config) throws IOException {
            var h = config.controller().http();
            url = new URL("http", h.host(), h.port(), "/api/v1/clusters/1/status");
            token = ApiToken.read(config.controller().tokenFile()).value();
            thread = new Thread(this::run, "scale-status-poller");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void phase(String p) {
            phase = p;
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(30_000);
        }

        private void run() {
            long next = System.nanoTime();
            while (running) {
                long t0 = System.nanoTime();
                int code;
                try {
                    HttpURLConnection c = (HttpURLConnection) url.openConnection();
                    c.setConnectTimeout(5_000);
                    c.setReadTimeout(30_000);
                    c.setUseCaches(false);
                    c.setRequestProperty("Authorization", "Bearer " + token);
                    code = c.getResponseCode();
                    try (InputStream in = code >= 400 ? c.getErrorStream() : c.getInputStream()) {
                        if (in != null) {
                            in.readAllBytes();
                        }
                    }
                } catch (IOException e) {
                    code = -1;
                }
                long micros = (System.nanoTime() - t0) / 1000;
                synchronized (calls) {
                    calls.add(new Call(System.currentTimeMillis(), phase, micros, code));
                }
                next += 250_000_000L;
                long sleep = next - System.nanoTime();
                if (sleep > 0) {
                    try {
                        Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                    } catch (InterruptedException e) {
                        return;
                    }
                } else {
                    next = System.nanoTime(); // a slow call: the next one goes now, not a burst to catch up
                }
            }
        }

        Summary summary() {
            List<Call> all;
            synchronized (calls) {
                all = new ArrayList<>(calls);
            }
            assertTrue(!all.isEmpty(), "the status poller made calls");
            List<Long> sorted = all.stream().map(Call::micros).sorted().toList();
            Call slowest = all.stream().max(java.util.Comparator.comparingLong(Call::micros)).orElseThrow();
            int failures = (int) all.stream().filter(c -> c.code() != 200).count();
            return new Summary(all.size(), failures, percentile(sorted, 0.50) / 1000.0, percentile(sorted, 0.99) / 1000.0,
                    sorted.get(sorted.size() - 1) / 1000.0, slowest.phase());
        }

        /** Nearest-rank percentile. */
        private static long percentile(List<Long> sorted, double p) {
            int rank = (int) Math.ceil(p * sorted.size());
            return sorted.get(Math.max(0, rank - 1));
        }

        void write(Path file) throws IOException {
            StringBuilder b = new StringBuilder("# epoch_ms\tphase\tlatency_ms\thttp\n");
            synchronized (calls) {
                for (Call c : calls) {
                    b.append(c.atMillis()).append('\t').append(c.phase()).append('\t')
                            .append(String.format("%.3f", c.micros() / 1000.0)).append('\t').append(c.code()).append('\n');
                }
            }
            Files.writeString(file, b.toString());
        }
    }
}
