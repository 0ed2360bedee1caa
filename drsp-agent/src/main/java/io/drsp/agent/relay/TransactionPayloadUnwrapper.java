package io.drsp.agent.relay;

import com.github.luben.zstd.Zstd;
import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.event.TransactionPayloadEventData;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDeserializer;
import com.github.shyiko.mysql.binlog.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;

/**
 * Unwraps a {@code TRANSACTION_PAYLOAD} event ({@code binlog_transaction_compression=ON}): the GTID event stays
 * outside, everything from {@code BEGIN} / {@code XA START} to the commit is one zstd-compressed payload inside.
 *
 * <p>The library's own payload deserializer decodes the inner events with a default deserializer, row events
 * included; this one uses {@link RelayEventDeserializers#forPayload()} so inner row events are skipped like outer
 * ones, and only what tells the transaction's kind (queries, XA prepare) is decoded.
 */
final class TransactionPayloadUnwrapper implements EventDataDeserializer<TransactionPayloadEventData> {

    // Field codes and compression types of Transaction_payload_event (libbinlogevents/include/control_events.h).
    private static final int END_MARK = 0;
    private static final int PAYLOAD_SIZE = 1;
    private static final int COMPRESSION_TYPE = 2;
    private static final int UNCOMPRESSED_SIZE = 3;
    private static final int ZSTD = 0;
    private static final int NONE = 255;

    @Override
    public TransactionPayloadEventData deserialize(ByteArrayInputStream in) throws IOException {
        long payloadSize = -1;
        long compression = ZSTD;
        long uncompressedSize = -1;
        while (in.available() > 0) {
            long field = in.readPackedLong();
            if (field == END_MARK) {
                break;
            }
            long length = in.readPackedLong();
            switch ((int) field) {
                case PAYLOAD_SIZE -> payloadSize = in.readPackedLong();
                case COMPRESSION_TYPE -> compression = in.readPackedLong();
                case UNCOMPRESSED_SIZE -> uncompressedSize = in.readPackedLong();
                default -> in.skip(length); // a field of a later MySQL version: its length says how far to skip
            }
        }
        byte[] payload = in.read(payloadSize >= 0 ? (int) payloadSize : in.available());
        byte[] raw;
        if (compression == NONE) {
            raw = payload;
        } else if (compression == ZSTD) {
            long size = uncompressedSize >= 0 ? uncompressedSize : Zstd.decompressedSize(payload);
            raw = new byte[(int) size];
            long n = Zstd.decompressByteArray(raw, 0, raw.length, payload, 0, payload.length);
            if (Zstd.isError(n) || n != size) {
                throw new IOException("transaction payload does not decompress: "
                        + (Zstd.isError(n) ? Zstd.getErrorName(n) : n + " bytes instead of " + size));
            }
        } else {
            throw new IOException("transaction payload uses compression type " + compression
                    + ", which MySQL 8.0 does not write (0 zstd, 255 none)");
        }
        EventDeserializer inner = RelayEventDeserializers.forPayload();
        ByteArrayInputStream events = new ByteArrayInputStream(raw);
        ArrayList<Event> list = new ArrayList<>();
        for (Event e = inner.nextEvent(events); e != null; e = inner.nextEvent(events)) {
            list.add(e);
        }
        TransactionPayloadEventData data = new TransactionPayloadEventData();
        data.setPayloadSize(payload.length);
        data.setCompressionType((int) compression);
        data.setUncompressedSize(raw.length);
        data.setUncompressedEvents(list);
        return data;
    }
}
