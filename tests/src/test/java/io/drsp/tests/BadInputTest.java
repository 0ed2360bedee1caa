package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.controller.ApiToken;
import io.drsp.controller.Controller;
import io.drsp.core.config.DrspConfig;
import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.Sandbox;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Every bad input or unfit situation gets one sentence and exit 1, and leaves everything as it was: the DR cluster
 * stays IDLE and no DR shard gets a link. This includes the API token (missing, unreadable, open to others, wrong)
 * and the runbook scripts, which reach the same commands. Once every refusal is done, the scripts drive the idle
 * sandbox through sync, status, stopsync and every kind of recovery target.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputTest {
    static final Path DIR = Path.of("target/bad-input").toAbsolutePath();
    static Sandbox sandbox;
    static Controller controller;
    static DrspConfig config;
    static String conf;
    static Path tokenFile;
    static boolean tokenExistedBeforeFirstStart;

    @BeforeAll
    static void up() {
        sandbox = Sandbox.upReplacing(DIR, Sandbox.Options.defaults(), s -> { });
        conf = sandbox.configFile().toString();
        config = DrspConfig.load(sandbox.configFile());
        tokenFile = config.controller().tokenFile();
        tokenExistedBeforeFirstStart = Files.exists(tokenFile);
        controller = Controller.start(config, Set.of());
    }

    @AfterAll
    static void down() throws Exception {
        TearDown.all(controller, sandbox);
    }

    @Test
    @Order(0)
    void theTokenFileMadeAtFirstStartIsOwnerOnly() throws Exception {
        assertFalse(tokenExistedBeforeFirstStart, "the sandbox is fresh, so the controller's start made " + tokenFile);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)), tokenFile.toString());
        assertEquals(System.getProperty("user.name"), Files.getOwner(tokenFile).getName(), "owned by the controller's user");
        assertTrue(Files.readString(tokenFile).strip().matches("[0-9a-f]{64}"), "256 random bits in hex");
    }

    @Test
    @Order(1)
    void unknownCluster() throws Exception {
        refusedAndNothingChanged(Cli.run("sync", "7", "--delay", "3", "--config", conf), "cluster \"7\" is not configured");
        refusedAndNothingChanged(Cli.run("status", "7", "--config", conf), "expected one of: 1");
    }

    @Test
    @Order(2)
    void negativeOrNonNumericDelay() throws Exception {
        refusedAndNothingChanged(Cli.run("sync", "1", "--delay", "-3", "--config", conf), "whole number of seconds");
        refusedAndNothingChanged(Cli.run("sync", "1", "--delay", "3s", "--config", conf), "got \"3s\"");
        refusedAndNothingChanged(Cli.run("sync", "1", "--delay", "99999999999", "--config", conf), "whole number of seconds");
    }

    @Test
    @Order(3)
    void wrongMode() throws Exception {
        refusedAndNothingChanged(Cli.run("stopsync", "1", "--config", conf),
                "DR cluster 1 is in mode IDLE, where stopsync does not apply; sync would fit.");
        refusedAndNothingChanged(Cli.run("relaytime", "1", "--all", "--config", conf), "mode IDLE, where relaytime does not apply");
        refusedAndNothingChanged(Cli.run("recover", "1", "--config", conf), "mode IDLE, where recover does not apply");
        refusedAndNothingChanged(Cli.run("service", "1", "--config", conf), "mode IDLE, where service does not apply");
        refusedAndNothingChanged(Cli.run("flashback", "1", "--config", conf), "mode IDLE, where flashback does not apply");
        refusedAndNothingChanged(Cli.run("flashback", "1", "--dry-run", "--config", conf), "mode IDLE, where flashback does not apply");
        refusedAndNothingChanged(Cli.run("purge", "1", "--dry-run", "--config", conf), "mode IDLE, where purge does not apply");
        refusedAndNothingChanged(Cli.run("drill", "1", "--to", "", "--delay", "60", "--config", conf),
                "DR cluster 1 is in mode IDLE, where drill does not apply; sync would fit.");
        refusedAndNothingChanged(Cli.run("drill", "1", "--end", "--config", conf), "mode IDLE, where no drill is in progress");
        refusedAndNothingChanged(Cli.run("switchback", "1", "--config", conf),
                "DR cluster 1 is in mode IDLE, where switchback does not apply; sync would fit.");
        refusedAndNothingChanged(Cli.run("switchback", "1", "--dry-run", "--config", conf), "mode IDLE, where switchback does not apply");
        refusedAndNothingChanged(Cli.run("switchback", "1", "--delay", "1h", "--config", conf), "whole number of seconds");
        refusedAndNothingChanged(Cli.run("laststamp", "1", "--config", conf), "mode IDLE, where laststamp does not apply");
        refusedAndNothingChanged(Cli.run("laststamp", "1", "--dry-run", "--config", conf), "mode IDLE, where laststamp does not apply");
        refusedAndNothingChanged(Cli.run("dbproxy", "1", "--site", "dr", "--start", "--config", conf),
                "DR cluster 1 is in mode IDLE, not SERVICE, so its proxy must not send applications to it; service 1 starts it once it serves.");
        refusedAndNothingChanged(Cli.run("dbproxy", "1", "--site", "elsewhere", "--stop", "--config", conf),
                "--site must be dr or production, got \"elsewhere\"");
        Cli.Result dry = Cli.run("dbproxy", "1", "--site", "production", "--stop", "--dry-run", "--config", conf);
        assertEquals(0, dry.exitCode(), dry.toString());
        assertTrue(dry.out().startsWith("dry run, nothing was changed: would run the production site's stop_dbproxy hook ("), dry.out());
        assertNothingChanged();
    }

    @Test
    @Order(3)
    void badDrillInput() throws Exception {
        refusedAndNothingChanged(Cli.run("drill", "1", "--to", "2024-13-01 10:00:00", "--delay", "60", "--config", conf),
                "2024-13-01 10:00:00");
        refusedAndNothingChanged(Cli.run("drill", "1", "--to", "", "--config", conf), "drill --to needs --delay SECONDS");
        refusedAndNothingChanged(Cli.run("drill", "1", "--to", "", "--delay", "-1", "--config", conf), "whole number of seconds");
        Cli.Result both = Cli.run("drill", "1", "--to", "", "--end", "--config", conf);
        assertEquals(2, both.exitCode(), "--to and --end exclude each other: " + both);
        Cli.Result mixed = Cli.run("flashback", "1", "--host", "127.0.0.1", "--config", conf);
        assertEquals(2, mixed.exitCode(), mixed.toString());
        assertTrue(mixed.err().contains("takes only --config and --dry-run (no DIR), not --host"), mixed.err());
        Cli.Result neither = Cli.run("flashback", "--config", conf);
        assertEquals(2, neither.exitCode(), neither.toString());
        assertTrue(neither.err().contains("either a CLUSTER (to end a drill) or --host"), neither.err());
        assertNothingChanged();
    }

    @Test
    @Order(4)
    void missingOrWrongToken() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String url = "http://127.0.0.1:" + config.controller().http().port() + "/api/v1/clusters/1/sync";
        HttpRequest.Builder post = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"delaySeconds\":3}"));
        HttpResponse<String> none = http.send(post.build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> wrong = http.send(post.header("Authorization", "Bearer 00" + ApiToken.read(
                config.controller().tokenFile()).value()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, none.statusCode());
        assertEquals(401, wrong.statusCode());
        assertTrue(new ObjectMapper().readTree(none.body()).path("detail").asText().contains("Authorization: Bearer"));
        assertEquals("application/problem+json", none.headers().firstValue("Content-Type").orElse(""));
        assertNothingChanged();
    }

    /** Whatever the API refuses, it answers with a problem document (RFC 9457) whose detail is one sentence. */
    @Test
    @Order(4)
    void requestsNoRouteTakesGetProblemDocuments() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + config.controller().http().port() + "/api/v1/";
        String bearer = "Bearer " + ApiToken.read(config.controller().tokenFile()).value();
        HttpResponse<String> malformed = http.send(HttpRequest.newBuilder(URI.create(base + "clusters/1/sync"))
                .header("Authorization", bearer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"delaySeconds\": ")).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> unknownPath = http.send(HttpRequest.newBuilder(URI.create(base + "clusters/1/switchover"))
                .header("Authorization", bearer).GET().build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> unknownCluster = http.send(HttpRequest.newBuilder(URI.create(base + "clusters/9/status"))
                .header("Authorization", bearer).GET().build(), HttpResponse.BodyHandlers.ofString());
        for (HttpResponse<String> r : List.of(malformed, unknownPath, unknownCluster)) {
            assertTrue(r.statusCode() >= 400 && r.statusCode() < 500, r.uri() + " answered " + r.statusCode() + ": " + r.body());
            assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""), r.uri() + ": " + r.body());
            var problem = new ObjectMapper().readTree(r.body());
            assertEquals(r.statusCode(), problem.path("status").asInt(), r.body());
            assertFalse(problem.path("detail").asText().isBlank(), r.body());
        }
        assertNothingChanged();
    }

    /**
     * The CLI reads the token from the file the controller made; whatever is wrong with that file, every command is
     * refused in one sentence (exit 1) saying what to do, and nothing is journaled. The check that the file is not
     * open to group or others stays: the token lets anyone who has it recover, serve or flash back the bank's DR copy,
     * so a loosened file is refused (as ssh refuses a loose key) rather than trusted, and the DBA notices it.
     */
    @Test
    @Order(4)
    void aMissingUnreadableLooseOrWrongTokenFileIsRefusedThroughTheCli() throws Exception {
        String good = Files.readString(tokenFile);
        long journal = journalRows();
        Path aside = tokenFile.resolveSibling("controller.token.aside");
        List<Cli.Result> missing;
        Files.move(tokenFile, aside);
        try {
            missing = List.of(Cli.run("sync", "1", "--delay", "3", "--config", conf), Cli.run("status", "1", "--config", conf));
        } finally {
            Files.move(aside, tokenFile);
        }
        for (Cli.Result r : missing) {
            refusedAndNothingChanged(r, "cannot read the API token file " + tokenFile + " (has the controller been started with this config?)");
        }

        for (String loose : List.of("rw-r--r--", "rw-rw----", "rw----r--")) {
            List<Cli.Result> refused;
            Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString(loose));
            try {
                refused = List.of(Cli.run("sync", "1", "--delay", "3", "--config", conf), Cli.run("status", "1", "--config", conf));
            } finally {
                Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
            }
            for (Cli.Result r : refused) {
                refusedAndNothingChanged(r, "the API token file " + tokenFile + " is readable by others; run chmod 600 " + tokenFile);
            }
        }
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("r--------"));
        try {
            assertEquals(0, Cli.run("status", "1", "--config", conf).exitCode(), "stricter than 0600 is fine");
        } finally {
            Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        }

        Cli.Result wrong;
        Files.writeString(tokenFile, "0".repeat(64) + "\n");
        try {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
            wrong = Cli.run("sync", "1", "--delay", "3", "--config", conf);
        } finally {
            Files.writeString(tokenFile, good);
        }
        refusedAndNothingChanged(wrong, "the drsp controller at 127.0.0.1:" + config.controller().http().port()
                + " did not accept the token in " + tokenFile);
        assertEquals(journal, journalRows(), "nothing journaled by any refused command");
    }

    /**
     * A DBA who runs the scripts as another OS user than the controller's cannot read its 0600 token file: the real
     * {@code bin/drsp} run as {@code nobody} says so in one sentence, exit 1, nothing changed.
     */
    @Test
    @Order(4)
    void aTokenFileOfAnotherUserIsRefusedThroughTheBinScript() throws Exception {
        assumeTrue(System.getProperty("user.name").equals("root") && Files.isExecutable(Path.of("/usr/bin/setpriv")),
                "needs root and setpriv to run drsp as another user");
        long journal = journalRows();
        for (String command : List.of("sync 1 --delay 3", "status 1")) {
            List<String> cmd = new java.util.ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    Scripts.DRSP.toString()));
            cmd.addAll(List.of(command.split(" ")));
            cmd.addAll(List.of("--config", conf));
            Cli.Result r = Scripts.exec(cmd, null, Map.of("HOME", "/tmp"));
            refusedAndNothingChanged(r, "the API token file " + tokenFile + " cannot be read by user nobody; "
                    + "run drsp as the user that started the controller");
        }
        assertEquals(journal, journalRows());
    }

    /** Every runbook flag reaches its drsp command: in IDLE each is refused naming that command, exit 1, nothing changed. */
    @Test
    @Order(4)
    void theRunbookScriptsReachTheSameCommandsAndRefusals() throws Exception {
        long journal = journalRows();
        for (String flag : List.of("stopsync", "recover", "service", "stopservice", "flashback", "purge")) {
            refusedAndNothingChanged(Scripts.run(conf, "AllControl.sh", "-" + flag, "1"),
                    "DR cluster 1 is in mode IDLE, where " + flag + " does not apply");
        }
        refusedAndNothingChanged(Scripts.run(conf, "bat_mod_relaytime.sh", "1", ""), "mode IDLE, where relaytime does not apply");
        refusedAndNothingChanged(Scripts.run(conf, "AllControl.sh", "-switchback", "1", "-dry_run"), "mode IDLE, where switchback does not apply");
        refusedAndNothingChanged(Scripts.run(conf, "bat_mod_laststamp.sh", "1", ""), "mode IDLE, where laststamp does not apply");
        refusedAndNothingChanged(Scripts.run(conf, "start_stop_service.sh", "-start_dbproxy", "1", "-site", "dr"),
                "DR cluster 1 is in mode IDLE, not SERVICE");
        refusedAndNothingChanged(Scripts.run(conf, "AllControl.sh", "-sync", "7", "-delay_time=3"), "cluster \"7\" is not configured");
        refusedAndNothingChanged(Scripts.run(conf, "AllControl.sh", "-sync", "1", "-delay_time=99999999999"), "whole number of seconds");
        refusedAndNothingChanged(Scripts.run(conf, "AllControl.sh", "-status", "7"), "cluster \"7\" is not configured");
        assertEquals(journal, journalRows());
    }

    @Test
    @Order(5)
    void productionUnreachable() throws Exception {
        Sandbox.Member s1 = sandbox.production("s1");
        s1.instance().stop();
        try {
            refusedAndNothingChanged(Cli.run("sync", "1", "--delay", "3", "--config", conf),
                    "production shard s1 (" + s1.endpoint() + ") is unreachable");
        } finally {
            s1.instance().start();
        }
    }

    @Test
    @Order(6)
    void aRequiredSettingOff() throws Exception {
        Sandbox.Member s2 = sandbox.production("s2");
        Db.exec(s2, "SET GLOBAL binlog_row_metadata = MINIMAL");
        try {
            refusedAndNothingChanged(Cli.run("sync", "1", "--delay", "3", "--config", conf),
                    "production shard s2 (" + s2.endpoint() + "): binlog_row_metadata is MINIMAL, drsp needs FULL");
        } finally {
            Db.exec(s2, "SET GLOBAL binlog_row_metadata = FULL");
        }
    }

    @Test
    @Order(7)
    void errantTransactionsOnDr() throws Exception {
        Sandbox.Member dr = sandbox.drPrimary("s1");
        Db.exec(dr, "SET GLOBAL super_read_only = OFF", "CREATE DATABASE written_on_dr", "SET GLOBAL super_read_only = ON");
        String errant = Db.executed(dr).toCompactString();
        refusedAndNothingChanged(Cli.run("sync", "1", "--delay", "3", "--config", conf),
                "dr shard s1 has transactions production does not (errant GTIDs " + errant + ")");
    }

    @Test
    @Order(8)
    void afterAllThoseRefusalsAValidSyncStillWorks() throws Exception {
        Db.exec(sandbox.drPrimary("s1"), "SET GLOBAL super_read_only = OFF", "RESET MASTER", "DROP DATABASE written_on_dr",
                "RESET MASTER", "SET GLOBAL super_read_only = ON");
        Cli.Result r = Cli.run("sync", "1", "--delay", "3", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        for (Sandbox.Member dr : sandbox.members(Sandbox.Role.DR)) {
            assertEquals("3", Db.replicaStatus(dr).orElseThrow().get("SQL_Delay"), dr.name());
        }
    }

    /**
     * The runbook scripts drive the real thing: -sync N -delay_time=D (both spellings) puts the cluster in SYNC with
     * that delay on every link, -status N prints the table, -status N -json the document, -stopsync N stops every link.
     */
    @Test
    @Order(9)
    void allControlSyncStatusAndStopsyncDoWhatTheySay() throws Exception {
        Cli.Result sync = Scripts.run(conf, "AllControl.sh", "-sync", "1", "-delay_time=5");
        assertEquals(0, sync.exitCode(), sync.toString());
        assertTrue(sync.out().contains("delay 5 s"), sync.out());
        assertSync(5);
        sync = Scripts.run(conf, "AllControl.sh", "-sync", "1", "-delay_time", "4");
        assertEquals(0, sync.exitCode(), sync.toString());
        assertSync(4);

        Cli.Result table = Scripts.run(conf, "AllControl.sh", "-status", "1");
        assertEquals(0, table.exitCode(), table.toString());
        assertTrue(table.err().isEmpty(), table.err());
        assertTrue(table.out().startsWith("cluster 1   production: SERVICE   dr: SYNC   delay: 4 s"), table.out());
        assertTrue(table.out().contains("  over TLS: none; in the clear: meta, s1, s2\n"), table.out());
        for (String shard : sandbox.shards()) {
            assertTrue(table.out().lines().anyMatch(l -> l.matches(shard + " +up +read-only +Yes +Yes .*")), shard + ": " + table.out());
        }
        Cli.Result json = Scripts.run(conf, "AllControl.sh", "-status", "1", "-json");
        assertEquals(0, json.exitCode(), json.toString());
        JsonNode doc = new ObjectMapper().readTree(json.out());
        assertEquals("SYNC", doc.path("drMode").asText());
        assertEquals(4, doc.path("delaySeconds").asInt());
        assertEquals(sandbox.shards().size(), doc.path("shards").size());

        Cli.Result stop = Scripts.run(conf, "AllControl.sh", "-stopsync", "1");
        assertEquals(0, stop.exitCode(), stop.toString());
        assertEquals("STOPPED", status().path("drMode").asText());
        for (Sandbox.Member dr : sandbox.members(Sandbox.Role.DR)) {
            Map<String, String> rs = Db.replicaStatus(dr).orElseThrow();
            assertEquals("No", rs.get("Replica_IO_Running"), dr.name());
            assertEquals("No", rs.get("Replica_SQL_Running"), dr.name());
        }
        long journal = journalRows();
        Cli.Result again = Scripts.run(conf, "AllControl.sh", "-stopsync", "1");
        assertEquals(1, again.exitCode(), again.toString());
        assertEquals(1, again.err().strip().lines().count(), again.err());
        assertTrue(again.err().contains("DR cluster 1 is in mode STOPPED, where stopsync does not apply"), again.err());
        assertEquals(journal, journalRows());
    }

    /**
     * A command sent again with its request id, as the CLI does when the answer was lost, is answered by the runbook
     * it started, here one that ended: not refused by the mode that runbook left, and nothing is journaled or changed.
     * The same command with another id is judged anew and refused; a malformed id is refused before anything.
     */
    @Test
    @Order(9)
    void aCommandSentAgainWithItsRequestIdIsAnsweredByItsRunbook() throws Exception {
        Duration t = Duration.ofSeconds(60);
        assertEquals(200, Api.post(config, "sync", Map.of("delaySeconds", 4), "sync0000request1", t).statusCode());
        HttpResponse<String> first = Api.post(config, "stopsync", Map.of(), "stopsync00000001", t);
        assertEquals(200, first.statusCode(), first.body());
        long journal = journalRows();
        HttpResponse<String> again = Api.post(config, "stopsync", Map.of(), "stopsync00000001", t);
        assertEquals(200, again.statusCode(), again.body());
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.readTree(first.body()).path("message"), json.readTree(again.body()).path("message"), again.body());
        assertEquals("STOPPED", json.readTree(again.body()).path("drMode").asText());
        assertEquals(journal, journalRows(), "answered from the journal's state, nothing written");
        HttpResponse<String> fresh = Api.post(config, "stopsync", Map.of(), "stopsync00000002", t);
        assertEquals(409, fresh.statusCode(), fresh.body());
        assertTrue(json.readTree(fresh.body()).path("detail").asText().contains("where stopsync does not apply"), fresh.body());
        HttpResponse<String> bad = Api.post(config, "sync", Map.of("delaySeconds", 4), "Not An Id!", t);
        assertEquals(400, bad.statusCode(), bad.body());
        assertTrue(json.readTree(bad.body()).path("detail").asText().startsWith("X-Drsp-Request-Id must be 8 to 32"), bad.body());
        assertEquals(journal, journalRows());
        assertEquals("STOPPED", status().path("drMode").asText(), "the malformed sync changed nothing");
    }

    /**
     * bat_mod_relaytime.sh records each kind of target as typed by a runbook: "" (all relay log), a time in the
     * cluster's zone, --gtid SET; a malformed time or one outside the window is one sentence, exit 1, target kept.
     */
    @Test
    @Order(10)
    void batModRelaytimeRecordsEachKindOfTarget() throws Exception {
        Cli.Result all = Scripts.run(conf, "bat_mod_relaytime.sh", "1", "");
        assertEquals(0, all.exitCode(), all.toString());
        JsonNode target = status().path("target");
        assertEquals("ALL", target.path("kind").asText(), target.toString());

        // The window runs from the newest production time any DR shard applied to the oldest last-retrieved one (about
        // the stopsync, 4 s later, with heartbeats every second): a whole second 1 to 2 s into it lies inside.
        long applied = 0;
        for (JsonNode shard : status().path("shards")) {
            applied = Math.max(applied, shard.path("dr").path("appliedSourceTimeMicros").asLong());
        }
        long second = (applied + 2_000_000) / 1_000_000;
        String typed = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").format(Instant.ofEpochSecond(second).atZone(config.timeZone()));
        Cli.Result time = Scripts.run(conf, "bat_mod_relaytime.sh", "1", typed);
        assertEquals(0, time.exitCode(), time.toString());
        target = status().path("target");
        assertEquals("TIME", target.path("kind").asText(), target.toString());
        assertEquals(second * 1_000_000, target.path("timeMicros").asLong(), target.toString());
        assertEquals(typed, target.path("asTyped").asText());

        StringBuilder set = new StringBuilder();
        for (String shard : sandbox.shards()) {
            set.append(set.length() == 0 ? "" : ",").append(Db.executed(sandbox.drPrimary(shard)).toCompactString());
        }
        Cli.Result gtid = Scripts.run(conf, "bat_mod_relaytime.sh", "1", "--gtid", set.toString());
        assertEquals(0, gtid.exitCode(), gtid.toString());
        target = status().path("target");
        assertEquals("GTIDS", target.path("kind").asText(), target.toString());
        assertEquals(GtidSet.parse(set.toString()), GtidSet.parse(target.path("gtids").asText()));

        long journal = journalRows();
        for (String bad : List.of("2024-13-01 10:00:00", "yesterday",
                DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").format(Instant.now().plusSeconds(3600).atZone(config.timeZone())))) {
            Cli.Result r = Scripts.run(conf, "bat_mod_relaytime.sh", "1", bad);
            assertEquals(1, r.exitCode(), bad + ": " + r);
            assertEquals(1, r.err().strip().lines().count(), "one sentence: " + r.err());
            assertTrue(r.err().contains(bad) || r.err().contains("outside the recoverable window of cluster 1"), r.err());
            assertTrue(r.out().isEmpty(), r.out());
        }
        assertEquals(target, status().path("target"), "the target set before is kept");
        assertEquals("STOPPED", status().path("drMode").asText());
        assertEquals(journal, journalRows());
    }

    static void assertSync(int delay) throws Exception {
        JsonNode s = status();
        assertEquals("SYNC", s.path("drMode").asText());
        assertEquals(delay, s.path("delaySeconds").asInt());
        for (Sandbox.Member dr : sandbox.members(Sandbox.Role.DR)) {
            Map<String, String> rs = Db.replicaStatus(dr).orElseThrow();
            assertEquals(String.valueOf(delay), rs.get("SQL_Delay"), dr.name());
            assertEquals("Yes", rs.get("Replica_IO_Running"), dr.name());
            assertEquals("Yes", rs.get("Replica_SQL_Running"), dr.name());
        }
    }

    static JsonNode status() throws Exception {
        Cli.Result r = Cli.run("status", "1", "--json", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        return new ObjectMapper().readTree(r.out());
    }

    /** Events in the controller's journal: a refused command must not add one. */
    static long journalRows() throws SQLException {
        return Long.parseLong(Db.one(sandbox.control(), "SELECT COUNT(*) FROM drsp.event_journal"));
    }

    /** One sentence on stderr, exit 1, and the pair exactly as before: IDLE, no DR shard linked. */
    static void refusedAndNothingChanged(Cli.Result r, String expected) throws Exception {
        assertEquals(1, r.exitCode(), r.toString());
        String err = r.err().strip();
        assertTrue(err.contains(expected), "expected \"" + expected + "\" in: " + err);
        assertEquals(1, err.lines().count(), "one sentence: " + err);
        assertTrue(r.out().isBlank(), r.out());
        assertNothingChanged();
    }

    static void assertNothingChanged() throws SQLException {
        for (Sandbox.Member dr : sandbox.members(Sandbox.Role.DR)) {
            assertTrue(Db.replicaStatus(dr).isEmpty(), dr.name() + " got no link");
            assertEquals("1", Db.one(dr, "SELECT @@super_read_only"), dr.name());
        }
        Cli.Result status = Cli.run("status", "1", "--config", conf);
        assertTrue(status.out().contains("dr: IDLE"), status.out());
    }
}
