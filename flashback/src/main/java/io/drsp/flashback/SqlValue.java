package io.drsp.flashback;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * One column value exactly as the binlog row image holds it. Every kind keeps the stored value itself, never a
 * Java approximation of it, so that {@link LiteralRenderer} can write it back bit for bit.
 */
public sealed interface SqlValue {

    /** SQL NULL. */
    record Null() implements SqlValue {
        public static final Null INSTANCE = new Null();
    }

    /** TINYINT..BIGINT; {@code unsigned} makes {@code value} a two's-complement view of 0..2^64-1. */
    record Int(long value, boolean unsigned) implements SqlValue {
    }

    /** DECIMAL: exact, scale as declared. */
    record Decimal(BigDecimal value) implements SqlValue {
    }

    /** FLOAT ({@code single}) or DOUBLE, the stored IEEE value. */
    record Real(double value, boolean single) implements SqlValue {
    }

    /**
     * CHAR/VARCHAR/TEXT (with the column's charset) or BINARY/VARBINARY/BLOB ({@code charset} null): raw bytes,
     * never decoded, so no charset guess can mangle them.
     */
    record Bytes(byte[] bytes, String charset) implements SqlValue {
        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes b && Arrays.equals(bytes, b.bytes) && java.util.Objects.equals(charset, b.charset);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return (charset == null ? "" : "_" + charset + " ") + "X'" + HexFormat.of().formatHex(bytes) + "'";
        }
    }

    /** DATE, DATETIME, TIMESTAMP (in UTC) or TIME as MySQL prints it, zero dates and negative times included. */
    record Temporal(String text) implements SqlValue {
    }

    /** YEAR: 0 or 1901..2155; written as a number because the string '0' would mean 2000. */
    record Year(int value) implements SqlValue {
    }

    /** BIT(n), as an unsigned number. */
    record Bit(long value) implements SqlValue {
    }

    /** ENUM by its 1-based index: exact whatever the labels' charset or trailing spaces. */
    record EnumIndex(int index) implements SqlValue {
    }

    /** SET by its bit mask. */
    record SetBits(long bits) implements SqlValue {
    }

    /** JSON, decoded from MySQL's binary JSON into a typed tree. */
    record Json(JsonValue value) implements SqlValue {
    }

    /** GEOMETRY in MySQL's internal form: 4-byte little-endian SRID followed by WKB. */
    record Geometry(byte[] internal) implements SqlValue {
        @Override
        public boolean equals(Object o) {
            return o instanceof Geometry g && Arrays.equals(internal, g.internal);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(internal);
        }

        public int srid() {
            return (internal[0] & 0xff) | (internal[1] & 0xff) << 8 | (internal[2] & 0xff) << 16 | (internal[3] & 0xff) << 24;
        }

        @Override
        public String toString() {
            return "Geometry[srid=" + srid() + ", " + HexFormat.of().formatHex(internal) + "]";
        }
    }
}
