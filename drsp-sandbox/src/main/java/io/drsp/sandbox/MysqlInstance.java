package io.drsp.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
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
            // A process kill loses nothing with these (the OS keeps the written pages); only a host crash would.
            "innodb-flush-log-at-trx-commit", "2",
            "sync-binlog", "0",
            "performance-schema-max-table-instances", "400",
            "max-connections", "300",
            "character-set-server", "utf8mb4");

    private final Spec spec;
    private final MysqlDistribution dist;
    private volatile Process process;

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
        return Files.exists(errorLog()) ? errorLog() : spec.dir().resolve("mysqld.out");
    }

    public Path pidFile() {
        return spec.dir().resolve("mysqld.pid");
    }

    public String endpoint() {
        return "127.0.0.1:" + spec.port();
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
        s.putAll(REQUIRED_SETTINGS);
        s.putAll(LIGHT_SETTINGS);
        s.putAll(spec.settings());
        List<String> cmd = new ArrayList<>();
        cmd.add(dist.mysqld().toString());
        cmd.add("--no-defaults");
        s.forEach((k, v) -> {
            if (!v.equals(DROP)) {
                cmd.add("--" + k + "=" + v);
            }
        });
        return cmd;
    }

    /** Starts mysqld and returns once it accepts connections; fails with the tail of the error log if it dies. */
    public synchronized void start() {
        if (isAlive()) {
            return;
        }
        try {
            Files.deleteIfExists(pidFile());
            Path out = spec.dir().resolve("mysqld.out");
            process = new ProcessBuilder(commandLine()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start mysqld for " + spec.name(), e);
        }
        awaitReady();
    }

    private void awaitReady() {
        Instant deadline = Instant.now().plus(START_DEADLINE);
        SQLException last = null;
        while (Instant.now().isBefore(deadline)) {
            if (process != null && !process.isAlive()) {
                throw new IllegalStateException("mysqld " + spec.name() + " exited with code " + process.exitValue()
                        + " while starting; last lines of " + startLog() + ":\n" + tail(startLog(), 20));
            }
            try (Connection c = connect()) {
                return;
            } catch (SQLException e) {
                last = e;
            }
            pause(Duration.ofMillis(100));
        }
        throw new IllegalStateException("mysqld " + spec.name() + " did not accept connections on " + endpoint()
                + " within " + START_DEADLINE.toSeconds() + " s: " + (last == null ? "" : last.getMessage()));
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
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("SHUTDOWN");
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
        return "jdbc:mysql://" + endpoint + "/?useSSL=false&allowPublicKeyRetrieval=true&connectTimeout=3000"
                + "&socketTimeout=600000&rewriteBatchedStatements=true&useUnicode=true&characterEncoding=utf8";
    }

    /** A connection as the sandbox administrator. */
    public Connection connect() throws SQLException {
        SandboxCredentials c = credentials();
        return DriverManager.getConnection(jdbcUrl(), c.adminUser(), c.adminPassword());
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
