package io.drsp.flashback;

/**
 * Writes a {@link JsonValue} as an SQL expression that builds the same binary JSON, types included: objects
 * with {@code JSON_OBJECT}, arrays with {@code JSON_ARRAY}, strings as utf8mb4 hex, unsigned integers as
 * {@code CAST(.. AS UNSIGNED)}, doubles with an exponent, opaque DECIMAL/DATE/TIME/DATETIME with {@code CAST}.
 * Parsing a text form instead would turn a DECIMAL into a DOUBLE or an unsigned into a signed integer.
 */
final class JsonRenderer {

    private JsonRenderer() {
    }

    static void document(StringBuilder s, JsonValue v) {
        if (v instanceof JsonValue.JObject || v instanceof JsonValue.JArray) {
            value(s, v);
        } else {
            // A scalar document: extract it from a one-element array so its type survives.
            s.append("JSON_EXTRACT(JSON_ARRAY(");
            value(s, v);
            s.append("), '$[0]')");
        }
    }

    private static void value(StringBuilder s, JsonValue v) {
        if (v instanceof JsonValue.JObject o) {
                s.append("JSON_OBJECT(");
                for (int i = 0; i < o.keys().size(); i++) {
                    if (i > 0) {
                        s.append(", ");
                    }
                    LiteralRenderer.hex(s, "utf8mb4", o.keys().get(i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    s.append(", ");
                    value(s, o.values().get(i));
                }
                s.append(')');
        } else if (v instanceof JsonValue.JArray a) {
                s.append("JSON_ARRAY(");
                for (int i = 0; i < a.values().size(); i++) {
                    if (i > 0) {
                        s.append(", ");
                    }
                    value(s, a.values().get(i));
                }
                s.append(')');
        } else if (v instanceof JsonValue.JString str) {
            LiteralRenderer.hex(s, "utf8mb4", str.utf8());
        } else if (v instanceof JsonValue.JInt i) {
            s.append(i.value());
        } else if (v instanceof JsonValue.JUint u) {
            s.append("CAST(").append(Long.toUnsignedString(u.value())).append(" AS UNSIGNED)");
        } else if (v instanceof JsonValue.JDouble d) {
            s.append(LiteralRenderer.real(d.value()));
        } else if (v instanceof JsonValue.JLiteral l) {
            s.append(switch (l.kind()) {
                case NULL -> "CAST('null' AS JSON)";
                case TRUE -> "CAST('true' AS JSON)";
                case FALSE -> "CAST('false' AS JSON)";
            });
        } else if (v instanceof JsonValue.JDecimal d) {
            s.append("CAST(").append(d.value().toPlainString()).append(" AS DECIMAL(")
                    .append(d.precision()).append(',').append(d.scale()).append("))");
        } else if (v instanceof JsonValue.JTemporal t) {
            s.append("CAST('").append(t.text()).append("' AS ").append(t.sqlType())
                    .append(t.sqlType().equals("DATE") ? "" : "(6)").append(')');
        } else {
            throw new IllegalArgumentException(String.valueOf(v));
        }
    }
}
