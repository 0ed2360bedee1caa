package io.drsp.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A site's dbproxy hook as a real script: bounded, killed with its children when it hangs, its output always drained. */
class HooksTest {
    @TempDir
    Path dir;

    Path script(String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    @Test
    void aHungHookIsKilledWithWhatItStartedAtTheBoundAndItsOutputSoFarReported() throws Exception {
        Path pidFile = dir.resolve("child.pid");
        Path hook = script("stop_dbproxy.sh", "echo 'draining proxy 10.0.0.9'\nsleep 600 &\necho $! > \"$PID_FILE\"\nwait\n");
        // Without a bound enforced while the output is read, this waits for the sleep to end: ten minutes.
        Hooks.Result r = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Hooks.run("stop_dbproxy", Optional.of(hook),
                Map.of("PID_FILE", pidFile.toString()), Duration.ofSeconds(1)));
        assertFalse(r.ok());
        assertEquals("stop_dbproxy hook " + hook + " did not finish within 1 s and was killed with every process it started;"
                + " its output so far: draining proxy 10.0.0.9", r.output());
        long child = Long.parseLong(Files.readString(pidFile).strip());
        Instant deadline = Instant.now().plusSeconds(10);
        while (ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false) && Instant.now().isBefore(deadline)) {
            Thread.sleep(50);
        }
        assertFalse(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false), "the hook's child was killed too");
    }

    @Test
    void aHookWritingMoreThanAPipeHoldsFinishesAndKeepsTheStartOfItsOutput() throws Exception {
        Path hook = script("start_dbproxy.sh", "i=0\nwhile [ $i -lt 4000 ]; do echo \"line $i of a chatty proxy script\"; i=$((i+1)); done\n");
        Hooks.Result r = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Hooks.run("start_dbproxy", Optional.of(hook),
                Map.of(), Duration.ofSeconds(30)));
        assertTrue(r.ok(), r.output());
        assertTrue(r.output().startsWith("line 0 of a chatty proxy script"), r.output());
        assertTrue(r.output().length() <= 4000, "kept output is bounded: " + r.output().length());
    }

    @Test
    void aHookThatLeavesADaemonHoldingItsOutputStillFinishes() throws Exception {
        Path pidFile = dir.resolve("daemon.pid");
        Path hook = script("start_dbproxy.sh", "echo 'proxy started'\nsleep 600 &\necho $! > \"$PID_FILE\"\nexit 0\n");
        try {
            Hooks.Result r = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Hooks.run("start_dbproxy", Optional.of(hook),
                    Map.of("PID_FILE", pidFile.toString()), Duration.ofSeconds(30)));
            assertTrue(r.ok(), r.output());
            assertEquals("proxy started", r.output());
            long daemon = Long.parseLong(Files.readString(pidFile).strip());
            assertTrue(ProcessHandle.of(daemon).map(ProcessHandle::isAlive).orElse(false), "a hook that succeeded keeps what it started");
        } finally {
            if (Files.exists(pidFile)) {
                ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip())).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Test
    void aFailingHookReportsItsExitCodeAndOutput() throws Exception {
        Path hook = script("start_dbproxy.sh", "echo 'proxy 10.0.0.9 refused the switch'\nexit 3\n");
        Hooks.Result r = Hooks.run("start_dbproxy", Optional.of(hook), Map.of(), Duration.ofSeconds(30));
        assertFalse(r.ok());
        assertEquals("start_dbproxy hook " + hook + " exited with 3: proxy 10.0.0.9 refused the switch", r.output());
    }
}
