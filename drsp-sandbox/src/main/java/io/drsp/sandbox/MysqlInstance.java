package io.drsp.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One real mysqld on a loopback port, with its own directory holding data, logs and the pid file. The pid file
 * outlives a crashed JVM, which is how {@link StaleInstances} finds servers nobody stops any more.
 */
public final class MysqlInstance {
    private static final Logger log = LoggerFactory.getLogger(MysqlInstance.class);
    private static final Duration START_DEADLINE = Duration.ofSeconds(120);
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(60);
    private static final Path NICE = Path.of("/usr/bin/nice");
    /** The CPU priority every sandbox mysqld runs at, below the controller's and agents' (0). */
    static final int NICENESS = 10;
    /** Fresh ports a first start tries when another process took the one it was given. */
    private static final int START_ATTEMPTS = 5;
    /** What mysqld writes when its TCP port or unix socket belongs to someone else (it then exits). */
    private static final List<String> ADDRESS_IN_USE = List.of("Bind on TCP/IP port", "Address already in use",
            "is using unix socket file", "Unable to setup unix socket lock file");
    /** What InnoDB writes when io_setup() finds fs.aio-max-nr used up (it then exits). */
    private static final List<String> AIO_EXHAUSTED = List.of("io_setup() failed with EAGAIN",
            "Cannot initialize AIO sub-system");

    /** What drsp requires of every member (DESIGN section 2), plus what keeps a sandbox light. */
    static final Map<String, String> REQUIRED_SETTINGS = orderedMap(
            "gtid-mode", "ON",
            "enforce-gtid-consistency", "ON",
            "binlog-format", "ROW",
            "binlog-row-image", "FULL",
            "binlog-row-metadata", "FULL",
            "binlog-row-value-options", "",
            "log-replica-updates", "ON",
            "log-bin", "binlog",
            "relay-log", "relay",
            "mysqlx", "OFF");

    static final Map<String, String> LIGHT_SETTINGS = orderedMap(
            "innodb-buffer-pool-size", "64M",
            "innodb-redo-log-capacity", "64M",
            // Each I/O thread reserves native AIO slots from the host-wide fs.aio-max-nr; with InnoDB's default of
            // four readers and four writers about 28 instances exhaust Linux's default 65536.
            "innodb-read-io-threads", "1",
            "innodb-write-io-threads", "1",
            // A process kill loses nothing with these (the OS keeps the written pages); only a host crash would.
            "innodb-flush-log-at-trx-commit", "2",
            "sync-binlog", "0",
            // performance_schema sized for a sandbox: with MySQL's defaults it took 200 of a mysqld's 360 MiB, which
            // is 10 GiB for the 52 servers of 16 shards with a replica each. drsp reads only its replication tables
            // and the tests its statement digests, which stay on; histories, per-account and per-thread summaries
            // and the error table are bounded (per-thread ones by thread instances, not max-connections).
            "performance-schema-max-table-instances", "400",
            "performance-schema-digests-size", "1000",
            "performance-schema-events-statements-history-long-size", "100",
            "performance-schema-events-stages-history-long-size", "100",
            "performance-schema-events-waits-history-long-size", "100",
            "performance-schema-events-transactions-history-long-size", "100",
            "performance-schema-accounts-size", "32",
            "performance-schema-hosts-size", "8",
            "performance-schema-users-size", "8",
            "performance-schema-error-size", "1000",
            "performance-schema-max-thread-instances", "200",
            // Connections cost memory only while open; the thread instances above cap what they reserve.
            "max-connections", "300",
            // MySQL's 8M MyISAM key cache goes unused and its 16M redo log buffer far exceeds a sandbox transfer.
            "key-buffer-size", "1M",
            "innodb-log-buffer-size", "4M",
            "character-set-server", "utf8mb4");

    private volatile Spec spec;
    private final MysqlDistribution dist;
    private volatile Process process;
    /**
     * True until the first successful start of an instance this JVM created: until then nobody (no drsp.conf, no
     * replication link) knows its port, so a port someone else took meanwhile may be swapped for a fresh one. Later
     * the port is part of the topology and a start on a taken port must fail instead.
     */
    private boolean portMayMove;

    /** A setting value that removes a default setting from the command line instead of overriding it. */
    public static final String DROP = "!";

    /** How to run one instance; {@code settings} override the defaults ({@link #DROP} removes one). */
    public record Spec(String name, Path dir, int port, int serverId, Map<String, String> settings) {
        public Spec {
            dir = dir.toAbsolutePath().normalize(); // mysqld resolves relative paths against its basedir, not our cwd
            settings = Map.copyOf(settings);
        }
    }

    private MysqlInstance(Spec spec, MysqlDistribution dist) {
        this.spec = spec;
        this.dist = dist;
    }

    /** A new instance: a copy of the template data directory, ready to {@link #start()}. */
    public static MysqlInstance create(MysqlDistribution dist, Spec spec) {
        DatadirTemplate template = DatadirTemplate.obtain(dist);
        try {
            if (Files.exists(spec.dir())) {
                throw new IllegalStateException("instance directory " + spec.dir() + " exists already");
            }
            Files.createDirectories(spec.dir().resolve("tmp"));
            template.copyTo(spec.dir().resolve("data"));
            MysqlInstance instance = new MysqlInstance(spec, dist);
            instance.portMayMove = true;
            instance.writeSpec();
            return instance;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create instance " + spec.name() + " in " + spec.dir(), e);
        }
    }

    /**
     * Creates and starts one standalone instance under {@code parent} on a free loopback port: what a test that needs
     * a single real server (not a whole sandbox) uses. A server a killed run left in that same directory is stopped
     * first; siblings under {@code parent} are left alone.
     */
    public static MysqlInstance startNew(Path parent, String name, int serverId, Map<String, String> settings) {
        StaleInstances.reap(parent.resolve(name));
        try {
            SandboxFiles.deleteTree(parent.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        MysqlInstance instance = create(MysqlDistribution.obtain(),
                new Spec(name, parent.resolve(name), Sandbox.freePort(), serverId, settings));
        instance.start();
        return instance;
    }

    /** The administrator account every sandbox instance has (password from an owner-only file). */
    public SandboxCredentials credentials() {
        return DatadirTemplate.obtain(dist).credentials();
    }

    /** An instance created earlier, perhaps by another JVM, read back from its directory. */
    public static MysqlInstance open(MysqlDistribution dist, Path dir) {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(dir.resolve("instance.properties"))) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("no sandbox instance in " + dir, e);
        }
        Map<String, String> settings = new TreeMap<>();
        for (String key : p.stringPropertyNames()) {
            if (key.startsWith("setting.")) {
                settings.put(key.substring("setting.".length()), p.getProperty(key));
            }
        }
        return new MysqlInstance(new Spec(p.getProperty("name"), dir, Integer.parseInt(p.getProperty("port")),
                Integer.parseInt(p.getProperty("server-id")), settings), dist);
    }

    private void writeSpec() throws IOException {
        Properties p = new Properties();
        p.setProperty("name", spec.name());
        p.setProperty("port", Integer.toString(spec.port()));
        p.setProperty("server-id", Integer.toString(spec.serverId()));
        spec.settings().forEach((k, v) -> p.setProperty("setting." + k, v));
        try (Writer w = Files.newBufferedWriter(spec.dir().resolve("instance.properties"))) {
            p.store(w, "drsp sandbox instance");
        }
    }

    public String name() {
        return spec.name();
    }

    public int port() {
        return spec.port();
    }

    public int serverId() {
        return spec.serverId();
    }

    public Path dir() {
        return spec.dir();
    }

    public Path dataDir() {
        return spec.dir().resolve("data");
    }

    public Path errorLog() {
        return spec.dir().resolve("error.log");
    }

    /** Where a failed start explains itself: the error log once mysqld opened it, its console output before. */
    private Path startLog() {
        return Files.exists(errorLog()) ? errorLog() : consoleLog();
    }

    private Path consoleLog() {
        return spec.dir().resolve("mysqld.out");
    }

    public Path pidFile() {
        return spec.dir().resolve("mysqld.pid");
    }

    public String endpoint() {
        return "127.0.0.1:" + spec.port();
    }

    /** The settings a server given {@code settings} runs with, besides its paths, port and identity. */
    static Map<String, String> effectiveSettings(Map<String, String> settings) {
        Map<String, String> s = new LinkedHashMap<>(REQUIRED_SETTINGS);
        s.putAll(LIGHT_SETTINGS);
        s.putAll(settings);
        return s;
    }

    List<String> commandLine() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("basedir", dist.home().toString());
        s.put("datadir", dataDir().toString());
        s.put("tmpdir", spec.dir().resolve("tmp").toString());
        s.put("port", Integer.toString(spec.port()));
        s.put("bind-address", "127.0.0.1");
        // Unix sockets are limited to 107 bytes; a deep test directory would overflow it.
        s.put("socket", "/tmp/drsp-mysql-" + spec.port() + ".sock");
        s.put("pid-file", pidFile().toString());
        s.put("log-error", errorLog().toString());
        s.put("server-id", Integer.toString(spec.serverId()));
        if ("root".equals(System.getProperty("user.name"))) {
            s.put("user", "root"); // mysqld refuses to run as root unless told so; CI and sandboxes run as root
        }
        s.put("report-host", "127.0.0.1");
        s.put("report-port", Integer.toString(spec.port()));
        s.putAll(effectiveSettings(spec.settings()));
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(NICE)) {
            // The sandbox's mysqld stand in for database hosts of their own. On one small machine they would otherwise
            // take the CPU from the controller and agents, whose answers (status, heartbeats) are what is measured; at
            // 16 shards that is 52 mysqld on 2 cores. nice execs mysqld, so the pid and its command line are mysqld's.
            cmd.addAll(List.of(NICE.toString(), "-n", Integer.toString(NICENESS)));
        }
        cmd.add(dist.mysqld().toString());
        cmd.add("--no-defaults");
        s.forEach((k, v) -> {
            if (!v.equals(DROP)) {
                cmd.add("--" + k + "=" + v);
            }
        });
        return cmd;
    }

    /**
     * Starts mysqld and returns once it accepts connections and is the server this instance describes; fails with
     * the tail of the error log if it dies. The port was only free when it was picked, so on a first start a mysqld
     * that died because another process took its port is started again on a fresh one, a few times at most.
     */
    public synchronized void start() {
        if (isAlive()) {
            return;
        }
        for (int attempt = 1; ; attempt++) {
            long[] logOffsets = {size(errorLog()), size(consoleLog())};
            try {
                Files.deleteIfExists(pidFile());
                Path out = consoleLog();
                process = new ProcessBuilder(commandLine()).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile())).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start mysqld for " + spec.name(), e);
            }
            try {
                awaitReady(logOffsets);
                portMayMove = false;
                return;
            } catch (PortTaken e) {
                if (!portMayMove) {
                    throw new IllegalStateException("mysqld " + spec.name() + " cannot listen on " + endpoint()
                            + ", which another process holds; stop that process, as this instance's port is named in its"
                            + " sandbox's drsp.conf and replication links.");
                }
                if (attempt >= START_ATTEMPTS) {
                    throw new IllegalStateException("mysqld " + spec.name() + " found its port taken by another process "
                            + START_ATTEMPTS + " times in a row; last tried " + endpoint() + ".");
                }
                int taken = spec.port();
                moveTo(Sandbox.freePort());
                log.info("port {} of mysqld {} was taken by another process; starting it on {}", taken, spec.name(), spec.port());
            }
        }
    }

    /** Thrown while starting when mysqld died because its address was taken: the one failure a new port cures. */
    private static final class PortTaken extends RuntimeException {
        PortTaken() {
            super(null, null, false, false);
        }
    }

    private void moveTo(int port) {
        spec = new Spec(spec.name(), spec.dir(), port, spec.serverId(), spec.settings());
        try {
            writeSpec();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the new port of " + spec.name() + " in " + spec.dir(), e);
        }
    }

    /**
     * Waits until our mysqld answers. Every sandbox instance shares the administrator's credentials, so a server that
     * answers on our port may be another sandbox's that took the port after we picked it: only a server reporting our
     * server_id and data directory counts.
     */
    private void awaitReady(long[] logOffsets) {
        Instant deadline = Instant.now().plus(START_DEADLINE);
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            if (process != null && !process.isAlive()) {
                if (addressInUse(logOffsets)) {
                    throw new PortTaken();
                }
                if (aioExhausted(logOffsets)) {
                    throw new IllegalStateException(aioExhaustedSentence(spec.name(), errorLog(),
                            ProcHostLimits.fromSystem().read()));
                }
                throw new IllegalStateException("mysqld " + spec.name() + " exited with code " + process.exitValue()
                        + " while starting; last lines of " + startLog() + ":\n" + tail(startLog(), 20));
            }
            try (Connection c = probe()) {
                Optional<String> stranger = stranger(c);
                if (stranger.isEmpty()) {
                    return;
                }
                last = "the server answering there is not this instance (" + stranger.get() + ")";
            } catch (SQLException e) {
                last = e.getMessage();
            }
            pause(Duration.ofMillis(100));
        }
        throw new IllegalStateException("mysqld " + spec.name() + " did not accept connections on " + endpoint()
                + " within " + START_DEADLINE.toSeconds() + " s: " + last);
    }

    /** What the server behind {@code c} is, if it is not this instance. */
    private Optional<String> stranger(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT @@server_id, @@datadir")) {
            rs.next();
            long serverId = rs.getLong(1);
            String datadir = rs.getString(2);
            if (serverId == spec.serverId() && sameFile(datadir, dataDir())) {
                return Optional.empty();
            }
            return Optional.of("server_id " + serverId + ", datadir " + datadir);
        }
    }

    private static boolean sameFile(String reported, Path ours) {
        try {
            return reported != null && Files.isSameFile(Path.of(reported), ours);
        } catch (IOException | java.nio.file.InvalidPathException e) {
            return false; // a data directory we cannot even look at is not ours
        }
    }

    /** Whether what this start's mysqld wrote says the host had no native AIO slots left for it. */
    private boolean aioExhausted(long[] offsets) {
        String written = readFrom(errorLog(), offsets[0]) + readFrom(consoleLog(), offsets[1]);
        return AIO_EXHAUSTED.stream().anyMatch(written::contains);
    }

    /**
     * Said instead of the error log's io_setup() lines, which name neither the limit nor its cure: other processes
     * took the slots between the sandbox's check of the host and this start, or the instance needs more than counted.
     */
    static String aioExhaustedSentence(String name, Path errorLog, Optional<HostLimits> limits) {
        String now = limits.map(l -> " (fs.aio-max-nr = " + l.aioMaxNr() + ", fs.aio-nr = " + l.aioNr() + " in use now)")
                .orElse("");
        long suggested = limits.map(l -> (l.aioMaxNr() + 65536) / 65536 * 65536).orElse(131072L);
        return "mysqld " + name + " could not start because the host's native AIO slots are used up" + now
                + "; raise the limit with 'sysctl -w fs.aio-max-nr=" + suggested + "' or stop other MySQL servers, and"
                + " start again (its error log: " + errorLog + ").";
    }

    /** Whether what this start's mysqld wrote (past {@code offsets}) says another process holds its port or socket. */
    private boolean addressInUse(long[] offsets) {
        String written = readFrom(errorLog(), offsets[0]) + readFrom(consoleLog(), offsets[1]);
        return ADDRESS_IN_USE.stream().anyMatch(written::contains);
    }

    private static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static String readFrom(Path file, long offset) {
        try (var ch = java.nio.channels.FileChannel.open(file)) {
            ch.position(Math.min(offset, ch.size()));
            return new String(java.nio.channels.Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The pid of the running server: our child, or the one named by the pid file if another JVM started it. */
    public Optional<ProcessHandle> processHandle() {
        if (process != null && process.isAlive()) {
            return Optional.of(process.toHandle());
        }
        return StaleInstances.liveMysqld(pidFile(), dataDir());
    }

    public boolean isAlive() {
        return processHandle().isPresent();
    }

    /** Graceful shutdown (SHUTDOWN, then SIGTERM), waiting with a deadline until the process is gone. */
    public synchronized void stop() {
        Optional<ProcessHandle> handle = processHandle();
        if (handle.isEmpty()) {
            return;
        }
        try (Connection c = probe(); Statement st = c.createStatement()) {
            if (stranger(c).isPresent()) {
                handle.get().destroy(); // SHUTDOWN would stop whoever holds our port now, not our mysqld
            } else {
                st.execute("SHUTDOWN");
            }
        } catch (SQLException e) {
            handle.get().destroy();
        }
        if (!waitGone(handle.get(), STOP_DEADLINE)) {
            log.warn("mysqld {} ignored shutdown for {} s; killing it", spec.name(), STOP_DEADLINE.toSeconds());
            kill();
        }
        process = null;
    }

    /** kill -9, as a crash would; the pid file stays behind as it would after a real crash. */
    public synchronized void kill() {
        processHandle().ifPresent(h -> {
            h.destroyForcibly();
            waitGone(h, STOP_DEADLINE);
        });
        process = null;
    }

    static boolean waitGone(ProcessHandle h, Duration deadline) {
        try {
            h.onExit().get(deadline.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return !h.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !h.isAlive();
        }
    }

    public String jdbcUrl() {
        return jdbcUrl(endpoint());
    }

    static String jdbcUrl(String endpoint) {
        return jdbcUrl(endpoint, Duration.ofMinutes(10));
    }

    private static String jdbcUrl(String endpoint, Duration socketTimeout) {
        return "jdbc:mysql://" + endpoint + "/?useSSL=false&allowPublicKeyRetrieval=true&connectTimeout=3000"
                + "&socketTimeout=" + socketTimeout.toMillis()
                + "&rewriteBatchedStatements=true&useUnicode=true&characterEncoding=utf8";
    }

    /** A connection as the sandbox administrator. */
    public Connection connect() throws SQLException {
        SandboxCredentials c = credentials();
        return DriverManager.getConnection(jdbcUrl(), c.adminUser(), c.adminPassword());
    }

    /**
     * A connection for start and stop, which must not hang: whatever took our port may accept the TCP connection and
     * never send MySQL's greeting, which the ordinary ten-minute socket timeout would wait out.
     */
    private Connection probe() throws SQLException {
        SandboxCredentials c = credentials();
        return DriverManager.getConnection(jdbcUrl(endpoint(), Duration.ofSeconds(5)),
                c.adminUser(), c.adminPassword());
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no " + file + ")";
        }
    }

    static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static Map<String, String> orderedMap(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    @Override
    public String toString() {
        return spec.name() + "@" + endpoint();
    }
}
