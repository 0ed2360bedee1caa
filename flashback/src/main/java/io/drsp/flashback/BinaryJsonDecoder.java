package io.drsp.flashback;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes MySQL's binary JSON ({@code json_binary.cc}) into a typed {@link JsonValue}. Types it cannot write back
 * exactly (opaque values other than DECIMAL/DATE/TIME/DATETIME) are refused.
 */
final class BinaryJsonDecoder {
    private static final int SMALL_OBJECT = 0x00;
    private static final int LARGE_OBJECT = 0x01;
    private static final int SMALL_ARRAY = 0x02;
    private static final int LARGE_ARRAY = 0x03;
    private static final int LITERAL = 0x04;
    private static final int INT16 = 0x05;
    private static final int UINT16 = 0x06;
    private static final int INT32 = 0x07;
    private static final int UINT32 = 0x08;
    private static final int INT64 = 0x09;
    private static final int UINT64 = 0x0a;
    private static final int DOUBLE = 0x0b;
    private static final int STRING = 0x0c;
    private static final int OPAQUE = 0x0f;

    private final byte[] doc;

    private BinaryJsonDecoder(byte[] doc) {
        this.doc = doc;
    }

    static JsonValue decode(byte[] doc) {
        if (doc.length == 0) {
            // An empty JSON value in a row image is what MySQL writes for a JSON null literal stored by some paths.
            return new JsonValue.JLiteral(JsonValue.JLiteral.Kind.NULL);
        }
        BinaryJsonDecoder d = new BinaryJsonDecoder(doc);
        return d.value(doc[0] & 0xff, 1, doc.length - 1);
    }

    private JsonValue value(int type, int offset, int length) {
        return switch (type) {
            case SMALL_OBJECT -> container(true, false, offset, length);
            case LARGE_OBJECT -> container(true, true, offset, length);
            case SMALL_ARRAY -> container(false, false, offset, length);
            case LARGE_ARRAY -> container(false, true, offset, length);
            case LITERAL -> literal(u(offset, 1));
            case INT16 -> new JsonValue.JInt((short) u(offset, 2));
            case UINT16 -> new JsonValue.JUint(u(offset, 2));
            case INT32 -> new JsonValue.JInt((int) u(offset, 4));
            case UINT32 -> new JsonValue.JUint(u(offset, 4));
            case INT64 -> new JsonValue.JInt(u(offset, 8));
            case UINT64 -> new JsonValue.JUint(u(offset, 8));
            case DOUBLE -> new JsonValue.JDouble(Double.longBitsToDouble(u(offset, 8)));
            case STRING -> string(offset);
            case OPAQUE -> opaque(offset);
            default -> throw new UndecodableException("binary JSON type 0x" + Integer.toHexString(type));
        };
    }

    private JsonValue literal(long v) {
        return switch ((int) v) {
            case 0 -> new JsonValue.JLiteral(JsonValue.JLiteral.Kind.NULL);
            case 1 -> new JsonValue.JLiteral(JsonValue.JLiteral.Kind.TRUE);
            case 2 -> new JsonValue.JLiteral(JsonValue.JLiteral.Kind.FALSE);
            default -> throw new UndecodableException("binary JSON literal " + v);
        };
    }

    private JsonValue container(boolean object, boolean large, int offset, int length) {
        int w = large ? 4 : 2;
        int count = (int) u(offset, w);
        int size = (int) u(offset + w, w);
        if (size > length || count < 0) {
            throw new UndecodableException("binary JSON container size " + size + " exceeds " + length);
        }
        int header = offset + 2 * w;
        List<String> keys = new ArrayList<>();
        if (object) {
            for (int i = 0; i < count; i++) {
                int keyEntry = header + i * (w + 2);
                int keyOffset = (int) u(keyEntry, w);
                int keyLength = (int) u(keyEntry + w, 2);
                check(offset + keyOffset, keyLength);
                keys.add(new String(doc, offset + keyOffset, keyLength, StandardCharsets.UTF_8));
            }
        }
        int valueEntries = header + (object ? count * (w + 2) : 0);
        List<JsonValue> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int entry = valueEntries + i * (1 + w);
            int type = (int) u(entry, 1);
            boolean inlined = type == LITERAL || type == INT16 || type == UINT16 || (large && (type == INT32 || type == UINT32));
            if (inlined) {
                values.add(value(type, entry + 1, w));
            } else {
                int valueOffset = (int) u(entry + 1, w);
                if (valueOffset >= size) {
                    throw new UndecodableException("binary JSON value offset " + valueOffset + " beyond " + size);
                }
                values.add(value(type, offset + valueOffset, size - valueOffset));
            }
        }
        return object ? new JsonValue.JObject(keys, values) : new JsonValue.JArray(values);
    }

    private JsonValue string(int offset) {
        int[] lenAndSize = varLength(offset);
        check(offset + lenAndSize[1], lenAndSize[0]);
        return new JsonValue.JString(java.util.Arrays.copyOfRange(doc, offset + lenAndSize[1], offset + lenAndSize[1] + lenAndSize[0]));
    }

    private JsonValue opaque(int offset) {
        int fieldType = (int) u(offset, 1);
        int[] lenAndSize = varLength(offset + 1);
        int start = offset + 1 + lenAndSize[1];
        int len = lenAndSize[0];
        check(start, len);
        ByteCursor c = new ByteCursor(doc, start, start + len);
        switch (fieldType) {
            case BinlogColumnType.NEWDECIMAL -> {
                int precision = c.u8();
                int scale = c.u8();
                return new JsonValue.JDecimal(BinaryDecimal.decode(c, precision, scale), precision, scale);
            }
            case BinlogColumnType.DATE, BinlogColumnType.DATETIME, BinlogColumnType.TIME -> {
                // Opaque temporals hold a packed longlong, little-endian (TIME_to_longlong_*_packed).
                long packed = c.le(8);
                return new JsonValue.JTemporal(switch (fieldType) {
                    case BinlogColumnType.DATE -> "DATE";
                    case BinlogColumnType.TIME -> "TIME";
                    default -> "DATETIME";
                }, fieldType == BinlogColumnType.TIME ? packedTime(packed) : packedDatetime(packed, fieldType == BinlogColumnType.DATE));
            }
            default -> throw new UndecodableException("binary JSON opaque value of MySQL type " + fieldType
                    + " (only DECIMAL, DATE, TIME and DATETIME can be written back exactly)");
        }
    }

    private static String packedTime(long packed) {
        boolean negative = packed < 0;
        long tmp = Math.abs(packed);
        long hms = tmp >> 24;
        long micros = tmp % (1L << 24);
        String s = (negative ? "-" : "") + String.format("%02d:%02d:%02d", (hms >> 12) % (1 << 10), (hms >> 6) % (1 << 6), hms % (1 << 6));
        return s + TemporalDecoder.fraction(micros, 6);
    }

    private static String packedDatetime(long packed, boolean dateOnly) {
        long tmp = Math.abs(packed);
        long micros = tmp % (1L << 24);
        long ymdhms = tmp >> 24;
        long ymd = ymdhms >> 17;
        long ym = ymd >> 5;
        long hms = ymdhms % (1 << 17);
        String date = TemporalDecoder.ymd((int) (ym / 13), (int) (ym % 13), (int) (ymd % (1 << 5)));
        if (dateOnly) {
            return date;
        }
        return date + String.format(" %02d:%02d:%02d", hms >> 12, (hms >> 6) % (1 << 6), hms % (1 << 6))
                + TemporalDecoder.fraction(micros, 6);
    }

    /** A length written 7 bits per byte, low bits first; returns {length, bytes used}. */
    private int[] varLength(int offset) {
        long len = 0;
        for (int i = 0; i < 5; i++) {
            int b = (int) u(offset + i, 1);
            len |= (long) (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0) {
                if (len > Integer.MAX_VALUE) {
                    break;
                }
                return new int[] {(int) len, i + 1};
            }
        }
        throw new UndecodableException("bad binary JSON length at " + offset);
    }

    private long u(int offset, int bytes) {
        check(offset, bytes);
        long v = 0;
        for (int i = 0; i < bytes; i++) {
            v |= (long) (doc[offset + i] & 0xff) << (8 * i);
        }
        return v;
    }

    private void check(int offset, int len) {
        if (offset < 0 || len < 0 || offset + len > doc.length) {
            throw new UndecodableException("binary JSON reads past its end (" + offset + "+" + len + " of " + doc.length + ")");
        }
    }
}
