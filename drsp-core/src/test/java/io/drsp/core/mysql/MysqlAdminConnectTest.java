package io.drsp.core.mysql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.core.config.Endpoint;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What can be checked without a MySQL server; sessions on real servers are tested by drsp-sandbox. */
class MysqlAdminConnectTest {

    @Test
    void refusedConnectionNamesEndpointAndUserButNotThePassword() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Endpoint endpoint = new Endpoint("127.0.0.1", port);
        String password = "Tr0ub4dor&3";
        MysqlAdminException e = assertThrows(MysqlAdminException.class,
                () -> MysqlAdmin.connect(endpoint, "drsp_admin", password, java.util.Optional.empty(), Duration.ofSeconds(2)));
        assertTrue(e.getMessage().startsWith("cannot connect to 127.0.0.1:" + port + " as drsp_admin: "), e.getMessage());
        assertTrue(e.getMessage().contains("Connection refused"), e.getMessage());
        assertFalse(e.getMessage().contains(password), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertEquals(endpoint, e.endpoint());
    }

    @Test
    void driverMessagesAreFlattenedAndNeverEchoThePassword() {
        SQLException echoing = new SQLException("Access denied, password 'hunter22' rejected\nmore detail", "28000", 1045);
        assertEquals("Access denied, password '****' rejected [MySQL error 1045]", MysqlAdmin.cause(echoing, "hunter22"));
        SQLException wrapped = new SQLException("Communications link failure", "08S01", new IOException("Connection reset"));
        assertEquals("Communications link failure (Connection reset)", MysqlAdmin.cause(wrapped, null));
    }
}
