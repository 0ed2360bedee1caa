package io.drsp.flashback;

import io.drsp.core.gtid.GtidSet;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Makes a server's {@code gtid_executed} equal a snapshot point again after a flashback: {@code RESET MASTER}
 * (or {@code RESET BINARY LOGS AND GTIDS} where the server has it), then {@code SET GLOBAL gtid_purged=S}, then
 * checks {@code gtid_executed == S}. This deletes the server's binary logs. {@code super_read_only} is turned off
 * for the duration and restored afterwards.
 */
public final class GtidPurge {

    private GtidPurge() {
    }

    /** The purge did not happen or did not end where it should; the message says which. */
    public static final class PurgeRefused extends Exception {
        public PurgeRefused(String message) {
            super(message);
        }
    }

    /**
     * Resets the server's GTID state to {@code snapshot}. Refuses, changing nothing, when the server has not
     * executed every transaction of {@code snapshot} (that would claim data it does not hold) or when a replication
     * applier is running (it would add transactions meanwhile).
     */
    public static void purgeTo(Connection c, GtidSet snapshot) throws SQLException, PurgeRefused {
        GtidSet executed = executed(c);
        if (!executed.containsAll(snapshot)) {
            throw new PurgeRefused("the server has not executed " + snapshot.subtract(executed).toCompactString()
                    + " of the snapshot point; purging to it would claim transactions it does not hold. Nothing changed.");
        }
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT CHANNEL_NAME FROM performance_schema.replication_applier_status "
                    + "WHERE SERVICE_STATE = 'ON'")) {
                if (rs.next()) {
                    throw new PurgeRefused("replication channel '" + rs.getString(1) + "' is applying; stop it first"
                            + " (STOP REPLICA). Nothing changed.");
                }
            }
            SuperReadOnly.lifted(st, () -> {
                resetBinaryLogs(st);
                if (!snapshot.isEmpty()) {
                    st.execute("SET GLOBAL gtid_purged = '" + snapshot.toCompactString() + "'");
                }
            });
        }
        GtidSet after = executed(c);
        if (!after.equals(snapshot)) {
            throw new PurgeRefused("after the purge gtid_executed is " + after.toCompactString() + ", not the snapshot point "
                    + snapshot.toCompactString() + "; something wrote meanwhile");
        }
    }

    private static void resetBinaryLogs(Statement st) throws SQLException {
        try {
            st.execute("RESET BINARY LOGS AND GTIDS"); // 8.2 and later; RESET MASTER is deprecated there
        } catch (SQLException e) {
            if (e.getErrorCode() != 1064) { // ER_PARSE_ERROR: an older server
                throw e;
            }
            st.execute("RESET MASTER");
        }
    }

    static GtidSet executed(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT @@GLOBAL.gtid_executed")) {
            rs.next();
            return GtidSet.parse(rs.getString(1));
        }
    }
}
