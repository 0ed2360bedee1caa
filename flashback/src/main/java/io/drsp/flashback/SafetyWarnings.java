package io.drsp.flashback;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Triggers and cascading foreign keys on the tables a flashback changes. Their effects are logged as rows of
 * their own (or not at all when they fire on the target), so reversing the logged rows and then having the
 * trigger or cascade fire again changes more than the binlog says.
 */
final class SafetyWarnings {

    private SafetyWarnings() {
    }

    static List<String> find(Connection c, Set<TableName> tables) throws SQLException {
        List<String> warnings = new ArrayList<>();
        if (tables.isEmpty()) {
            return warnings;
        }
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT EVENT_OBJECT_SCHEMA, EVENT_OBJECT_TABLE, TRIGGER_NAME, ACTION_TIMING, "
                    + "EVENT_MANIPULATION FROM information_schema.TRIGGERS ORDER BY 1, 2, 3")) {
                while (rs.next()) {
                    TableName t = new TableName(rs.getString(1), rs.getString(2));
                    if (tables.contains(t)) {
                        warnings.add("table " + t + " has trigger " + rs.getString(3) + " (" + rs.getString(4) + " "
                                + rs.getString(5) + "): it fires on the reverse statements too");
                    }
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, UNIQUE_CONSTRAINT_SCHEMA, "
                    + "REFERENCED_TABLE_NAME, UPDATE_RULE, DELETE_RULE FROM information_schema.REFERENTIAL_CONSTRAINTS "
                    + "WHERE UPDATE_RULE IN ('CASCADE', 'SET NULL', 'SET DEFAULT') OR DELETE_RULE IN ('CASCADE', 'SET NULL', 'SET DEFAULT') "
                    + "ORDER BY 1, 2, 3")) {
                while (rs.next()) {
                    TableName child = new TableName(rs.getString(1), rs.getString(2));
                    TableName parent = new TableName(rs.getString(4), rs.getString(5));
                    if (tables.contains(parent) || tables.contains(child)) {
                        warnings.add("foreign key " + rs.getString(3) + " of " + child + " references " + parent
                                + " with ON UPDATE " + rs.getString(6) + " ON DELETE " + rs.getString(7)
                                + ": cascaded changes are not in the binlog");
                    }
                }
            }
        }
        return warnings;
    }
}
