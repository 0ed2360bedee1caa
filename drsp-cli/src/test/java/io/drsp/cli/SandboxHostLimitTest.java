package io.drsp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.drsp.sandbox.ProcHostLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 'drsp sandbox up' on a host whose limits the test chose (a fake /proc): the refusal's path through the CLI only.
 * That the arithmetic matches real mysqld is what the 16-shard run of bench/scale/SANDBOX.md checks.
 */
class SandboxHostLimitTest {
    @TempDir
    Path tmp;

    @AfterEach
    void realProcAgain() {
        System.clearProperty(ProcHostLimits.ROOT_PROPERTY);
    }

    private void host(long aioMaxNr, long aioNr, long memAvailableKib) throws IOException {
        Path proc = tmp.resolve("proc");
        Files.createDirectories(proc.resolve("sys/fs"));
        Files.writeString(proc.resolve("sys/fs/aio-max-nr"), aioMaxNr + "\n");
        Files.writeString(proc.resolve("sys/fs/aio-nr"), aioNr + "\n");
        Files.writeString(proc.resolve("meminfo"), "MemTotal:       24572000 kB\nMemAvailable:   " + memAvailableKib + " kB\n");
        System.setProperty(ProcHostLimits.ROOT_PROPERTY, proc.toString());
    }

    @Test
    void aioUsedUpByOthersIsRefusedInOneSentenceBeforeAnythingStarts() throws IOException {
        host(65_536, 40_000, 23_000_000);
        Path dir = tmp.resolve("sandbox");
        CliRun r = CliRun.drsp("sandbox", "up", "--dir", dir.toString(), "--shards", "16", "--replicas", "1");
        assertEquals(1, r.code());
        assertEquals("", r.out());
        assertEquals("drsp: the 52 mysqld of this sandbox need 39988 native AIO slots but only 25536 of the host's"
                + " fs.aio-max-nr = 65536 are free (fs.aio-nr = 40000 in use); raise the limit with"
                + " 'sysctl -w fs.aio-max-nr=131072' (and fs.aio-max-nr in /etc/sysctl.conf to keep it), stop other"
                + " MySQL servers, or ask for fewer shards or replicas.\n", r.err());
        assertFalse(Files.exists(dir), "nothing may be created for a refused sandbox");
    }

    @Test
    void tooLittleMemoryIsRefusedInOneSentenceBeforeAnythingStarts() throws IOException {
        host(65_536, 0, 4 * 1024 * 1024);
        Path dir = tmp.resolve("sandbox");
        CliRun r = CliRun.drsp("sandbox", "up", "--dir", dir.toString(), "--shards", "16", "--replicas", "1");
        assertEquals(1, r.code());
        assertEquals("drsp: the 52 mysqld of this sandbox need about 13.0 GiB of memory but the host's MemAvailable is"
                + " 4.0 GiB; free memory (stop other sandboxes or programs) or ask for fewer shards or replicas.\n", r.err());
        assertFalse(Files.exists(dir), "nothing may be created for a refused sandbox");
    }
}
