package io.drsp.sandbox;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code sandbox down} leaves no server running and no data behind; {@code up} over a live one cleans it first. */
class SandboxDownTest {
    static final Path DIR = Path.of("target/sandbox-down-test").toAbsolutePath();

    @Test
    void downStopsEverythingAndUpReplacesALeftoverSandbox() {
        Sandbox first = Sandbox.up(DIR, Sandbox.Options.defaults().withShards(1), s -> { });
        List<ProcessHandle> firstPids = first.members().stream().map(m -> m.instance().processHandle().orElseThrow()).toList();
        // A second 'up' in the same directory (as after a crashed demo) must stop the old servers, not fight them.
        Sandbox second = Sandbox.up(DIR, Sandbox.Options.defaults().withShards(1), s -> { });
        assertTrue(firstPids.stream().noneMatch(ProcessHandle::isAlive), "the leftover sandbox's servers were stopped");
        List<ProcessHandle> secondPids = second.members().stream().map(m -> m.instance().processHandle().orElseThrow()).toList();
        second.down(false);
        assertTrue(secondPids.stream().noneMatch(ProcessHandle::isAlive), "down stops every server");
        assertFalse(Files.exists(DIR), "down removes the sandbox directory");
    }
}
