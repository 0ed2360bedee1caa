package io.drsp.core.mysql;

import io.drsp.core.config.TlsSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How drsp's JDBC sessions reach MySQL: in the clear (the default, for a bank network that encrypts below), or over TLS
 * with the server's certificate verified against {@code drsp.tls.mysql.ca}. Every session also says it is drsp's, in
 * the connection attribute {@code program_name}, so a DBA (and the tests) can find drsp's sessions in
 * {@code performance_schema.session_connect_attrs} and see how each is encrypted.
 */
public final class MysqlTls {
    /**
     * Connector/J verifies a server only against a key store, not a PEM file, so the CA is put into a PKCS12 trust store
     * of drsp's own. It holds nothing secret (a CA certificate is public), so its password is not one either.
     */
    static final String TRUST_STORE_PASSWORD = "drsp-public-ca";
    private static final Map<Path, Path> TRUST_STORES = new ConcurrentHashMap<>();

    private MysqlTls() {
    }

    /** The JDBC URL options for a drsp session, without the leading '&amp;'. */
    public static String jdbcOptions(Optional<TlsSettings.Mysql> tls) {
        String common = "allowPublicKeyRetrieval=true&connectionAttributes=program_name:drsp";
        if (tls.isEmpty()) {
            return "useSSL=false&" + common;
        }
        return "sslMode=" + (tls.get().verifyIdentity() ? "VERIFY_IDENTITY" : "VERIFY_CA")
                + "&trustCertificateKeyStoreUrl=" + trustStore(tls.get().ca()).toUri()
                + "&trustCertificateKeyStoreType=PKCS12&trustCertificateKeyStorePassword=" + TRUST_STORE_PASSWORD + "&" + common;
    }

    /** The trust store holding the CA of {@code caPem}, made once per process. */
    static Path trustStore(Path caPem) {
        return TRUST_STORES.computeIfAbsent(caPem, pem -> {
            try (InputStream in = Files.newInputStream(pem)) {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                int i = 0;
                for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    store.setCertificateEntry("ca" + i++, c);
                }
                if (i == 0) {
                    throw new IllegalArgumentException("drsp.tls.mysql.ca " + pem + " holds no PEM certificate.");
                }
                Path file = Files.createTempFile("drsp-mysql-ca-", ".p12");
                file.toFile().deleteOnExit();
                try (OutputStream out = Files.newOutputStream(file)) {
                    store.store(out, TRUST_STORE_PASSWORD.toCharArray());
                }
                return file;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read drsp.tls.mysql.ca " + pem, e);
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("drsp.tls.mysql.ca " + pem + " is not a PEM certificate: " + e.getMessage(), e);
            }
        });
    }
}
