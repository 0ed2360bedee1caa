package io.drsp.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The sandbox's own certificate authority and what it signs, made with the JDK's keytool (no OpenSSL needed): PKCS12
 * key stores for the controllers and for the agents, the trust store holding the CA, and the MySQL servers' certificate
 * and key as PEM, which {@code mysqld --ssl-cert/--ssl-key} read. Every certificate names 127.0.0.1 and localhost, so
 * hostname verification can be switched on. All stores share one generated password, kept in a file readable by its
 * owner only, which the configuration refers to as it refers to the MySQL passwords.
 */
public final class SandboxCertificates {
    public static final String CA_PEM = "ca.pem";
    public static final String CONTROLLER_STORE = "controller.p12";
    public static final String AGENT_STORE = "agent.p12";
    public static final String TRUST_STORE = "trust.p12";
    public static final String MYSQL_CERT = "mysql-cert.pem";
    public static final String MYSQL_KEY = "mysql-key.pem";
    private static final String SAN = "san=ip:127.0.0.1,dns:localhost";

    private final Path dir;
    private final String password;

    private SandboxCertificates(Path dir, String password) {
        this.dir = dir;
        this.password = password;
    }

    /** Makes the CA and everything it signs in {@code dir} (created), with {@code password} for every store. */
    public static SandboxCertificates make(Path dir, String password) {
        SandboxCertificates c = new SandboxCertificates(dir, password);
        try {
            Files.createDirectories(dir);
            c.keytool("-genkeypair", "-keystore", "ca.p12", "-alias", "ca", "-dname", "CN=drsp sandbox CA", "-ext", "bc:c",
                    "-validity", "3650");
            c.keytool("-exportcert", "-rfc", "-keystore", "ca.p12", "-alias", "ca", "-file", CA_PEM);
            c.keytool("-importcert", "-noprompt", "-keystore", TRUST_STORE, "-alias", "ca", "-file", CA_PEM);
            c.signed(CONTROLLER_STORE, "CN=drsp controller", "serverAuth,clientAuth");
            c.signed(AGENT_STORE, "CN=drsp agent", "serverAuth,clientAuth");
            c.signed("mysql.p12", "CN=drsp sandbox MySQL server", "serverAuth");
            c.exportPem("mysql.p12", MYSQL_CERT, MYSQL_KEY);
            Files.delete(dir.resolve("ca.p12")); // nothing signs anything after this: the CA's key is not kept
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the sandbox's certificates in " + dir, e);
        }
        return c;
    }

    /**
     * A key store whose certificate signs itself, for a member no CA vouches for; {@code dir} gets {@code name}.p12
     * and a trust store {@code name}-trust.p12 that trusts only it.
     */
    public static Path selfSigned(Path dir, String name, String password) {
        SandboxCertificates c = new SandboxCertificates(dir, password);
        try {
            Files.createDirectories(dir);
            c.keytool("-genkeypair", "-keystore", name + ".p12", "-alias", "node", "-dname", "CN=" + name, "-ext", SAN);
            c.keytool("-exportcert", "-rfc", "-keystore", name + ".p12", "-alias", "node", "-file", name + ".pem");
            c.keytool("-importcert", "-noprompt", "-keystore", name + "-trust.p12", "-alias", "self", "-file", name + ".pem");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a self-signed certificate in " + dir, e);
        }
        return dir.resolve(name + ".p12");
    }

    public Path dir() {
        return dir;
    }

    public Path file(String name) {
        return dir.resolve(name);
    }

    /** A key pair in {@code store}, its certificate signed by the CA, the chain (CA first) installed beside the key. */
    private void signed(String store, String dname, String usage) throws IOException {
        String csr = store + ".csr";
        String crt = store + ".crt";
        keytool("-genkeypair", "-keystore", store, "-alias", "node", "-dname", dname);
        keytool("-certreq", "-keystore", store, "-alias", "node", "-file", csr);
        keytool("-gencert", "-rfc", "-keystore", "ca.p12", "-alias", "ca", "-infile", csr, "-outfile", crt, "-ext", SAN,
                "-ext", "eku=" + usage, "-validity", "825");
        keytool("-importcert", "-noprompt", "-keystore", store, "-alias", "ca", "-file", CA_PEM);
        keytool("-importcert", "-keystore", store, "-alias", "node", "-file", crt);
        Files.delete(dir.resolve(csr));
        Files.delete(dir.resolve(crt));
    }

    /** The certificate and the unencrypted private key (PKCS#8) of {@code store}'s key entry, as mysqld reads them. */
    private void exportPem(String store, String certFile, String keyFile) throws IOException {
        try (InputStream in = Files.newInputStream(dir.resolve(store))) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password.toCharArray());
            Key key = ks.getKey("node", password.toCharArray());
            Files.writeString(dir.resolve(certFile), pem("CERTIFICATE", ks.getCertificate("node").getEncoded()));
            SandboxFiles.writeSecret(dir.resolve(keyFile), pem("PRIVATE KEY", key.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read " + store + " back", e);
        }
        Files.delete(dir.resolve(store));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    /** Runs the JDK's keytool in {@code dir}; the password reaches it through its environment, never its arguments. */
    private void keytool(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storetype", "PKCS12", "-storepass:env", "DRSP_STORE_PASSWORD"));
        if (List.of(args).contains("-genkeypair")) {
            cmd.addAll(List.of("-keyalg", "RSA", "-keysize", "2048"));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("DRSP_STORE_PASSWORD", password);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new IOException("keytool " + args[0] + " failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while keytool " + args[0] + " ran", e);
        }
    }
}
