package io.drsp.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code sandbox up} refuses before touching anything, and what it leaves behind when a server fails to start. */
class SandboxUpTest {
    @TempDir
    Path tmp;

    @Test
    void refusesADirectoryThatIsNeitherEmptyNorASandboxAndDeletesNothing() throws IOException {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path precious = Files.writeString(home.resolve("notes.txt"), "a DBA's notes");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sandbox.up(home, Sandbox.Options.defaults(), s -> { }));
        assertEquals("refusing to replace " + home + ", which is neither empty nor a sandbox (it has no sandbox.properties)"
                + " and would be deleted; give --dir a missing or empty directory, or one a previous 'drsp sandbox up' made.",
                e.getMessage());
        assertEquals("a DBA's notes", Files.readString(precious));
    }

    @Test
    void refusesAFile() throws IOException {
        // Never a real directory such as the working directory here: the code under test, if wrong, deletes it.
        Path file = Files.writeString(tmp.resolve("file"), "x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sandbox.up(file, Sandbox.Options.defaults(), s -> { }));
        assertEquals(file + " is not a directory, and 'sandbox up' replaces its directory; give --dir a missing or empty"
                + " directory, or one a previous 'drsp sandbox up' made.", e.getMessage());
        assertEquals("x", Files.readString(file));
    }

    @Test
    void clusterIdsAreFileAndHoconSafe() {
        for (String bad : List.of("", "1/../x", "1\" { }", "a b", "x".repeat(33))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Sandbox.Options(bad, 2, 0, Map.of()), bad);
            assertEquals("cluster id must be 1 to 32 letters, digits, _ or -, got \"" + bad + "\"", e.getMessage());
        }
        assertEquals("prod_1-a", new Sandbox.Options("prod_1-a", 2, 0, Map.of()).clusterId());
        assertEquals("shards must be between 1 and 16, got 0",
                assertThrows(IllegalArgumentException.class, () -> Sandbox.Options.defaults().withShards(0)).getMessage());
        assertEquals("replicas per DR shard must be between 0 and 3, got 4",
                assertThrows(IllegalArgumentException.class, () -> Sandbox.Options.defaults().withReplicas(4)).getMessage());
    }

    @Test
    void aServerFailingToStartStopsTheOnesAlreadyStarted() {
        Path dir = tmp.resolve("sandbox");
        // Every member but the control database gets the unknown setting, so the control database starts and the
        // other four fail: up must not leave it running.
        Sandbox.Options broken = new Sandbox.Options("1", 1, 0, Map.of("no-such-setting", "1"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Sandbox.up(dir, broken, s -> { }));
        assertTrue(e.getMessage().contains("exited with code"), e.getMessage());
        assertTrue(e.getMessage().contains("unknown variable 'no-such-setting=1'"), e.getMessage());
        assertEquals(List.of(), StaleInstances.running(dir), "no server of the failed sandbox runs");
        // The directory is kept for its logs and is still a sandbox: down (and the next up) accept it.
        Sandbox.open(dir).down(false);
        assertFalse(Files.exists(dir));
    }

    @Test
    void aFailureAfterEveryServerStartedStopsThemAll() {
        Path dir = tmp.resolve("wired");
        // Every server starts, but local replicas cannot use GTID auto-positioning: wiring them fails after the starts.
        Sandbox.Options noGtids = new Sandbox.Options("1", 1, 1, Map.of("gtid-mode", "OFF"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Sandbox.up(dir, noGtids, s -> { }));
        assertTrue(e.getMessage().startsWith("cannot make dr-1-meta-r1 a replica of dr-1-meta: "), e.getMessage());
        assertTrue(e.getMessage().contains("GTID_MODE"), e.getMessage());
        assertEquals(List.of(), StaleInstances.running(dir), "every started server was stopped again");
        Sandbox.open(dir).down(false);
    }

    @Test
    void aReplicationErrorNeverShowsThePassword() {
        SandboxCredentials c = new SandboxCredentials("drsp_admin", "Dr0adminpw", "drsp_repl", "Dr1replpw");
        SQLException syntax = new SQLException("You have an error in your SQL syntax; check the manual near"
                + " 'Dr1replpw', SOURCE_AUTO_POSITION=1' at line 1", "42000", 1064);
        IllegalStateException e = Sandbox.replicaSetupFailed("dr-1-s1-r1", "dr-1-s1", syntax, c);
        assertEquals("cannot make dr-1-s1-r1 a replica of dr-1-s1: You have an error in your SQL syntax; check the manual"
                + " near '****', SOURCE_AUTO_POSITION=1' at line 1", e.getMessage());
        assertFalse(e.getCause().getMessage().contains("Dr1replpw"), "nor does the cause a stack trace prints");
        assertEquals(1064, ((SQLException) e.getCause()).getErrorCode());
    }
}
