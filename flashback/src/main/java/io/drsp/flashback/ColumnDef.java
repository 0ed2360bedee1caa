package io.drsp.flashback;

/**
 * One column as the binlog's table map describes it.
 *
 * @param name      column name (optional metadata COLUMN_NAME)
 * @param type      binlog type code, see {@link BinlogColumnType}
 * @param realType  for STRING the real type (ENUM, SET or STRING) taken from the metadata; else {@code type}
 * @param meta      type metadata as decoded by the binlog library (length, precision, fsp...)
 * @param unsigned  from SIGNEDNESS; false for non-numeric columns
 * @param collation collation id from the charset metadata, 0 for columns without a charset; 63 is binary
 * @param visible   from COLUMN_VISIBILITY (true when the server did not send it)
 */
public record ColumnDef(String name, int type, int realType, int meta, boolean unsigned, int collation, boolean visible) {

    public static final int BINARY_COLLATION = 63;
}
