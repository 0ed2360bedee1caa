package io.drsp.flashback;

/** Reads a byte array front to back; every read checks the bounds so a short event fails instead of misreading. */
final class ByteCursor {
    private final byte[] buf;
    private int pos;
    private final int end;

    ByteCursor(byte[] buf, int pos, int end) {
        if (pos < 0 || end > buf.length || pos > end) {
            throw new UndecodableException("bad slice " + pos + ".." + end + " of " + buf.length + " bytes");
        }
        this.buf = buf;
        this.pos = pos;
        this.end = end;
    }

    ByteCursor(byte[] buf) {
        this(buf, 0, buf.length);
    }

    int position() {
        return pos;
    }

    boolean hasMore() {
        return pos < end;
    }

    int remaining() {
        return end - pos;
    }

    private void need(int n) {
        if (n < 0 || pos + n > end) {
            throw new UndecodableException("value runs past the end of the event (" + n + " bytes at " + pos + " of " + end + ")");
        }
    }

    int u8() {
        need(1);
        return buf[pos++] & 0xff;
    }

    /** Little-endian unsigned integer of 1..8 bytes (8 bytes as a two's-complement long). */
    long le(int bytes) {
        need(bytes);
        long v = 0;
        for (int i = 0; i < bytes; i++) {
            v |= (long) (buf[pos + i] & 0xff) << (8 * i);
        }
        pos += bytes;
        return v;
    }

    /** Big-endian unsigned integer of 1..8 bytes. */
    long be(int bytes) {
        need(bytes);
        long v = 0;
        for (int i = 0; i < bytes; i++) {
            v = v << 8 | (buf[pos + i] & 0xff);
        }
        pos += bytes;
        return v;
    }

    byte[] bytes(int n) {
        need(n);
        byte[] out = java.util.Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return out;
    }

    /** The next {@code n} bytes as a cursor of their own, which cannot read past them; this one moves past them. */
    ByteCursor slice(int n) {
        need(n);
        ByteCursor s = new ByteCursor(buf, pos, pos + n);
        pos += n;
        return s;
    }

    void skip(int n) {
        need(n);
        pos += n;
    }

    /** MySQL's length-encoded integer. */
    long packed() {
        int b = u8();
        if (b < 0xfb) {
            return b;
        }
        return switch (b) {
            case 0xfc -> le(2);
            case 0xfd -> le(3);
            case 0xfe -> le(8);
            default -> throw new UndecodableException("bad packed integer prefix 0x" + Integer.toHexString(b));
        };
    }
}
