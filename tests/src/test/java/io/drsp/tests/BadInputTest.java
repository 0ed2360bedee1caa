package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.controller.ApiToken;
import io.drsp.controller.Controller;
import io.drsp.core.config.DrspConfig;
import io.drsp.sandbox.Sandbox;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Every bad input or unfit situation gets one sentence and exit 1, and leaves everything as it was: the DR cluster
 * stays IDLE and no DR shard gets a link.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputTest {
    static final Path DIR = Path.of("target/bad-input").toAbsolutePath();
    static Sandbox sandbox;
    static Controller controller;
    static DrspConfig config;
    static String conf;

    @BeforeAll
    static void up() {
        sandbox = Sandbox.up(DIR, Sandbox.Options.defaults(), s -> { });
        conf = sandbox.configFile().toString();
        config = DrspConfig.load(sandbox.configFile());
        controller = Controller.start(config, Set.of());
    }

    @AfterAll
    static void down() {
        if (controller != null) {
            controller.close();
        }
        if (sandbox != null) {
            sandbox.down(false);
        }
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
                "mode IDLE, where a drill cannot start; a drill starts from SYNC, STOPPED or RECOVERED");
        refusedAndNothingChanged(Cli.run("drill", "1", "--end", "--config", conf), "mode IDLE, where no drill is in progress");
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
        assertNothingChanged();
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
