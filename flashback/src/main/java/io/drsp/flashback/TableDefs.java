package io.drsp.flashback;

import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import com.github.shyiko.mysql.binlog.event.TableMapEventMetadata;
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
        byte[] types = map.getColumnTypes();
        int[] metas = map.getColumnMetadata();
        int n = types.length;
        String table = map.getDatabase() + "." + map.getTable();
        TableMapEventMetadata md = map.getEventMetadata();
        if (md == null || md.getColumnNames() == null || md.getColumnNames().size() != n) {
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
        BitSet signedness = md.getSignedness();
        if (numeric > 0 && signedness == null) {
            throw new MissingMetadata("the table map of " + table + " has no signedness metadata (binlog_row_metadata=FULL required)");
        }
        int[] collations = charsetCollations(md, character, table);
        BitSet visibility = md.getVisibility();
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
            columns.add(new ColumnDef(md.getColumnNames().get(i), type, realTypes[i], metas[i], unsigned, collation, visible));
        }
        List<Integer> pk = new ArrayList<>();
        if (md.getSimplePrimaryKeys() != null) {
            pk.addAll(md.getSimplePrimaryKeys());
        } else if (md.getPrimaryKeysWithPrefix() != null) {
            // A prefix key (on a BLOB prefix) still identifies the row when the whole column value is compared.
            pk.addAll(md.getPrimaryKeysWithPrefix().keySet());
        }
        for (int k : pk) {
            if (k < 0 || k >= n) {
                throw new MissingMetadata("the table map of " + table + " names primary key column " + k + " of " + n);
            }
        }
        return new TableDef(map.getDatabase(), map.getTable(), columns, pk);
    }

    private static int[] charsetCollations(TableMapEventMetadata md, int character, String table) throws MissingMetadata {
        int[] result = new int[character];
        if (character == 0) {
            return result;
        }
        if (md.getColumnCharsets() != null) {
            if (md.getColumnCharsets().size() != character) {
                throw new MissingMetadata("the table map of " + table + " lists " + md.getColumnCharsets().size()
                        + " column charsets for " + character + " character columns");
            }
            for (int i = 0; i < character; i++) {
                result[i] = md.getColumnCharsets().get(i);
            }
            return result;
        }
        TableMapEventMetadata.DefaultCharset dc = md.getDefaultCharset();
        if (dc == null) {
            throw new MissingMetadata("the table map of " + table + " has no charset metadata (binlog_row_metadata=FULL required)");
        }
        java.util.Arrays.fill(result, dc.getDefaultCharsetCollation());
        Map<Integer, Integer> exceptions = dc.getCharsetCollations();
        if (exceptions != null) {
            for (Map.Entry<Integer, Integer> e : exceptions.entrySet()) {
                if (e.getKey() < 0 || e.getKey() >= character) {
                    throw new MissingMetadata("the table map of " + table + " has a charset for character column "
                            + e.getKey() + " of " + character);
                }
                result[e.getKey()] = e.getValue();
            }
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
