package io.drsp.core.mysql;

import io.drsp.core.gtid.GtidSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The default channel's row of {@code SHOW REPLICA STATUS} (MySQL 8.0.22+ column names), reduced to
 * what drsp decides on.
 *
 * @param ioRunning           {@code Replica_IO_Running}: Yes, No or Connecting
 * @param ioState             {@code Replica_IO_State}, free text
 * @param sqlRunning          {@code Replica_SQL_Running}: Yes or No
 * @param sqlState            {@code Replica_SQL_Running_State}, free text (e.g. "Waiting until SOURCE_DELAY seconds after source executed event")
 * @param sqlDelay            {@code SQL_Delay}: the link's SOURCE_DELAY in seconds
 * @param sqlRemainingDelay   {@code SQL_Remaining_Delay}: present only while the applier waits out the delay
 * @param secondsBehindSource {@code Seconds_Behind_Source}: absent when the SQL thread is not running
 * @param relayLogSpace       {@code Relay_Log_Space}: bytes of all relay log files, applied or not
 */
public record ReplicaStatus(
        String ioRunning,
        String ioState,
        String sqlRunning,
        String sqlState,
        Optional<ReplicationError> lastIoError,
        Optional<ReplicationError> lastSqlError,
        GtidSet retrievedGtidSet,
        GtidSet executedGtidSet,
        long sqlDelay,
        OptionalLong sqlRemainingDelay,
        String relayLogFile,
        long relayLogPos,
        String sourceHost,
        int sourcePort,
        OptionalLong secondsBehindSource,
        String sourceUser,
        boolean autoPosition,
        long relayLogSpace,
        boolean sslAllowed,
        String sslCaFile) {

    public boolean ioThreadRunning() {
        return "Yes".equalsIgnoreCase(ioRunning);
    }

    public boolean sqlThreadRunning() {
        return "Yes".equalsIgnoreCase(sqlRunning);
    }

    /**
     * Reads one row given as column name to value ({@code null} for SQL NULL).
     *
     * @throws IllegalArgumentException if a column is missing (server older than 8.0.22) or unreadable
     */
    public static ReplicaStatus fromRow(Map<String, String> row) {
        Row r = new Row(row);
        return new ReplicaStatus(
                r.text("Replica_IO_Running"),
                r.text("Replica_IO_State"),
                r.text("Replica_SQL_Running"),
                r.text("Replica_SQL_Running_State"),
                r.error("Last_IO_Errno", "Last_IO_Error", "Last_IO_Error_Timestamp"),
                r.error("Last_SQL_Errno", "Last_SQL_Error", "Last_SQL_Error_Timestamp"),
                r.gtids("Retrieved_Gtid_Set"),
                r.gtids("Executed_Gtid_Set"),
                r.number("SQL_Delay").orElse(0),
                r.number("SQL_Remaining_Delay"),
                r.text("Relay_Log_File"),
                r.number("Relay_Log_Pos").orElse(0),
                r.text("Source_Host"),
                (int) r.number("Source_Port").orElse(0),
                r.number("Seconds_Behind_Source"),
                r.text("Source_User"),
                r.number("Auto_Position").orElse(0) == 1,
                r.number("Relay_Log_Space").orElse(0),
                "Yes".equalsIgnoreCase(r.optional("Source_SSL_Allowed")),
                r.optional("Source_SSL_CA_File"));
    }

    private record Row(Map<String, String> values) {

        String raw(String column) {
            if (!values.containsKey(column)) {
                throw new IllegalArgumentException("SHOW REPLICA STATUS has no column " + column
                        + ", expected MySQL 8.0.22 or later");
            }
            return values.get(column);
        }

        /** A column older rows in tests may lack: "" then. */
        String optional(String column) {
            String value = values.get(column);
            return value == null ? "" : value;
        }

        String text(String column) {
            String value = raw(column);
            return value == null ? "" : value;
        }

        OptionalLong number(String column) {
            String value = raw(column);
            if (value == null || value.isBlank()) {
                return OptionalLong.empty();
            }
            try {
                return OptionalLong.of(Long.parseLong(value.strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("SHOW REPLICA STATUS column " + column + " is \"" + value
                        + "\", expected a number");
            }
        }

        GtidSet gtids(String column) {
            return GtidSet.parse(text(column));
        }

        Optional<ReplicationError> error(String errno, String message, String timestamp) {
            long code = number(errno).orElse(0);
            if (code == 0) {
                return Optional.empty();
            }
            return Optional.of(new ReplicationError((int) code, text(message), text(timestamp)));
        }
    }
}
