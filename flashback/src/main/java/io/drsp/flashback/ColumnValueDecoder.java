package io.drsp.flashback;

import java.util.function.IntFunction;

/**
 * Decodes one column value of a row image. Written here rather than taken from the binlog library because its
 * defaults lose sign or precision (unsigned BIGINT, negative TIME, fractional DATETIME, YEAR 0, zero dates) or
 * decode bytes with a guessed charset.
 */
final class ColumnValueDecoder {

    private ColumnValueDecoder() {
    }

    static SqlValue decode(ByteCursor in, ColumnDef c, IntFunction<String> charsetOfCollation) {
        int meta = c.meta();
        return switch (c.type()) {
            case BinlogColumnType.TINY -> integer(in, 1, c.unsigned());
            case BinlogColumnType.SHORT -> integer(in, 2, c.unsigned());
            case BinlogColumnType.INT24 -> integer(in, 3, c.unsigned());
            case BinlogColumnType.LONG -> integer(in, 4, c.unsigned());
            case BinlogColumnType.LONGLONG -> integer(in, 8, c.unsigned());
            case BinlogColumnType.FLOAT -> new SqlValue.Real(Float.intBitsToFloat((int) in.le(4)), true);
            case BinlogColumnType.DOUBLE -> new SqlValue.Real(Double.longBitsToDouble(in.le(8)), false);
            case BinlogColumnType.NEWDECIMAL -> new SqlValue.Decimal(BinaryDecimal.decode(in, meta & 0xff, meta >> 8));
            case BinlogColumnType.YEAR -> {
                int y = in.u8();
                yield new SqlValue.Year(y == 0 ? 0 : 1900 + y);
            }
            case BinlogColumnType.DATE -> new SqlValue.Temporal(TemporalDecoder.date(in));
            case BinlogColumnType.TIME2 -> new SqlValue.Temporal(TemporalDecoder.time2(in, meta));
            case BinlogColumnType.DATETIME2 -> new SqlValue.Temporal(TemporalDecoder.datetime2(in, meta));
            case BinlogColumnType.TIMESTAMP2 -> new SqlValue.Temporal(TemporalDecoder.timestamp2(in, meta));
            case BinlogColumnType.BIT -> {
                int bytes = (meta >> 8) + ((meta & 0xff) > 0 ? 1 : 0);
                if (bytes < 1 || bytes > 8) {
                    throw new UndecodableException("BIT of " + bytes + " bytes in column " + c.name());
                }
                yield new SqlValue.Bit(in.be(bytes));
            }
            case BinlogColumnType.VARCHAR, BinlogColumnType.VAR_STRING -> {
                int len = (int) in.le(meta < 256 ? 1 : 2);
                yield bytes(in.bytes(len), c, charsetOfCollation);
            }
            case BinlogColumnType.STRING -> string(in, c, charsetOfCollation);
            case BinlogColumnType.BLOB -> {
                int len = lengthOfBlob(in, meta, c);
                yield bytes(in.bytes(len), c, charsetOfCollation);
            }
            case BinlogColumnType.JSON -> {
                int len = lengthOfBlob(in, meta, c);
                yield new SqlValue.Json(BinaryJsonDecoder.decode(in.bytes(len)));
            }
            case BinlogColumnType.GEOMETRY -> {
                int len = lengthOfBlob(in, meta, c);
                byte[] g = in.bytes(len);
                if (g.length < 4) {
                    throw new UndecodableException("GEOMETRY value of " + g.length + " bytes in column " + c.name());
                }
                yield new SqlValue.Geometry(g);
            }
            case BinlogColumnType.ENUM -> new SqlValue.EnumIndex((int) in.le(meta & 0xff));
            case BinlogColumnType.SET -> new SqlValue.SetBits(in.le(meta & 0xff));
            default -> throw new UndecodableException("column " + c.name() + " has binlog type " + c.type()
                    + ", which this engine does not decode (pre-5.6 temporal formats or an unknown type)");
        };
    }

    private static int lengthOfBlob(ByteCursor in, int meta, ColumnDef c) {
        if (meta < 1 || meta > 4) {
            throw new UndecodableException("length prefix of " + meta + " bytes in column " + c.name());
        }
        long len = in.le(meta);
        if (len > Integer.MAX_VALUE - 16) {
            throw new UndecodableException("value of " + len + " bytes in column " + c.name());
        }
        return (int) len;
    }

    private static SqlValue string(ByteCursor in, ColumnDef c, IntFunction<String> charsetOfCollation) {
        int length = TableDefs.stringLength(c.meta());
        return switch (c.realType()) {
            case BinlogColumnType.ENUM -> new SqlValue.EnumIndex((int) in.le(length));
            case BinlogColumnType.SET -> new SqlValue.SetBits(in.le(length));
            case BinlogColumnType.STRING -> {
                int len = (int) in.le(length < 256 ? 1 : 2);
                byte[] b = in.bytes(len);
                if (c.collation() == ColumnDef.BINARY_COLLATION && b.length < length) {
                    // BINARY(n) is logged without its trailing 0x00 padding; the stored value has it, and a
                    // binary-exact comparison needs it.
                    b = java.util.Arrays.copyOf(b, length);
                }
                yield bytes(b, c, charsetOfCollation);
            }
            default -> throw new UndecodableException("column " + c.name() + " has STRING real type " + c.realType());
        };
    }

    private static SqlValue bytes(byte[] b, ColumnDef c, IntFunction<String> charsetOfCollation) {
        if (c.collation() == ColumnDef.BINARY_COLLATION) {
            return new SqlValue.Bytes(b, null);
        }
        String charset = charsetOfCollation.apply(c.collation());
        if (charset == null) {
            throw new UndecodableException("column " + c.name() + " has collation id " + c.collation() + ", unknown to the target server");
        }
        return new SqlValue.Bytes(b, charset);
    }

    private static SqlValue integer(ByteCursor in, int bytes, boolean unsigned) {
        long raw = in.le(bytes);
        if (!unsigned && bytes < 8) {
            int shift = 64 - 8 * bytes;
            raw = raw << shift >> shift;
        }
        return new SqlValue.Int(raw, unsigned);
    }
}
