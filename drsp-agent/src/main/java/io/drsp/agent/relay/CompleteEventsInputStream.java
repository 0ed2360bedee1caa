package io.drsp.agent.relay;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The bytes of one relay file from a given position, cut so that only <em>complete</em> events are ever served.
 *
 * <p>The relay file being written ends, most of the time, in the middle of an event. mysql-binlog-connector-java's
 * reader would fail there half way through an event, having consumed part of it. This stream frames events itself
 * (the length is at bytes 9..12 of every v4 header) and reports end of stream at the last boundary where a whole
 * event is on disk, so the reader sees a clean end and the next refresh resumes at that exact boundary.
 *
 * <p>It first serves the 4 magic bytes, which {@code BinaryLogFileReader} insists on, whatever the start position.
 */
final class CompleteEventsInputStream extends InputStream {

    static final byte[] MAGIC = {(byte) 0xfe, 0x62, 0x69, 0x6e};
    static final int HEADER_LENGTH = 19;
    private static final int LENGTH_OFFSET = 9;

    private final FileChannel channel;
    private final String fileName;
    private final long limit;
    private final byte[] buf;
    private long bufStart;
    private int bufLen;

    private int magicServed;
    /** File offset of the next byte served. */
    private long position;
    /** End of the complete event currently being served; {@code position == eventEnd} means "at a boundary". */
    private long eventEnd;
    private boolean exhausted;
    private boolean partialTail;

    /**
     * @param limit the file size observed when the read started; bytes written later wait for the next refresh
     */
    CompleteEventsInputStream(FileChannel channel, String fileName, long start, long limit, byte[] buffer) {
        this.channel = channel;
        this.fileName = fileName;
        this.position = start;
        this.eventEnd = start;
        this.limit = limit;
        this.buf = buffer;
        this.bufStart = start;
        this.bufLen = 0;
    }

    /** File offset of the next byte to serve: after the last complete event once the reader saw the end. */
    long position() {
        return position;
    }

    /** Whether bytes of an incomplete event follow {@link #position()} (the file is still being written, or cut). */
    boolean partialTail() {
        return partialTail;
    }

    @Override
    public int read() throws IOException {
        if (magicServed < MAGIC.length) {
            return MAGIC[magicServed++] & 0xff;
        }
        if (!ensureServable()) {
            return -1;
        }
        int b = buf[(int) (position - bufStart)] & 0xff;
        position++;
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (magicServed < MAGIC.length) {
            int n = Math.min(len, MAGIC.length - magicServed);
            System.arraycopy(MAGIC, magicServed, b, off, n);
            magicServed += n;
            return n;
        }
        if (!ensureServable()) {
            return -1;
        }
        int inBuffer = (int) (bufStart + bufLen - position);
        int n = (int) Math.min(Math.min(len, inBuffer), eventEnd - position);
        System.arraycopy(buf, (int) (position - bufStart), b, off, n);
        position += n;
        return n;
    }

    /** Skipping the body of an event nobody needs (row events) costs no copy. */
    @Override
    public long skip(long n) throws IOException {
        if (n <= 0 || magicServed < MAGIC.length) {
            return super.skip(n);
        }
        if (!ensureServable()) {
            return 0;
        }
        long step = Math.min(n, eventEnd - position);
        position += step;
        return step;
    }

    @Override
    public int available() {
        return magicServed < MAGIC.length ? MAGIC.length - magicServed : (int) Math.min(Integer.MAX_VALUE, eventEnd - position);
    }

    /** True when the byte at {@link #position} may be served (framing the next event if at a boundary) and is buffered. */
    private boolean ensureServable() throws IOException {
        if (position == eventEnd) {
            if (exhausted || !frameNextEvent()) {
                exhausted = true;
                return false;
            }
        }
        if (position < bufStart || position >= bufStart + bufLen) {
            fill(position, 1);
        }
        return true;
    }

    private boolean frameNextEvent() throws IOException {
        if (position == limit) {
            return false;
        }
        if (position + HEADER_LENGTH > limit) {
            partialTail = true;
            return false;
        }
        fill(position, HEADER_LENGTH);
        int at = (int) (position - bufStart) + LENGTH_OFFSET;
        long length = (buf[at] & 0xffL) | (buf[at + 1] & 0xffL) << 8 | (buf[at + 2] & 0xffL) << 16 | (buf[at + 3] & 0xffL) << 24;
        if (length < HEADER_LENGTH) {
            throw new RelayLogCorruptException(fileName, position, "event length " + length
                    + " is shorter than an event header; the relay file is damaged");
        }
        if (position + length > limit) {
            partialTail = true;
            return false;
        }
        eventEnd = position + length;
        return true;
    }

    /** Makes bytes {@code [from, from + atLeast)} buffered, reading ahead as much as fits. */
    private void fill(long from, int atLeast) throws IOException {
        if (from >= bufStart && from + atLeast <= bufStart + bufLen) {
            return;
        }
        bufStart = from;
        bufLen = 0;
        ByteBuffer bb = ByteBuffer.wrap(buf);
        int want = (int) Math.min(buf.length, limit - from);
        bb.limit(want);
        while (bufLen < atLeast || bb.hasRemaining()) {
            int n = channel.read(bb, from + bufLen);
            if (n < 0) {
                throw new RelayLogCorruptException(fileName, from + bufLen, "the file became shorter while being read "
                        + "(truncated or replaced by MySQL)");
            }
            bufLen += n;
            if (n == 0 && bufLen >= atLeast) {
                break;
            }
        }
    }
}
