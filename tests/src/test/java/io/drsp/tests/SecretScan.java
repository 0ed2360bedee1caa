package io.drsp.tests;

import io.drsp.sandbox.Sandbox;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * No password, token or key the sandbox made may appear in any log or answer: when a scenario ends, before its sandbox
 * (and the secrets with it) goes, every log the suite has written so far is searched for every secret of that
 * sandbox. The logs are the text files under the tests' target directory (drsp's own log, each process's log and
 * output, every mysqld's error log, the hooks' log, the test reports with every answer an assertion printed); the
 * secrets are the MySQL passwords, the API token, the TLS store password and the private keys' encodings.
 */
final class SecretScan {
    private static final Path TARGET = Path.of("target").toAbsolutePath();
    private static final List<String> TEXT = List.of(".log", ".out", ".err", ".txt", ".json", ".csv", ".md", ".xml", ".tsv");

    private SecretScan() {
    }

    /** @throws IllegalStateException naming each file and the kind of secret found in it, never the secret */
    static void check(Sandbox sandbox) throws IOException {
        Map<String, String> secrets = secrets(sandbox);
        List<String> found = new ArrayList<>();
        for (Path file : logs(sandbox)) {
            String text;
            try {
                text = Files.readString(file, StandardCharsets.ISO_8859_1);
            } catch (IOException gone) {
                continue; // a process's file removed while the walk ran
            }
            secrets.forEach((what, secret) -> {
                if (text.contains(secret)) {
                    found.add(TARGET.relativize(file) + " holds " + what);
                }
            });
        }
        if (!found.isEmpty()) {
            throw new IllegalStateException("secrets in logs: " + String.join("; ", found));
        }
    }

    /** What to look for, by a name that can be printed. */
    static Map<String, String> secrets(Sandbox sandbox) throws IOException {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("the admin password", sandbox.credentials().adminPassword());
        s.put("the replication password", sandbox.credentials().replicationPassword());
        Path token = sandbox.dir().resolve("state/controller.token");
        if (Files.isRegularFile(token)) {
            s.put("the API token", Files.readString(token).strip());
        }
        Path store = sandbox.dir().resolve("secrets/tls-store");
        if (Files.isRegularFile(store)) {
            String password = Files.readString(store).strip();
            s.put("the TLS store password", password);
            Path pem = sandbox.dir().resolve("tls/mysql-key.pem");
            List<String> lines = Files.readAllLines(pem).stream().filter(l -> !l.startsWith("-----")).toList();
            s.put("the MySQL servers' private key", lines.get(lines.size() / 2)); // any 64 characters of it tell
            for (String name : List.of("controller.p12", "agent.p12")) {
                try (InputStream in = Files.newInputStream(sandbox.dir().resolve("tls").resolve(name))) {
                    KeyStore ks = KeyStore.getInstance("PKCS12");
                    ks.load(in, password.toCharArray());
                    Key key = ks.getKey("node", password.toCharArray());
                    s.put("the private key of " + name, Base64.getEncoder().encodeToString(key.getEncoded()).substring(100, 164));
                } catch (java.security.GeneralSecurityException e) {
                    throw new IOException("cannot read " + name, e);
                }
            }
        }
        s.values().removeIf(v -> v == null || v.length() < 8); // too short to search for without false alarms
        return s;
    }

    /** Every text file under the tests' target directory, but the secrets' own files. */
    static List<Path> logs(Sandbox sandbox) throws IOException {
        Path secrets = sandbox.dir().resolve("secrets");
        Path tls = sandbox.dir().resolve("tls");
        try (Stream<Path> files = Files.walk(TARGET)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> TEXT.stream().anyMatch(e -> f.getFileName().toString().endsWith(e)))
                    .filter(f -> !f.startsWith(secrets) && !f.startsWith(tls) && !f.startsWith(TARGET.resolve("test-classes"))
                            && !f.startsWith(TARGET.resolve("surefire")))
                    .toList();
        } catch (java.io.UncheckedIOException e) {
            return List.of(); // a directory removed while the walk ran: the next scenario's scan covers the rest
        }
    }
}
