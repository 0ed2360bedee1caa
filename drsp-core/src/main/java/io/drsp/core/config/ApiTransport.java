package io.drsp.core.config;

import java.security.GeneralSecurityException;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * How the controllers' HTTP API is reached: plain HTTP, or HTTPS when {@code drsp.tls.api} is set. One place for the
 * scheme and the TLS contexts, so the controllers' server, their forwarding to each other, their seed probes and the
 * CLI never disagree.
 */
public final class ApiTransport {
    private ApiTransport() {
    }

    public static String scheme(DrspConfig config) {
        return config.tls().api().isPresent() ? "https" : "http";
    }

    /** The context a controller serves the API with: its key, and nothing else trusted (clients show tokens). */
    public static Optional<SSLContext> server(DrspConfig config) {
        return config.tls().api().map(api -> context(api, true));
    }

    /** The context a client of the API verifies a controller's certificate with. */
    public static Optional<SSLContext> client(DrspConfig config) {
        return config.tls().api().map(api -> context(api, false));
    }

    private static SSLContext context(TlsSettings.Api api, boolean server) {
        try {
            SSLContext c = SSLContext.getInstance("TLSv1.3");
            KeyManagerFactory keys = null;
            if (server) {
                char[] password = api.keyStorePassword().resolve().toCharArray();
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(Pkcs12.open(api.keyStore(), password, "api.key-store"), password);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(Pkcs12.open(api.trustStore(), api.trustStorePassword().resolve().toCharArray(), "api.trust-store"));
            c.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("drsp.tls.api cannot be used: " + e.getMessage(), e);
        }
    }

}
