package io.drsp.flashback;

import io.drsp.core.gtid.GtidSet;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What the source server had when the run started: the end of its binlog and its GTID sets. Nothing written
 * after this is read, so a flashback never chases new writes.
 */
public record SourceState(BinlogPosition end, GtidSet executed, GtidSet purged) {

    public static SourceState read(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            BinlogPosition end;
            GtidSet executed;
            ResultSet status;
            try {
                status = st.executeQuery("SHOW BINARY LOG STATUS"); // 8.2 and later
            } catch (SQLException e) {
                status = st.executeQuery("SHOW MASTER STATUS");
            }
            try (ResultSet rs = status) {
                if (!rs.next()) {
                    throw new SQLException("the source server has binary logging off (log_bin): there is no binlog to flash back from");
                }
                end = new BinlogPosition(rs.getString("File"), rs.getLong("Position"));
                executed = GtidSet.parse(rs.getString("Executed_Gtid_Set"));
            }
            GtidSet purged;
            try (ResultSet p = st.executeQuery("SELECT @@GLOBAL.gtid_purged")) {
                p.next();
                purged = GtidSet.parse(p.getString(1));
            }
            return new SourceState(end, executed, purged);
        }
    }
}
