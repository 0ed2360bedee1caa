package io.drsp.flashback;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads from the target's dictionary how each affected table's changes are tracked for parallel apply: its
 * primary and UNIQUE keys, whether a foreign key links it to another table, whether it has triggers.
 * Anything that is not certain to be exact by key value is made coarser, never finer: a wrong "independent"
 * would let two transactions touching one row run in either order.
 */
final class ConflictRules {

    private ConflictRules() {
    }

    static Map<TableName, ConflictRule> read(Connection c, Map<TableName, TableShape> shapes) throws SQLException {
        Set<TableName> withForeignKeys = new HashSet<>();
        Set<TableName> withTriggers = new HashSet<>();
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT TABLE_SCHEMA, TABLE_NAME, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME "
                    + "FROM information_schema.KEY_COLUMN_USAGE WHERE REFERENCED_TABLE_NAME IS NOT NULL")) {
                while (rs.next()) {
                    withForeignKeys.add(new TableName(rs.getString(1), rs.getString(2)));
                    withForeignKeys.add(new TableName(rs.getString(3), rs.getString(4)));
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT EVENT_OBJECT_SCHEMA, EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS")) {
                while (rs.next()) {
                    withTriggers.add(new TableName(rs.getString(1), rs.getString(2)));
                }
            }
        }
        Map<TableName, ConflictRule> rules = new HashMap<>();
        for (TableShape shape : shapes.values()) {
            TableName t = shape.def().name();
            if (withTriggers.contains(t)) {
                rules.put(t, ConflictRule.everything(t));
            } else if (withForeignKeys.contains(t)) {
                rules.put(t, ConflictRule.foreignKeyGroup(t));
            } else if (!shape.hasPrimaryKey()) {
                rules.put(t, ConflictRule.wholeTable(t, "it has no primary key"));
            } else {
                rules.put(t, byKeys(c, shape));
            }
        }
        return rules;
    }

    /** The primary key and every UNIQUE key, when each of their values can be hashed exactly; else the whole table. */
    private static ConflictRule byKeys(Connection c, TableShape shape) throws SQLException {
        TableDef def = shape.def();
        Map<String, List<Integer>> keys = new LinkedHashMap<>();
        keys.put("PRIMARY", def.primaryKey());
        Map<String, Integer> position = new HashMap<>();
        for (int i = 0; i < def.columns().size(); i++) {
            position.put(def.columns().get(i).name().toLowerCase(java.util.Locale.ROOT), i);
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT INDEX_NAME, COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS "
                + "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0 AND INDEX_NAME <> 'PRIMARY' "
                + "ORDER BY INDEX_NAME, SEQ_IN_INDEX")) {
            ps.setString(1, def.database());
            ps.setString(2, def.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String index = rs.getString(1);
                    String column = rs.getString(2);
                    if (column == null) {
                        return ConflictRule.wholeTable(def.name(), "UNIQUE key " + index + " is on an expression");
                    }
                    if (rs.getObject(3) != null) {
                        return ConflictRule.wholeTable(def.name(), "UNIQUE key " + index + " is on a prefix of " + column);
                    }
                    Integer at = position.get(column.toLowerCase(java.util.Locale.ROOT));
                    if (at == null) {
                        return ConflictRule.wholeTable(def.name(), "UNIQUE key " + index + " names unknown column " + column);
                    }
                    keys.computeIfAbsent(index, k -> new ArrayList<>()).add(at);
                }
            }
        }
        for (Map.Entry<String, List<Integer>> key : keys.entrySet()) {
            for (int col : key.getValue()) {
                String why = notExact(shape, col);
                if (why != null) {
                    return ConflictRule.wholeTable(def.name(), "key " + key.getKey() + " column "
                            + def.columns().get(col).name() + " " + why);
                }
            }
        }
        return ConflictRule.rows(def.name(), List.copyOf(keys.values()));
    }

    /**
     * Why equal keys might have unequal binlog values, or null when they cannot: a collated string compares
     * case-, accent- or pad-insensitively (what MySQL hashes is the collation's weight string, which this
     * client does not compute), and a generated column's value may be missing from an image.
     */
    private static String notExact(TableShape shape, int col) {
        ColumnDef c = shape.def().columns().get(col);
        if (shape.generated().get(col)) {
            return "is generated";
        }
        if (BinlogColumnType.isEnumOrSet(c.type(), c.realType())) {
            return null;
        }
        return switch (c.type()) {
            case BinlogColumnType.TINY, BinlogColumnType.SHORT, BinlogColumnType.INT24, BinlogColumnType.LONG,
                 BinlogColumnType.LONGLONG, BinlogColumnType.NEWDECIMAL, BinlogColumnType.FLOAT, BinlogColumnType.DOUBLE,
                 BinlogColumnType.YEAR, BinlogColumnType.DATE, BinlogColumnType.TIME2, BinlogColumnType.DATETIME2,
                 BinlogColumnType.TIMESTAMP2, BinlogColumnType.BIT -> null;
            case BinlogColumnType.STRING, BinlogColumnType.VARCHAR, BinlogColumnType.VAR_STRING ->
                    c.collation() == ColumnDef.BINARY_COLLATION ? null : "is a string compared under a collation";
            default -> "has binlog type " + c.type();
        };
    }
}
