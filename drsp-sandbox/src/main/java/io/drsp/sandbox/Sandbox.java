package io.drsp.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A production cluster and a DR cluster of real MySQL instances on this machine: per cluster a meta shard and N data
 * shards, optional local replicas behind each DR shard primary, and the DR site's control database. It writes a
 * {@code drsp.conf} describing exactly what it started, so drsp itself is configured as it would be in a bank.
 */
public final class Sandbox {
    public static final String STATE_FILE = "sandbox.properties";

    public enum Role { PRODUCTION, DR, DR_REPLICA, CONTROL }

    /** One started server and its place in the topology; {@code shard} is empty for the control database. */
    public record Member(String name, Role role, String shard, MysqlInstance instance) {
        public String endpoint() {
            return instance.endpoint();
        }
    }

    /**
     * Shape of the sandbox: cluster id, shard count (besides meta), local replicas per DR shard, extra mysqld settings.
     * The cluster id becomes part of directory names and a quoted HOCON key, hence its narrow alphabet.
     */
    /** @param tls make a CA and certificates, serve MySQL over TLS and write a configuration that uses TLS everywhere */
    public record Options(String clusterId, int shards, int drReplicasPerShard, Map<String, String> extraSettings, boolean tls) {
        private static final java.util.regex.Pattern CLUSTER_ID = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1,32}");

        public Options {
            if (clusterId == null || !CLUSTER_ID.matcher(clusterId).matches()) {
                throw new IllegalArgumentException("cluster id must be 1 to 32 letters, digits, _ or -, got "
                        + (clusterId == null ? "none" : "\"" + clusterId + "\""));
            }
            if (shards < 1 || shards > 16) {
                throw new IllegalArgumentException("shards must be between 1 and 16, got " + shards);
            }
            if (drReplicasPerShard < 0 || drReplicasPerShard > 3) {
                throw new IllegalArgumentException("replicas per DR shard must be between 0 and 3, got " + drReplicasPerShard);
            }
            extraSettings = Map.copyOf(extraSettings);
        }

        public Options(String clusterId, int shards, int drReplicasPerShard, Map<String, String> extraSettings) {
            this(clusterId, shards, drReplicasPerShard, extraSettings, false);
        }

        public static Options defaults() {
            return new Options("1", 2, 0, Map.of());
        }

        public Options withReplicas(int n) {
            return new Options(clusterId, shards, n, extraSettings, tls);
        }

        public Options withShards(int n) {
            return new Options(clusterId, n, drReplicasPerShard, extraSettings, tls);
        }

        public Options withTls() {
            return new Options(clusterId, shards, drReplicasPerShard, extraSettings, true);
        }

        Options withSettings(Map<String, String> more) {
            Map<String, String> all = new java.util.HashMap<>(extraSettings);
            all.putAll(more);
            return new Options(clusterId, shards, drReplicasPerShard, all, tls);
        }
    }

    static final String TLS_STORE_SECRET = "secrets/tls-store";
    private final Path dir;
    private final String clusterId;
    private final List<Member> members;
    private final SandboxCredentials credentials;
    private final MysqlDistribution dist;

    private Sandbox(Path dir, String clusterId, List<Member> members, SandboxCredentials credentials, MysqlDistribution dist) {
        this.dir = dir;
        this.clusterId = clusterId;
        this.members = List.copyOf(members);
        this.credentials = credentials;
        this.dist = dist;
    }

    /**
     * Creates and starts a fresh sandbox in {@code dir}, replacing whatever is there. Refuses, changing nothing, unless
     * {@code dir} is missing, empty, or a previous sandbox none of whose servers still runs: replacing means deleting,
     * and neither a directory this class did not make nor a sandbox someone may be using is ever deleted. If any step
     * fails, the servers already started are stopped again and the directory is left for its logs.
     */
    public static Sandbox up(Path dir, Options options, Consumer<String> progress) {
        dir = dir.toAbsolutePath().normalize();
        requireReplaceable(dir);
        requireHostCapacity(options, ProcHostLimits.fromSystem());
        MysqlDistribution dist = MysqlDistribution.obtain();
        SandboxCredentials credentials = DatadirTemplate.obtain(dist).credentials();
        Sandbox sandbox = new Sandbox(dir, options.clusterId(), List.of(), credentials, dist);
        try {
            SandboxFiles.deleteTree(dir);
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + dir, e);
        }
        // The state file comes first, so that a directory left by an 'up' that died at any later point is still
        // recognised as a sandbox by the next 'up' and by 'down'.
        sandbox.writeState();
        if (options.tls()) {
            // Every mysqld serves TLS with the sandbox CA's certificate, so drsp's sessions and links can verify it.
            String storePassword = java.util.UUID.randomUUID().toString();
            SandboxCertificates certs;
            try {
                SandboxFiles.writeSecret(dir.resolve(TLS_STORE_SECRET), storePassword);
                certs = SandboxCertificates.make(dir.resolve("tls"), storePassword);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the sandbox's TLS store password", e);
            }
            progress.accept("made a CA and certificates in " + certs.dir());
            options = options.withSettings(tlsSettings(dir, options));
        }
        sandbox = new Sandbox(dir, options.clusterId(), plan(dir, options, dist), credentials, dist);
        sandbox.writeState();
        try {
            sandbox.parallel(sandbox.members, m -> {
                m.instance().start();
                progress.accept("started " + m.name() + " on " + m.endpoint());
            });
            sandbox.wireReplicas();
            sandbox.createControlDatabase();
            sandbox.writeConfig(1);
        } catch (RuntimeException e) {
            sandbox.stopAfterFailedUp(e);
            throw e;
        }
        progress.accept("wrote " + sandbox.configFile());
        return sandbox;
    }

    /** Refuses a directory that {@link #up} must not replace; see there. */
    static void requireReplaceable(Path dir) {
        String accepted = "give --dir a missing or empty directory, or one a previous 'drsp sandbox up' made";
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException(dir + " is not a directory, and 'sandbox up' replaces its directory; "
                    + accepted + ".");
        }
        try (Stream<Path> entries = Files.list(dir)) {
            if (entries.findAny().isEmpty()) {
                return;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir, e);
        }
        if (!isSandbox(dir)) {
            throw new IllegalArgumentException("refusing to replace " + dir + ", which is neither empty nor a sandbox (it has no "
                    + STATE_FILE + ") and would be deleted; " + accepted + ".");
        }
        List<Long> running = StaleInstances.running(dir);
        if (!running.isEmpty()) {
            throw new IllegalArgumentException("a sandbox is running in " + dir + " (mysqld pid "
                    + running.stream().map(String::valueOf).collect(Collectors.joining(", ")) + "); run 'drsp sandbox down --dir "
                    + dir + "' first.");
        }
    }

    /** Refuses, before anything is started or deleted, a sandbox whose servers the host's limits cannot hold. */
    static void requireHostCapacity(Options options, ProcHostLimits host) {
        host.read().flatMap(limits -> HostCapacity.refusal(HostNeeds.of(options), limits)).ifPresent(sentence -> {
            throw new IllegalStateException(sentence);
        });
    }

    /** Whether {@code dir} holds a state file this class wrote: the mark of a directory it may replace. */
    private static boolean isSandbox(Path dir) {
        Path state = dir.resolve(STATE_FILE);
        if (!Files.isRegularFile(state, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(state)) {
            p.load(in);
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
        return p.getProperty("cluster") != null && p.getProperty("members") != null;
    }

    /** After a failed {@link #up}: no server of a half-made sandbox may keep running unseen. */
    private void stopAfterFailedUp(RuntimeException cause) {
        for (Member m : members) {
            try {
                m.instance().stop();
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
    }

    /**
     * {@link #up} for tests and benchmarks that own {@code dir}: a sandbox an earlier run left there (a killed test
     * JVM leaves its servers running) is taken down first instead of refused. Anything else is still refused.
     */
    public static Sandbox upReplacing(Path dir, Options options, Consumer<String> progress) {
        takeDownLeftover(dir);
        return up(dir, options, progress);
    }

    /** Stops the servers of a sandbox an earlier run left in {@code dir}: those its state file names, else its pid files. */
    static void takeDownLeftover(Path dir) {
        if (Files.isRegularFile(dir.resolve(STATE_FILE))) {
            try {
                open(dir).down(false);
                return;
            } catch (RuntimeException e) {
                // a state file whose run died before it was complete: the pid files still say what runs
            }
        }
        StaleInstances.reap(dir);
    }

    /** The sandbox described by {@code dir}'s state file, whatever JVM started it. */
    public static Sandbox open(Path dir) {
        dir = dir.toAbsolutePath().normalize();
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(dir.resolve(STATE_FILE))) {
            p.load(in);
        } catch (IOException e) {
            throw new IllegalStateException("no sandbox in " + dir + " (run 'drsp sandbox up' first)");
        }
        MysqlDistribution dist = MysqlDistribution.obtain();
        List<Member> members = new ArrayList<>();
        int n = Integer.parseInt(p.getProperty("members"));
        for (int i = 0; i < n; i++) {
            String[] f = p.getProperty("member." + i).split(",", -1);
            members.add(new Member(f[0], Role.valueOf(f[1]), f[2], MysqlInstance.open(dist, dir.resolve(f[0]))));
        }
        return new Sandbox(dir, p.getProperty("cluster"), members, DatadirTemplate.obtain(dist).credentials(), dist);
    }

    private static List<Member> plan(Path dir, Options o, MysqlDistribution dist) {
        List<String> shards = new ArrayList<>();
        shards.add("meta");
        for (int i = 1; i <= o.shards(); i++) {
            shards.add("s" + i);
        }
        List<Member> members = new ArrayList<>();
        Set<Integer> ports = new HashSet<>();
        int serverId = 1;
        for (String shard : shards) {
            members.add(member(dir, dist, "production-" + o.clusterId() + "-" + shard, Role.PRODUCTION, shard,
                    serverId++, ports, o.extraSettings()));
        }
        for (String shard : shards) {
            members.add(member(dir, dist, "dr-" + o.clusterId() + "-" + shard, Role.DR, shard, serverId++, ports,
                    o.extraSettings()));
            for (int r = 1; r <= o.drReplicasPerShard(); r++) {
                members.add(member(dir, dist, "dr-" + o.clusterId() + "-" + shard + "-r" + r, Role.DR_REPLICA, shard,
                        serverId++, ports, o.extraSettings()));
            }
        }
        members.add(member(dir, dist, "control", Role.CONTROL, "", serverId, ports, tlsSettings(dir, o)));
        return members;
    }

    /** What makes a mysqld serve TLS with the certificate 'up --tls' made (the control database's too); none without. */
    private static Map<String, String> tlsSettings(Path dir, Options o) {
        if (!o.tls()) {
            return Map.of();
        }
        Path tls = dir.resolve("tls");
        return Map.of("ssl-ca", tls.resolve(SandboxCertificates.CA_PEM).toString(),
                "ssl-cert", tls.resolve(SandboxCertificates.MYSQL_CERT).toString(),
                "ssl-key", tls.resolve(SandboxCertificates.MYSQL_KEY).toString());
    }

    private static Member member(Path dir, MysqlDistribution dist, String name, Role role, String shard, int serverId,
                                 Set<Integer> usedPorts, Map<String, String> extra) {
        Map<String, String> settings = new LinkedHashMap<>(extra);
        if (role == Role.DR || role == Role.DR_REPLICA) {
            // DR members are read-only outside service mode, from their very first start.
            settings.putIfAbsent("super-read-only", "ON");
        }
        if (role == Role.DR) {
            // Links are drsp's to start: a DR shard that restarts must not resume applying on its own.
            settings.putIfAbsent("skip-replica-start", "ON");
        }
        MysqlInstance instance = MysqlInstance.create(dist,
                new MysqlInstance.Spec(name, dir.resolve(name), unusedPort(usedPorts), serverId, settings));
        return new Member(name, role, shard, instance);
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    private void wireReplicas() {
        for (Member replica : members(Role.DR_REPLICA)) {
            Member primary = drPrimary(replica.shard());
            try (Connection c = replica.instance().connect(); Statement st = c.createStatement()) {
                st.execute("CHANGE REPLICATION SOURCE TO SOURCE_HOST='127.0.0.1', SOURCE_PORT=" + primary.instance().port()
                        + ", SOURCE_USER=" + sqlString(credentials.replicationUser()) + ", SOURCE_PASSWORD="
                        + sqlString(credentials.replicationPassword()) + ", SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1"
                        + (Files.exists(dir.resolve("tls").resolve(SandboxCertificates.CA_PEM)) ? ", SOURCE_SSL=1, SOURCE_SSL_CA="
                        + sqlString(dir.resolve("tls").resolve(SandboxCertificates.CA_PEM).toString())
                        + ", SOURCE_SSL_VERIFY_SERVER_CERT=1" : ""));
                st.execute("START REPLICA");
            } catch (SQLException e) {
                throw replicaSetupFailed(replica.name(), primary.name(), e, credentials);
            }
        }
    }

    /** The failure of CHANGE REPLICATION SOURCE, whose text MySQL may quote back with the password in it. */
    static IllegalStateException replicaSetupFailed(String replica, String primary, SQLException e, SandboxCredentials c) {
        return new IllegalStateException("cannot make " + replica + " a replica of " + primary + ": " + c.mask(e.getMessage()),
                c.mask(e));
    }

    private static String sqlString(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    private void createControlDatabase() {
        try (Connection c = control().instance().connect(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE IF NOT EXISTS drsp");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the control database: " + e.getMessage(), e);
        }
    }

    private void writeState() {
        Properties p = new Properties();
        p.setProperty("cluster", clusterId);
        p.setProperty("members", Integer.toString(members.size()));
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            p.setProperty("member." + i, m.name() + "," + m.role() + "," + m.shard());
        }
        try (Writer w = Files.newBufferedWriter(dir.resolve(STATE_FILE))) {
            p.store(w, "drsp sandbox");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@code drsp.conf} for {@code controllers} controllers (1, or 3 for a highly available controller cluster,
     * each named cN under drsp.controller.peers), every one on fresh loopback ports; the instances stay as they are.
     */
    public void writeConfig(int controllers) {
        Set<Integer> taken = new HashSet<>();
        members.forEach(m -> taken.add(m.instance().port()));
        List<SandboxConfigWriter.ControllerPorts> ports = new ArrayList<>();
        for (int i = 0; i < controllers; i++) {
            ports.add(new SandboxConfigWriter.ControllerPorts(unusedPort(taken), unusedPort(taken), unusedPort(taken)));
        }
        writeConfig(ports);
    }

    private static int unusedPort(Set<Integer> taken) {
        int port;
        do {
            port = freePort();
        } while (!taken.add(port));
        return port;
    }

    private void writeConfig(List<SandboxConfigWriter.ControllerPorts> controllers) {
        try {
            SandboxFiles.writeSecret(dir.resolve("secrets/admin"), credentials.adminPassword());
            SandboxFiles.writeSecret(dir.resolve("secrets/repl"), credentials.replicationPassword());
            Path hooks = dir.resolve("hooks");
            Files.createDirectories(hooks);
            for (String hook : List.of("start_dbproxy", "stop_dbproxy")) {
                Path script = hooks.resolve(hook + ".sh");
                // The sandbox has no proxy: its hooks record each call so tests and the demo can see them.
                Files.writeString(script, "#!/bin/sh\necho \"$(date '+%F %T') " + hook
                        + " cluster=$DRSP_CLUSTER site=$DRSP_SITE mode=$DRSP_MODE\" >> \"$(dirname \"$0\")/dbproxy.log\"\n");
                Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            boolean tls = Files.exists(dir.resolve("tls").resolve(SandboxCertificates.TRUST_STORE));
            Files.writeString(configFile(), new SandboxConfigWriter(clusterId, members, controllers, tls).render());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sandbox configuration", e);
        }
    }

    /**
     * Runs {@code action} on every member, four at a time, and returns only when every one has finished, so that a
     * failure never leaves a start still going on behind the caller's back; rethrows the first failure.
     */
    private void parallel(List<Member> of, Consumer<Member> action) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(4, Math.max(1, of.size())));
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Member m : of) {
                futures.add(pool.submit(() -> action.accept(m)));
            }
            RuntimeException first = null;
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    RuntimeException failure = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                    if (first == null) {
                        first = failure;
                    } else {
                        first.addSuppressed(failure);
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Stops every instance; removes the directory unless {@code keepData}. */
    public void down(boolean keepData) {
        parallel(members, m -> m.instance().stop());
        StaleInstances.reap(dir);
        if (!keepData) {
            try {
                SandboxFiles.deleteTree(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove " + dir, e);
            }
        }
    }

    /** What each member is doing now, for {@code drsp sandbox status}. */
    public List<MemberStatus> status() {
        List<MemberStatus> out = new ArrayList<>();
        for (Member m : members) {
            out.add(MemberStatus.of(m));
        }
        return out;
    }

    public Path dir() {
        return dir;
    }

    public Path configFile() {
        return dir.resolve("drsp.conf");
    }

    public String clusterId() {
        return clusterId;
    }

    public SandboxCredentials credentials() {
        return credentials;
    }

    public MysqlDistribution distribution() {
        return dist;
    }

    public List<Member> members() {
        return members;
    }

    public List<Member> members(Role role) {
        return members.stream().filter(m -> m.role() == role).toList();
    }

    public Member production(String shard) {
        return find(Role.PRODUCTION, shard);
    }

    public Member drPrimary(String shard) {
        return find(Role.DR, shard);
    }

    public Member control() {
        return members(Role.CONTROL).get(0);
    }

    public Optional<Member> member(String name) {
        return members.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    /** Shard names, meta first. */
    public List<String> shards() {
        return members(Role.PRODUCTION).stream().map(Member::shard).toList();
    }

    private Member find(Role role, String shard) {
        return members.stream().filter(m -> m.role() == role && m.shard().equals(shard)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no " + role + " member for shard " + shard));
    }

    /** One row of {@code sandbox status}. */
    public record MemberStatus(String name, Role role, String endpoint, boolean running, long transactions, String replication) {
        static MemberStatus of(Member m) {
            if (!m.instance().isAlive()) {
                return new MemberStatus(m.name(), m.role(), m.endpoint(), false, -1, "");
            }
            try (Connection c = m.instance().connect(); Statement st = c.createStatement()) {
                long trx = 0;
                try (ResultSet rs = st.executeQuery("SELECT @@gtid_executed")) {
                    rs.next();
                    trx = io.drsp.core.gtid.GtidSet.parse(rs.getString(1)).size();
                }
                String replication = "";
                try (ResultSet rs = st.executeQuery("SHOW REPLICA STATUS")) {
                    if (rs.next()) {
                        replication = "io=" + rs.getString("Replica_IO_Running") + " sql=" + rs.getString("Replica_SQL_Running")
                                + " from " + rs.getString("Source_Host") + ":" + rs.getInt("Source_Port");
                    }
                }
                return new MemberStatus(m.name(), m.role(), m.endpoint(), true, trx, replication);
            } catch (SQLException e) {
                return new MemberStatus(m.name(), m.role(), m.endpoint(), true, -1, "unreachable: " + e.getMessage());
            }
        }
    }
}
