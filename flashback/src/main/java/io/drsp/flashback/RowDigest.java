package io.drsp.flashback;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * A 64-bit digest of a row's stored values that both sides can compute: the server from the row it holds
 * ({@link #expression}) and drsp from a binlog image ({@link #of}). The pre-flight check compares the XOR of a batch's
 * digests instead of sending every value back to the server; a batch whose digests differ is then compared value by
 * value, so the digest only decides how fast a batch that matches is found to match.
 *
 * <p>Each compared column adds its value so that no two rows with different values have the same input (see
 * {@link #expression}). Only columns whose {@code CAST(... AS BINARY)} is the image's value
 * written as MySQL writes it are covered: integers (decimal text), DECIMAL (its text at the declared scale) and
 * character and blob columns (their bytes). BINARY(n) is not: the image leaves out the trailing zero bytes the server
 * pads it with.
 */
final class RowDigest {
    private RowDigest() {
    }

    /** Whether every column the check compares (key and the rest) is one the digest covers. */
    static boolean covers(TableShape shape) {
        if (!shape.hasPrimaryKey()) {
            return false;
        }
        for (int c : columns(shape)) {
            ColumnDef col = shape.def().columns().get(c);
            boolean covered = switch (col.type()) {
                case BinlogColumnType.TINY, BinlogColumnType.SHORT, BinlogColumnType.INT24, BinlogColumnType.LONG,
                     BinlogColumnType.LONGLONG, BinlogColumnType.NEWDECIMAL -> true;
                case BinlogColumnType.STRING -> BinlogColumnType.hasCharset(col.type(), col.realType())
                        && col.collation() != ColumnDef.BINARY_COLLATION;
                default -> BinlogColumnType.hasCharset(col.type(), col.realType());
            };
            if (!covered) {
                return false;
            }
        }
        return true;
    }

    /** The key, then every other compared column, in the table's order. */
    static List<Integer> columns(TableShape shape) {
        List<Integer> c = new ArrayList<>(shape.def().primaryKey());
        c.addAll(shape.nonKeyComparable());
        return c;
    }

    /**
     * The server's digest of a row, the 16 bytes of the MD5 of its values; {@code BIT_XOR} of a batch of them is their
     * byte-wise XOR. Numbers are written as their text (digits, sign and point only, so a comma ends them), strings as
     * their byte length, a colon and their bytes; NULL as {@code N}; each value followed by a comma.
     */
    static String expression(SqlRenderer renderer, TableShape shape) {
        StringBuilder s = new StringBuilder("UNHEX(MD5(CONCAT(");
        boolean first = true;
        for (int c : columns(shape)) {
            String q = renderer.quotedColumn(shape, c);
            s.append(first ? "" : ", ");
            if (BinlogColumnType.hasCharset(shape.def().columns().get(c).type(), shape.def().columns().get(c).realType())) {
                s.append("IFNULL(CONCAT(LENGTH(").append(q).append("), ':', CAST(").append(q).append(" AS BINARY)), 'N')");
            } else {
                s.append("IFNULL(").append(q).append(", 'N')");
            }
            s.append(", ','");
            first = false;
        }
        return s.append(")))").toString();
    }

    /** The same digest of a binlog image, into {@code out} (16 bytes); only for tables the digest {@link #covers}. */
    static void of(TableShape shape, SqlValue[] image, MessageDigest md5, byte[] out) {
        md5.reset();
        for (int c : columns(shape)) {
            SqlValue v = image[c];
            if (v instanceof SqlValue.Null) {
                md5.update((byte) 'N');
            } else if (v instanceof SqlValue.Bytes b) {
                md5.update(Integer.toString(b.bytes().length).getBytes(StandardCharsets.US_ASCII));
                md5.update((byte) ':');
                md5.update(b.bytes());
            } else if (v instanceof SqlValue.Int || v instanceof SqlValue.Decimal) {
                md5.update(LiteralRenderer.literal(v).getBytes(StandardCharsets.US_ASCII));
            } else {
                throw new IllegalArgumentException("column " + shape.def().columns().get(c).name() + " holds " + v
                        + ", which the row digest does not cover");
            }
            md5.update((byte) ',');
        }
        try {
            md5.digest(out, 0, 16);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
    }

    static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no MD5", e);
        }
    }
}
