package io.drsp.core.mysql;

/**
 * The last error of a replication thread, as {@code SHOW REPLICA STATUS} reports it.
 *
 * @param timestamp as the server prints it ({@code YYMMDD HH:MM:SS} in the server's own time zone), kept
 *                  as text because the zone is not part of it
 */
public record ReplicationError(int errno, String message, String timestamp) {

    public String describe() {
        return "error " + errno + " at " + timestamp + ": " + message;
    }
}
