package io.drsp.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds mysqld processes left running by a JVM that died (a killed test run, a crashed demo) through the pid files
 * in their instance directories, and stops them. A pid only counts when its command line names the instance's data
 * directory, so a recycled pid is never killed by mistake.
 */
public final class StaleInstances {
    private static final Logger log = LoggerFactory.getLogger(StaleInstances.class);

    private StaleInstances() {
    }

    /** Stops every live mysqld whose pid file lies under {@code root}; returns the pids it stopped. */
    public static List<Long> reap(Path root) {
        List<Long> stopped = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return stopped;
        }
        try (Stream<Path> files = Files.walk(root, 4)) {
            for (Path pidFile : files.filter(p -> p.getFileName().toString().equals("mysqld.pid")).toList()) {
                Path dataDir = pidFile.resolveSibling("data");
                liveMysqld(pidFile, dataDir).ifPresent(h -> {
                    log.warn("stopping mysqld pid {} left running in {}", h.pid(), pidFile.getParent());
                    h.destroy();
                    if (!MysqlInstance.waitGone(h, Duration.ofSeconds(60))) {
                        h.destroyForcibly();
                        MysqlInstance.waitGone(h, Duration.ofSeconds(30));
                    }
                    stopped.add(h.pid());
                });
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot scan " + root + " for stale instances", e);
        }
        return stopped;
    }

    /** The pids of every live mysqld whose pid file lies under {@code root}, stopping none. */
    static List<Long> running(Path root) {
        List<Long> live = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return live;
        }
        try (Stream<Path> files = Files.walk(root, 4)) {
            for (Path pidFile : files.filter(p -> p.getFileName().toString().equals("mysqld.pid")).toList()) {
                liveMysqld(pidFile, pidFile.resolveSibling("data")).ifPresent(h -> live.add(h.pid()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot scan " + root + " for running instances", e);
        }
        return live;
    }

    static Optional<ProcessHandle> liveMysqld(Path pidFile, Path dataDir) {
        long pid;
        try {
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            pid = Long.parseLong(Files.readString(pidFile).trim());
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> commandLine(pid).contains(dataDir.toString()));
    }

    private static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"))).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }
}
