package io.drsp.flashback;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;

/** How to reach one MySQL server as a user that may read binlog (source) or change data (target). */
public record ConnectionSettings(String host, int port, String user, String password, String jdbcOptions) {

    public ConnectionSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(user, "user");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range, expected 1-65535");
        }
        jdbcOptions = jdbcOptions == null ? "" : jdbcOptions;
    }

    public ConnectionSettings(String host, int port, String user, String password) {
        this(host, port, user, password, "useSSL=false&allowPublicKeyRetrieval=true");
    }

    public String jdbcUrl() {
        return "jdbc:mysql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port
                + "/?connectTimeout=5000&socketTimeout=0&useUnicode=true&characterEncoding=utf8"
                + "&rewriteBatchedStatements=true" + (jdbcOptions.isEmpty() ? "" : "&" + jdbcOptions);
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), user, password);
    }

    /**
     * A connection that takes several statements in one request ({@code allowMultiQueries}), for SQL drsp renders
     * itself. It keeps its session state locally ({@code useLocalSessionState}): otherwise every {@code execute}
     * first asks the server whether the session is read-only, a second round trip per request.
     */
    Connection connectForMultiStatements() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("allowMultiQueries", "true");
        p.setProperty("useLocalSessionState", "true");
        return DriverManager.getConnection(jdbcUrl(), p);
    }

    @Override
    public String toString() {
        return user + "@" + host + ":" + port; // never the password
    }
}
