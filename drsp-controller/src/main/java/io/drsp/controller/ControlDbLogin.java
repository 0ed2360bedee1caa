package io.drsp.controller;

import io.drsp.core.config.ControlDb;
import io.drsp.core.config.DrspConfig;
import io.drsp.core.config.TlsSettings;
import io.drsp.core.config.UserRef;
import io.drsp.core.mysql.MysqlAdmin;
import java.time.Duration;
import java.util.Optional;

/** How the controller reaches its control database outside Pekko's journal: the account and, if configured, TLS. */
record ControlDbLogin(ControlDb db, UserRef user, Optional<TlsSettings.Mysql> tls) {
    static ControlDbLogin of(DrspConfig config) {
        ControlDb db = config.controller().controlDb();
        return new ControlDbLogin(db, config.user(db.user()), config.tls().mysql());
    }

    MysqlAdmin session() {
        return MysqlAdmin.connect(db.endpoint(), user.name(), user.password().resolve(), tls, Duration.ofSeconds(5));
    }
}
