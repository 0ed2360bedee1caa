package io.drsp.controller;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.drsp.agent.ClusterRoles;
import io.drsp.core.config.DrspConfig;
import io.drsp.core.config.UserRef;
import java.util.HashMap;
import java.util.Map;

/**
 * The Pekko settings of the controller, derived from {@code drsp.conf} so a DBA configures one file: cluster
 * remoting on the configured loopback port, the journal in the control database. The control database password
 * goes into the in-memory config only; Pekko never logs its config unless told to.
 */
final class ControllerSystemConfig {
    static final String SYSTEM_NAME = ClusterRoles.SYSTEM_NAME;

    private ControllerSystemConfig() {
    }

    static Config build(DrspConfig config) {
        var controller = config.controller();
        UserRef user = config.user(controller.controlDb().user());
        Map<String, Object> m = new HashMap<>();
        m.put("pekko.remote.artery.canonical.hostname", controller.remoting().host());
        m.put("pekko.remote.artery.canonical.port", controller.remoting().port());
        m.put("pekko-persistence-jdbc.shared-databases.slick.db.url", "jdbc:mysql://" + controller.controlDb().endpoint()
                + "/" + controller.controlDb().database() + "?" + io.drsp.core.mysql.MysqlTls.jdbcOptions(config.tls().mysql())
                + "&connectTimeout=5000");
        m.put("pekko-persistence-jdbc.shared-databases.slick.db.user", user.name());
        m.put("pekko-persistence-jdbc.shared-databases.slick.db.password", user.password().resolve());
        return ConfigFactory.parseMap(m).withFallback(ClusterRoles.membership(config, ClusterRoles.CONTROLLER, controller.remoting().host()))
                .withFallback(ConfigFactory.parseResources("drsp-controller.conf"))
                .withFallback(ConfigFactory.load());
    }
}
