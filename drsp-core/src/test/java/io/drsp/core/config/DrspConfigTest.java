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
    void theSampleConfigurationLoads() throws IOException {
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Files.copy(Path.of("../conf/drsp.conf"), conf.resolve("drsp.conf"));
        writeSecret(conf.resolve("secrets/repl"), "x", "rw-------");
        for (String hook : List.of("start_dbproxy.sh", "stop_dbproxy.sh")) {
            Path script = dir.resolve("scripts/hooks").resolve(hook);
            Files.createDirectories(script.getParent());
            Files.writeString(script, "#!/bin/sh\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        }
        DrspConfig config = DrspConfig.load(conf.resolve("drsp.conf"));
        assertEquals(dir.resolve("var"), config.home());
        assertEquals(List.of("1"), List.copyOf(config.clusters().keySet()));
        assertEquals(List.of("meta", "s1", "s2"), List.copyOf(config.cluster("1").dr().shards().keySet()));
        assertEquals(Optional.of(dir.resolve("scripts/hooks/start_dbproxy.sh")), config.site(Site.DR).startDbproxyHook());
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
    void reportsMisspeltKeys() throws IOException {
        assertProblems(VALID + "drsp.time-zon = UTC\ndrsp.clusters.1.dr.shards.s1.replica = []\n",
                "drsp.time-zon: is not a known setting, expected one of home, time-zone, controller, users, sites, clusters",
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
        assertFalse(config.toString().contains("s3cr3t"), config.toString());
    }

    private Path write(String text) throws IOException {
        Path file = dir.resolve("drsp.conf");
        Files.writeString(file, text);
        return file;
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
