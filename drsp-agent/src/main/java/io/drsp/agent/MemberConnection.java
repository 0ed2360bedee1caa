package io.drsp.agent;

import io.drsp.core.config.Endpoint;
import io.drsp.core.config.TlsSettings;
import io.drsp.core.config.UserRef;
import io.drsp.core.mysql.MysqlAdmin;
import io.drsp.core.mysql.MysqlTls;
import io.drsp.flashback.ConnectionSettings;
import java.time.Duration;
import java.util.Optional;

/**
 * One member and drsp's admin account on it: the one place an agent's connections to its member are made, with the
 * same account, TLS ({@code drsp.tls.mysql}) and connect timeout for every operation. Every operation opens a short
 * session of its own, so a restarted server or a dropped connection costs nothing but one retry.
 */
record MemberConnection(NodeKey key, Endpoint endpoint, UserRef admin, Optional<TlsSettings.Mysql> tls) {
    /** How long reaching the member may take: an unreachable member is a failure within it, whatever is asked. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

    /** A session for looks and steps; a statement that gets no answer within MysqlAdmin's socket timeout fails. */
    MysqlAdmin session() {
        return MysqlAdmin.connect(endpoint, admin.name(), admin.password().resolve(), tls, CONNECT_TIMEOUT);
    }

    /**
     * The same member for the flashback library (reading binlog, applying an undo) and the drill's long statements
     * (CHECKSUM TABLE of a large table): no socket timeout, and the library's own connect timeout.
     */
    ConnectionSettings flashback() {
        return new ConnectionSettings(endpoint.host(), endpoint.port(), admin.name(), admin.password().resolve(),
                MysqlTls.jdbcOptions(tls));
    }

    /** The member as every message names it: {@code dr shard s1 (127.0.0.1:3306)}. */
    String where() {
        return key.describe() + " (" + endpoint + ")";
    }

    static String literal(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MysqlOperationException("interrupted");
        }
    }
}
