package io.drsp.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code sandbox up} refuses a directory where a sandbox runs and changes nothing; after {@code down --keep-data} it
 * replaces the stopped one; {@code down} leaves no server running and no data behind.
 */
class SandboxDownTest {
    static final Path DIR = Path.of("target/sandbox-down-test").toAbsolutePath();

    @BeforeAll
    static void clear() {
        Sandbox.takeDownLeftover(DIR);
    }

    @Test
    void upRefusesARunningSandboxReplacesAStoppedOneAndDownStopsEverything() {
        Sandbox first = Sandbox.up(DIR, Sandbox.Options.defaults().withShards(1), s -> { });
        List<ProcessHandle> firstPids = first.members().stream().map(m -> m.instance().processHandle().orElseThrow()).toList();

        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> Sandbox.up(DIR, Sandbox.Options.defaults().withShards(1), s -> { }));
        assertTrue(refused.getMessage().startsWith("a sandbox is running in " + DIR + " (mysqld pid "), refused.getMessage());
        assertTrue(refused.getMessage().endsWith("); run 'drsp sandbox down --dir " + DIR + "' first."), refused.getMessage());
        assertTrue(firstPids.stream().allMatch(ProcessHandle::isAlive), "the refused up stopped nothing");
        assertTrue(Files.exists(first.configFile()), "the refused up deleted nothing");

        first.down(true);
        assertTrue(firstPids.stream().noneMatch(ProcessHandle::isAlive), "down stops every server");
        Sandbox second = Sandbox.up(DIR, Sandbox.Options.defaults().withShards(1), s -> { });
        assertEquals(5, second.members().size());
        List<ProcessHandle> secondPids = second.members().stream().map(m -> m.instance().processHandle().orElseThrow()).toList();
        second.down(false);
        assertTrue(secondPids.stream().noneMatch(ProcessHandle::isAlive), "down stops every server");
        assertFalse(Files.exists(DIR), "down removes the sandbox directory");
    }
}
