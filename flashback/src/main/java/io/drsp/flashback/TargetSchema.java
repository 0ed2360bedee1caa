package io.drsp.flashback;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What the target server's dictionary says: charset names of collation ids, and the tables to be changed. */
final class TargetSchema {

    private TargetSchema() {
    }

    /** Collation id to charset name, e.g. 255 to utf8mb4; 63 (binary) is not needed, bytes are written as is. */
    static Map<Integer, String> charsetsByCollation(Connection c) throws SQLException {
        Map<Integer, String> m = new HashMap<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT ID, CHARACTER_SET_NAME FROM information_schema.COLLATIONS")) {
            while (rs.next()) {
                m.put(rs.getInt(1), rs.getString(2));
            }
        }
        return m;
    }

    /** A target table that does not match the binlog's definition. */
    static final class Mismatch extends Exception {
        Mismatch(String message) {
            super(message);
        }
    }

    /**
     * The target table's shape; refuses when the target's columns (names, in order) differ from the binlog's,
     * which means its definition changed after the range and reverse rows would land in the wrong columns.
     */
    static TableShape shape(Connection c, TableDef def) throws SQLException, Mismatch {
        List<String> names = new ArrayList<>();
        List<Boolean> generated = new ArrayList<>();
        List<String> columnTypes = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT COLUMN_NAME, EXTRA, GENERATION_EXPRESSION, COLUMN_TYPE FROM "
                + "information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION")) {
            ps.setString(1, def.database());
            ps.setString(2, def.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                    String extra = rs.getString(2) == null ? "" : rs.getString(2).toUpperCase(Locale.ROOT);
                    String expression = rs.getString(3);
                    generated.add(extra.contains("GENERATED") && expression != null && !expression.isEmpty());
                    columnTypes.add(rs.getString(4).toLowerCase(Locale.ROOT));
                }
            }
        }
        if (names.isEmpty()) {
            throw new Mismatch("table " + def.name() + " does not exist on the target");
        }
        List<String> binlogNames = def.columns().stream().map(ColumnDef::name).toList();
        boolean same = names.size() == binlogNames.size();
        for (int i = 0; same && i < names.size(); i++) {
            same = names.get(i).equalsIgnoreCase(binlogNames.get(i));
        }
        if (!same) {
            throw new Mismatch("table " + def.name() + " on the target has columns " + names + " but the binlog range has "
                    + binlogNames + ": its definition changed after the range");
        }
        checkSignedness(def, columnTypes);
        boolean secondaryUnique;
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? "
                + "AND TABLE_NAME = ? AND NON_UNIQUE = 0 AND INDEX_NAME <> 'PRIMARY'")) {
            ps.setString(1, def.database());
            ps.setString(2, def.table());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                secondaryUnique = rs.getLong(1) > 0;
            }
        }
        return new TableShape(def, generated, secondaryUnique);
    }

    /**
     * Every integer and DECIMAL value is decoded with the binlog's signedness flag; where the target's dictionary
     * says otherwise, a reverse statement would carry a value of the wrong sign (255 read as -1) and match nothing
     * half-way through an undo, so the plan is refused instead, before anything is applied.
     */
    private static void checkSignedness(TableDef def, List<String> columnTypes) throws Mismatch {
        for (int i = 0; i < def.columns().size(); i++) {
            ColumnDef col = def.columns().get(i);
            if (!BinlogColumnType.isNumeric(col.type()) || col.type() == BinlogColumnType.YEAR) {
                continue;
            }
            boolean unsigned = columnTypes.get(i).contains("unsigned");
            if (unsigned != col.unsigned()) {
                throw new Mismatch("column " + col.name() + " of " + def.name() + " is " + columnTypes.get(i)
                        + " on the target but the binlog range gives it as " + (col.unsigned() ? "UNSIGNED" : "signed")
                        + ": its values would be undone with the wrong sign, so nothing is applied");
            }
        }
    }
}
