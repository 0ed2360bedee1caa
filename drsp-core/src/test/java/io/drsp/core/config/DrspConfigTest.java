package io.drsp.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DrspConfigTest {

    /** A valid configuration; tests break it by appending HOCON overrides (the last value of a key wins). */
    private static final String VALID = """
            drsp {
              home = "var"
              time-zone = "Asia/Shanghai"
              controller {
                http { host = "127.0.0.1", port = 8470 }
                token-file = "var/controller.token"
                remoting { host = "127.0.0.1", port = 25520 }
                control-db { endpoint = "127.0.0.1:3320", database = "drsp", user = admin }
              }
              users {
                admin       { name = "drsp_admin", password { env = "DRSP_ADMIN_PASSWORD" } }
                replication { name = "drsp_repl",  password { file = "secrets/repl" } }
              }
              sites {
                production { hooks { start-dbproxy = "hooks/start.sh", stop-dbproxy = "hooks/stop.sh" } }
              }
              clusters {
                "1" {
                  production { shards { s2 { primary = "127.0.0.1:3308" }, meta { primary = "127.0.0.1:3306" }, s1 { primary = "127.0.0.1:3307" } } }
                  dr { shards {
                    meta { primary = "127.0.0.1:3316", replicas = ["127.0.0.1:3326"] }
                    s1 { primary = "127.0.0.1:3317" }
                    s2 { primary = "127.0.0.1:3318", replicas = ["127.0.0.1:3328", "127.0.0.1:3338"] }
                  } }
                }
              }
            }
            """;

    @TempDir
    Path dir;

    @BeforeEach
    void secretsAndHooks() throws IOException {
        writeSecret(dir.resolve("secrets/repl"), "s3cr3t\n", "rw-------");
        for (String hook : List.of("hooks/start.sh", "hooks/stop.sh")) {
            Path script = dir.resolve(hook);
            Files.createDirectories(script.getParent());
            Files.writeString(script, "#!/bin/sh\nexit 0\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void loadsAValidConfigurationResolvingPathsAgainstItsDirectory() throws IOException {
        DrspConfig config = DrspConfig.load(write(VALID));
        assertEquals(dir.resolve("drsp.conf"), config.file());
        assertEquals(dir.resolve("var"), config.home());
        assertEquals(ZoneId.of("Asia/Shanghai"), config.timeZone());
        ControllerSettings controller = config.controller();
        assertEquals(new Endpoint("127.0.0.1", 8470), controller.http());
        assertEquals(dir.resolve("var/controller.token"), controller.tokenFile());
        assertEquals(new Endpoint("127.0.0.1", 25520), controller.remoting());
        assertEquals(new ControlDb(Endpoint.parse("127.0.0.1:3320"), "drsp", "admin"), controller.controlDb());
        assertEquals(new UserRef("admin", "drsp_admin", new PasswordRef.FromEnv("DRSP_ADMIN_PASSWORD")), config.user("admin"));
        assertEquals(new PasswordRef.FromFile(dir.resolve("secrets/repl")), config.user("replication").password());
        assertEquals("s3cr3t", config.user("replication").password().resolve());
        assertEquals(Optional.of(dir.resolve("hooks/stop.sh")), config.site(Site.PRODUCTION).stopDbproxyHook());
        assertEquals(SiteSettings.withoutHooks(Site.DR), config.site(Site.DR));

        ClusterPair pair = config.cluster("1");
        assertEquals("admin", pair.adminUser());
        assertEquals("replication", pair.replicationUser());
        assertEquals(List.of("meta", "s1", "s2"), List.copyOf(pair.production().shards().keySet()));
        assertEquals(List.of("meta", "s1", "s2"), List.copyOf(pair.dr().shards().keySet()));
        ShardSpec drS2 = pair.dr().shard("s2");
        assertEquals(Endpoint.parse("127.0.0.1:3318"), drS2.primary());
        assertEquals(List.of(Endpoint.parse("127.0.0.1:3328"), Endpoint.parse("127.0.0.1:3338")), drS2.replicas());
        assertEquals(List.of(), pair.production().shard("meta").replicas());
    }

    @Test
    void theSampleConfigurationLoadsAsCommitted() {
        // Exactly the committed file, nothing created first: it is the default path of every command on a fresh clone.
        Path sample = Path.of("../conf/drsp.conf").toAbsolutePath().normalize();
        Path repo = sample.getParent().getParent();
        DrspConfig config = DrspConfig.load(sample);
        assertEquals(repo.resolve("var"), config.home());
        assertEquals(List.of("1"), List.copyOf(config.clusters().keySet()));
        assertEquals(List.of("meta", "s1", "s2"), List.copyOf(config.cluster("1").dr().shards().keySet()));
        for (Site site : Site.values()) {
            assertEquals(Optional.of(repo.resolve("scripts/hooks/start_dbproxy.sh")), config.site(site).startDbproxyHook());
            assertEquals(Optional.of(repo.resolve("scripts/hooks/stop_dbproxy.sh")), config.site(site).stopDbproxyHook());
        }
        assertEquals(new PasswordRef.FromEnv("DRSP_ADMIN_PASSWORD"), config.user("admin").password());
        assertEquals(new PasswordRef.FromEnv("DRSP_REPL_PASSWORD"), config.user("replication").password());
    }

    @Test
    void unknownClusterIsRefusedNamingTheKnownOnes() throws IOException {
        String twoClusters = VALID + """
                drsp.clusters."10" {
                  production.shards.meta.primary = "10.0.0.1:3306"
                  dr.shards.meta.primary = "10.0.0.2:3306"
                }
                drsp.clusters."2" {
                  production.shards.meta.primary = "10.0.0.3:3306"
                  dr.shards.meta.primary = "10.0.0.4:3306"
                }
                """;
        DrspConfig config = DrspConfig.load(write(twoClusters));
        assertEquals(List.of("1", "2", "10"), List.copyOf(config.clusters().keySet()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config.cluster("7"));
        assertEquals("cluster \"7\" is not configured in " + dir.resolve("drsp.conf") + ", expected one of: 1, 2, 10", e.getMessage());
    }

    @Test
    void stopservicesDrainTimeoutIsAPerClusterSettingOfWholeSeconds() throws IOException {
        assertEquals(30, DrspConfig.load(write(VALID)).cluster("1").service().drainTimeoutSeconds(), "the default");
        assertEquals(5, DrspConfig.load(write(VALID + "drsp.clusters.\"1\".service.drain-timeout = 5\n")).cluster("1").service()
                .drainTimeoutSeconds());
        assertProblems(VALID + "drsp.clusters.\"1\".service { drain-timeout = 0, drain = 3 }\n",
                "drsp.clusters.1.service.drain-timeout: is the number 0, expected whole seconds from 1 to 86400",
                "drsp.clusters.1.service.drain: is not a known setting, expected one of drain-timeout");
    }

    @Test
    void reportsMisspeltKeys() throws IOException {
        assertProblems(VALID + "drsp.time-zon = UTC\ndrsp.clusters.1.dr.shards.s1.replica = []\n",
                "drsp.time-zon: is not a known setting, expected one of home, time-zone, controller, users, sites, clusters, tls",
                "drsp.clusters.1.dr.shards.s1.replica: is not a known setting, expected one of primary, replicas");
    }

    @Test
    void reportsMissingRequiredSettings() throws IOException {
        assertProblems(VALID + "drsp.home = null\ndrsp.controller.control-db.database = null\n",
                "drsp.home: is missing, expected a directory for drsp's runtime state",
                "drsp.controller.control-db.database: is missing, expected the schema holding the controller's journal");
    }

    @Test
    void everyClusterNeedsAMetaShardAtBothSites() throws IOException {
        String noMeta = VALID.replace("meta { primary = \"127.0.0.1:3316\", replicas = [\"127.0.0.1:3326\"] }", "");
        assertProblems(noMeta, "drsp.clusters.1.dr.shards: has no meta shard, expected a shard named meta, "
                + "which holds the cluster's metadata");
    }

    @Test
    void bothSitesNeedTheSameShards() throws IOException {
        String mismatch = VALID.replace("s1 { primary = \"127.0.0.1:3317\" }", "s3 { primary = \"127.0.0.1:3317\" }");
        assertProblems(mismatch, "drsp.clusters.1: production has s1 that dr lacks and dr has s3 that production lacks, "
                + "expected the same shard names at both sites, because each DR shard replicates the production shard of its name");
    }

    @Test
    void portsMustBeInRange() throws IOException {
        assertProblems(VALID + """
                drsp.controller.http.port = 70000
                drsp.controller.remoting.port = "many"
                drsp.clusters."1".production.shards.s1.primary = "127.0.0.1:0"
                drsp.clusters."1".dr.shards.s1.primary = "127.0.0.1"
                """,
                "drsp.controller.http.port: 70000 is out of range, expected a TCP port 1-65535",
                "drsp.controller.remoting.port: \"many\" is not a port, expected a TCP port 1-65535",
                "drsp.clusters.1.production.shards.s1.primary: port 0 is out of range, expected 1-65535",
                "drsp.clusters.1.dr.shards.s1.primary: \"127.0.0.1\" is not host:port, expected something like 127.0.0.1:3306");
    }

    /** The controller section with three peers instead of one controller's own addresses. */
    private static final String THREE_CONTROLLERS = VALID + """
            drsp.controller.http = null
            drsp.controller.remoting = null
            drsp.controller.peers {
              c2 { http { host = "127.0.0.1", port = 8472 }, remoting { host = "127.0.0.1", port = 25522 }, metrics { host = "127.0.0.1", port = 9472 } }
              c1 { http { host = "127.0.0.1", port = 8471 }, remoting { host = "127.0.0.1", port = 25521 }, metrics { host = "127.0.0.1", port = 9471 } }
              c3 { http { host = "127.0.0.1", port = 8473 }, remoting { host = "127.0.0.1", port = 25523 }, metrics { host = "127.0.0.1", port = 9473 } }
            }
            """;

    @Test
    void threeControllersAreListedInNameOrderAndEachProcessSeesItsOwnPorts() throws IOException {
        DrspConfig config = DrspConfig.load(write(THREE_CONTROLLERS));
        ControllerSettings c = config.controller();
        assertTrue(c.highlyAvailable());
        assertEquals(List.of("c1", "c2", "c3"), c.peers().stream().map(ControllerPeer::name).toList());
        assertEquals(new Endpoint("127.0.0.1", 8471), c.http(), "without --name the first controller's API");
        ControllerSettings c2 = config.asController("c2").controller();
        assertEquals(new Endpoint("127.0.0.1", 8472), c2.http());
        assertEquals(new Endpoint("127.0.0.1", 25522), c2.remoting());
        assertEquals(new Endpoint("127.0.0.1", 9472), c2.metrics());
        assertEquals("c2", c2.self().name());
        assertEquals(c.peers(), c2.peers());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> config.asController("c4"));
        assertEquals("controller \"c4\" is not configured, expected one of: c1, c2, c3", unknown.getMessage());
        DrspConfig single = DrspConfig.load(write(VALID));
        assertFalse(single.controller().highlyAvailable());
        assertEquals(List.of(new ControllerPeer(ControllerPeer.SOLE, new Endpoint("127.0.0.1", 8470),
                new Endpoint("127.0.0.1", 25520), ControllerSettings.DEFAULT_METRICS)), single.controller().peers());
    }

    @Test
    void anEvenNumberOfControllersOrOwnPortsBesidePeersAreRefused() throws IOException {
        assertProblems(THREE_CONTROLLERS.lines().filter(l -> !l.contains("c3 {")).collect(java.util.stream.Collectors.joining("\n")),
                "drsp.controller.peers: lists 2 controllers, expected 1, 3 or 5: the controllers decide a network split by"
                        + " majority, and an even number can split into two halves where neither has one");
        assertProblems(THREE_CONTROLLERS + "drsp.controller.http { host = \"127.0.0.1\", port = 8470 }\n",
                "drsp.controller.http: is set beside peers, expected each controller's http inside its entry under peers");
        assertProblems(THREE_CONTROLLERS + "drsp.controller.peers.c2.remoting.port = 25521\n",
                "drsp.controller.peers.c2.remoting: 127.0.0.1:25521 is already used by drsp.controller.peers.c1.remoting, "
                        + "expected each MySQL instance and listening address named once");
    }

    @Test
    void noEndpointIsUsedTwice() throws IOException {
        assertProblems(VALID + """
                drsp.clusters."1".dr.shards.s2.replicas = ["127.0.0.1:3328", "127.0.0.1:3307"]
                drsp.controller.control-db.endpoint = "127.0.0.1:3316"
                """,
                "drsp.clusters.1.dr.shards.meta.primary: 127.0.0.1:3316 is already used by drsp.controller.control-db.endpoint, "
                        + "expected each MySQL instance and listening address named once",
                "drsp.clusters.1.dr.shards.s2.replicas: 127.0.0.1:3307 is already used by "
                        + "drsp.clusters.1.production.shards.s1.primary, expected each MySQL instance and listening address named once");
    }

    @Test
    void userReferencesMustExist() throws IOException {
        assertProblems(VALID + "drsp.controller.control-db.user = root\ndrsp.users.replication = null\n",
                "drsp.users.replication: is missing, expected { name, password { env | file } }",
                "drsp.controller.control-db.user: names the user \"root\", which is not defined, expected one of the keys "
                        + "under drsp.users (admin)",
                "drsp.clusters.1.replication-user (default): names the user \"replication\", which is not defined, "
                        + "expected one of the keys under drsp.users (admin)");
    }

    @Test
    void timeZoneMustBeKnown() throws IOException {
        assertProblems(VALID + "drsp.time-zone = \"Asia/Shangai\"\n",
                "drsp.time-zone: \"Asia/Shangai\" is not a time zone, expected a region id like Asia/Shanghai or UTC");
    }

    @Test
    void passwordFileMustBeOwnerOnly() throws IOException {
        Path secret = dir.resolve("secrets/repl");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        assertProblems(VALID, "drsp.users.replication.password.file: " + secret + " has mode rw-r--r-- and is open to group "
                + "or others, expected mode 0600 (chmod 600 " + secret + ")");
    }

    @Test
    void passwordNamesExactlyOneSource() throws IOException {
        // HOCON merges objects, so an emptied password block has to be written, not appended.
        assertProblems(VALID.replace("password { file = \"secrets/repl\" }", "password { }") + """
                drsp.users.admin.password.file = "secrets/repl"
                """,
                "drsp.users.admin.password: names both an environment variable and a file, expected exactly one of env = VARIABLE or file = path",
                "drsp.users.replication.password: names no source, expected exactly one of env = VARIABLE or file = path");
    }

    @Test
    void hooksMustBeExecutableScripts() throws IOException {
        Files.setPosixFilePermissions(dir.resolve("hooks/stop.sh"), PosixFilePermissions.fromString("rw-r--r--"));
        assertProblems(VALID + "drsp.sites.dr.hooks.start-dbproxy = \"hooks/missing.sh\"\n",
                "drsp.sites.production.hooks.stop-dbproxy: " + dir.resolve("hooks/stop.sh") + " is not executable, "
                        + "expected an executable script (chmod +x " + dir.resolve("hooks/stop.sh") + ")",
                "drsp.sites.dr.hooks.start-dbproxy: " + dir.resolve("hooks/missing.sh") + " does not exist, expected an executable script");
    }

    @Test
    void wrongTypesAreNamed() throws IOException {
        assertProblems(VALID + "drsp.controller.http = \"127.0.0.1:8470\"\ndrsp.clusters.1.dr.shards.s1.replicas = \"127.0.0.1:1\"\n",
                "drsp.controller.http: is the string \"127.0.0.1:8470\", expected { host, port } of the command API",
                "drsp.clusters.1.dr.shards.s1.replicas: is the string \"127.0.0.1:1\", expected a list of \"host:port\" of the shard's local replicas");
    }

    @Test
    void listsEveryProblemAtOnceEachPrefixedWithTheFile() throws IOException {
        Path file = write(VALID + """
                drsp.time-zone = "Mars/Olympus"
                drsp.controller.http.port = 0
                drsp.clusters."1".admin-user = nobody
                drsp.clusters."1".production.shards.s1.primary = "127.0.0.1:3306"
                """);
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> DrspConfig.load(file));
        assertEquals(4, e.problems().size(), e.getMessage());
        List<String> lines = e.getMessage().lines().toList();
        assertEquals(4, lines.size(), e.getMessage());
        for (String line : lines) {
            assertTrue(line.startsWith(file + ": drsp."), line);
            assertTrue(line.contains(", expected "), line);
        }
        assertTrue(e.getMessage().contains("drsp.time-zone: \"Mars/Olympus\" is not a time zone"), e.getMessage());
        assertTrue(e.getMessage().contains("drsp.controller.http.port: 0 is out of range"), e.getMessage());
        assertTrue(e.getMessage().contains("drsp.clusters.1.admin-user: names the user \"nobody\""), e.getMessage());
        assertTrue(e.getMessage().contains("drsp.clusters.1.production.shards.s1.primary: 127.0.0.1:3306 is already used"), e.getMessage());
    }

    @Test
    void unreadableFilesAreRefusedAsAWhole() throws IOException {
        Path missing = dir.resolve("nope.conf");
        InvalidConfigException absent = assertThrows(InvalidConfigException.class, () -> DrspConfig.load(missing));
        assertEquals(missing + ": (file): does not exist or is not a regular file, expected a HOCON file", absent.getMessage());

        Path broken = write("drsp { home = \"var\"\n");
        InvalidConfigException syntax = assertThrows(InvalidConfigException.class, () -> DrspConfig.load(broken));
        assertTrue(syntax.getMessage().startsWith(broken + ": (file): "), syntax.getMessage());
        assertTrue(syntax.getMessage().endsWith(", expected valid HOCON"), syntax.getMessage());

        InvalidConfigException noDrsp = assertThrows(InvalidConfigException.class, () -> DrspConfig.load(write("other = 1\n")));
        assertEquals(List.of("drsp: is missing, expected an object holding all drsp settings"), noDrsp.problems());
    }

    @Test
    void configurationHoldsNoSecret() throws IOException {
        DrspConfig config = DrspConfig.load(write(VALID));
        assertEquals("s3cr3t", config.user("replication").password().resolve(), "the secret is there to be found");
        assertEquals(List.of(), valuesHolding(config, "s3cr3t"), "no part of the configuration holds the secret");
        assertFalse(config.toString().contains("s3cr3t"), config.toString());
        // The search above must be able to fail: it finds a secret planted in a record and in a private field.
        UserRef leaky = new UserRef("admin", "s3cr3t", new PasswordRef.FromEnv("X"));
        assertEquals(List.of("UserRef.name"), valuesHolding(leaky, "s3cr3t"));
        assertEquals(List.of("Holder.secret"), valuesHolding(List.of(new Holder("s3cr3t")), "s3cr3t"));
    }

    /** A class that would keep a secret out of its toString(): what a search of toString() alone would miss. */
    private static final class Holder {
        private final char[] secret;

        Holder(String secret) {
            this.secret = secret.toCharArray();
        }
    }

    /**
     * Where under {@code root} a value holds {@code secret}, as {@code Type.component} names: every record component,
     * field of a drsp class, collection element, map key and value, Optional and char array, however deep.
     */
    private static List<String> valuesHolding(Object root, String secret) {
        List<String> found = new java.util.ArrayList<>();
        search(root, "root", secret, found, java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
        return found;
    }

    private static void search(Object o, String where, String secret, List<String> found, java.util.Set<Object> seen) {
        if (o == null || !seen.add(o)) {
            return;
        }
        if (o instanceof char[] chars) {
            if (new String(chars).contains(secret)) {
                found.add(where);
            }
        } else if (o instanceof CharSequence || o instanceof Path || o instanceof Number || o instanceof Enum<?>
                || o instanceof ZoneId || o instanceof Boolean) {
            if (o.toString().contains(secret)) {
                found.add(where);
            }
        } else if (o instanceof Optional<?> opt) {
            search(opt.orElse(null), where, secret, found, seen);
        } else if (o instanceof java.util.Map<?, ?> map) {
            map.forEach((k, v) -> {
                search(k, where, secret, found, seen);
                search(v, where, secret, found, seen);
            });
        } else if (o instanceof Iterable<?> items) {
            items.forEach(item -> search(item, where, secret, found, seen));
        } else if (o.getClass().getName().startsWith("io.drsp.")) {
            for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
                for (java.lang.reflect.Field f : c.getDeclaredFields()) {
                    if (!java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                        f.setAccessible(true);
                        try {
                            search(f.get(o), c.getSimpleName() + "." + f.getName(), secret, found, seen);
                        } catch (IllegalAccessException e) {
                            throw new AssertionError(e);
                        }
                    }
                }
            }
        } else if (o.toString().contains(secret)) {
            found.add(where + " (" + o.getClass().getName() + ")");
        }
    }

    @Test
    void anInlinePasswordIsRefusedWithoutBeingPrinted() throws IOException {
        Path file = write(VALID + """
                drsp.users.admin.password = "Pa55-inline-x"
                drsp.users.replication.password = null
                drsp.users.replication.password { env = "Pa55 typed as a name" }
                drsp.controller.token-file = 4711
                """);
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> DrspConfig.load(file));
        assertEquals(List.of(
                "drsp.controller.token-file: is a number (not shown: values of settings named like password, secret or token"
                        + " are never printed), expected the path of the controller's token file",
                "drsp.users.admin.password: is a string (not shown: values of settings named like password, secret or token"
                        + " are never printed), expected { env = VARIABLE } or { file = path }",
                "drsp.users.replication.password.env: is not an environment variable name (not shown: values of settings named"
                        + " like password, secret or token are never printed), expected the name of a variable holding the"
                        + " password: letters, digits and _"), e.problems().stream().sorted().toList());
        for (String value : List.of("Pa55", "inline", "typed as", "4711")) {
            assertFalse(e.getMessage().contains(value), e.getMessage());
        }
    }

    @Test
    void aSyntaxErrorOnAPasswordLineIsNotQuoted() throws IOException {
        Path file = write(VALID + "drsp.users.admin.password = Pa55\"zq9}\n");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> DrspConfig.load(file));
        assertFalse(e.getMessage().contains("Pa55"), e.getMessage());
        assertFalse(e.getMessage().contains("zq9"), e.getMessage());
        int line = VALID.split("\n", -1).length;
        assertEquals(List.of("(file): line " + line + " is not valid HOCON (the parser's words are not shown, as they may quote"
                + " that line, which names a password, secret or token), expected valid HOCON"), e.problems());
    }

    private Path write(String text) throws IOException {
        Path file = dir.resolve("drsp.conf");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void tlsIsOffUnlessConfiguredAndItsStoresAndCaResolveAgainstTheFile() throws IOException {
        assertEquals(TlsSettings.NONE, DrspConfig.load(write(VALID)).tls());
        DrspConfig tls = DrspConfig.load(write(VALID + """
                drsp.tls {
                  remoting {
                    key-store = "tls/controller.p12", key-store-password { file = "secrets/repl" }
                    agent-key-store = "tls/agent.p12", agent-key-store-password { env = "AGENT_STORE_PASSWORD" }
                    trust-store = "tls/trust.p12", trust-store-password { file = "secrets/repl" }
                    hostname-verification = on
                  }
                  mysql { ca = "tls/ca.pem", verify-identity = on }
                  api { key-store = "tls/controller.p12", key-store-password { file = "secrets/repl" }
                        trust-store = "tls/trust.p12", trust-store-password { file = "secrets/repl" } }
                }
                """));
        TlsSettings.Remoting r = tls.tls().remoting().orElseThrow();
        assertEquals(dir.resolve("tls/controller.p12"), r.keyStore(false));
        assertEquals(dir.resolve("tls/agent.p12"), r.keyStore(true));
        assertEquals(new PasswordRef.FromEnv("AGENT_STORE_PASSWORD"), r.keyStorePassword(true));
        assertEquals(new PasswordRef.FromFile(dir.resolve("secrets/repl")), r.keyStorePassword(false));
        assertEquals(dir.resolve("tls/trust.p12"), r.trustStore());
        assertTrue(r.hostnameVerification());
        assertEquals(new TlsSettings.Mysql(dir.resolve("tls/ca.pem"), true), tls.tls().mysql().orElseThrow());
        PasswordRef secret = new PasswordRef.FromFile(dir.resolve("secrets/repl"));
        assertEquals(new TlsSettings.Api(dir.resolve("tls/controller.p12"), secret, dir.resolve("tls/trust.p12"), secret),
                tls.tls().api().orElseThrow());
        assertEquals("https", ApiTransport.scheme(tls));
        assertEquals("http", ApiTransport.scheme(DrspConfig.load(write(VALID))));
    }

    @Test
    void tlsSettingsAreCheckedLikeTheRest() throws IOException {
        assertProblems(VALID + """
                drsp.tls {
                  remoting { key-store = "k.p12", key-store-password = "plain", trust-store = "t.p12", agent-key-store = "a.p12" }
                  mysql { verify-identity = on, sa = "x" }
                }
                """,
                "drsp.tls.remoting.key-store-password: is a string (not shown: values of settings named like password, secret"
                        + " or token are never printed), expected { env = VARIABLE } or { file = path }",
                "drsp.tls.remoting.trust-store-password: is missing, expected { env = VARIABLE } or { file = path }",
                "drsp.tls.remoting.agent-key-store-password: is missing, expected agent-key-store and agent-key-store-password"
                        + " together, or neither",
                "drsp.tls.mysql.sa: is not a known setting, expected one of ca, verify-identity",
                "drsp.tls.mysql.ca: is missing, expected the path of the CA certificate (PEM) the MySQL servers' certificates"
                        + " chain to");
    }

    private void assertProblems(String text, String... expected) throws IOException {
        Path file = write(text);
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> DrspConfig.load(file));
        assertEquals(List.of(expected).stream().sorted().toList(), e.problems().stream().sorted().toList(), e.getMessage());
    }

    static void writeSecret(Path file, String secret, String mode) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, secret);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    }
}
