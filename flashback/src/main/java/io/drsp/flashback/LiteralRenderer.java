package io.drsp.flashback;

import java.util.HexFormat;

/**
 * SQL literal text for a {@link SqlValue}, exact by construction: bytes as hex with the column's charset
 * introducer (never re-encoded), numbers in full, floats with the shortest text that reads back to the same
 * IEEE value, temporals as MySQL prints them (applied under {@code time_zone='+00:00'} and a {@code sql_mode}
 * that accepts zero dates), JSON rebuilt with typed JSON functions.
 */
final class LiteralRenderer {
    private static final HexFormat HEX = HexFormat.of();

    private LiteralRenderer() {
    }

    static String literal(SqlValue v) {
        StringBuilder s = new StringBuilder();
        append(s, v);
        return s.toString();
    }

    static void append(StringBuilder s, SqlValue v) {
        if (v instanceof SqlValue.Null) {
            s.append("NULL");
        } else if (v instanceof SqlValue.Int i) {
            s.append(i.unsigned() ? Long.toUnsignedString(i.value()) : Long.toString(i.value()));
        } else if (v instanceof SqlValue.Decimal d) {
            s.append(d.value().toPlainString());
        } else if (v instanceof SqlValue.Real r) {
            s.append(real(r.value()));
        } else if (v instanceof SqlValue.Bytes b) {
            hex(s, b.charset(), b.bytes());
        } else if (v instanceof SqlValue.Temporal t) {
            s.append('\'').append(t.text()).append('\'');
        } else if (v instanceof SqlValue.Year y) {
            s.append(y.value());
        } else if (v instanceof SqlValue.Bit b) {
            s.append(Long.toUnsignedString(b.value()));
        } else if (v instanceof SqlValue.EnumIndex e) {
            s.append(e.index());
        } else if (v instanceof SqlValue.SetBits b) {
            s.append(Long.toUnsignedString(b.bits()));
        } else if (v instanceof SqlValue.Json j) {
            JsonRenderer.document(s, j.value());
        } else if (v instanceof SqlValue.Geometry g) {
            // The internal form (SRID + WKB) is what the column stores; a binary string in it is accepted as is,
            // byte for byte, with no axis-order interpretation.
            hex(s, null, g.internal());
        } else {
            throw new IllegalArgumentException(String.valueOf(v));
        }
    }

    /** The exact binary content of a value, for binary-exact comparisons; null when {@code =} is already exact. */
    static byte[] exactBytes(SqlValue v) {
        if (v instanceof SqlValue.Bytes b) {
            return b.bytes();
        }
        if (v instanceof SqlValue.Geometry g) {
            return g.internal();
        }
        return null;
    }

    static void hex(StringBuilder s, String charset, byte[] bytes) {
        if (charset != null) {
            s.append('_').append(charset).append(' ');
        }
        // formatHex(byte[]) fills one array in bulk; formatting into the builder would append char by char
        s.append("X'").append(HEX.formatHex(bytes)).append('\'');
    }

    /**
     * {@code Double.toString} reads back to the same double; an exponent makes MySQL parse it as a DOUBLE, not a
     * DECIMAL. A FLOAT column's value is a float widened to double, and inserting that double rounds back to it.
     */
    static String real(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new UndecodableException("floating-point value " + d + " cannot be written to MySQL");
        }
        String t = Double.toString(d);
        return t.indexOf('E') >= 0 ? t : t + "E0";
    }
}
