package io.drsp.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One initialized data directory, made once per machine and copied for every instance: {@code --initialize} costs
 * seconds of CPU, a copy a fraction of one. The copy loses {@code auto.cnf} so that every instance gets its own
 * server uuid, which GTIDs depend on.
 */
final class DatadirTemplate {
    private final Path dir;
    private final SandboxCredentials credentials;

    private DatadirTemplate(Path dir, SandboxCredentials credentials) {
        this.dir = dir;
        this.credentials = credentials;
    }

    private static final java.util.Map<Path, DatadirTemplate> READY = new java.util.HashMap<>();

    /** File locks guard against other JVMs only; within this one, callers queue on the class. */
    static synchronized DatadirTemplate obtain(MysqlDistribution dist) {
        DatadirTemplate ready = READY.get(dist.home());
        if (ready != null) {
            return ready;
        }
        DatadirTemplate made = prepare(dist);
        READY.put(dist.home(), made);
        return made;
    }

    private static DatadirTemplate prepare(MysqlDistribution dist) {
        Path root = dist.home().resolveSibling(dist.home().getFileName() + "-template");
        Path data = root.resolve("data");
        Path marker = root.resolve(".initialized");
        try {
            Files.createDirectories(root);
            try (FileChannel ch = FileChannel.open(root.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                SandboxCredentials credentials = SandboxCredentials.loadOrCreate(root);
                if (!Files.exists(marker)) {
                    initialize(dist, root, data, credentials);
                    Files.writeString(marker, "ok\n");
                }
                return new DatadirTemplate(data, credentials);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the MySQL template data directory under " + root, e);
        }
    }

    SandboxCredentials credentials() {
        return credentials;
    }

    void copyTo(Path datadir) throws IOException {
        SandboxFiles.copyTree(dir, datadir);
        Files.deleteIfExists(datadir.resolve("auto.cnf"));
    }

    private static void initialize(MysqlDistribution dist, Path root, Path data, SandboxCredentials c) throws IOException {
        SandboxFiles.deleteTree(data);
        Path init = root.resolve("init.sql");
        // --init-file runs one statement per line, with binary logging off: the users carry no GTIDs.
        String sql = String.join("\n",
                "CREATE USER '" + c.adminUser() + "'@'%' IDENTIFIED BY '" + c.adminPassword() + "';",
                "GRANT ALL ON *.* TO '" + c.adminUser() + "'@'%' WITH GRANT OPTION;",
                "CREATE USER '" + c.replicationUser() + "'@'%' IDENTIFIED BY '" + c.replicationPassword() + "';",
                "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '" + c.replicationUser() + "'@'%';",
                "");
        SandboxFiles.writeSecret(init, sql);
        Path errorLog = root.resolve("initialize.err");
        Process p = new ProcessBuilder(List.of(dist.mysqld().toString(), "--no-defaults",
                "--basedir=" + dist.home(), "--datadir=" + data, "--initialize-insecure",
                "--init-file=" + init, "--log-error=" + errorLog, "--user=" + System.getProperty("user.name")))
                .redirectErrorStream(true).redirectOutput(root.resolve("initialize.out").toFile()).start();
        try {
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("mysqld --initialize failed; see " + errorLog + ":\n" + c.mask(MysqlInstance.tail(errorLog, 15)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during mysqld --initialize", e);
        } finally {
            Files.deleteIfExists(init);
        }
    }
}
