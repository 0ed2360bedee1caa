package io.drsp.flashback;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The optional metadata of a TABLE_MAP event ({@code binlog_row_metadata=FULL}), exactly as the server wrote it:
 * every list is in the server's own order (signedness per numeric column, charsets per character column), and
 * {@link TableDefs} maps them onto columns. Parsed by drsp rather than taken from the binlog library because
 * mysql-binlog-connector-java 0.30.1 remaps signedness onto column positions with its own idea of which columns
 * are numeric (it counts YEAR, the server does not), and reads past the field (failing the event) when that idea
 * gives more bytes than the server wrote.
 *
 * @param signedness       one flag per numeric column in column order (true: UNSIGNED); null when absent
 * @param signednessBits   how many flags the field's bytes can hold (8 per byte)
 * @param defaultCollation DEFAULT_CHARSET's default collation, or -1 when absent
 * @param collationExceptions DEFAULT_CHARSET's exceptions: character-column index to collation
 * @param columnCollations COLUMN_CHARSET: one collation per character column; null when absent
 * @param primaryKey       SIMPLE_PRIMARY_KEY or PRIMARY_KEY_WITH_PREFIX column indexes, in key order
 * @param keyPrefixes      per key column index, the prefix length (0: whole column)
 */
record TableMapMetadata(BitSet signedness, int signednessBits, int defaultCollation, Map<Integer, Integer> collationExceptions,
                        List<Integer> columnCollations, int enumSetDefaultCollation, Map<Integer, Integer> enumSetCollationExceptions,
                        List<Integer> enumSetCollations, List<String> columnNames, List<List<String>> enumValues,
                        List<List<String>> setValues, List<Integer> geometryTypes, List<Integer> primaryKey,
                        Map<Integer, Integer> keyPrefixes, BitSet visibility) {

    static final int SIGNEDNESS = 1;
    static final int DEFAULT_CHARSET = 2;
    static final int COLUMN_CHARSET = 3;
    static final int COLUMN_NAME = 4;
    static final int SET_STR_VALUE = 5;
    static final int ENUM_STR_VALUE = 6;
    static final int GEOMETRY_TYPE = 7;
    static final int SIMPLE_PRIMARY_KEY = 8;
    static final int PRIMARY_KEY_WITH_PREFIX = 9;
    static final int ENUM_AND_SET_DEFAULT_CHARSET = 10;
    static final int ENUM_AND_SET_COLUMN_CHARSET = 11;
    static final int COLUMN_VISIBILITY = 12;

    static final TableMapMetadata NONE = new TableMapMetadata(null, 0, -1, Map.of(), null, -1, Map.of(), null, null,
            null, null, null, List.of(), Map.of(), null);

    /** Parses the type-length-value fields from {@code in}'s position to its end; unknown types are skipped. */
    static TableMapMetadata parse(ByteCursor in, int columns) {
        BitSet signedness = null;
        int signednessBits = 0;
        int defaultCollation = -1;
        Map<Integer, Integer> exceptions = Map.of();
        List<Integer> columnCollations = null;
        int enumSetDefault = -1;
        Map<Integer, Integer> enumSetExceptions = Map.of();
        List<Integer> enumSetCollations = null;
        List<String> names = null;
        List<List<String>> enums = null;
        List<List<String>> sets = null;
        List<Integer> geometry = null;
        List<Integer> key = new ArrayList<>();
        Map<Integer, Integer> prefixes = new LinkedHashMap<>();
        BitSet visibility = null;
        while (in.hasMore()) {
            int type = in.u8();
            int length = lengthOf(in);
            ByteCursor field = in.slice(length);
            switch (type) {
                case SIGNEDNESS -> {
                    signednessBits = 8 * length;
                    signedness = bitmap(field, signednessBits);
                }
                case DEFAULT_CHARSET -> {
                    defaultCollation = lengthOf(field);
                    exceptions = pairs(field);
                }
                case COLUMN_CHARSET -> columnCollations = integers(field);
                case COLUMN_NAME -> {
                    names = new ArrayList<>();
                    while (field.hasMore()) {
                        names.add(string(field));
                    }
                }
                case SET_STR_VALUE -> sets = typeValues(field);
                case ENUM_STR_VALUE -> enums = typeValues(field);
                case GEOMETRY_TYPE -> geometry = integers(field);
                case SIMPLE_PRIMARY_KEY -> {
                    for (int c : integers(field)) {
                        key.add(c);
                        prefixes.put(c, 0);
                    }
                }
                case PRIMARY_KEY_WITH_PREFIX -> {
                    Map<Integer, Integer> p = pairs(field);
                    p.forEach((c, len) -> {
                        key.add(c);
                        prefixes.put(c, len);
                    });
                }
                case ENUM_AND_SET_DEFAULT_CHARSET -> {
                    enumSetDefault = lengthOf(field);
                    enumSetExceptions = pairs(field);
                }
                case ENUM_AND_SET_COLUMN_CHARSET -> enumSetCollations = integers(field);
                case COLUMN_VISIBILITY -> visibility = bitmap(field, columns);
                default -> {
                    // a field of a newer server: its length lets it be skipped without misreading the rest
                }
            }
        }
        return new TableMapMetadata(signedness, signednessBits, defaultCollation, exceptions, columnCollations,
                enumSetDefault, enumSetExceptions, enumSetCollations, names, enums, sets, geometry, List.copyOf(key),
                prefixes, visibility);
    }

    /** MySQL's bit lists are most significant bit first within each byte. */
    private static BitSet bitmap(ByteCursor in, int bits) {
        BitSet b = new BitSet();
        byte[] bytes = in.bytes(in.remaining());
        if (bytes.length * 8 < bits) {
            throw new UndecodableException("a bit list of " + bytes.length + " bytes cannot hold " + bits + " flags");
        }
        for (int i = 0; i < bits; i++) {
            if ((bytes[i >> 3] & (0x80 >> (i & 7))) != 0) {
                b.set(i);
            }
        }
        return b;
    }

    private static int lengthOf(ByteCursor in) {
        long v = in.packed();
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new UndecodableException("table map metadata value " + v + " out of range");
        }
        return (int) v;
    }

    private static List<Integer> integers(ByteCursor in) {
        List<Integer> out = new ArrayList<>();
        while (in.hasMore()) {
            out.add(lengthOf(in));
        }
        return out;
    }

    private static Map<Integer, Integer> pairs(ByteCursor in) {
        Map<Integer, Integer> out = new LinkedHashMap<>();
        while (in.hasMore()) {
            int k = lengthOf(in);
            out.put(k, lengthOf(in));
        }
        return out;
    }

    private static String string(ByteCursor in) {
        return new String(in.bytes(lengthOf(in)), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static List<List<String>> typeValues(ByteCursor in) {
        List<List<String>> out = new ArrayList<>();
        while (in.hasMore()) {
            int n = lengthOf(in);
            List<String> values = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                values.add(string(in));
            }
            out.add(values);
        }
        return out;
    }
}
