package io.drsp.agent.relay;

import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.EventHeaderDeserializer;
import com.github.shyiko.mysql.binlog.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * mysql-binlog-connector-java's {@link EventDeserializer}, configured for indexing.
 *
 * <p>The index needs the data of only a few event types (format description for the checksum, GTID, query, XA
 * prepare, transaction payload). Row and table-map events are most of a relay log's bytes; decoding them would be
 * slow and could fail on column types the library does not know. The library always decodes table maps, whatever
 * deserializer is registered, so the header deserializer reports every other event as {@code UNKNOWN}: the library
 * then skips its body, checksum included, and the real type code travels in {@link RelayEventHeader}.
 *
 * <p>Compressed transactions ({@code TRANSACTION_PAYLOAD}) are unwrapped by {@link TransactionPayloadUnwrapper}, whose
 * inner events go through a deserializer configured the same way.
 */
final class RelayEventDeserializers {

    private RelayEventDeserializers() {
    }

    /** For relay files: checksums follow each format description event, as in MySQL. */
    static EventDeserializer forRelayFile() {
        EventDeserializer d = new EventDeserializer(new FilteringHeaderDeserializer());
        d.setEventDataDeserializer(EventType.TRANSACTION_PAYLOAD, new TransactionPayloadUnwrapper());
        return d;
    }

    /** For the events inside a transaction payload: no format description, no checksums, no nested payloads. */
    static EventDeserializer forPayload() {
        return new EventDeserializer(new FilteringHeaderDeserializer());
    }

    static final class FilteringHeaderDeserializer implements EventHeaderDeserializer<RelayEventHeader> {
        @Override
        public RelayEventHeader deserialize(ByteArrayInputStream in) throws IOException {
            RelayEventHeader h = new RelayEventHeader();
            h.setTimestamp(in.readLong(4) * 1000L);
            int code = in.readInteger(1);
            h.setTypeCode(code);
            h.setEventType(decoded(code));
            h.setServerId(in.readLong(4));
            h.setEventLength(in.readLong(4));
            h.setNextPosition(in.readLong(4));
            h.setFlags(in.readInteger(2));
            return h;
        }

        private static EventType decoded(int code) {
            return switch (code) {
                case EventTypes.FORMAT_DESCRIPTION -> EventType.FORMAT_DESCRIPTION;
                case EventTypes.GTID -> EventType.GTID;
                case EventTypes.QUERY -> EventType.QUERY;
                case EventTypes.XA_PREPARE -> EventType.XA_PREPARE;
                case EventTypes.TRANSACTION_PAYLOAD -> EventType.TRANSACTION_PAYLOAD;
                default -> EventType.UNKNOWN;
            };
        }
    }
}
