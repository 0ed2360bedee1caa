package io.drsp.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads {@link HostLimits} from Linux's /proc. The root is the system property {@code drsp.sandbox.proc} when set, so
 * a test can hand the CLI a host whose limits it chose; a host without these files (not Linux) is not checked.
 */
public final class ProcHostLimits {
    public static final String ROOT_PROPERTY = "drsp.sandbox.proc";

    private final Path root;

    public ProcHostLimits(Path root) {
        this.root = root;
    }

    public static ProcHostLimits fromSystem() {
        return new ProcHostLimits(Path.of(System.getProperty(ROOT_PROPERTY, "/proc")));
    }

    public Optional<HostLimits> read() {
        try {
            long aioMaxNr = sysctl("sys/fs/aio-max-nr");
            long aioNr = sysctl("sys/fs/aio-nr");
            return memAvailable().map(mem -> new HostLimits(aioMaxNr, aioNr, mem));
        } catch (IOException | NumberFormatException | IndexOutOfBoundsException e) {
            return Optional.empty();
        }
    }

    /**
     * One number from /proc/sys, read in one buffered read: a sysctl file answers a read at a non-zero offset with
     * end of file, and Files.readString's first one-byte read would leave only the first digit.
     */
    private long sysctl(String file) throws IOException {
        return Long.parseLong(Files.readAllLines(root.resolve(file)).get(0).trim());
    }

    private Optional<Long> memAvailable() throws IOException {
        for (String line : Files.readAllLines(root.resolve("meminfo"))) {
            if (line.startsWith("MemAvailable:")) {
                String kib = line.substring("MemAvailable:".length()).trim().split("\\s+")[0];
                return Optional.of(Long.parseLong(kib) * 1024);
            }
        }
        return Optional.empty();
    }
}
