package io.drsp.core.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code drsp.tls}: what drsp encrypts and authenticates. Absent sections mean plain connections, which the controller
 * and the agents accept only on loopback addresses (see {@code ClusterRoles}).
 *
 * @param remoting Pekko remoting between controllers and agents, over TLS with mutual authentication
 * @param mysql    drsp's JDBC sessions and the DR links, over TLS verified against a CA
 */
public record TlsSettings(Optional<Remoting> remoting, Optional<Mysql> mysql, Optional<Api> api) {
    public static final TlsSettings NONE = new TlsSettings(Optional.empty(), Optional.empty(), Optional.empty());

    public TlsSettings {
        Objects.requireNonNull(remoting, "remoting");
        Objects.requireNonNull(mysql, "mysql");
        Objects.requireNonNull(api, "api");
    }

    /**
     * The controllers' HTTP API over HTTPS: each controller presents {@code keyStore}'s certificate; the CLI, scripts
     * and the other controllers (which pass requests on) accept one that chains to {@code trustStore}. The API's
     * token is required either way.
     */
    public record Api(Path keyStore, PasswordRef keyStorePassword, Path trustStore, PasswordRef trustStorePassword) {
        public Api {
            Objects.requireNonNull(keyStore, "keyStore");
            Objects.requireNonNull(keyStorePassword, "keyStorePassword");
            Objects.requireNonNull(trustStore, "trustStore");
            Objects.requireNonNull(trustStorePassword, "trustStorePassword");
        }
    }

    /**
     * Key and trust stores in PKCS12, their passwords secret references like the MySQL passwords. Every member
     * presents {@code keyStore}'s certificate unless it is an agent and {@code agentKeyStore} is set; a peer must
     * present one that chains to a certificate of {@code trustStore}.
     *
     * @param hostnameVerification a peer's certificate must also name the host it is reached at
     */
    public record Remoting(Path keyStore, PasswordRef keyStorePassword, Optional<Path> agentKeyStore,
                           Optional<PasswordRef> agentKeyStorePassword, Path trustStore, PasswordRef trustStorePassword,
                           boolean hostnameVerification) {
        public Remoting {
            Objects.requireNonNull(keyStore, "keyStore");
            Objects.requireNonNull(keyStorePassword, "keyStorePassword");
            Objects.requireNonNull(trustStore, "trustStore");
            Objects.requireNonNull(trustStorePassword, "trustStorePassword");
        }

        /** The key store a member with {@code role} presents, and its password. */
        public Path keyStore(boolean agent) {
            return agent && agentKeyStore.isPresent() ? agentKeyStore.get() : keyStore;
        }

        public PasswordRef keyStorePassword(boolean agent) {
            return agent && agentKeyStorePassword.isPresent() ? agentKeyStorePassword.get() : keyStorePassword;
        }
    }

    /**
     * Every session drsp opens and every DR link it makes then uses TLS, verified: a server that does not offer TLS
     * cannot be reached at all, so sync refuses before it makes a link in the clear.
     *
     * @param ca             the CA certificate (PEM) MySQL servers' certificates must chain to
     * @param verifyIdentity the server certificate must also name the host drsp connects to
     */
    public record Mysql(Path ca, boolean verifyIdentity) {
        public Mysql {
            Objects.requireNonNull(ca, "ca");
        }
    }
}
