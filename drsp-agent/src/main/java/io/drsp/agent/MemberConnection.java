package io.drsp.agent;

import io.drsp.core.config.Endpoint;
import io.drsp.core.config.TlsSettings;
import io.drsp.core.config.UserRef;
import io.drsp.core.mysql.MysqlAdmin;
import java.time.Duration;
import java.util.Optional;

/**
 * One member and drsp's admin account on it. Every operation opens a short session of its own, so a restarted server
 * or a dropped connection costs nothing but one retry.
 */
record MemberConnection(NodeKey key, Endpoint endpoint, UserRef admin, Optional<TlsSettings.Mysql> tls) {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

    MysqlAdmin session() {
        return MysqlAdmin.connect(endpoint, admin.name(), admin.password().resolve(), tls, CONNECT_TIMEOUT);
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
