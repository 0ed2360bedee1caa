package io.drsp.core.mysql;

import io.drsp.core.config.Endpoint;
import io.drsp.core.config.TlsSettings;
import io.drsp.core.gtid.GtidSet;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One admin session on one MySQL instance: reads GTID state, replica status and server variables.
 * Not thread-safe (one JDBC connection); close it when done.
 */
public final class MysqlAdmin implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MysqlAdmin.class);
    private static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** Long enough for any admin read; an applier wait must use its own connection and timeout. */
    private static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(60);

    private final Connection connection;
    private final Endpoint endpoint;
    private final String user;

    private MysqlAdmin(Connection connection, Endpoint endpoint, String user) {
        this.connection = connection;
        this.endpoint = endpoint;
        this.user = user;
    }

    public static MysqlAdmin connect(Endpoint endpoint, String user, String password, Optional<TlsSettings.Mysql> tls,
                                     Duration connectTimeout) {
        return connect(endpoint, user, password, tls, connectTimeout, DEFAULT_SOCKET_TIMEOUT);
    }

    /**
     * Opens a session.
     *
     * @param socketTimeout how long any one statement may go without an answer before the session is given up
     * @throws MysqlAdminException naming the endpoint and user, never the password
     */
    public static MysqlAdmin connect(Endpoint endpoint, String user, String password, Optional<TlsSettings.Mysql> tls,
                                     Duration connectTimeout, Duration socketTimeout) {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        // Without TLS, allowPublicKeyRetrieval lets caching_sha2_password (MySQL 8's default) authenticate.
        String url = "jdbc:mysql://" + endpoint + "/?" + MysqlTls.jdbcOptions(tls)
                + "&connectTimeout=" + connectTimeout.toMillis() + "&socketTimeout=" + socketTimeout.toMillis();
        Properties credentials = new Properties();
        credentials.setProperty("user", user);
        credentials.setProperty("password", password);
        try {
            Connection connection = DriverManager.getConnection(url, credentials);
            log.debug("connected to {} as {}", endpoint, user);
            return new MysqlAdmin(connection, endpoint, user);
        } catch (SQLException e) {
            throw new MysqlAdminException(endpoint, "cannot connect to " + endpoint + " as " + user + ": "
                    + cause(e, password), e);
        }
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    /** The session itself, for the statements an agent runs that this class has no method for. */
    public Connection connection() {
        return connection;
    }

    /** {@code @@GLOBAL.gtid_executed}: every transaction this instance has committed or been told it has. */
    public GtidSet gtidExecuted() {
        return GtidSet.parse(single("SELECT @@GLOBAL.gtid_executed"));
    }

    /** {@code @@GLOBAL.gtid_purged}: transactions no longer in this instance's binlog. */
    public GtidSet gtidPurged() {
        return GtidSet.parse(single("SELECT @@GLOBAL.gtid_purged"));
    }

    public String serverUuid() {
        return single("SELECT @@GLOBAL.server_uuid");
    }

    /** A global variable as {@code SHOW GLOBAL VARIABLES} prints it; empty if the server has no such variable. */
    public Optional<String> variable(String name) {
        if (!VARIABLE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("\"" + name + "\" is not a server variable name, expected letters, digits and _");
        }
        String sql = "SHOW GLOBAL VARIABLES WHERE Variable_name = ?";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, name);
            try (ResultSet rs = statement.executeQuery()) {
                return rs.next() ? Optional.of(Objects.toString(rs.getString(2), "")) : Optional.empty();
            }
        } catch (SQLException e) {
            throw failed(sql, e);
        }
    }

    /** Every required setting this instance violates for its role; empty when it is fit. */
    public List<SettingViolation> checkRequiredSettings(Role role) {
        // Names come from RequiredSettings, never from input, so listing them inline is safe.
        String names = RequiredSettings.names(role).stream().map(n -> "'" + n + "'").collect(Collectors.joining(", "));
        String sql = "SHOW GLOBAL VARIABLES WHERE Variable_name IN (" + names + ")";
        Map<String, String> variables = new HashMap<>();
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            while (rs.next()) {
                variables.put(rs.getString(1), Objects.toString(rs.getString(2), ""));
            }
        } catch (SQLException e) {
            throw failed(sql, e);
        }
        return RequiredSettings.check(role, variables);
    }

    /** The default channel's replica status; empty if this instance does not replicate on it. */
    public Optional<ReplicaStatus> replicaStatus() {
        // Plain SHOW REPLICA STATUS and a filter: FOR CHANNEL '' behaves differently across 8.0 releases
        // when the default channel was never configured.
        String sql = "SHOW REPLICA STATUS";
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                Map<String, String> row = new HashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.put(meta.getColumnLabel(i), rs.getString(i));
                }
                if (Objects.toString(row.get("Channel_Name"), "").isEmpty()) {
                    rs.close();
                    preferWorkerError(row);
                    return Optional.of(ReplicaStatus.fromRow(row));
                }
            }
            return Optional.empty();
        } catch (SQLException e) {
            throw failed(sql, e);
        }
    }

    /**
     * With a multithreaded applier, SHOW REPLICA STATUS only says the coordinator stopped "because there were error(s)
     * in the worker(s)"; the error a DBA has to fix (a duplicate key, a missing row) is the worker's, so it takes the
     * coordinator's place. When the worker table cannot be read, the coordinator's message stays.
     */
    private void preferWorkerError(Map<String, String> row) {
        if (Objects.toString(row.get("Last_SQL_Errno"), "0").strip().equals("0")) {
            return;
        }
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(
                "SELECT LAST_ERROR_NUMBER, LAST_ERROR_MESSAGE FROM performance_schema.replication_applier_status_by_worker"
                        + " WHERE CHANNEL_NAME = '' AND LAST_ERROR_NUMBER <> 0 ORDER BY LAST_ERROR_TIMESTAMP DESC LIMIT 1")) {
            if (rs.next() && rs.getString(2) != null && !rs.getString(2).isBlank()) {
                row.put("Last_SQL_Errno", rs.getString(1));
                row.put("Last_SQL_Error", rs.getString(2));
            }
        } catch (SQLException unreadable) {
            // the coordinator's message still names the failed transaction
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            log.warn("closing the admin session on {} failed: {}", endpoint, e.getMessage());
        }
    }

    private String single(String sql) {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return Objects.toString(rs.getString(1), "");
        } catch (SQLException e) {
            throw failed(sql, e);
        }
    }

    private MysqlAdminException failed(String sql, SQLException e) {
        return new MysqlAdminException(endpoint, sql + " failed on " + endpoint + " as " + user + ": " + cause(e, null), e);
    }

    /**
     * The driver's message on one line, with the innermost cause (e.g. "Connection refused") that its
     * generic "Communications link failure" hides. The password is masked in case a driver ever echoes it.
     */
    static String cause(SQLException e, String password) {
        String message = firstLine(e.getMessage());
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e && root.getMessage() != null && !message.contains(firstLine(root.getMessage()))) {
            message += " (" + firstLine(root.getMessage()) + ")";
        }
        if (e.getErrorCode() != 0) {
            message += " [MySQL error " + e.getErrorCode() + "]";
        }
        return password == null || password.isEmpty() ? message : message.replace(password, "****");
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        String line = text.strip();
        int newline = line.indexOf('\n');
        return newline < 0 ? line : line.substring(0, newline).strip();
    }
}
