package io.drsp.controller.recovery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32;

/**
 * A relay log written the way a MySQL 8.0 replica's IO thread writes one (v4 events, CRC32 checksums), holding the
 * transactions a test names, in the order it names them, with the production commit times it gives. It lets the
 * planner's tests judge cuts that the agent's own code computes from a relay log, rather than cuts they type in.
 * Each transaction is {@code GTID, BEGIN, XID}: the index needs no rows, and MySQL's own decoder accepts it.
 */
final class RelayLogFile {
    /** One transaction as production committed it: {@code commitMicros} is its {@code original_commit_timestamp}. */
    record Trx(String uuid, long gno, long commitMicros) {
    }

    private static final int FORMAT_DESCRIPTION = 15;
    private static final int QUERY = 2;
    private static final int XID = 16;
    private static final int GTID = 33;
    private static final int EVENT_TYPES = 41;
    private static final int SERVER_ID = 1;

    private RelayLogFile() {
    }

    /**
     * Writes {@code relay.000001} and its index {@code relay.index} under {@code dir}.
     *
     * @return the index file, as {@code @@relay_log_index} would name it
     */
    static Path write(Path dir, List<Trx> relayOrder) throws IOException {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.write(new byte[] {(byte) 0xfe, 0x62, 0x69, 0x6e});
        file.write(event(FORMAT_DESCRIPTION, 0, formatDescription(), file.size()));
        for (Trx t : relayOrder) {
            int seconds = (int) (t.commitMicros() / 1_000_000);
            byte[] begin = query("BEGIN");
            byte[] xid = le(ByteBuffer.allocate(8)).putLong(t.gno()).array();
            int trxLength = (19 + 42 + 7 + 1 + 4 + 4) + (19 + begin.length + 4) + (19 + xid.length + 4);
            file.write(event(GTID, seconds, gtid(t, trxLength), file.size()));
            file.write(event(QUERY, seconds, begin, file.size()));
            file.write(event(XID, seconds, xid, file.size()));
        }
        Files.createDirectories(dir);
        Files.write(dir.resolve("relay.000001"), file.toByteArray());
        Path index = dir.resolve("relay.index");
        Files.writeString(index, "./relay.000001\n", StandardCharsets.UTF_8);
        return index;
    }

    /** Header, body, then the CRC32 of both. {@code at}: where the event starts in the file. */
    private static byte[] event(int type, int timestamp, byte[] body, int at) {
        int length = 19 + body.length + 4;
        ByteBuffer b = le(ByteBuffer.allocate(length));
        b.putInt(timestamp).put((byte) type).putInt(SERVER_ID).putInt(length).putInt(at + length).putShort((short) 0);
        b.put(body);
        CRC32 crc = new CRC32();
        crc.update(b.array(), 0, length - 4);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    private static byte[] formatDescription() {
        byte[] postHeader = new byte[EVENT_TYPES];
        postHeader[QUERY - 1] = 13;
        postHeader[FORMAT_DESCRIPTION - 1] = (byte) (2 + 50 + 4 + 1 + EVENT_TYPES);
        postHeader[GTID - 1] = 42;
        ByteBuffer b = le(ByteBuffer.allocate(2 + 50 + 4 + 1 + EVENT_TYPES + 1));
        b.putShort((short) 4);
        byte[] version = new byte[50];
        byte[] v = "8.0.33".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(v, 0, version, 0, v.length);
        b.put(version).putInt(0).put((byte) 19).put(postHeader);
        b.put((byte) 1); // the checksum algorithm of the events that follow: CRC32
        return b.array();
    }

    /** MySQL 8.0's GTID event: the commit time is both immediate and original, as on a relay log read from the source. */
    private static byte[] gtid(Trx t, int trxLength) {
        ByteBuffer b = le(ByteBuffer.allocate(42 + 7 + 1 + 4));
        b.put((byte) 0); // row-based: no statement-based part, as drsp requires
        UUID u = UUID.fromString(t.uuid());
        b.order(ByteOrder.BIG_ENDIAN).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        b.order(ByteOrder.LITTLE_ENDIAN).putLong(t.gno());
        b.put((byte) 2).putLong(0).putLong(1);
        for (int i = 0; i < 7; i++) {
            b.put((byte) (t.commitMicros() >>> (8 * i)));
        }
        b.put((byte) trxLength); // a packed integer: one byte below 251
        b.putInt(80033);
        return b.array();
    }

    private static byte[] query(String sql) {
        byte[] text = sql.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = le(ByteBuffer.allocate(13 + 1 + text.length));
        b.putInt(1).putInt(0).put((byte) 0).putShort((short) 0).putShort((short) 0);
        b.put((byte) 0); // the empty database name's terminator
        b.put(text);
        return b.array();
    }

    private static ByteBuffer le(ByteBuffer b) {
        return b.order(ByteOrder.LITTLE_ENDIAN);
    }
}
