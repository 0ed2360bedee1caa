import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.cli.Drsp;
import io.drsp.core.config.DrspConfig;
import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.MysqlInstance;
import io.drsp.sandbox.Sandbox;
import io.drsp.sandbox.bank.BankSchema;
import io.drsp.sandbox.bank.BankShard;
import io.drsp.sandbox.bank.BankTotals;
import io.drsp.sandbox.bank.BankWorkload;
import io.drsp.sandbox.bank.XaJournal;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A compressed soak of drsp: does anything grow with time, runbooks or status calls?
 *
 * <p>A sandbox (production + DR cluster 1: meta + {@code shards} data shards, {@code replicas} local replicas per DR
 * shard, the control database; relay log files rotated at {@code relayLogSize} so that weeks of relay rotation happen in
 * hours) runs the bank workload with cross-shard XA on production for the whole run. The controller runs as its own
 * process, started as scripts start it ({@code drsp controller --daemon}, agents inside it), so its memory, threads,
 * descriptors and connections are its own. A second JVM calls {@code drsp status 1 --json} (the CLI's own code,
 * {@link Drsp#run}) every {@code statusEvery} seconds for the whole run, as monitoring scripts do.
 *
 * <p>Cycles until {@code minutes} have passed: {@code sync --delay D1} for {@code sync}/2 s, the delay changed in place
 * ({@code sync --delay D2}) for another {@code sync}/2 s, then {@code stopsync}, {@code relaytime --all} (odd cycles) or
 * {@code --time} (a third into the recoverable window; even cycles), {@code recover} (the DR bank checked: balances,
 * no torn cross-shard transfer, nothing prepared), {@code service}, drill traffic on DR for {@code drillSeconds},
 * {@code stopservice}, {@code flashback}, {@code purge}; and a last sync phase at the end. Production writes all along.
 *
 * <p>Every {@code sample} s: the controller's {@code /metrics} (heap after a {@code jcmd GC.run}, non-heap, threads,
 * open fds, RSS), its TCP connections to each MySQL instance (its sockets in /proc matched to the instances' ports),
 * MySQL's own count of connections per user on every instance, each DR member's Relay_Log_Space, relay log files (the
 * index, the files on disk, and those before the applier's file: applied ones, which MySQL purges when relay_log_purge
 * is ON), relay_log_purge, rows in drsp.event_journal and drsp.snapshot, status calls made and their latency.
 *
 * <p>Assertions (exit code 1, each violation named): relay_log_purge ON on every DR member in every sample taken in a
 * steady SYNC; at most {@code appliedFilesBound} applied relay files kept per member in those samples; controller threads, fds, connections and
 * heap after GC not higher in the last quarter of the steady SYNC samples after the first cycle than in the first
 * quarter (margins in {@link #flat}); every journal row written while a runbook command ran (or within
 * {@code settle} s of its end), none while only status calls, heartbeats and traffic ran; snapshot rows bounded.
 *
 * <p>Run from the repository root: {@code bench/soak/run.sh [key=value ...]} (see run.sh).
 */
public class SoakBench {
    static final PrintStream OUT = System.out;
    static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern METRIC = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})?\\s+(\\S+)");
    static final Pattern ERRANT = Pattern.compile("dr shard (\\S+) has transactions production does not \\(errant GTIDs ([^)]*)\\)");
    static final DateTimeFormatter TARGET = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");
    static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    static Map<String, String> opt = new LinkedHashMap<>();
    static Path dir;
    static PrintStream cliLog;
    static Sandbox sb;
    static String conf;
    static long t0Millis;

    /** What the main thread is doing; a sample is "steady" when the same phase held from its start to its end. */
    static volatile String phase = "setup";
    static final AtomicLong phaseSeq = new AtomicLong();
    static volatile int cycle;
    static volatile int cyclesDone;

    record Cmd(int cycle, String line, int code, double seconds, long startMillis, long endMillis, long rowsBefore, long rowsAfter) {
    }

    static final List<Cmd> commands = new CopyOnWriteArrayList<>();

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("statusloop")) {
            statusLoop(args[1], Path.of(args[2]), Long.parseLong(args[3]));
            return;
        }
        opt.put("minutes", "15");       // how long cycles are started for (the last one and a final sync phase follow)
        opt.put("sync", "120");         // seconds of delayed sync per cycle, half before the delay change, half after
        opt.put("delays", "30,90,60");  // cycle i syncs at delays[i % n], then changes in place to delays[(i + 1) % n]
        opt.put("rate", "60");          // production bank transfers per second (half cross-shard XA)
        opt.put("threads", "2");
        opt.put("accounts", "40");      // per data shard
        opt.put("shards", "2");
        opt.put("replicas", "1");       // local replicas per DR shard
        opt.put("relayLogSize", "1M");  // max_relay_log_size of every member: relay files rotate every few seconds
        opt.put("drillSeconds", "15");  // drill traffic on DR in service
        opt.put("drillRate", "30");
        opt.put("sample", "30");        // seconds between samples
        opt.put("statusEvery", "1");    // seconds between status calls
        opt.put("gc", "true");          // jcmd <controller> GC.run before each heap sample
        opt.put("settle", "5");         // seconds after a command in which its runbook's last events may still land
        // Applied relay files a DR member may keep in SYNC with relay_log_purge ON. MySQL's multi-threaded applier (the
        // default in 8.0) purges only the index's first file, once per relay file it finishes, and only up to its last
        // checkpoint: one applied file lags behind in steady state; a RESET REPLICA + START REPLICA (a drill's purge on
        // each local replica) leaves two (the new empty file and the receiver's first), which then lag one for one.
        // More than this, or a count that rises from cycle to cycle, is accumulation.
        opt.put("appliedFilesBound", "2");
        for (String a : args) {
            String[] kv = a.split("=", 2);
            if (kv.length != 2 || !opt.containsKey(kv[0])) {
                throw new IllegalArgumentException("unknown argument " + a + "; known: " + opt.keySet());
            }
            opt.put(kv[0], kv[1]);
        }
        dir = Path.of("target/bench-soak").toAbsolutePath();
        Files.createDirectories(dir);
        cliLog = new PrintStream(Files.newOutputStream(dir.resolve("cli.log")), true, StandardCharsets.UTF_8);
        int exit;
        try {
            exit = run();
        } catch (Throwable t) {
            OUT.println("the soak itself broke: " + t);
            t.printStackTrace(OUT);
            exit = 2;
        } finally {
            teardown();
        }
        System.exit(exit); // the bank workload's and the JDBC driver's leftover threads
    }

    // ------------------------------------------------------------------------------------------------------ the run

    static Process statusProc;
    static Sampler sampler;
    static BankWorkload production;
    static boolean controllerStarted;
    static long controllerPid;
    static final List<String> failures = new ArrayList<>();
    static final List<String> notes = new ArrayList<>();
    static String loadStart;
    static String loadEnd;
    static String startedAt;

    static int run() throws Exception {
        loadStart = loadavg();
        startedAt = Instant.now().toString();
        OUT.println("options: " + opt + "; load average " + loadStart);
        Map<String, String> settings = Map.of("max-relay-log-size", opt.get("relayLogSize"));
        sb = Sandbox.upReplacing(dir.resolve("sandbox"), new Sandbox.Options("1", intOpt("shards"), intOpt("replicas"), settings),
                s -> { });
        Runtime.getRuntime().addShutdownHook(new Thread(SoakBench::teardown, "soak-teardown"));
        conf = sb.configFile().toString();
        DrspConfig cfg = DrspConfig.load(sb.configFile());
        must("controller", "--daemon");
        controllerStarted = true;
        controllerPid = Long.parseLong(Files.readString(cfg.home().resolve("controller.pid")).trim());
        int metricsPort = cfg.controller().metrics().port();
        OUT.println("sandbox up in " + sb.dir() + ", controller pid " + controllerPid + ", metrics on port " + metricsPort);

        List<BankShard> prod = bank(Sandbox.Role.PRODUCTION);
        BankSchema.create(prod.get(0), prod.subList(1, prod.size()), intOpt("accounts"));
        production = new BankWorkload(prod.subList(1, prod.size()), intOpt("accounts"), intOpt("threads"),
                Double.parseDouble(opt.get("rate")), 1).withCrossShard(0.5, 0.1, 0.5).start();

        Path statusFile = dir.resolve("status-calls.txt");
        Files.deleteIfExists(statusFile);
        Files.createFile(statusFile);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        if (System.getProperty("logback.configurationFile") != null) {
            cmd.add("-Dlogback.configurationFile=" + System.getProperty("logback.configurationFile"));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Path.of("bench/soak/SoakBench.java").toAbsolutePath().toString(),
                "statusloop", conf, statusFile.toString(), String.valueOf(Math.round(Double.parseDouble(opt.get("statusEvery")) * 1000))));
        statusProc = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("statusloop.log").toFile())).start();

        t0Millis = System.currentTimeMillis();
        sampler = new Sampler(metricsPort, statusFile);
        sampler.start();

        List<Integer> delays = Arrays.stream(opt.get("delays").split(",")).map(String::trim).map(Integer::parseInt).toList();
        long deadline = t0Millis + Long.parseLong(opt.get("minutes")) * 60_000L;
        int half = intOpt("sync") / 2;
        long lastCycleMillis = (intOpt("sync") + intOpt("drillSeconds") + 90) * 1000L; // a guess until one was measured
        for (int i = 0; System.currentTimeMillis() + lastCycleMillis <= deadline || i == 0; i++) {
            long start = System.currentTimeMillis();
            cycle = i + 1;
            int d1 = delays.get(i % delays.size());
            int d2 = delays.get((i + 1) % delays.size());
            OUT.printf(Locale.ROOT, "[%s] cycle %d: sync --delay %d, then %d%n", clock(), cycle, d1, d2);
            sync(d1);
            quiet(half);
            sync(d2);
            quiet(half);
            recoveryAndDrill(i);
            cyclesDone = cycle;
            lastCycleMillis = System.currentTimeMillis() - start;
            OUT.printf(Locale.ROOT, "[%s] cycle %d done in %.0f s%n", clock(), cycle, lastCycleMillis / 1000.0);
        }
        cycle = cyclesDone + 1;
        int dLast = delays.get(cyclesDone % delays.size());
        OUT.printf(Locale.ROOT, "[%s] final sync phase: sync --delay %d for %d s%n", clock(), dLast, half);
        sync(dLast);
        quiet(half);
        sampler.finish(); // a last sample, in SYNC
        loadEnd = loadavg();
        return report();
    }

    static void recoveryAndDrill(int i) throws Exception {
        must("stopsync", "1");
        if (i % 2 == 0) {
            must("relaytime", "1", "--all");
        } else {
            JsonNode f = JSON.readTree(cli("status", "1", "--json").out()).path("figures");
            long from = f.path("windowStartMicros").asLong();
            long to = f.path("windowEndMicros").asLong();
            if (from <= 0 || to <= from) {
                notes.add("cycle " + cycle + ": no recoverable window after stopsync (" + f + "); relaytime --all instead");
                must("relaytime", "1", "--all");
            } else {
                long at = from + (to - from) / 3;
                LocalDateTime t = LocalDateTime.ofInstant(Instant.ofEpochSecond(at / 1_000_000, (at % 1_000_000) * 1000),
                        DrspConfig.load(sb.configFile()).timeZone());
                must("relaytime", "1", "--time", TARGET.format(t));
            }
        }
        must("recover", "1");
        List<BankShard> dr = bank(Sandbox.Role.DR);
        BankTotals totals = BankTotals.read(dr.subList(1, dr.size()));
        XaJournal xa = XaJournal.read(dr.subList(1, dr.size()));
        if (!totals.holds() || !xa.torn().isEmpty() || xa.preparedBranches() != 0) {
            failures.add("cycle " + cycle + ": the DR bank after recover does not hold: " + totals + ", torn " + xa.torn()
                    + ", prepared branches " + xa.preparedBranches());
        }
        must("service", "1");
        setPhase("SERVICE");
        BankWorkload drill = new BankWorkload(dr.subList(1, dr.size()), intOpt("accounts"), 2, Double.parseDouble(opt.get("drillRate")),
                1000 + cycle).withCrossShard(0.5, 0, 0).start();
        Thread.sleep(intOpt("drillSeconds") * 1000L);
        drill.stop();
        must("stopservice", "1");
        must("flashback", "1");
        must("purge", "1");
    }

    /** Waits {@code seconds} in the phase the last command left (SYNC): only status calls, heartbeats and traffic run. */
    static void quiet(int seconds) throws InterruptedException {
        Thread.sleep(seconds * 1000L);
    }

    static void setPhase(String p) {
        phase = p;
        phaseSeq.incrementAndGet();
    }

    // ------------------------------------------------------------------------------------------------------ commands

    record CliResult(int code, String out, double seconds) {
    }

    /** One drsp command line in this JVM, as a script runs it; its output goes to cli.log. */
    static synchronized CliResult cli(String... args) {
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
        cliLog.printf(Locale.ROOT, "[%s] $ drsp %s   [%.3f s, exit %d]%n%s%n", clock(), String.join(" ", args), s, code, out);
        return new CliResult(code, out, s);
    }

    /** A runbook command: journal rows counted around it, the phase set to it while it runs. */
    static CliResult must(String... args) throws SQLException {
        boolean journaled = !args[0].equals("controller");
        setPhase("cmd:" + args[0]);
        long before = journaled ? journalRows() : 0;
        long start = System.currentTimeMillis();
        CliResult r = cli(args);
        long end = System.currentTimeMillis();
        long after = journaled ? journalRows() : 0;
        commands.add(new Cmd(cycle, String.join(" ", args), r.code, r.seconds, start, end, before, after));
        OUT.printf(Locale.ROOT, "[%s]   drsp %s: %.1f s, exit %d, journal +%d%n", clock(), String.join(" ", args), r.seconds, r.code, after - before);
        if (r.code != 0) {
            throw new IllegalStateException("drsp " + String.join(" ", args) + " exited " + r.code + ": " + r.out.trim());
        }
        return r;
    }

    /**
     * {@code sync 1 --delay N}, retried when drsp refuses it for "errant" GTIDs that production does hold: its
     * preflight reads production and DR in parallel, so under traffic DR can be read after production (see
     * bench/rpo-rto). Each such refusal is noted with the proof.
     */
    static void sync(int delay) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                must("sync", "1", "--delay", String.valueOf(delay));
                setPhase("SYNC");
                return;
            } catch (IllegalStateException e) {
                Matcher m = ERRANT.matcher(String.valueOf(e.getMessage()));
                if (attempt < 5 && m.find() && executed(sb.production(m.group(1)).instance()).containsAll(GtidSet.parse(m.group(2)))) {
                    notes.add("cycle " + cycle + ": drsp refused sync --delay " + delay + " for errant GTIDs " + m.group(2) + " on dr shard "
                            + m.group(1) + ", which production holds (a false divergence, DR read after production); retried");
                    continue;
                }
                throw e;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------ sampling

    record Relay(String member, long space, int indexFiles, int diskFiles, long diskBytes, int applied, Boolean purge,
                 String io, String sql) {
    }

    record Sample(double t, String at, int cycle, int cyclesDone, String phase, boolean steady, String drMode, String load1,
                  double heapRawMb, double heapMb, double nonHeapMb, double threads, double fds, double rssMb,
                  Map<String, Integer> ctlConns, int ctlConnsTotal, Map<String, Integer> mysqlConnsByUser,
                  long journalRows, long snapshotRows, long statusCalls, long statusFailures, Double statusP50, Double statusMax,
                  List<Relay> relay, long loopThreads, long loopRssKb, int benchConns, int loopConns) {
        /** drsp's admin user's connections MySQL counts on all instances that neither the controller nor this bench holds. */
        int otherAdminConns() {
            return mysqlConnsByUser.getOrDefault(sb.credentials().adminUser(), 0) - ctlConnsTotal - benchConns;
        }
    }

    static final List<Sample> samples = new CopyOnWriteArrayList<>();

    static final class Sampler extends Thread {
        final int metricsPort;
        final Path statusFile;
        final Map<String, Connection> conns = new HashMap<>();
        volatile boolean running = true;
        long statusOffset;
        long statusCalls;
        long statusFailures;
        final Object lock = new Object();

        Sampler(int metricsPort, Path statusFile) {
            super("soak-sampler");
            setDaemon(true);
            this.metricsPort = metricsPort;
            this.statusFile = statusFile;
        }

        @Override
        public void run() {
            long period = intOpt("sample") * 1000L;
            long next = System.currentTimeMillis();
            while (running) {
                try {
                    synchronized (lock) {
                        if (!running) {
                            break;
                        }
                        sampleOnce();
                    }
                } catch (Exception e) {
                    OUT.println("   sample failed: " + e);
                }
                next += period;
                long wait = next - System.currentTimeMillis();
                if (wait > 0) {
                    try {
                        Thread.sleep(wait);
                    } catch (InterruptedException e) {
                        break;
                    }
                } else {
                    next = System.currentTimeMillis();
                }
            }
        }

        void finish() throws Exception {
            running = false;
            interrupt();
            join(120_000);
            synchronized (lock) {
                sampleOnce();
            }
            conns.values().forEach(c -> {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // closing
                }
            });
        }

        void sampleOnce() throws Exception {
            long seq = phaseSeq.get();
            String ph = phase;
            long t = System.currentTimeMillis();
            Map<String, Double> raw = scrape(metricsPort);
            if (Boolean.parseBoolean(opt.get("gc"))) {
                jcmdGc(controllerPid);
            }
            Map<String, Double> m = scrape(metricsPort);
            String drMode = "?";
            for (Map.Entry<String, Double> e : m.entrySet()) {
                if (e.getKey().startsWith("drsp_mode_info{") && e.getKey().contains("site=\"dr\"") && e.getValue() == 1.0) {
                    Matcher x = Pattern.compile("mode=\"([^\"]*)\"").matcher(e.getKey());
                    if (x.find()) {
                        drMode = x.group(1);
                    }
                }
            }
            Map<Integer, Integer> byPort = connections(controllerPid);
            Map<Integer, Integer> benchByPort = connections(ProcessHandle.current().pid());
            Map<Integer, Integer> loopByPort = connections(statusProc.pid());
            int benchConns = 0;
            int loopConns = 0;
            Map<String, Integer> ctl = new TreeMap<>();
            int ctlTotal = 0;
            Map<String, Integer> byUser = new TreeMap<>();
            List<Relay> relay = new ArrayList<>();
            for (Sandbox.Member member : sb.members()) {
                int n = byPort.getOrDefault(member.instance().port(), 0);
                benchConns += benchByPort.getOrDefault(member.instance().port(), 0);
                loopConns += loopByPort.getOrDefault(member.instance().port(), 0);
                ctl.put(member.name(), n);
                ctlTotal += n;
                Connection c = conn(member);
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                        // client connections only: a replica's receiver, applier and workers are FOREGROUND threads too,
                        // under the user that started replication (drsp's admin), but they are MySQL's, not connections
                        "SELECT PROCESSLIST_USER, COUNT(*) FROM performance_schema.threads WHERE NAME = 'thread/sql/one_connection'"
                                + " AND PROCESSLIST_USER IS NOT NULL GROUP BY PROCESSLIST_USER")) {
                    while (rs.next()) {
                        byUser.merge(rs.getString(1), rs.getInt(2), Integer::sum);
                    }
                }
                if (member.role() == Sandbox.Role.DR || member.role() == Sandbox.Role.DR_REPLICA) {
                    relay.add(relay(member, c));
                }
            }
            long journal;
            long snapshots;
            Connection control = conn(sb.control());
            try (Statement st = control.createStatement();
                 ResultSet rs = st.executeQuery("SELECT (SELECT COUNT(*) FROM drsp.event_journal), (SELECT COUNT(*) FROM drsp.snapshot)")) {
                rs.next();
                journal = rs.getLong(1);
                snapshots = rs.getLong(2);
            }
            List<Double> latencies = new ArrayList<>();
            try (var ch = Files.newByteChannel(statusFile, StandardOpenOption.READ)) {
                ch.position(statusOffset);
                byte[] buf = new byte[(int) Math.max(0, ch.size() - statusOffset)];
                java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(buf);
                while (bb.hasRemaining() && ch.read(bb) > 0) {
                    // reading what the status loop appended since the last sample
                }
                String s = new String(buf, StandardCharsets.UTF_8);
                int lastNl = s.lastIndexOf('\n');
                if (lastNl >= 0) {
                    statusOffset += s.substring(0, lastNl + 1).getBytes(StandardCharsets.UTF_8).length;
                    for (String line : s.substring(0, lastNl).split("\n")) {
                        String[] f = line.trim().split(" ");
                        if (f.length == 3) {
                            statusCalls++;
                            latencies.add(Double.parseDouble(f[1]));
                            if (!f[2].equals("0")) {
                                statusFailures++;
                            }
                        }
                    }
                }
            }
            latencies.sort(null);
            boolean steady = seq == phaseSeq.get() && ph.equals(phase);
            Sample s = new Sample((t - t0Millis) / 1000.0, CLOCK.format(Instant.ofEpochMilli(t)), cycle, cyclesDone, ph, steady, drMode,
                    loadavg().split(" ")[0], mb(metric(raw, "jvm_memory_used_bytes", "area=\"heap\"")), mb(metric(m, "jvm_memory_used_bytes", "area=\"heap\"")),
                    mb(metric(m, "jvm_memory_used_bytes", "area=\"nonheap\"")), metric(m, "jvm_threads_current"), metric(m, "process_open_fds"),
                    mb(metric(m, "process_resident_memory_bytes")), ctl, ctlTotal, byUser, journal, snapshots, statusCalls, statusFailures,
                    latencies.isEmpty() ? null : latencies.get(latencies.size() / 2), latencies.isEmpty() ? null : latencies.get(latencies.size() - 1),
                    relay, procStatus(statusProc, "Threads:"), procStatus(statusProc, "VmRSS:"), benchConns, loopConns);
            samples.add(s);
            OUT.printf(Locale.ROOT, "[%s]   sample t=%.0f s %s%s mode %s: heap %.1f MB, threads %.0f, fds %.0f, rss %.0f MB, ctl conns %d,"
                            + " journal %d, snapshots %d, status calls %d (%d failed), relay files %s%n", s.at, s.t, ph, steady ? "" : " (changing)", drMode,
                    s.heapMb, s.threads, s.fds, s.rssMb, ctlTotal, journal, snapshots, statusCalls, statusFailures, relayFiles(s));
        }

        Connection conn(Sandbox.Member member) throws SQLException {
            Connection c = conns.get(member.name());
            if (c != null && c.isValid(2)) {
                return c;
            }
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // replaced
                }
            }
            c = member.instance().connect();
            conns.put(member.name(), c);
            return c;
        }
    }

    static Relay relay(Sandbox.Member member, Connection c) throws Exception {
        String indexPath;
        Boolean purge;
        String datadir;
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT @@GLOBAL.relay_log_index, @@GLOBAL.relay_log_purge, @@GLOBAL.datadir")) {
            rs.next();
            indexPath = rs.getString(1);
            purge = rs.getBoolean(2);
            datadir = rs.getString(3);
        }
        long space = -1;
        String current = null;
        String io = "-";
        String sql = "-";
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW REPLICA STATUS")) {
            if (rs.next()) {
                space = rs.getLong("Relay_Log_Space");
                current = rs.getString("Relay_Log_File");
                io = rs.getString("Replica_IO_Running");
                sql = rs.getString("Replica_SQL_Running");
            }
        }
        Path data = Path.of(datadir);
        Path index = data.resolve(indexPath);
        List<String> files = Files.exists(index) ? Files.readAllLines(index).stream().filter(l -> !l.isBlank())
                .map(l -> Path.of(l).getFileName().toString()).toList() : List.of();
        int applied = current == null ? -1 : files.indexOf(current);
        String base = index.getFileName().toString().replaceFirst("\\.index$", "");
        int disk = 0;
        long bytes = 0;
        try (Stream<Path> s = Files.list(index.getParent())) {
            for (Path p : s.filter(p -> p.getFileName().toString().matches(Pattern.quote(base) + "\\.\\d{6}")).toList()) {
                disk++;
                bytes += Files.size(p);
            }
        } catch (java.nio.file.NoSuchFileException vanished) {
            // purged while listed
        }
        return new Relay(member.name(), space, files.size(), disk, bytes, applied, purge, io, sql);
    }

    static String shortName(String member) {
        return member.replaceFirst("^dr-1-", "");
    }

    static String relayFiles(Sample s) {
        StringBuilder b = new StringBuilder();
        for (Relay r : s.relay) {
            b.append(b.length() == 0 ? "" : " ").append(shortName(r.member)).append('=').append(r.indexFiles)
                    .append(r.applied > 0 ? "(" + r.applied + " applied)" : "").append(Boolean.TRUE.equals(r.purge) ? "" : "[purge OFF]");
        }
        return b.toString();
    }

    /**
     * A process's (the controller's) established TCP connections per remote port: its sockets (/proc/PID/fd) found in the kernel's
     * TCP tables (/proc/net/tcp, tcp6). Every MySQL instance of the sandbox listens on its own loopback port.
     */
    static Map<Integer, Integer> connections(long pid) throws Exception {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (java.io.IOException closed) {
                    // closed meanwhile
                }
            }
        }
        Map<Integer, Integer> byPort = new HashMap<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Path.of(table);
            if (!Files.exists(p)) {
                continue;
            }
            List<String> lines = Files.readAllLines(p);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[3].equals("01") && inodes.contains(f[9])) {
                    int port = Integer.parseInt(f[2].substring(f[2].indexOf(':') + 1), 16);
                    byPort.merge(port, 1, Integer::sum);
                }
            }
        }
        return byPort;
    }

    /** A number from /proc/PID/status (Threads:, VmRSS: in kB) of a child process; -1 when gone. */
    static long procStatus(Process p, String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(p.pid()), "status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (Exception e) {
            // gone
        }
        return -1;
    }

    static void jcmdGc(long pid) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), String.valueOf(pid), "GC.run")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    // -------------------------------------------------------------------------------------------------- status loop

    /**
     * The child JVM: {@code drsp status 1 --json} through the CLI's code every {@code everyMs}, one line per call
     * ({@code epochMillis latencyMillis exitCode}) appended to {@code out}, until killed.
     */
    static void statusLoop(String conf, Path out, long everyMs) throws Exception {
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        PrintStream log = System.out;
        System.setOut(sink);
        System.setErr(sink);
        long next = System.currentTimeMillis();
        try (var w = Files.newBufferedWriter(out, StandardOpenOption.APPEND)) {
            while (true) {
                long t = System.nanoTime();
                int code;
                try {
                    code = Drsp.run("status", "1", "--json", "--config", conf);
                } catch (RuntimeException e) {
                    log.println("status call threw " + e);
                    code = 99;
                }
                w.write(System.currentTimeMillis() + " " + String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t) / 1e6) + " " + code + "\n");
                w.flush();
                next += everyMs;
                long wait = next - System.currentTimeMillis();
                if (wait > 0) {
                    Thread.sleep(wait);
                } else {
                    next = System.currentTimeMillis();
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------ teardown

    static boolean tornDown;

    static synchronized void teardown() {
        if (tornDown) {
            return;
        }
        tornDown = true;
        if (sampler != null && sampler.isAlive()) {
            sampler.running = false;
            sampler.interrupt();
        }
        if (statusProc != null) {
            statusProc.destroy();
            try {
                if (!statusProc.waitFor(20, TimeUnit.SECONDS)) {
                    statusProc.destroyForcibly();
                }
            } catch (InterruptedException ignored) {
                statusProc.destroyForcibly();
            }
        }
        if (production != null) {
            try {
                production.stop();
            } catch (RuntimeException e) {
                OUT.println("production workload: " + e);
            }
        }
        if (sb != null) {
            if (controllerStarted) {
                try {
                    cli("controller", "--stop");
                } catch (RuntimeException e) {
                    OUT.println("controller --stop: " + e);
                }
            }
            // the controller's logs outlive the sandbox, which down() deletes
            try {
                Path logs = sb.dir().resolve("state/logs");
                if (Files.isDirectory(logs)) {
                    try (Stream<Path> s = Files.list(logs)) {
                        for (Path p : s.toList()) {
                            Files.copy(p, dir.resolve("controller-" + p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                }
            } catch (Exception e) {
                OUT.println("copying the controller's logs: " + e);
            }
            // and so do the servers' error logs: a mysqld that died mid-run (12:09 on 2026-12-03) left no word otherwise
            for (var m : sb.members()) {
                try {
                    Path log = m.instance().errorLog();
                    if (Files.exists(log)) {
                        Files.createDirectories(dir.resolve("mysqld-logs"));
                        Files.copy(log, dir.resolve("mysqld-logs/" + m.name() + ".err"), StandardCopyOption.REPLACE_EXISTING);
                    }
                } catch (Exception e) {
                    OUT.println("copying " + m.name() + "'s error log: " + e);
                }
            }
            try {
                sb.down(false);
                OUT.println("sandbox down");
            } catch (RuntimeException e) {
                OUT.println("sandbox down failed: " + e);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------- report

    static int report() throws Exception {
        List<String> out = new ArrayList<>();
        writeCsv();
        // ---- assertions
        List<Sample> steadySync = samples.stream().filter(s -> s.steady && s.phase.equals("SYNC") && s.drMode.equals("SYNC")).toList();
        for (Sample s : steadySync) {
            for (Relay r : s.relay) {
                if (!Boolean.TRUE.equals(r.purge)) {
                    failures.add(String.format(Locale.ROOT, "relay_log_purge is OFF on %s at t=%.0f s (%s, cycle %d) in SYNC", r.member, s.t, s.at, s.cycle));
                }
                if (r.applied > intOpt("appliedFilesBound")) {
                    failures.add(String.format(Locale.ROOT, "%s keeps %d applied relay log files at t=%.0f s (%s, cycle %d) in SYNC"
                            + " (index %d files, on disk %d, Relay_Log_Space %d)", r.member, r.applied, s.t, s.at, s.cycle, r.indexFiles, r.diskFiles, r.space));
                }
                if (r.diskFiles > r.indexFiles + 1) {
                    failures.add(String.format(Locale.ROOT, "%s has %d relay files on disk but %d in its index at t=%.0f s (%s)", r.member, r.diskFiles,
                            r.indexFiles, s.t, s.at));
                }
            }
        }
        if (steadySync.isEmpty()) {
            failures.add("no sample was taken in a steady SYNC: nothing checked");
        }
        List<Sample> afterWarmup = steadySync.stream().filter(s -> s.cyclesDone >= 1).toList();
        String flatNote;
        if (afterWarmup.size() >= 4) {
            flat(afterWarmup, "controller threads", Sample::threads, 0.10, 3);
            flat(afterWarmup, "controller open fds", Sample::fds, 0.10, 5);
            flat(afterWarmup, "controller MySQL connections", s -> s.ctlConnsTotal, 0.0, 2);
            flat(afterWarmup, "drsp admin connections held by neither the controller nor the bench", s -> s.otherAdminConns(), 0.0, 2);
            flat(afterWarmup, "controller heap after GC (MB)", Sample::heapMb, 0.30, 10);
            flatNote = "compared over the " + afterWarmup.size() + " steady SYNC samples after the first cycle";
        } else {
            flatNote = "not compared: only " + afterWarmup.size() + " steady SYNC samples after the first cycle (4 needed)";
            notes.add("threads, fds, connections and heap " + flatNote);
        }
        // ---- journal: every row within a command (or its settle time)
        long settle = intOpt("settle") * 1000L;
        long firstOrdering;
        List<long[]> rows = new ArrayList<>(); // ordering, write_timestamp
        Map<String, Integer> byManifest = new TreeMap<>();
        List<String> unattributed = new ArrayList<>();
        try (Connection c = sb.control().instance().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT ordering, write_timestamp, event_ser_manifest, persistence_id FROM drsp.event_journal ORDER BY ordering")) {
            while (rs.next()) {
                long ts = rs.getLong(2);
                String manifest = rs.getString(3).replaceFirst(".*[.$]", "");
                byManifest.merge(manifest, 1, Integer::sum);
                rows.add(new long[] {rs.getLong(1), ts});
                boolean within = commands.stream().anyMatch(cmd -> ts >= cmd.startMillis - 1000 && ts <= cmd.endMillis + settle);
                if (!within) {
                    unattributed.add(manifest + " (" + rs.getString(4) + ") written at " + CLOCK.format(Instant.ofEpochMilli(ts)));
                }
            }
        }
        firstOrdering = rows.isEmpty() ? 0 : rows.get(0)[0];
        if (!unattributed.isEmpty()) {
            failures.add(unattributed.size() + " journal rows were written outside every runbook command: "
                    + String.join("; ", unattributed.subList(0, Math.min(10, unattributed.size()))));
        }
        long maxSnapshots = samples.stream().mapToLong(Sample::snapshotRows).max().orElse(0);
        if (maxSnapshots > 3) {
            failures.add("drsp.snapshot grew to " + maxSnapshots + " rows (retention keeps 2 per entity)");
        }
        Sample last = samples.get(samples.size() - 1);
        if (last.statusFailures > 0) {
            notes.add(last.statusFailures + " of " + last.statusCalls + " status calls failed (see target/bench-soak/statusloop.log)");
        }
        // quiet windows: between a command's end + settle and the next command's start
        long quietRows = 0;
        long quietCalls = 0;
        double quietSeconds = 0;
        for (int i = 1; i < commands.size(); i++) {
            Cmd prev = commands.get(i - 1);
            Cmd next = commands.get(i);
            long from = prev.endMillis + settle;
            long to = next.startMillis;
            if (to <= from) {
                continue;
            }
            quietSeconds += (to - from) / 1000.0;
            quietRows += rows.stream().filter(r -> r[1] > from && r[1] < to).count();
        }
        quietCalls = statusCallsBetweenCommands(settle);

        // ---- the report
        out.add("## Run of " + startedAt);
        out.add("");
        out.add("- command: `" + System.getProperty("soak.command", "bench/soak/RunSoak.java") + "` (options " + opt + ")");
        out.add("- drsp commit: " + System.getProperty("soak.commit", "?"));
        out.add("- machine: " + Runtime.getRuntime().availableProcessors() + " cores; load average at start " + loadStart + ", at end " + loadEnd);
        out.add(String.format(Locale.ROOT, "- %.1f minutes sampled, %d cycles done (sync, delay change, stopsync, relaytime, recover, service,"
                + " drill traffic, stopservice, flashback, purge), %d runbook commands, %d status calls (%d failed), %d samples",
                last.t / 60, cyclesDone, commands.size() - 1, last.statusCalls, last.statusFailures, samples.size()));
        out.add("- topology: production and DR cluster 1 (meta + " + opt.get("shards") + " shards, " + opt.get("replicas")
                + " local replica per DR shard), control database; max_relay_log_size " + opt.get("relayLogSize")
                + "; controller as its own process (`drsp controller --daemon`, -Xmx512m, agents inside it), pid " + controllerPid);
        out.add("");
        out.add(failures.isEmpty() ? "**Result: every assertion held.**" : "**Result: " + failures.size() + " assertion(s) violated:**");
        for (String f : failures) {
            out.add("- VIOLATED: " + f);
        }
        out.add("");
        out.add("### Reading: first vs last, slope");
        out.add("");
        out.add("Steady SYNC samples only (the same phase from a sample's start to its end, DR mode SYNC): " + steadySync.size()
                + " of " + samples.size() + ". Slope: least squares over those samples, per hour.");
        out.add("");
        out.add("| series | first | last | min | max | slope per hour | first-quarter median | last-quarter median (after cycle 1) |");
        out.add("|---|---|---|---|---|---|---|---|");
        addSeries(out, "controller heap after GC, MB", steadySync, afterWarmup, Sample::heapMb);
        addSeries(out, "controller non-heap, MB", steadySync, afterWarmup, Sample::nonHeapMb);
        addSeries(out, "controller threads", steadySync, afterWarmup, Sample::threads);
        addSeries(out, "controller open fds", steadySync, afterWarmup, Sample::fds);
        addSeries(out, "controller RSS, MB", steadySync, afterWarmup, Sample::rssMb);
        addSeries(out, "controller MySQL connections (all instances)", steadySync, afterWarmup, s -> s.ctlConnsTotal);
        addSeries(out, "admin connections held by neither controller nor bench (MySQL's count)", steadySync, afterWarmup, s -> s.otherAdminConns());
        addSeries(out, "bench JVM's MySQL connections (workload, sampler)", steadySync, afterWarmup, s -> s.benchConns);
        addSeries(out, "relay log files, all DR members", steadySync, afterWarmup, s -> s.relay.stream().mapToInt(Relay::indexFiles).sum());
        addSeries(out, "applied relay files kept, all DR members", steadySync, afterWarmup, s -> s.relay.stream().mapToInt(r -> Math.max(0, r.applied)).sum());
        addSeries(out, "Relay_Log_Space, all DR members, MB", steadySync, afterWarmup, s -> mb(s.relay.stream().mapToLong(Relay::space).sum()));
        addSeries(out, "journal rows", steadySync, afterWarmup, s -> s.journalRows);
        addSeries(out, "snapshot rows", steadySync, afterWarmup, s -> s.snapshotRows);
        addSeries(out, "status call latency p50 in the interval, ms", steadySync, afterWarmup, s -> s.statusP50 == null ? Double.NaN : s.statusP50);
        addSeries(out, "status-loop JVM threads (the CLI's side)", steadySync, afterWarmup, s -> s.loopThreads);
        out.add("");
        out.add("Flat checks " + flatNote + ". Controller connections per instance at the last sample: " + last.ctlConns
                + "; MySQL's count of connections per user over all instances (drsp's admin user is also the bench's: its workload and"
                + " sampler): first " + samples.get(0).mysqlConnsByUser + ", last " + last.mysqlConnsByUser + "; of the admin user's, the"
                + " controller held " + samples.get(0).ctlConnsTotal + " then " + last.ctlConnsTotal + ", the bench JVM " + samples.get(0).benchConns
                + " then " + last.benchConns + ", the status-loop JVM " + samples.get(0).loopConns + " then " + last.loopConns + ", nobody else "
                + samples.get(0).otherAdminConns() + " then " + last.otherAdminConns() + ".");
        out.add("");
        out.add("### Journal");
        out.add("");
        out.add(String.format(Locale.ROOT, "%d rows at the end (ordering from %d), %d in drsp.snapshot at most. Between commands (from %d s after"
                        + " each command's end to the next one's start; %.0f s in all, %d status calls, heartbeats every second, production"
                        + " traffic, drill traffic on DR): %d rows written. Rows per runbook command (journal count after minus before):",
                rows.size(), firstOrdering, maxSnapshots, intOpt("settle"), quietSeconds, quietCalls, quietRows));
        out.add("");
        out.add("| command | runs | rows added min | rows added max | seconds median | seconds max |");
        out.add("|---|---|---|---|---|---|");
        Map<String, List<Cmd>> byCmd = new LinkedHashMap<>();
        for (Cmd c : commands) {
            if (!c.line.startsWith("controller")) {
                byCmd.computeIfAbsent(c.line.replaceAll(" --delay \\d+", " --delay D").replaceAll(" --time .*", " --time T"), k -> new ArrayList<>()).add(c);
            }
        }
        for (Map.Entry<String, List<Cmd>> e : byCmd.entrySet()) {
            List<Double> secs = e.getValue().stream().map(Cmd::seconds).sorted().toList();
            out.add(String.format(Locale.ROOT, "| %s | %d | %d | %d | %.1f | %.1f |", e.getKey(), e.getValue().size(),
                    e.getValue().stream().mapToLong(c -> c.rowsAfter - c.rowsBefore).min().orElse(0),
                    e.getValue().stream().mapToLong(c -> c.rowsAfter - c.rowsBefore).max().orElse(0), median(secs), secs.get(secs.size() - 1)));
        }
        out.add("");
        out.add("Rows by event type: " + byManifest);
        out.add("");
        for (String n : notes) {
            out.add("- note: " + n);
        }
        if (!notes.isEmpty()) {
            out.add("");
        }
        // ---- the time series
        out.add("### Samples");
        out.add("");
        out.add("Relay columns: DR members " + last.relay.stream().map(r -> shortName(r.member)).toList()
                + "; files = the relay log index's files (applied ones kept before the applier's file in parentheses when any); purge"
                + " = relay_log_purge per member (1 ON). Heap after a full GC (jcmd GC.run). Phase: what the bench was doing for the"
                + " whole sample (cmd:X while a command ran; * = it changed during the sample). Full series: target/bench-soak/samples.csv.");
        out.add("");
        out.add("| t min | time | cycles done | phase | DR mode | relay MB per member | relay files per member | purge | heap MB | threads | fds | RSS MB"
                + " | ctl conns | journal rows | status calls | load1 |");
        out.add("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        int step = Math.max(1, (int) Math.ceil(samples.size() / 60.0));
        for (int i = 0; i < samples.size(); i++) {
            if (i % step != 0 && i != samples.size() - 1) {
                continue;
            }
            Sample s = samples.get(i);
            out.add(String.format(Locale.ROOT, "| %.1f | %s | %d | %s%s | %s | %s | %s | %s | %.1f | %.0f | %.0f | %.0f | %d | %d | %d | %s |",
                    s.t / 60, s.at, s.cyclesDone, s.phase, s.steady ? "" : "*", s.drMode,
                    join(s.relay, r -> String.format(Locale.ROOT, "%.1f", mb(r.space))),
                    join(s.relay, r -> r.indexFiles + (r.applied > 0 ? "(" + r.applied + ")" : "")),
                    join(s.relay, r -> Boolean.TRUE.equals(r.purge) ? "1" : "0"),
                    s.heapMb, s.threads, s.fds, s.rssMb, s.ctlConnsTotal, s.journalRows, s.statusCalls, s.load1));
        }
        out.add("");
        out.add("### Plots (steady SYNC samples; x: minutes)");
        out.add("");
        out.add("```");
        out.addAll(plot("controller heap after GC, MB", steadySync, Sample::heapMb));
        out.addAll(plot("controller threads", steadySync, Sample::threads));
        out.addAll(plot("relay log files, all DR members", steadySync, s -> s.relay.stream().mapToInt(Relay::indexFiles).sum()));
        out.addAll(plot("journal rows (all samples)", samples, s -> s.journalRows));
        out.add("```");
        out.add("");
        Files.write(dir.resolve("report.md"), out);
        Files.write(dir.resolve("commands.csv"), commandsCsv());
        OUT.println();
        out.forEach(OUT::println);
        OUT.println("report: " + dir.resolve("report.md") + ", samples: " + dir.resolve("samples.csv"));
        return failures.isEmpty() ? 0 : 1;
    }

    static long statusCallsBetweenCommands(long settle) throws Exception {
        long n = 0;
        for (String line : Files.readAllLines(dir.resolve("status-calls.txt"))) {
            String[] f = line.trim().split(" ");
            if (f.length != 3) {
                continue;
            }
            long at = Long.parseLong(f[0]);
            boolean inQuiet = false;
            for (int i = 1; i < commands.size(); i++) {
                if (at > commands.get(i - 1).endMillis + settle && at < commands.get(i).startMillis) {
                    inQuiet = true;
                    break;
                }
            }
            if (inQuiet) {
                n++;
            }
        }
        return n;
    }

    /**
     * Last-quarter median against first-quarter median: a failure when it is higher by more than {@code relative} of
     * the first plus {@code absolute}.
     */
    static void flat(List<Sample> s, String what, ToDoubleFunction<Sample> f, double relative, double absolute) {
        double[] q = quarters(s, f);
        double allowed = q[0] * (1 + relative) + absolute;
        if (q[1] > allowed) {
            failures.add(String.format(Locale.ROOT, "%s grew: last-quarter median %.1f above first-quarter median %.1f (allowed up to %.1f)",
                    what, q[1], q[0], allowed));
        }
    }

    static double[] quarters(List<Sample> s, ToDoubleFunction<Sample> f) {
        int n = Math.max(1, s.size() / 4);
        List<Double> first = s.subList(0, n).stream().map(f::applyAsDouble).sorted().toList();
        List<Double> last = s.subList(s.size() - n, s.size()).stream().map(f::applyAsDouble).sorted().toList();
        return new double[] {median(first), median(last)};
    }

    static void addSeries(List<String> out, String name, List<Sample> s, List<Sample> afterWarmup, ToDoubleFunction<Sample> f) {
        List<Sample> valid = s.stream().filter(x -> !Double.isNaN(f.applyAsDouble(x))).toList();
        if (valid.isEmpty()) {
            out.add("| " + name + " | - | - | - | - | - | - | - |");
            return;
        }
        double[] q = afterWarmup.size() >= 4 ? quarters(afterWarmup, f) : new double[] {Double.NaN, Double.NaN};
        out.add(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f | %+.2f | %s | %s |", name, f.applyAsDouble(valid.get(0)),
                f.applyAsDouble(valid.get(valid.size() - 1)), valid.stream().mapToDouble(f).min().orElse(0), valid.stream().mapToDouble(f).max().orElse(0),
                slopePerHour(valid, f), Double.isNaN(q[0]) ? "-" : String.format(Locale.ROOT, "%.1f", q[0]),
                Double.isNaN(q[1]) ? "-" : String.format(Locale.ROOT, "%.1f", q[1])));
    }

    static double slopePerHour(List<Sample> s, ToDoubleFunction<Sample> f) {
        double n = s.size();
        if (n < 2) {
            return 0;
        }
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (Sample x : s) {
            double h = x.t / 3600;
            double y = f.applyAsDouble(x);
            sx += h;
            sy += y;
            sxx += h * h;
            sxy += h * y;
        }
        double den = n * sxx - sx * sx;
        return den == 0 ? 0 : (n * sxy - sx * sy) / den;
    }

    /** A small ASCII chart: 12 rows, one column per sample (at most 72, evenly picked). */
    static List<String> plot(String title, List<Sample> s, ToDoubleFunction<Sample> f) {
        List<String> out = new ArrayList<>();
        out.add(title);
        if (s.isEmpty()) {
            out.add("  (no samples)");
            out.add("");
            return out;
        }
        int cols = Math.min(72, s.size());
        double[] y = new double[cols];
        double[] x = new double[cols];
        for (int i = 0; i < cols; i++) {
            Sample p = s.get((int) Math.round(i * (s.size() - 1) / (double) Math.max(1, cols - 1)));
            y[i] = f.applyAsDouble(p);
            x[i] = p.t / 60;
        }
        double lo = Arrays.stream(y).min().orElse(0);
        double hi = Arrays.stream(y).max().orElse(0);
        if (hi - lo < 1e-9) {
            hi = lo + 1;
        }
        int rows = 12;
        for (int r = rows - 1; r >= 0; r--) {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%10.1f |", lo + (hi - lo) * r / (rows - 1)));
            for (int i = 0; i < cols; i++) {
                int level = (int) Math.round((y[i] - lo) / (hi - lo) * (rows - 1));
                b.append(level == r ? '*' : ' ');
            }
            out.add(b.toString());
        }
        out.add("           +" + "-".repeat(cols));
        out.add(String.format(Locale.ROOT, "            %.1f min%s%.1f min", x[0], " ".repeat(Math.max(1, cols - 18)), x[cols - 1]));
        out.add("");
        return out;
    }

    static String join(List<Relay> relay, java.util.function.Function<Relay, String> f) {
        return String.join("/", relay.stream().map(f).toList());
    }

    static void writeCsv() throws Exception {
        List<String> lines = new ArrayList<>();
        Sample first = samples.get(0);
        List<String> members = first.relay.stream().map(Relay::member).toList();
        List<String> all = new ArrayList<>(first.ctlConns.keySet());
        StringBuilder h = new StringBuilder("t_s,time,cycle,cycles_done,phase,steady,dr_mode,load1,heap_raw_mb,heap_after_gc_mb,nonheap_mb,threads,fds,rss_mb,"
                + "ctl_conns_total,journal_rows,snapshot_rows,status_calls,status_failures,status_p50_ms,status_max_ms,statusloop_threads,statusloop_rss_kb,bench_conns,statusloop_conns,other_admin_conns,mysql_conns_by_user");
        for (String m : all) {
            h.append(",ctl_conns_").append(m);
        }
        for (String m : members) {
            String s = shortName(m);
            h.append(",").append(s).append("_relay_log_space,").append(s).append("_relay_files_index,").append(s).append("_relay_files_disk,")
                    .append(s).append("_relay_bytes_disk,").append(s).append("_applied_files_kept,").append(s).append("_relay_log_purge,")
                    .append(s).append("_io,").append(s).append("_sql");
        }
        lines.add(h.toString());
        for (Sample s : samples) {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%.1f,%s,%d,%d,%s,%s,%s,%s,%.2f,%.2f,%.2f,%.0f,%.0f,%.1f,%d,%d,%d,%d,%d,%s,%s,%d,%d,%d,%d,%d,\"%s\"",
                    s.t, s.at, s.cycle, s.cyclesDone, s.phase, s.steady, s.drMode, s.load1, s.heapRawMb, s.heapMb, s.nonHeapMb, s.threads, s.fds, s.rssMb,
                    s.ctlConnsTotal, s.journalRows, s.snapshotRows, s.statusCalls, s.statusFailures, s.statusP50 == null ? "" : s.statusP50,
                    s.statusMax == null ? "" : s.statusMax, s.loopThreads, s.loopRssKb, s.benchConns, s.loopConns, s.otherAdminConns(), s.mysqlConnsByUser.toString().replace("\"", "")));
            for (String m : all) {
                b.append(',').append(s.ctlConns.getOrDefault(m, 0));
            }
            for (Relay r : s.relay) {
                b.append(',').append(r.space).append(',').append(r.indexFiles).append(',').append(r.diskFiles).append(',').append(r.diskBytes)
                        .append(',').append(r.applied).append(',').append(Boolean.TRUE.equals(r.purge) ? 1 : 0).append(',').append(r.io).append(',').append(r.sql);
            }
            lines.add(b.toString());
        }
        Files.write(dir.resolve("samples.csv"), lines);
    }

    static List<String> commandsCsv() {
        List<String> lines = new ArrayList<>();
        lines.add("cycle,command,exit,seconds,start,end,journal_rows_before,journal_rows_after");
        for (Cmd c : commands) {
            lines.add(String.format(Locale.ROOT, "%d,\"%s\",%d,%.3f,%s,%s,%d,%d", c.cycle, c.line, c.code, c.seconds,
                    CLOCK.format(Instant.ofEpochMilli(c.startMillis)), CLOCK.format(Instant.ofEpochMilli(c.endMillis)), c.rowsBefore, c.rowsAfter));
        }
        return lines;
    }

    // ------------------------------------------------------------------------------------------------------- helpers

    static List<BankShard> bank(Sandbox.Role role) {
        return sb.members(role).stream().map(m -> new BankShard(m.shard(), m.endpoint(),
                sb.credentials().adminUser(), sb.credentials().adminPassword())).toList();
    }

    static long journalRows() throws SQLException {
        try (Connection c = sb.control().instance().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM drsp.event_journal")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            if (e.getMessage() != null && e.getMessage().contains("doesn't exist")) {
                return 0; // before the controller's first start made it
            }
            throw e;
        }
    }

    static Map<String, Double> scrape(int port) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        Map<String, Double> m = new LinkedHashMap<>();
        for (String line : r.body().split("\n")) {
            Matcher x = METRIC.matcher(line);
            if (!line.startsWith("#") && x.find()) {
                try {
                    m.put(x.group(1) + (x.group(2) == null ? "" : x.group(2)), Double.parseDouble(x.group(3)));
                } catch (NumberFormatException ignored) {
                    // not a plain number
                }
            }
        }
        return m;
    }

    /** The sum of a metric's series whose labels contain every one of {@code labels}; NaN when there is none. */
    static double metric(Map<String, Double> m, String name, String... labels) {
        double sum = 0;
        boolean found = false;
        for (Map.Entry<String, Double> e : m.entrySet()) {
            String k = e.getKey();
            if ((k.equals(name) || k.startsWith(name + "{")) && Arrays.stream(labels).allMatch(k::contains)) {
                sum += e.getValue();
                found = true;
            }
        }
        return found ? sum : Double.NaN;
    }

    static GtidSet executed(MysqlInstance db) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT @@GLOBAL.gtid_executed")) {
            rs.next();
            return GtidSet.parse(rs.getString(1));
        }
    }

    static double mb(double bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    static String loadavg() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "?";
        }
    }

    static String clock() {
        return CLOCK.format(Instant.now());
    }

    static int intOpt(String k) {
        return Integer.parseInt(opt.get(k));
    }

    static double median(List<Double> sorted) {
        int n = sorted.size();
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
