package io.drsp.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads and validates {@code drsp.conf}; see {@code conf/drsp.conf} for the commented schema. */
final class ConfigLoader {

    private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);
    private static final String DEFAULT_ADMIN_USER = "admin";
    private static final String DEFAULT_REPLICATION_USER = "replication";

    private final Path file;
    private final Path baseDir;
    private final List<String> problems = new ArrayList<>();
    /** Every endpoint seen so far and the path that named it first. */
    private final Map<Endpoint, String> endpointOwners = new LinkedHashMap<>();
    /** User references to check once all users are known: path to referenced key. */
    private final Map<String, String> userRefs = new LinkedHashMap<>();
    /** Keys under drsp.users holding an object, valid or not: a broken user is reported once, not at every reference. */
    private final TreeSet<String> definedUsers = new TreeSet<>();

    private ConfigLoader(Path file) {
        this.file = file.toAbsolutePath().normalize();
        this.baseDir = this.file.getParent();
    }

    static DrspConfig load(Path file) {
        return new ConfigLoader(file).load();
    }

    private DrspConfig load() {
        if (!Files.isRegularFile(file)) {
            throw new InvalidConfigException(file, List.of("(file): does not exist or is not a regular file, expected a HOCON file"));
        }
        Config config;
        try {
            config = ConfigFactory.parseFile(file.toFile(),
                    ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false)).resolve();
        } catch (ConfigException e) {
            throw new InvalidConfigException(file, List.of("(file): " + syntaxError(e) + ", expected valid HOCON"));
        }
        ConfigNode root = new ConfigNode(config.root(), List.of(), problems);
        Optional<ConfigNode> drsp = root.object("drsp", true, "an object holding all drsp settings");
        if (drsp.isEmpty()) {
            throw new InvalidConfigException(file, problems);
        }
        DrspConfig result = read(drsp.get());
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(file, problems);
        }
        log.info("loaded {}: clusters {}, time zone {}", file, String.join(", ", result.clusters().keySet()), result.timeZone());
        return result;
    }

    /**
     * The parser's complaint, which quotes the text it choked on; when that line names a password, secret or token,
     * only the line number is given, since the quoted text may be the secret.
     */
    private String syntaxError(ConfigException e) {
        int line = e.origin() == null ? -1 : e.origin().lineNumber();
        if (line < 1) {
            return e.getMessage();
        }
        try {
            List<String> lines = Files.readAllLines(file);
            if (line <= lines.size() && ConfigNode.namesSecret(lines.get(line - 1))) {
                return "line " + line + " is not valid HOCON (the parser's words are not shown, as they may quote that line,"
                        + " which names a password, secret or token)";
            }
        } catch (java.io.IOException | java.io.UncheckedIOException unreadable) {
            return "line " + line + " is not valid HOCON";
        }
        return e.getMessage();
    }

    /** Returns null when there were problems; by then they are all recorded. */
    private DrspConfig read(ConfigNode drsp) {
        drsp.allowOnly("home", "time-zone", "controller", "users", "sites", "clusters", "tls");
        Optional<Path> home = drsp.string("home", true, "a directory for drsp's runtime state").map(this::path);
        Optional<ZoneId> zone = drsp.string("time-zone", true, "a region id like Asia/Shanghai").flatMap(id -> zone(drsp, id));
        Optional<ControllerSettings> controller = drsp.object("controller", true, "the controller's settings").flatMap(this::controller);
        Map<String, UserRef> users = drsp.object("users", true, "the MySQL users drsp logs in as").map(this::users).orElse(Map.of());
        Map<Site, SiteSettings> sites = drsp.object("sites", false, "per-site hooks").map(this::sites).orElseGet(this::sitesWithoutHooks);
        Map<String, ClusterPair> clusters = drsp.object("clusters", true, "at least one cluster pair").map(this::clusters).orElse(Map.of());
        TlsSettings tls = drsp.object("tls", false, "{ remoting { ... }, mysql { ... } }").map(this::tls).orElse(TlsSettings.NONE);
        userRefs.forEach((path, key) -> {
            if (!definedUsers.contains(key)) {
                problems.add(path + ": names the user \"" + key + "\", which is not defined, expected one of the keys under "
                        + drsp.path("users") + (definedUsers.isEmpty() ? "" : " (" + String.join(", ", definedUsers) + ")"));
            }
        });
        if (!problems.isEmpty()) {
            return null;
        }
        return new DrspConfig(file, home.orElseThrow(), zone.orElseThrow(), controller.orElseThrow(), users, sites, clusters, tls);
    }

    private TlsSettings tls(ConfigNode node) {
        node.allowOnly("remoting", "mysql", "api");
        Optional<TlsSettings.Remoting> remoting = node.object("remoting", false,
                "{ key-store, key-store-password, trust-store, trust-store-password }").flatMap(this::remotingTls);
        Optional<TlsSettings.Mysql> mysql = node.object("mysql", false, "{ ca }").flatMap(this::mysqlTls);
        Optional<TlsSettings.Api> api = node.object("api", false,
                "{ key-store, key-store-password, trust-store, trust-store-password }").flatMap(this::apiTls);
        return new TlsSettings(remoting, mysql, api);
    }

    private Optional<TlsSettings.Api> apiTls(ConfigNode node) {
        node.allowOnly("key-store", "key-store-password", "trust-store", "trust-store-password");
        var key = store(node, "key-store", true, "the controllers' key and certificate");
        var trust = store(node, "trust-store", true, "the CA certificates the API's must chain to");
        if (key.isEmpty() || trust.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new TlsSettings.Api(key.get().getKey(), key.get().getValue(), trust.get().getKey(), trust.get().getValue()));
    }

    private Optional<TlsSettings.Remoting> remotingTls(ConfigNode node) {
        node.allowOnly("key-store", "key-store-password", "agent-key-store", "agent-key-store-password", "trust-store",
                "trust-store-password", "hostname-verification");
        var key = store(node, "key-store", true, "this member's key and certificate");
        var agent = store(node, "agent-key-store", false, "the agents' key and certificate");
        var trust = store(node, "trust-store", true, "the CA certificates a peer's must chain to");
        boolean hostnames = node.bool("hostname-verification", false);
        if (key.isEmpty() || trust.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new TlsSettings.Remoting(key.get().getKey(), key.get().getValue(), agent.map(Map.Entry::getKey),
                agent.map(Map.Entry::getValue), trust.get().getKey(), trust.get().getValue(), hostnames));
    }

    /** A PKCS12 store holding {@code holds} and its password: {@code key} and {@code key}-password, both (or neither). */
    private Optional<Map.Entry<Path, PasswordRef>> store(ConfigNode node, String key, boolean required, String holds) {
        Optional<Path> path = node.string(key, required, "the path of a PKCS12 key store with " + holds).map(this::path);
        Optional<PasswordRef> password = secretRef(node, key + "-password", required);
        if (!required && path.isPresent() != password.isPresent()) {
            node.problem(path.isPresent() ? key + "-password" : key, "is missing", key + " and " + key + "-password together, or neither");
        }
        return path.isPresent() && password.isPresent() ? Optional.of(Map.entry(path.get(), password.get())) : Optional.empty();
    }

    private Optional<TlsSettings.Mysql> mysqlTls(ConfigNode node) {
        node.allowOnly("ca", "verify-identity");
        Optional<Path> ca = node.string("ca", true, "the path of the CA certificate (PEM) the MySQL servers' certificates chain to")
                .map(this::path);
        boolean identity = node.bool("verify-identity", false);
        return ca.map(c -> new TlsSettings.Mysql(c, identity));
    }

    /** A password reference such as the MySQL users': { env = VARIABLE } or { file = path }. */
    private Optional<PasswordRef> secretRef(ConfigNode node, String key, boolean required) {
        return node.object(key, required, "{ env = VARIABLE } or { file = path }").flatMap(this::password);
    }

    private Optional<ZoneId> zone(ConfigNode drsp, String id) {
        try {
            return Optional.of(ZoneId.of(id));
        } catch (DateTimeException e) {
            drsp.problem("time-zone", "\"" + id + "\" is not a time zone", "a region id like Asia/Shanghai or UTC");
            return Optional.empty();
        }
    }

    private Optional<ControllerSettings> controller(ConfigNode node) {
        node.allowOnly("http", "token-file", "remoting", "control-db", "metrics", "peers");
        Optional<Path> tokenFile = node.string("token-file", true, "the path of the controller's token file").map(this::path);
        Optional<ControlDb> controlDb = node.object("control-db", true, "{ endpoint, database, user } of the control database")
                .flatMap(this::controlDb);
        List<ControllerPeer> peers = new ArrayList<>();
        if (node.isSet("peers")) {
            for (String own : List.of("http", "remoting", "metrics")) {
                if (node.isSet(own)) {
                    node.problem(own, "is set beside peers", "each controller's " + own + " inside its entry under peers");
                }
            }
            node.object("peers", true, "one entry per controller: name { http, remoting, metrics }").ifPresent(p -> {
                for (String name : p.keys().stream().sorted().toList()) {
                    p.object(name, true, "{ http, remoting, metrics } of controller " + name)
                            .flatMap(c -> peer(name, c)).ifPresent(peers::add);
                }
                int n = p.keys().size();
                if (n % 2 == 0 || n > 5) {
                    p.problem(null, "lists " + n + " controllers", "1, 3 or 5: the controllers decide a network split by"
                            + " majority, and an even number can split into two halves where neither has one");
                }
            });
            if (tokenFile.isEmpty() || controlDb.isEmpty() || peers.isEmpty()) {
                return Optional.empty();
            }
            ControllerPeer first = peers.get(0);
            return Optional.of(new ControllerSettings(first.http(), tokenFile.get(), first.remoting(), controlDb.get(),
                    first.metrics(), peers));
        }
        Optional<ControllerPeer> sole = peer(ControllerPeer.SOLE, node);
        if (tokenFile.isEmpty() || controlDb.isEmpty() || sole.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ControllerSettings(sole.get().http(), tokenFile.get(), sole.get().remoting(), controlDb.get(),
                sole.get().metrics()));
    }

    /** The listening addresses of one controller: those of a peer, or the controller section itself for a sole one. */
    private Optional<ControllerPeer> peer(String name, ConfigNode node) {
        if (!name.equals(ControllerPeer.SOLE)) {
            node.allowOnly("http", "remoting", "metrics");
        }
        Optional<Endpoint> http = node.object("http", true, "{ host, port } of the command API").flatMap(this::listenAddress);
        Optional<Endpoint> remoting = node.object("remoting", true, "{ host, port } of Pekko remoting").flatMap(this::listenAddress);
        Optional<Endpoint> metrics = node.object("metrics", false, "{ host, port } of the Prometheus /metrics endpoint")
                .flatMap(this::listenAddress);
        if (http.isEmpty() || remoting.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ControllerPeer(name, http.get(), remoting.get(), metrics.orElse(ControllerSettings.DEFAULT_METRICS)));
    }

    private Optional<Endpoint> listenAddress(ConfigNode node) {
        node.allowOnly("host", "port");
        Optional<String> host = node.string("host", true, "a host name or address to listen on");
        Optional<Integer> port = node.port("port");
        if (host.isEmpty() || port.isEmpty()) {
            return Optional.empty();
        }
        try {
            return claim(node, null, new Endpoint(host.get(), port.get()));
        } catch (IllegalArgumentException e) {
            report(node, "host", e.getMessage());
            return Optional.empty();
        }
    }

    private Optional<ControlDb> controlDb(ConfigNode node) {
        node.allowOnly("endpoint", "database", "user");
        Optional<Endpoint> endpoint = endpoint(node, "endpoint").flatMap(e -> claim(node, "endpoint", e));
        Optional<String> database = node.string("database", true, "the schema holding the controller's journal");
        Optional<String> user = userRef(node, "user", null);
        if (endpoint.isEmpty() || database.isEmpty() || user.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ControlDb(endpoint.get(), database.get(), user.get()));
    }

    private Map<String, UserRef> users(ConfigNode node) {
        Map<String, UserRef> users = new TreeMap<>();
        if (node.keys().isEmpty()) {
            node.problem(null, "defines no user", "at least the users drsp logs in as, such as admin and replication");
        }
        for (String key : node.keys()) {
            Optional<ConfigNode> user = node.object(key, true, "{ name, password { env | file } }");
            user.ifPresent(u -> definedUsers.add(key));
            user.flatMap(u -> user(key, u)).ifPresent(u -> users.put(key, u));
        }
        return users;
    }

    private Optional<UserRef> user(String key, ConfigNode node) {
        node.allowOnly("name", "password");
        Optional<String> name = node.string("name", true, "the MySQL user name");
        Optional<PasswordRef> password = secretRef(node, "password", true);
        if (name.isEmpty() || password.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new UserRef(key, name.get(), password.get()));
    }

    private Optional<PasswordRef> password(ConfigNode node) {
        node.allowOnly("env", "file");
        String expected = "exactly one of env = VARIABLE or file = path";
        if (node.has("env") == node.has("file")) {
            node.problem(null, node.has("env") ? "names both an environment variable and a file" : "names no source", expected);
            return Optional.empty();
        }
        if (node.has("env")) {
            return node.string("env", true, "the name of an environment variable").flatMap(name -> {
                try {
                    return Optional.of(new PasswordRef.FromEnv(name));
                } catch (IllegalArgumentException e) {
                    // Not e's message: it quotes the value, and a password typed where its variable's name belongs is common.
                    node.problem("env", "is not an environment variable name " + ConfigNode.NOT_SHOWN,
                            "the name of a variable holding the password: letters, digits and _");
                    return Optional.empty();
                }
            });
        }
        return node.string("file", true, "the path of a file holding the password").map(f -> new PasswordRef.FromFile(path(f)))
                .flatMap(ref -> {
                    // Checked now as well as on use: a world-readable secret should stop drsp at start-up, not mid-failover.
                    Optional<String> unusable = ref.unusable();
                    unusable.ifPresent(why -> report(node, "file", why));
                    return unusable.isPresent() ? Optional.empty() : Optional.of(ref);
                });
    }

    private Map<Site, SiteSettings> sites(ConfigNode node) {
        node.allowOnly(Site.PRODUCTION.configKey(), Site.DR.configKey());
        Map<Site, SiteSettings> sites = sitesWithoutHooks();
        for (Site site : Site.values()) {
            node.object(site.configKey(), false, "the site's settings").flatMap(s -> site(site, s))
                    .ifPresent(settings -> sites.put(site, settings));
        }
        return sites;
    }

    private Map<Site, SiteSettings> sitesWithoutHooks() {
        Map<Site, SiteSettings> sites = new EnumMap<>(Site.class);
        for (Site site : Site.values()) {
            sites.put(site, SiteSettings.withoutHooks(site));
        }
        return sites;
    }

    private Optional<SiteSettings> site(Site site, ConfigNode node) {
        node.allowOnly("hooks");
        Optional<ConfigNode> hooks = node.object("hooks", false, "{ start-dbproxy, stop-dbproxy }");
        if (hooks.isEmpty()) {
            return Optional.of(SiteSettings.withoutHooks(site));
        }
        hooks.get().allowOnly("start-dbproxy", "stop-dbproxy");
        Optional<Path> start = hook(hooks.get(), "start-dbproxy");
        Optional<Path> stop = hook(hooks.get(), "stop-dbproxy");
        return Optional.of(new SiteSettings(site, start, stop));
    }

    private Optional<Path> hook(ConfigNode hooks, String key) {
        return hooks.string(key, false, "the path of an executable script").map(this::path).filter(script -> {
            if (!Files.isRegularFile(script)) {
                hooks.problem(key, script + " does not exist", "an executable script");
                return false;
            }
            if (!Files.isExecutable(script)) {
                hooks.problem(key, script + " is not executable", "an executable script (chmod +x " + script + ")");
                return false;
            }
            return true;
        });
    }

    private Map<String, ClusterPair> clusters(ConfigNode node) {
        Map<String, ClusterPair> clusters = new TreeMap<>(DrspConfig.CLUSTER_ORDER);
        if (node.keys().isEmpty()) {
            node.problem(null, "defines no cluster", "at least one cluster pair such as \"1\" { production {...}, dr {...} }");
        }
        List<String> ids = new ArrayList<>(node.keys());
        ids.sort(DrspConfig.CLUSTER_ORDER);
        for (String id : ids) {
            node.object(id, true, "{ production { shards {...} }, dr { shards {...} } }")
                    .flatMap(cluster -> cluster(id, cluster))
                    .ifPresent(pair -> clusters.put(id, pair));
        }
        return clusters;
    }

    private Optional<ClusterPair> cluster(String id, ConfigNode node) {
        node.allowOnly("admin-user", "replication-user", "drill", "service", Site.PRODUCTION.configKey(), Site.DR.configKey());
        DrillSettings drill = node.object("drill", false, "{ verify-checksums = on, replica-lag-bound = 300, catch-up-timeout = 3600 }")
                .map(ConfigLoader::drill).orElse(DrillSettings.DEFAULTS);
        ServiceSettings service = node.object("service", false, "{ drain-timeout = 30 }")
                .map(ConfigLoader::service).orElse(ServiceSettings.DEFAULTS);
        Optional<String> admin = userRef(node, "admin-user", DEFAULT_ADMIN_USER);
        Optional<String> replication = userRef(node, "replication-user", DEFAULT_REPLICATION_USER);
        Optional<ClusterSpec> production = clusterSpec(node, Site.PRODUCTION);
        Optional<ClusterSpec> dr = clusterSpec(node, Site.DR);
        if (production.isEmpty() || dr.isEmpty() || admin.isEmpty() || replication.isEmpty()) {
            return Optional.empty();
        }
        if (!production.get().shards().keySet().equals(dr.get().shards().keySet())) {
            TreeSet<String> missingAtDr = new TreeSet<>(production.get().shards().keySet());
            missingAtDr.removeAll(dr.get().shards().keySet());
            TreeSet<String> missingAtProduction = new TreeSet<>(dr.get().shards().keySet());
            missingAtProduction.removeAll(production.get().shards().keySet());
            String what = (missingAtDr.isEmpty() ? "" : "production has " + String.join(", ", missingAtDr) + " that dr lacks")
                    + (missingAtDr.isEmpty() || missingAtProduction.isEmpty() ? "" : " and ")
                    + (missingAtProduction.isEmpty() ? "" : "dr has " + String.join(", ", missingAtProduction) + " that production lacks");
            node.problem(null, what, "the same shard names at both sites, because each DR shard replicates the production shard of its name");
            return Optional.empty();
        }
        return Optional.of(new ClusterPair(id, production.get(), dr.get(), admin.get(), replication.get(), drill, service));
    }

    private static DrillSettings drill(ConfigNode node) {
        node.allowOnly("verify-checksums", "replica-lag-bound", "catch-up-timeout");
        DrillSettings d = DrillSettings.DEFAULTS;
        return new DrillSettings(node.bool("verify-checksums", d.verifyChecksums()),
                node.seconds("replica-lag-bound", d.replicaLagBoundSeconds(), 0, 86_400),
                node.seconds("catch-up-timeout", d.catchUpTimeoutSeconds(), 1, 7 * 86_400));
    }

    private static ServiceSettings service(ConfigNode node) {
        node.allowOnly("drain-timeout");
        return new ServiceSettings(node.seconds("drain-timeout", ServiceSettings.DEFAULTS.drainTimeoutSeconds(), 1, 86_400));
    }

    private Optional<ClusterSpec> clusterSpec(ConfigNode cluster, Site site) {
        Optional<ConfigNode> node = cluster.object(site.configKey(), true, "{ shards { meta {...}, ... } } for the " + site.configKey() + " site");
        if (node.isEmpty()) {
            return Optional.empty();
        }
        node.get().allowOnly("shards");
        Optional<ConfigNode> shardsNode = node.get().object("shards", true, "the cluster's shards, meta included");
        if (shardsNode.isEmpty()) {
            return Optional.empty();
        }
        ConfigNode shards = shardsNode.get();
        boolean complete = true;
        if (!shards.has(ShardSpec.META)) {
            shards.problem(null, "has no meta shard", "a shard named meta, which holds the cluster's metadata");
            complete = false;
        }
        Map<String, ShardSpec> specs = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(shards.keys());
        names.sort(ClusterSpec.SHARD_ORDER);
        for (String name : names) {
            Optional<ShardSpec> shard = shards.object(name, true, "{ primary = \"host:port\", replicas = [...] }")
                    .flatMap(s -> shard(name, s));
            shard.ifPresent(s -> specs.put(name, s));
            complete &= shard.isPresent();
        }
        return complete ? Optional.of(new ClusterSpec(site, specs)) : Optional.empty();
    }

    private Optional<ShardSpec> shard(String name, ConfigNode node) {
        node.allowOnly("primary", "replicas");
        Optional<Endpoint> primary = endpoint(node, "primary").flatMap(e -> claim(node, "primary", e));
        List<Endpoint> replicas = new ArrayList<>();
        boolean replicasOk = true;
        for (String text : node.strings("replicas", "\"host:port\" of the shard's local replicas").orElse(List.of())) {
            Optional<Endpoint> replica = endpoint(node, "replicas", text).flatMap(e -> claim(node, "replicas", e));
            replica.ifPresent(replicas::add);
            replicasOk &= replica.isPresent();
        }
        if (primary.isEmpty() || !replicasOk) {
            return Optional.empty();
        }
        return Optional.of(new ShardSpec(name, primary.get(), replicas));
    }

    private Optional<Endpoint> endpoint(ConfigNode node, String key) {
        return node.string(key, true, "\"host:port\"").flatMap(text -> endpoint(node, key, text));
    }

    private Optional<Endpoint> endpoint(ConfigNode node, String key, String text) {
        try {
            return Optional.of(Endpoint.parse(text));
        } catch (IllegalArgumentException e) {
            report(node, key, e.getMessage());
            return Optional.empty();
        }
    }

    /** Files a refusal worded "what is wrong, expected what" by the value types themselves. */
    private static void report(ConfigNode node, String key, String sentence) {
        int split = sentence.lastIndexOf(", expected ");
        if (split < 0) {
            node.problem(key, sentence, "a valid value");
        } else {
            node.problem(key, sentence.substring(0, split), sentence.substring(split + ", expected ".length()));
        }
    }

    /** Records that a path uses an endpoint; two settings naming one address would make drsp act on the wrong server. */
    private Optional<Endpoint> claim(ConfigNode node, String key, Endpoint endpoint) {
        String path = key == null ? node.path() : node.path(key);
        String owner = endpointOwners.putIfAbsent(endpoint, path);
        if (owner != null) {
            node.problem(key, endpoint + " is already used by " + owner, "each MySQL instance and listening address named once");
            return Optional.empty();
        }
        return Optional.of(endpoint);
    }

    private Optional<String> userRef(ConfigNode node, String key, String defaultKey) {
        Optional<String> user = node.string(key, defaultKey == null, "the key of a user under drsp.users");
        if (user.isEmpty() && node.has(key)) {
            return Optional.empty();
        }
        String ref = user.orElse(defaultKey);
        if (ref == null) {
            return Optional.empty();
        }
        userRefs.put(node.has(key) ? node.path(key) : node.path(key) + " (default)", ref);
        return Optional.of(ref);
    }

    /** Relative paths are relative to the configuration file, so drsp behaves the same from any working directory. */
    private Path path(String text) {
        return baseDir.resolve(text).normalize();
    }
}
