package io.drsp.flashback;

import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

/** Turns a TABLE_MAP event into a {@link TableDef}, insisting on the metadata {@code binlog_row_metadata=FULL} gives. */
final class TableDefs {

    private TableDefs() {
    }

    /** Thrown when the table map lacks what a flashback must not guess from the current schema. */
    static final class MissingMetadata extends Exception {
        MissingMetadata(String message) {
            super(message);
        }
    }

    static TableDef fromTableMap(TableMapEventData map) throws MissingMetadata {
        String table = map.getDatabase() + "." + map.getTable();
        if (!(map instanceof TableMapDeserializer.ParsedTableMap parsed)) {
            throw new MissingMetadata("the table map of " + table + " was read without drsp's metadata reader");
        }
        return fromTableMap(map.getDatabase(), map.getTable(), map.getColumnTypes(), map.getColumnMetadata(), parsed.metadata());
    }

    /**
     * Maps the server's metadata lists onto columns by the server's own rules: signedness has one flag per numeric
     * column ({@link BinlogColumnType#isNumeric}, YEAR included), charsets one per character column
     * ({@link BinlogColumnType#hasCharset}). ENUM and SET values are logged as indexes, so their charsets
     * are not needed.
     */
    static TableDef fromTableMap(String database, String tableName, byte[] types, int[] metas, TableMapMetadata md)
            throws MissingMetadata {
        int n = types.length;
        String table = database + "." + tableName;
        if (md.columnNames() == null || md.columnNames().size() != n) {
            throw new MissingMetadata("the table map of " + table + " has no column names: the source ran with "
                    + "binlog_row_metadata=MINIMAL, set it to FULL (column names, primary key, signedness and charsets "
                    + "are not guessed from the current schema)");
        }
        int[] realTypes = new int[n];
        int numeric = 0;
        int character = 0;
        for (int i = 0; i < n; i++) {
            int type = types[i] & 0xff;
            realTypes[i] = realType(type, metas[i]);
            if (BinlogColumnType.isNumeric(type)) {
                numeric++;
            }
            if (BinlogColumnType.hasCharset(type, realTypes[i])) {
                character++;
            }
        }
        BitSet signedness = md.signedness();
        if (numeric > 0 && signedness == null) {
            throw new MissingMetadata("the table map of " + table + " has no signedness metadata (binlog_row_metadata=FULL required)");
        }
        if (numeric > 0 && (md.signednessBits() < numeric || md.signednessBits() >= numeric + 8)) {
            throw new MissingMetadata("the table map of " + table + " has signedness for " + md.signednessBits() / 8
                    + " bytes of flags, which does not fit its " + numeric + " numeric columns");
        }
        int[] collations = collations(md.defaultCollation(), md.collationExceptions(), md.columnCollations(), character,
                "character", table);
        BitSet visibility = md.visibility();
        List<ColumnDef> columns = new ArrayList<>(n);
        int numericIndex = 0;
        int characterIndex = 0;
        for (int i = 0; i < n; i++) {
            int type = types[i] & 0xff;
            boolean unsigned = false;
            if (BinlogColumnType.isNumeric(type)) {
                unsigned = signedness.get(numericIndex++);
            }
            int collation = 0;
            if (BinlogColumnType.hasCharset(type, realTypes[i])) {
                collation = collations[characterIndex++];
            }
            boolean visible = visibility == null || visibility.get(i);
            columns.add(new ColumnDef(md.columnNames().get(i), type, realTypes[i], metas[i], unsigned, collation, visible));
        }
        // A prefix key (on a BLOB prefix) still identifies the row when the whole column value is compared.
        List<Integer> pk = md.primaryKey();
        for (int k : pk) {
            if (k < 0 || k >= n) {
                throw new MissingMetadata("the table map of " + table + " names primary key column " + k + " of " + n);
            }
        }
        return new TableDef(database, tableName, columns, pk);
    }

    private static int[] collations(int defaultCollation, Map<Integer, Integer> exceptions, List<Integer> perColumn,
                                    int count, String kind, String table) throws MissingMetadata {
        int[] result = new int[count];
        if (count == 0) {
            return result;
        }
        if (perColumn != null) {
            if (perColumn.size() != count) {
                throw new MissingMetadata("the table map of " + table + " lists " + perColumn.size() + " charsets for "
                        + count + " " + kind + " columns");
            }
            for (int i = 0; i < count; i++) {
                result[i] = perColumn.get(i);
            }
            return result;
        }
        if (defaultCollation < 0) {
            throw new MissingMetadata("the table map of " + table + " has no charset metadata for its " + kind
                    + " columns (binlog_row_metadata=FULL required)");
        }
        java.util.Arrays.fill(result, defaultCollation);
        for (Map.Entry<Integer, Integer> e : exceptions.entrySet()) {
            if (e.getKey() < 0 || e.getKey() >= count) {
                throw new MissingMetadata("the table map of " + table + " has a charset for " + kind + " column "
                        + e.getKey() + " of " + count);
            }
            result[e.getKey()] = e.getValue();
        }
        return result;
    }

    /** STRING columns carry their real type (CHAR, ENUM or SET) in the first metadata byte. */
    static int realType(int type, int meta) {
        if (type != BinlogColumnType.STRING || meta < 256) {
            return type;
        }
        int meta0 = meta >> 8;
        return (meta0 & 0x30) != 0x30 ? meta0 | 0x30 : meta0;
    }

    /** Declared byte length of a CHAR/BINARY column (the STRING metadata packs its high bits into byte 0). */
    static int stringLength(int meta) {
        if (meta < 256) {
            return meta;
        }
        int meta0 = meta >> 8;
        int meta1 = meta & 0xff;
        return (meta0 & 0x30) != 0x30 ? meta1 | (((meta0 & 0x30) ^ 0x30) << 4) : meta1;
    }
}
