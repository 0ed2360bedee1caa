package io.drsp.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcHostLimitsTest {
    @TempDir
    Path proc;

    @Test
    void readsTheAioCountersAndMemAvailableInBytes() throws IOException {
        Files.createDirectories(proc.resolve("sys/fs"));
        Files.writeString(proc.resolve("sys/fs/aio-max-nr"), "65536\n");
        Files.writeString(proc.resolve("sys/fs/aio-nr"), "769\n");
        Files.writeString(proc.resolve("meminfo"), "MemTotal:       24000000 kB\nMemFree:        1 kB\n"
                + "MemAvailable:   5871796 kB\nBuffers:        1 kB\n");
        assertEquals(Optional.of(new HostLimits(65_536, 769, 5_871_796L * 1024)), new ProcHostLimits(proc).read());
    }

    @Test
    void aHostWithoutTheseFilesIsNotChecked() {
        assertTrue(new ProcHostLimits(proc).read().isEmpty());
    }

    /** Against cat, which reads as the kernel expects: a short first read of a sysctl file once left one digit. */
    @Test
    void thisLinuxHostsSysctlsReadAsCatReadsThem() throws IOException, InterruptedException {
        HostLimits limits = new ProcHostLimits(Path.of("/proc")).read().orElseThrow();
        assertEquals(Long.parseLong(cat("/proc/sys/fs/aio-max-nr")), limits.aioMaxNr());
        assertTrue(limits.memAvailableBytes() > 0, limits.toString());
    }

    private static String cat(String file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("cat", file).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.waitFor());
        return out;
    }
}
