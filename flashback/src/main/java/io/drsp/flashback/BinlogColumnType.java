package io.drsp.flashback;

/** Column type codes of the binlog's TABLE_MAP event ({@code enum_field_types} in MySQL's source). */
final class BinlogColumnType {
    static final int DECIMAL = 0;
    static final int TINY = 1;
    static final int SHORT = 2;
    static final int LONG = 3;
    static final int FLOAT = 4;
    static final int DOUBLE = 5;
    static final int NULL = 6;
    static final int TIMESTAMP = 7;
    static final int LONGLONG = 8;
    static final int INT24 = 9;
    static final int DATE = 10;
    static final int TIME = 11;
    static final int DATETIME = 12;
    static final int YEAR = 13;
    static final int NEWDATE = 14;
    static final int VARCHAR = 15;
    static final int BIT = 16;
    static final int TIMESTAMP2 = 17;
    static final int DATETIME2 = 18;
    static final int TIME2 = 19;
    static final int TYPED_ARRAY = 20;
    static final int JSON = 245;
    static final int NEWDECIMAL = 246;
    static final int ENUM = 247;
    static final int SET = 248;
    static final int TINY_BLOB = 249;
    static final int MEDIUM_BLOB = 250;
    static final int LONG_BLOB = 251;
    static final int BLOB = 252;
    static final int VAR_STRING = 253;
    static final int STRING = 254;
    static final int GEOMETRY = 255;

    private BinlogColumnType() {
    }

    /**
     * The columns the server gives a SIGNEDNESS flag. YEAR is one: MySQL 8.0.33 writes two bytes of flags for eight
     * integer columns and a YEAR (GeneratedSchemaTest), although mysqlbinlog's printer does not count YEAR.
     */
    static boolean isNumeric(int type) {
        return switch (type) {
            case TINY, SHORT, INT24, LONG, LONGLONG, NEWDECIMAL, FLOAT, DOUBLE, YEAR -> true;
            default -> false;
        };
    }

    /**
     * The columns MySQL gives a charset in the optional metadata (its {@code is_character_type} on the binlog type):
     * CHAR, VARCHAR, TEXT/BLOB, but not ENUM/SET (they have their own list), JSON nor GEOMETRY. Counting GEOMETRY
     * shifted the charset of every character column after it (found with mixed charsets after a GEOMETRY column).
     */
    static boolean hasCharset(int type, int realType) {
        return switch (type) {
            case STRING -> realType != ENUM && realType != SET;
            case VAR_STRING, VARCHAR, BLOB -> true;
            default -> false;
        };
    }

    static boolean isEnumOrSet(int type, int realType) {
        return type == STRING && (realType == ENUM || realType == SET) || type == ENUM || type == SET;
    }
}
