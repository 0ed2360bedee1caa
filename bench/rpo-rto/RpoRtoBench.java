import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.cli.Drsp;
import io.drsp.controller.Controller;
import io.drsp.core.config.DrspConfig;
import io.drsp.core.gtid.Gtid;
import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.MysqlDistribution;
import io.drsp.sandbox.MysqlInstance;
import io.drsp.sandbox.Sandbox;
import io.drsp.sandbox.bank.BankSchema;
import io.drsp.sandbox.bank.BankShard;
import io.drsp.sandbox.bank.BankWorkload;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * drsp's RPO and RTO figures ({@code drsp status 1 --json} figures, {@code /metrics}) against what really happens, on
 * a sandbox (production + DR cluster 1: meta + 2 data shards), an in-JVM controller and the CLI, under the bank
 * workload with cross-shard XA transfers.
 *
 * <p><b>RTO</b> (one sandbox): DR in delayed sync with the workload running until the backlog is the delay's worth;
 * then the estimate ({@code figures.rtoSeconds}, with its replay and fixed parts) is read from a consistent point found
 * after the backlog was complete, the workload stops (production is "lost"), and {@code stopsync}, {@code relaytime
 * --all}, {@code recover} and {@code service} are timed through the CLI. ratio = estimate / measured. The journal's
 * timestamps, the plan recover recorded (with the apply rates it used) and each DR shard's gtid_executed polled every
 * 50 ms say where the difference lies. DR then goes back to delayed sync (stopservice, flashback of nothing, purge,
 * sync) with the next delay. The first cycle is the warm-up: before it no recovery measured an apply rate and no
 * stopsync, recover and service are in the journal; just before its recovery, production's meta shard gets as many
 * one-row transactions as an hour's heartbeats ({@code rto.metaWarmup}), or meta never gets an apply rate.
 *
 * <p><b>RPO</b> (a fresh sandbox per round): delayed sync with the workload running, optionally DR's receivers stopped
 * some seconds before (a cut link); after a random 0 to 5 s (so the loss falls at any phase of drsp's 1 s heartbeat
 * and 5 s collection), {@code figures.rpoSeconds} (unless the round is "quiet") and {@code drsp_rpo_seconds} are
 * read, every production mysqld is killed with SIGKILL, and the metric is read again once a collection saw
 * production down. The true loss per shard, from production's binlog (mysqlbinlog) and DR's Retrieved_Gtid_Set:
 * production's last committed transaction (its GTID in gtid_executed once production is restarted, so crash recovery
 * decides what was committed) minus the newest one DR holds, by original_commit_timestamp; the worst shard.
 *
 * <p>Run from the repository root: {@code bench/rpo-rto/run.sh [part=all|rto|rpo] [key=value ...]} (see run.sh).
 */
public class RpoRtoBench {
    static final PrintStream OUT = System.out;
    static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern TIMESTAMPS = Pattern.compile("original_committed_timestamp=(\\d+)");
    static final Pattern GTID_NEXT = Pattern.compile("SET @@SESSION.GTID_NEXT= '([0-9a-f-]+:\\d+)'");
    static final Pattern METRIC = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})?\\s+(\\S+)");

    static Path dir;
    static PrintStream cliLog;
    static Map<String, String> opt = new LinkedHashMap<>();

    public static void main(String[] args) throws Exception {
        opt.put("part", "all");
        opt.put("rate", "120");          // bank transfers per second (half cross-shard XA)
        opt.put("threads", "3");
        opt.put("accounts", "40");       // per data shard
        opt.put("rto.warmup", "30");     // the warm-up cycle's delay, s
        opt.put("rto.delays", "30,60,90"); // one measured round per delay: the backlog is that many seconds of traffic
        // Transactions written on production's meta shard just before the warm-up's recovery (one-row REPLACEs, as its
        // heartbeat writes each second): what meta's relay log holds at a delay of that many seconds. Without them
        // meta replays its few heartbeats in less than one of drsp's 250 ms samples, gets no apply rate, and the RTO
        // estimate stays null (0 shows it).
        opt.put("rto.metaWarmup", "3600");
        opt.put("rpo.delay", "30");
        opt.put("rpo.traffic", "40");    // seconds of traffic before the kill (and before any cut)
        // one round each: seconds DR's receivers are stopped before the kill; a "q" suffix: no drsp status right before it
        opt.put("rpo.cuts", "0,0,0,10,20,30,10q,20q,30q");
        for (String a : args) {
            String[] kv = a.split("=", 2);
            if (kv.length != 2 || !opt.containsKey(kv[0])) {
                throw new IllegalArgumentException("unknown argument " + a + "; known: " + opt.keySet());
            }
            opt.put(kv[0], kv[1]);
        }
        dir = Path.of("target/bench-rpo-rto").toAbsolutePath();
        Files.createDirectories(dir);
        cliLog = new PrintStream(Files.newOutputStream(dir.resolve("cli.log")), true, StandardCharsets.UTF_8);
        OUT.println("options: " + opt);
        String part = opt.get("part");
        List<String> report = new ArrayList<>();
        if (part.equals("all") || part.equals("rto")) {
            report.addAll(rto());
        }
        if (part.equals("all") || part.equals("rpo")) {
            report.addAll(rpo());
        }
        OUT.println();
        report.forEach(OUT::println);
        System.exit(0); // the bank workload's and the JDBC driver's leftover threads
    }

    // ------------------------------------------------------------------------------------------------------------ RTO

    record RtoRound(String label, int delay, Map<String, Long> backlog, Double rto, Double replay, Double fixed, Double search,
                    double pointAgeSeconds, double stopsync, double relaytime, double recover, double service,
                    double journalReplay, double journalFixed, Map<String, Double> planRate, Map<String, Long> planTrx,
                    double workloadRate, Map<String, double[]> replayed, Map<String, Double> journaledRate) {
        /** The replay the plan's own rates predict for the backlog actually replayed: the slowest shard. */
        Double planReplay() {
            double worst = 0;
            for (Map.Entry<String, Long> e : planTrx.entrySet()) {
                Double rate = planRate.get(e.getKey());
                if (e.getValue() > 0) {
                    if (rate == null) {
                        return null;
                    }
                    worst = Math.max(worst, e.getValue() / rate);
                }
            }
            return worst;
        }

        /** What each shard really applied per second, first applied transaction to last, as the bench saw it. */
        Double trueRate(String shard) {
            double[] r = replayed.get(shard);
            return r == null || r[1] <= 0 ? null : r[0] / r[1];
        }

        double measured() {
            return stopsync + relaytime + recover + service;
        }

        Double ratio() {
            return rto == null ? null : rto / measured();
        }
    }

    static List<String> rto() throws Exception {
        String loadStart = loadavg();
        OUT.println("== RTO part, load average " + loadStart);
        Sandbox sb = Sandbox.upReplacing(dir.resolve("rto"), Sandbox.Options.defaults(), s -> { });
        String conf = sb.configFile().toString();
        Controller controller = Controller.start(DrspConfig.load(sb.configFile()), Set.of());
        List<RtoRound> rounds = new ArrayList<>();
        BankWorkload w = null;
        try {
            List<BankShard> prod = bank(sb, Sandbox.Role.PRODUCTION);
            BankSchema.create(prod.get(0), prod.subList(1, prod.size()), intOpt("accounts"));
            MysqlInstance meta = sb.production("meta").instance();
            exec(meta, "CREATE DATABASE IF NOT EXISTS benchmeta",
                    "CREATE TABLE IF NOT EXISTS benchmeta.ticks (id INT PRIMARY KEY, ts DATETIME(6) NOT NULL)");
            must(conf, "sync", "1", "--delay", "0");
            w = workload(prod, 1).start();
            OUT.println("sync --delay 0 with the workload for 15 s");
            Thread.sleep(15_000);
            List<Integer> delays = new ArrayList<>();
            delays.add(intOpt("rto.warmup"));
            Arrays.stream(opt.get("rto.delays").split(",")).map(String::trim).map(Integer::parseInt).forEach(delays::add);
            sync(conf, sb, delays.get(0));
            for (int i = 0; i < delays.size(); i++) {
                int delay = delays.get(i);
                String label = i == 0 ? "warm-up" : String.valueOf(i);
                long synced = System.nanoTime();
                long workloadStart = System.nanoTime();
                long committedAtStart = w.stats().committed() + w.stats().crossShardCommitted();
                // The backlog is complete once the delay has passed with traffic; then wait for a consistent point
                // found after that (drsp searches one at most every 30 s, never during a runbook).
                Thread.sleep(delay * 1000L + 5_000);
                long steady = nowMicros();
                JsonNode st = awaitEstimate(conf, steady, i == 0 ? 45 : 150);
                JsonNode f = st.path("figures");
                JsonNode point = st.path("latestConsistentPoint");
                double pointAge = point.isObject() ? (st.path("observedAtMicros").asLong() - point.path("checkedAt").asLong()) / 1e6 : -1;
                Map<String, Long> backlog = new TreeMap<>();
                st.path("shards").forEach(s -> backlog.put(s.path("shard").asText(), s.path("backlogTransactions").asLong()));
                if (i == 0 && intOpt("rto.metaWarmup") > 0) {
                    long t = System.nanoTime();
                    try (Connection c = meta.connect(); java.sql.PreparedStatement ps = c.prepareStatement(
                            "REPLACE INTO benchmeta.ticks VALUES (1, NOW(6))")) {
                        for (int k = 0; k < intOpt("rto.metaWarmup"); k++) {
                            ps.executeUpdate();
                        }
                    }
                    OUT.printf(Locale.ROOT, "warm-up: %d one-row transactions written on production meta in %.1f s%n",
                            intOpt("rto.metaWarmup"), (System.nanoTime() - t) / 1e9);
                }
                BankWorkload.Stats stats = w.stop();
                double workloadRate = (stats.committed() + stats.crossShardCommitted() - committedAtStart)
                        / ((System.nanoTime() - workloadStart) / 1e9);
                w = null;
                long mark = lastOrdering(sb);
                // production is lost: the DBA's four commands
                double stopsync = must(conf, "stopsync", "1").seconds();
                double relaytime = must(conf, "relaytime", "1", "--all").seconds();
                ReplayClock clock = ReplayClock.start(sb);
                double recover = must(conf, "recover", "1").seconds();
                Map<String, List<long[]>> polls = clock.finish();
                double service = must(conf, "service", "1").seconds();
                Journal j = journal(sb, mark);
                RtoRound r = new RtoRound(label, delay, backlog, dbl(f.path("rtoSeconds")), dbl(f.path("replaySeconds")),
                        dbl(f.path("fixedSeconds")), dbl(f.path("searchSeconds")), pointAge,
                        stopsync, relaytime, recover, service, j.replay, j.fixed(), j.planRate, j.planTrx, workloadRate, new TreeMap<>(), j.journaledRate);
                j.planTrx.forEach((shard, n) -> {
                    double[] t = ReplayClock.timed(polls.get(shard), n);
                    if (t != null) {
                        r.replayed().put(shard, t);
                    }
                });
                rounds.add(r);
                OUT.printf(Locale.ROOT, "round %s: delay %d s, backlog %s, estimate %s (replay %s + fixed %s + search %s; point %.1f s old), measured %.2f s"
                                + " (stopsync %.2f, relaytime %.2f, recover %.2f, service %.2f), ratio %s; journal: replay %.2f s,"
                                + " fixed %.2f s (stopsync %.2f, recover-replay %.2f, service %.2f); plan rates %s trx %s; journaled rates %s%n",
                        label, delay, backlog, fmt(r.rto), fmt(r.replay), fmt(r.fixed), fmt(r.search), pointAge, r.measured(), stopsync, relaytime, recover,
                        service, fmt(r.ratio()), j.replay, j.fixed(), j.stopsync, j.recover - j.replay, j.service, j.planRate, j.planTrx,
                        j.journaledRate);
                r.replayed().forEach((shard, x) -> OUT.printf(Locale.ROOT, "   %s: %.0f transactions replayed in %.2f s (%.0f trx/s)%n",
                        shard, x[0], x[1], x[1] > 0 ? x[0] / x[1] : Double.NaN));
                if (r.rto == null) {
                    OUT.println("   estimate null; point: " + point + ", figures: " + f);
                }
                // back to delayed sync for the next round: the service wrote nothing, so flashback undoes nothing
                must(conf, "stopservice", "1");
                must(conf, "flashback", "1");
                must(conf, "purge", "1");
                if (i + 1 < delays.size()) {
                    sync(conf, sb, delays.get(i + 1));
                    w = workload(prod, 10 + i).start();
                }
            }
        } finally {
            if (w != null) {
                w.close();
            }
            controller.close();
            sb.down(false);
        }
        String loadEnd = loadavg();
        List<String> out = new ArrayList<>();
        out.add("### RTO estimate vs measured recovery (load average at start " + loadStart + ", at end " + loadEnd + ")");
        out.add("");
        out.add("| round | delay s | backlog trx s1/s2/meta | transfers/s | estimate s (replay + fixed + search) | measured s | stopsync | relaytime"
                + " | recover | service | ratio |");
        out.add("|---|---|---|---|---|---|---|---|---|---|---|");
        for (RtoRound r : rounds) {
            out.add(String.format(Locale.ROOT, "| %s | %d | %d/%d/%d | %.0f | %s (%s + %s + %s) | %.2f | %.2f | %.2f | %.2f | %.2f | %s |",
                    r.label, r.delay, r.backlog.getOrDefault("s1", -1L), r.backlog.getOrDefault("s2", -1L), r.backlog.getOrDefault("meta", -1L),
                    r.workloadRate, fmt(r.rto), fmt(r.replay), fmt(r.fixed), fmt(r.search), r.measured(), r.stopsync, r.relaytime, r.recover,
                    r.service, fmt(r.ratio())));
        }
        out.add("");
        out.add("Where the estimate's parts went (the journal's timestamps, the plan recorded by recover, and each DR shard's"
                + " gtid_executed polled every 50 ms during recover):");
        out.add("");
        out.add("| round | replay est. s | journal replay step s | plan trx s1/s2/meta | rate used s1/s2/meta trx/s | true rate s1/s2/meta trx/s"
                + " | rate journaled s1/s2/meta trx/s | replay at plan's rates s | fixed est. s | journal fixed s | relaytime + CLI s |");
        out.add("|---|---|---|---|---|---|---|---|---|---|---|");
        for (RtoRound r : rounds) {
            out.add(String.format(Locale.ROOT, "| %s | %s | %.2f | %d/%d/%d | %s/%s/%s | %s/%s/%s | %s/%s/%s | %s | %s | %.2f | %.2f |",
                    r.label, fmt(r.replay), r.journalReplay, r.planTrx.getOrDefault("s1", -1L), r.planTrx.getOrDefault("s2", -1L),
                    r.planTrx.getOrDefault("meta", -1L), fmt0(r.planRate.get("s1")), fmt0(r.planRate.get("s2")), fmt0(r.planRate.get("meta")),
                    fmt0(r.trueRate("s1")), fmt0(r.trueRate("s2")), fmt0(r.trueRate("meta")), fmt0(r.journaledRate.get("s1")),
                    fmt0(r.journaledRate.get("s2")), fmt0(r.journaledRate.get("meta")), fmt(r.planReplay()), fmt(r.fixed),
                    r.journalFixed, r.measured() - r.journalReplay - r.journalFixed));
        }
        List<Double> ratios = rounds.stream().filter(r -> !r.label.equals("warm-up") && r.ratio() != null).map(RtoRound::ratio).sorted().toList();
        out.add("");
        out.add("median ratio estimate / measured over " + ratios.size() + " measured rounds: "
                + (ratios.isEmpty() ? "none (every estimate was null)" : fmt(median(ratios))) + " (target 0.75 to 1.25)");
        out.add("");
        return out;
    }

    /**
     * Status once it shows an RTO estimate from a consistent point found after {@code steadyMicros} and a fixed part
     * (or the last status after {@code maxSeconds}: the estimate may stay null).
     */
    static JsonNode awaitEstimate(String conf, long steadyMicros, int maxSeconds) throws Exception {
        long deadline = System.nanoTime() + maxSeconds * 1_000_000_000L;
        JsonNode st;
        while (true) {
            st = status(conf);
            JsonNode p = st.path("latestConsistentPoint");
            JsonNode f = st.path("figures");
            boolean fresh = p.isObject() && p.path("checkedAt").asLong() > steadyMicros;
            if (fresh && !f.path("rtoSeconds").isNull() && !f.path("rtoSeconds").isMissingNode() && !f.path("fixedSeconds").isNull()) {
                return st;
            }
            if (System.nanoTime() > deadline) {
                OUT.println("   no complete estimate within " + maxSeconds + " s (fresh point: " + fresh + ")");
                return st;
            }
            Thread.sleep(1000);
        }
    }

    /**
     * Each DR primary's gtid_executed size every 50 ms while recover runs ({nanoTime, size} per poll), so that each
     * shard's own replay can be timed once the plan says how many transactions it had to apply.
     */
    static final class ReplayClock extends Thread {
        final Sandbox sb;
        final Map<String, List<long[]>> series = new java.util.concurrent.ConcurrentHashMap<>();
        volatile boolean running = true;

        ReplayClock(Sandbox sb) {
            this.sb = sb;
            setDaemon(true);
        }

        static ReplayClock start(Sandbox sb) {
            ReplayClock c = new ReplayClock(sb);
            sb.shards().forEach(shard -> c.series.put(shard, java.util.Collections.synchronizedList(new ArrayList<>())));
            c.start();
            return c;
        }

        @Override
        public void run() {
            Map<String, Connection> conns = new TreeMap<>();
            try {
                for (String shard : sb.shards()) {
                    conns.put(shard, sb.drPrimary(shard).instance().connect());
                }
                while (running) {
                    for (Map.Entry<String, Connection> e : conns.entrySet()) {
                        try (Statement st = e.getValue().createStatement(); ResultSet rs = st.executeQuery("SELECT @@GLOBAL.gtid_executed")) {
                            rs.next();
                            series.get(e.getKey()).add(new long[] {System.nanoTime(), GtidSet.parse(rs.getString(1)).size()});
                        }
                    }
                    Thread.sleep(50);
                }
            } catch (Exception e) {
                OUT.println("   replay clock stopped: " + e);
            } finally {
                conns.values().forEach(c -> {
                    try {
                        c.close();
                    } catch (SQLException ignored) {
                        // closing
                    }
                });
            }
        }

        Map<String, List<long[]>> finish() throws InterruptedException {
            running = false;
            join();
            return series;
        }

        /**
         * {transactions, seconds}: from the first poll that saw the shard apply one to the first that saw all
         * {@code planned} of its replay applied (the XA completions that follow are not the replay); null if not seen.
         */
        static double[] timed(List<long[]> polls, long planned) {
            if (polls == null || polls.isEmpty() || planned <= 0) {
                return null;
            }
            long initial = polls.get(0)[1];
            Long first = null;
            for (long[] p : polls) {
                if (first == null && p[1] > initial) {
                    first = p[0];
                }
                if (p[1] >= initial + planned) {
                    return first == null ? null : new double[] {planned, (p[0] - first) / 1e9};
                }
            }
            return null;
        }
    }

    /** A recovery's runbooks as the journal timed them (write timestamps, ms), and its plan. */
    static final class Journal {
        double stopsync;
        double recover;
        double replay;
        double service;
        Map<String, Double> planRate = new TreeMap<>();
        Map<String, Long> planTrx = new TreeMap<>();
        /** What drsp journaled of each shard's replay (ShardsReplayed.replays), as a rate. */
        Map<String, Double> journaledRate = new TreeMap<>();

        double fixed() {
            return stopsync + recover - replay + service;
        }
    }

    static Journal journal(Sandbox sb, long after) throws Exception {
        List<String[]> events = new ArrayList<>();
        try (Connection c = sb.control().instance().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT event_ser_manifest, write_timestamp, CAST(event_payload AS CHAR)"
                     + " FROM drsp.event_journal WHERE ordering > " + after + " ORDER BY ordering")) {
            while (rs.next()) {
                events.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
            }
        }
        Journal j = new Journal();
        j.stopsync = span(events, "StopSyncRequested", "SyncStopped");
        j.recover = span(events, "RecoverRequested", "RecoveryPointRecorded");
        j.service = span(events, "ServiceRequested", "ServiceStarted");
        for (int i = 0; i < events.size(); i++) {
            String[] e = events.get(i);
            if (e[0].endsWith("StepStarted") && e[2].contains("\"description\":\"replay") && i + 1 < events.size()) {
                j.replay = (Long.parseLong(events.get(i + 1)[1]) - Long.parseLong(e[1])) / 1000.0;
            }
            if (e[0].endsWith("ShardsReplayed")) {
                JSON.readTree(e[2]).path("replays").fields().forEachRemaining(x -> j.journaledRate.put(x.getKey(),
                        x.getValue().path("transactions").asDouble() / x.getValue().path("seconds").asDouble()));
            }
            if (e[0].endsWith("RecoveryPlanned")) {
                for (JsonNode s : JSON.readTree(e[2]).path("plan").path("shards")) {
                    j.planRate.put(s.path("shard").asText(), dbl(s.path("applyRatePerSecond")));
                    j.planTrx.put(s.path("shard").asText(), s.path("transactionsToReplay").asLong());
                }
            }
        }
        return j;
    }

    static double span(List<String[]> events, String start, String end) {
        Long from = null;
        for (String[] e : events) {
            if (e[0].endsWith(start)) {
                from = Long.parseLong(e[1]);
            } else if (e[0].endsWith(end) && from != null) {
                return (Long.parseLong(e[1]) - from) / 1000.0;
            }
        }
        return Double.NaN;
    }

    static long lastOrdering(Sandbox sb) throws SQLException {
        try (Connection c = sb.control().instance().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(ordering), 0) FROM drsp.event_journal")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    // ------------------------------------------------------------------------------------------------------------ RPO

    record RpoRound(int round, int cut, double cutSeconds, boolean quiet, Double statusBefore, Double metricBefore, Double metricAfter, double trueLoss,
                    String worstShard, Map<String, Double> lossPerShard, Map<String, Long> missingPerShard,
                    double metricAgeBefore, boolean binlogAgreesWithRecovery) {
        double difference() {
            return (metricAfter == null ? Double.NaN : metricAfter) - trueLoss;
        }
    }

    static List<String> rpo() throws Exception {
        String loadStart = loadavg();
        OUT.println("== RPO part, load average " + loadStart);
        List<String> cuts = Arrays.stream(opt.get("rpo.cuts").split(",")).map(String::trim).toList();
        List<RpoRound> rounds = new ArrayList<>();
        for (int i = 0; i < cuts.size(); i++) {
            boolean quiet = cuts.get(i).endsWith("q");
            rounds.add(rpoRound(i + 1, Integer.parseInt(cuts.get(i).replace("q", "")), quiet));
        }
        String loadEnd = loadavg();
        List<String> out = new ArrayList<>();
        out.add("### RPO vs true loss at a kill -9 of production (load average at start " + loadStart + ", at end " + loadEnd + ")");
        out.add("");
        out.add("| round | receivers stopped before kill s | status rpoSeconds before kill | drsp_rpo_seconds before kill (scrape age s)"
                + " | drsp_rpo_seconds after kill | true loss s (worst shard) | loss per shard s | transactions lost per shard"
                + " | metric after − true loss s |");
        out.add("|---|---|---|---|---|---|---|---|---|");
        for (RpoRound r : rounds) {
            out.add(String.format(Locale.ROOT, "| %d | %s | %s | %s (%.1f) | %s | %.3f (%s) | %s | %s | %+.3f |", r.round,
                    r.cut == 0 ? "0 (connected)" : String.format(Locale.ROOT, "%.1f", r.cutSeconds),
                    r.quiet ? "not read" : fmt3(r.statusBefore), fmt3(r.metricBefore), r.metricAgeBefore, fmt3(r.metricAfter), r.trueLoss, r.worstShard,
                    fmt3map(r.lossPerShard), r.missingPerShard, r.difference()));
        }
        out.add("");
        for (String kind : List.of("connected", "cut, status read right before the kill", "cut, no status before the kill")) {
            List<Double> d = rounds.stream().filter(r -> kind.equals("connected") ? r.cut == 0
                            : r.cut > 0 && r.quiet == kind.startsWith("cut, no")).map(RpoRound::difference).sorted().toList();
            if (!d.isEmpty()) {
                out.add("median metric after − true loss, " + kind + " rounds (" + d.size() + "): " + String.format(Locale.ROOT, "%+.3f s", median(d))
                        + "; largest |difference| " + String.format(Locale.ROOT, "%.3f s", d.stream().mapToDouble(Math::abs).max().orElse(0)));
            }
        }
        if (rounds.stream().anyMatch(r -> !r.binlogAgreesWithRecovery)) {
            out.add("note: in some round the complete transactions read from the killed server's binlog differ from gtid_executed after its restart");
        }
        out.add("");
        return out;
    }

    /**
     * @param quiet no {@code drsp status} right before the kill: the metric then rests on the last background
     *              collection (every 5 s), as it does when nobody types status at the moment production is lost
     */
    static RpoRound rpoRound(int round, int cut, boolean quiet) throws Exception {
        Sandbox sb = Sandbox.upReplacing(dir.resolve("rpo"), Sandbox.Options.defaults(), s -> { });
        String conf = sb.configFile().toString();
        Controller controller = Controller.start(DrspConfig.load(sb.configFile()), Set.of());
        int metricsPort = controller.metricsPort();
        BankWorkload w = null;
        boolean controllerClosed = false;
        try {
            List<BankShard> prod = bank(sb, Sandbox.Role.PRODUCTION);
            BankSchema.create(prod.get(0), prod.subList(1, prod.size()), intOpt("accounts"));
            must(conf, "sync", "1", "--delay", opt.get("rpo.delay"));
            w = workload(prod, 100 + round).start();
            Thread.sleep(intOpt("rpo.traffic") * 1000L);
            long cutAt = 0;
            if (cut > 0) {
                cutAt = nowMicros();
                for (String shard : sb.shards()) {
                    exec(sb.drPrimary(shard).instance(), "STOP REPLICA IO_THREAD");
                }
                OUT.println("round " + round + ": DR's receivers stopped; production writes on for " + cut + " s");
                Thread.sleep(cut * 1000L);
            }
            // The loss comes at a random moment of drsp's cycles: the heartbeat (every second) and the background
            // collection (every 5 s) both run on a fixed schedule from the controller's start, and so does this
            // round's sleeping, so without this every kill would fall at the same phase of both.
            long jitter = new java.util.Random(round * 7919L).nextInt(5000);
            Thread.sleep(jitter);
            // right before the loss: what an SRE sees
            Map<String, Double> before = scrape(metricsPort);
            double metricAgeBefore = nowMicros() / 1e6 - before.getOrDefault("drsp_last_collection_timestamp_seconds{cluster=\"1\"}", Double.NaN);
            Double statusBefore = quiet ? null : dbl(status(conf).path("figures").path("rpoSeconds"));
            List<ProcessHandle> handles = new ArrayList<>();
            for (String shard : sb.shards()) {
                handles.add(sb.production(shard).instance().processHandle().orElseThrow());
            }
            long killedAt = nowMicros();
            double cutSeconds = cut > 0 ? (killedAt - cutAt) / 1e6 : 0;
            handles.forEach(ProcessHandle::destroyForcibly); // SIGKILL, every production mysqld within microseconds
            for (ProcessHandle h : handles) {
                h.onExit().get(30, TimeUnit.SECONDS);
            }
            w.close();
            try {
                w.stop();
            } catch (RuntimeException expected) {
                // its servers were killed under it
            }
            w = null;
            // the metric once a collection that began after the kill saw every production shard down
            Map<String, Double> after;
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (true) {
                Map<String, Double> now = scrape(metricsPort);
                after = now;
                double collected = now.getOrDefault("drsp_last_collection_timestamp_seconds{cluster=\"1\"}", 0.0);
                boolean down = sb.shards().stream().allMatch(s -> after_(now, "drsp_shard_up", "site=\"production\"", "shard=\"" + s + "\"") == 0.0);
                if (collected > killedAt / 1e6 + 1 && down) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no collection saw production down within 60 s");
                }
                Thread.sleep(500);
            }
            Double metricAfter = after.get("drsp_rpo_seconds{cluster=\"1\"}");
            Double metricBefore = before.get("drsp_rpo_seconds{cluster=\"1\"}");
            // what DR holds, frozen: its receivers stop so that nothing changes once production is restarted
            Map<String, GtidSet> drHas = new TreeMap<>();
            for (String shard : sb.shards()) {
                MysqlInstance dr = sb.drPrimary(shard).instance();
                try (Connection c = dr.connect(); Statement st = c.createStatement()) {
                    st.execute("STOP REPLICA IO_THREAD");
                    GtidSet retrieved;
                    try (ResultSet rs = st.executeQuery("SHOW REPLICA STATUS")) {
                        rs.next();
                        retrieved = GtidSet.parse(rs.getString("Retrieved_Gtid_Set"));
                    }
                    drHas.put(shard, retrieved.union(executed(dr)));
                }
            }
            controller.close(); // no heartbeat may write on production once it is restarted
            controllerClosed = true;
            Map<String, Double> loss = new TreeMap<>();
            Map<String, Long> missing = new TreeMap<>();
            boolean agrees = true;
            for (String shard : sb.shards()) {
                MysqlInstance p = sb.production(shard).instance();
                BinlogRead b = readBinlog(p);
                p.start(); // crash recovery decides what was committed
                GtidSet committed = executed(p);
                p.stop();
                GtidSet complete = setOf(b.complete.keySet());
                GtidSet inBinlog = setOf(b.all.keySet());
                if (!committed.intersect(inBinlog).equals(complete)) {
                    agrees = false;
                    OUT.println("   " + shard + ": binlog's complete transactions " + complete.toCompactString()
                            + " vs committed after restart " + committed.intersect(inBinlog).toCompactString());
                }
                long last = Long.MIN_VALUE;
                long newestHeld = Long.MIN_VALUE;
                long lost = 0;
                for (Map.Entry<Gtid, Long> t : b.all.entrySet()) {
                    if (!committed.contains(t.getKey())) {
                        continue;
                    }
                    last = Math.max(last, t.getValue());
                    if (drHas.get(shard).contains(t.getKey())) {
                        newestHeld = Math.max(newestHeld, t.getValue());
                    } else {
                        lost++;
                    }
                }
                loss.put(shard, Math.max(0, last - newestHeld) / 1e6);
                missing.put(shard, lost);
            }
            String worst = loss.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
            RpoRound r = new RpoRound(round, cut, cutSeconds, quiet, statusBefore, metricBefore, metricAfter, loss.get(worst), worst, loss, missing,
                    metricAgeBefore, agrees);
            OUT.printf(Locale.ROOT, "round %d (receivers stopped %.1f s before the kill%s): status rpo before kill %s, metric before %s (collected %.1f s before),"
                            + " metric after %s; true loss %.3f s (%s), per shard %s, lost transactions %s%n", round, cutSeconds, quiet ? ", no status" : "",
                    fmt3(statusBefore), fmt3(metricBefore), metricAgeBefore, fmt3(metricAfter), r.trueLoss, worst, fmt3map(loss), missing);
            return r;
        } finally {
            if (w != null) {
                w.close();
            }
            if (!controllerClosed) {
                controller.close();
            }
            sb.down(false);
        }
    }

    static double after_(Map<String, Double> metrics, String name, String... labels) {
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            if (e.getKey().startsWith(name + "{") && Arrays.stream(labels).allMatch(e.getKey()::contains)) {
                return e.getValue();
            }
        }
        return Double.NaN;
    }

    /** A killed server's binlog: every transaction's original commit time (µs), and those mysqlbinlog read whole. */
    record BinlogRead(Map<Gtid, Long> all, Map<Gtid, Long> complete) {
    }

    static BinlogRead readBinlog(MysqlInstance db) throws Exception {
        List<String> files;
        try (Stream<Path> s = Files.list(db.dataDir())) {
            files = s.map(Path::toString).filter(f -> f.matches(".*/binlog\\.\\d+$")).sorted().toList();
        }
        Map<Gtid, Long> all = new LinkedHashMap<>();
        Map<Gtid, Long> complete = new LinkedHashMap<>();
        for (String file : files) {
            Process p = new ProcessBuilder(MysqlDistribution.obtain().mysqlbinlog().toString(), file).redirectErrorStream(true).start();
            Long pending = null;
            Gtid current = null;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    Matcher ts = TIMESTAMPS.matcher(line);
                    if (ts.find()) {
                        if (current != null) {
                            complete.put(current, all.get(current)); // the next GTID event: the previous one ended
                            current = null;
                        }
                        pending = Long.parseLong(ts.group(1));
                        continue;
                    }
                    Matcher g = GTID_NEXT.matcher(line);
                    if (g.find() && pending != null) {
                        current = Gtid.parse(g.group(1));
                        all.put(current, pending);
                        pending = null;
                        continue;
                    }
                    // the end of a transaction: an Xid event's COMMIT, an XA PREPARE / XA COMMIT / XA ROLLBACK, or DDL
                    if (current != null && (line.startsWith("COMMIT/*!*/;") || line.startsWith("XA PREPARE")
                            || line.startsWith("XA COMMIT") || line.startsWith("XA ROLLBACK"))) {
                        complete.put(current, all.get(current));
                        current = null;
                    }
                }
            }
            p.waitFor();
        }
        return new BinlogRead(all, complete);
    }

    // ------------------------------------------------------------------------------------------------------- helpers

    static BankWorkload workload(List<BankShard> prod, long seed) {
        return new BankWorkload(prod.subList(1, prod.size()), intOpt("accounts"), intOpt("threads"),
                Double.parseDouble(opt.get("rate")), seed).withCrossShard(0.5, 0.1, 0.5);
    }

    static List<BankShard> bank(Sandbox sandbox, Sandbox.Role role) {
        return sandbox.members(role).stream().map(m -> new BankShard(m.shard(), m.endpoint(),
                sandbox.credentials().adminUser(), sandbox.credentials().adminPassword())).toList();
    }

    record CliResult(int code, String out, double seconds) {
    }

    /** One drsp command line in this JVM, as a script runs it; its output goes to cli.log. */
    static synchronized CliResult cli(String conf, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.add("--config");
        a.add(conf);
        PrintStream o = System.out;
        PrintStream e = System.err;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        long t = System.nanoTime();
        int code;
        try (PrintStream p = new PrintStream(b, true, StandardCharsets.UTF_8)) {
            System.setOut(p);
            System.setErr(p);
            code = Drsp.run(a.toArray(String[]::new));
        } finally {
            System.setOut(o);
            System.setErr(e);
        }
        double s = (System.nanoTime() - t) / 1e9;
        String out = b.toString(StandardCharsets.UTF_8);
        if (!args[0].equals("status")) {
            cliLog.printf(Locale.ROOT, "$ drsp %s   [%.3f s, exit %d]%n%s%n", String.join(" ", args), s, code, out);
        }
        return new CliResult(code, out, s);
    }

    static CliResult must(String conf, String... args) {
        CliResult r = cli(conf, args);
        if (r.code != 0) {
            throw new IllegalStateException("drsp " + String.join(" ", args) + " exited " + r.code + ": " + r.out);
        }
        return r;
    }

    static final Pattern ERRANT = Pattern.compile("dr shard (\\S+) has transactions production does not \\(errant GTIDs ([^)]*)\\)");

    /**
     * {@code sync 1 --delay N}, retried when drsp refuses it for "errant" GTIDs that production does hold. Its
     * preflight inspects production and DR in parallel, so at delay 0 under traffic DR's gtid_executed can be read
     * after production's and hold a transaction production committed in between: a false divergence, seen once in
     * seven runs of this benchmark. Each such refusal is printed with the proof (production's gtid_executed holds the
     * GTIDs named).
     */
    static void sync(String conf, Sandbox sb, int delay) throws Exception {
        for (int attempt = 1; ; attempt++) {
            CliResult r = cli(conf, "sync", "1", "--delay", String.valueOf(delay));
            if (r.code == 0) {
                return;
            }
            Matcher m = ERRANT.matcher(r.out);
            if (attempt < 5 && m.find() && executed(sb.production(m.group(1)).instance()).containsAll(GtidSet.parse(m.group(2)))) {
                OUT.println("   drsp refused sync --delay " + delay + " for errant GTIDs " + m.group(2) + " on dr shard " + m.group(1)
                        + ", which production " + m.group(1) + " holds: a false divergence (DR read after production); again");
                continue;
            }
            throw new IllegalStateException("drsp sync 1 --delay " + delay + " exited " + r.code + ": " + r.out);
        }
    }

    static JsonNode status(String conf) throws Exception {
        return JSON.readTree(must(conf, "status", "1", "--json").out());
    }

    static Map<String, Double> scrape(int port) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        Map<String, Double> m = new LinkedHashMap<>();
        for (String line : r.body().split("\n")) {
            Matcher x = METRIC.matcher(line);
            if (!line.startsWith("#") && x.find()) {
                m.put(x.group(1) + (x.group(2) == null ? "" : x.group(2)), Double.parseDouble(x.group(3)));
            }
        }
        return m;
    }

    static GtidSet executed(MysqlInstance db) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT @@GLOBAL.gtid_executed")) {
            rs.next();
            return GtidSet.parse(rs.getString(1));
        }
    }

    static GtidSet setOf(java.util.Collection<Gtid> gtids) {
        GtidSet.Builder b = GtidSet.builder();
        gtids.forEach(b::add);
        return b.build();
    }

    static void exec(MysqlInstance db, String... sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    static String loadavg() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "?";
        }
    }

    static long nowMicros() {
        java.time.Instant i = java.time.Instant.now();
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }

    static int intOpt(String k) {
        return Integer.parseInt(opt.get(k));
    }

    static Double dbl(JsonNode n) {
        return n == null || n.isMissingNode() || n.isNull() ? null : n.asDouble();
    }

    static String fmt(Double d) {
        return d == null ? "null" : String.format(Locale.ROOT, "%.2f", d);
    }

    static String fmt0(Double d) {
        return d == null ? "null" : String.format(Locale.ROOT, "%.0f", d);
    }

    static String fmt3(Double d) {
        return d == null ? "null" : String.format(Locale.ROOT, "%.3f", d);
    }

    static String fmt3map(Map<String, Double> m) {
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append(' ').append(fmt3(v)));
        return b.toString();
    }

    static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
