package io.drsp.flashback;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;

/**
 * A JSON document as MySQL's binary JSON types it. Kept typed (int vs unsigned vs double vs decimal) because
 * re-parsing a text form would change the stored type, and with it {@code CHECKSUM TABLE} and {@code JSON_TYPE}.
 */
public sealed interface JsonValue {

    record JObject(List<String> keys, List<JsonValue> values) implements JsonValue {
    }

    record JArray(List<JsonValue> values) implements JsonValue {
    }

    /** A JSON string; {@code utf8} is the exact utf8mb4 bytes. */
    record JString(byte[] utf8) implements JsonValue {
        @Override
        public boolean equals(Object o) {
            return o instanceof JString s && Arrays.equals(utf8, s.utf8);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(utf8);
        }
    }

    record JInt(long value) implements JsonValue {
    }

    record JUint(long value) implements JsonValue {
    }

    record JDouble(double value) implements JsonValue {
    }

    record JLiteral(Kind kind) implements JsonValue {
        public enum Kind { NULL, TRUE, FALSE }
    }

    /** An opaque DECIMAL, as stored by JSON functions fed with a DECIMAL value. */
    record JDecimal(BigDecimal value, int precision, int scale) implements JsonValue {
    }

    /** An opaque DATE, TIME or DATETIME; {@code sqlType} is DATE, TIME or DATETIME, {@code text} as MySQL prints it. */
    record JTemporal(String sqlType, String text) implements JsonValue {
    }
}
