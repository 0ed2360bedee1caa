package io.drsp.flashback;

import com.github.shyiko.mysql.binlog.BinaryLogClient;
import com.github.shyiko.mysql.binlog.network.DefaultSSLSocketFactory;
import com.github.shyiko.mysql.binlog.network.SSLMode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The binlog stream read from a server goes the way the same server's JDBC sessions do: the JDBC options are the one
 * description of how to reach it, so {@code sslMode=VERIFY_CA} (or {@code VERIFY_IDENTITY}) with a trust store there
 * makes the binlog client verify the server against the same trust store, and {@code useSSL=false} leaves it plain.
 */
final class BinlogTls {
    private BinlogTls() {
    }

    static void configure(BinaryLogClient client, String jdbcOptions) throws IOException {
        Map<String, String> o = options(jdbcOptions);
        String mode = o.getOrDefault("sslMode", "false".equalsIgnoreCase(o.get("useSSL")) ? "DISABLED" : "PREFERRED");
        SSLMode ssl;
        try {
            ssl = SSLMode.valueOf(mode.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IOException("sslMode " + mode + " is not one the binlog client knows: DISABLED, PREFERRED, REQUIRED,"
                    + " VERIFY_CA or VERIFY_IDENTITY");
        }
        client.setSSLMode(ssl);
        String store = o.get("trustCertificateKeyStoreUrl");
        if ((ssl == SSLMode.VERIFY_CA || ssl == SSLMode.VERIFY_IDENTITY) && store != null) {
            TrustManagerFactory trust = trust(Path.of(URI.create(store)), o.getOrDefault("trustCertificateKeyStoreType", "PKCS12"),
                    o.getOrDefault("trustCertificateKeyStorePassword", ""));
            client.setSslSocketFactory(new DefaultSSLSocketFactory("TLSv1.2") {
                @Override
                protected void initSSLContext(SSLContext sc) throws GeneralSecurityException {
                    sc.init(null, trust.getTrustManagers(), null);
                }
            });
        }
    }

    private static TrustManagerFactory trust(Path file, String type, String password) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance(type);
            store.load(in, password.toCharArray());
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(store);
            return f;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the trust store " + file + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, String> options(String jdbcOptions) {
        Map<String, String> o = new HashMap<>();
        for (String pair : jdbcOptions.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                o.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return o;
    }
}
