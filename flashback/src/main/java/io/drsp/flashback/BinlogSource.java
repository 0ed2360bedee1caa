package io.drsp.flashback;

import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.event.EventData;
import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDeserializer;
import java.io.IOException;
import java.util.List;

/** A stream of binlog events in order, ending at what existed when the run started. */
public sealed interface BinlogSource permits ServerBinlogSource, FileBinlogSource {

    /** Receives each event with the binlog file it is in; returns false to stop reading. */
    @FunctionalInterface
    interface EventSink {
        boolean accept(String binlogFile, Event event);
    }

    void stream(EventSink sink) throws IOException;

    /** The raw body of a rows event (checksum removed), decoded later by {@link RowsEventDecoder}. */
    record RawRows(byte[] body) implements EventData {
    }

    /**
     * The deserializer both sources use. Rows events are kept raw: the library's own row decoding loses sign or
     * precision for several types (unsigned BIGINT, negative TIME, DATETIME fractions, YEAR 0, zero dates, JSON)
     * whatever its {@code CompatibilityMode}, so {@link ColumnValueDecoder} decodes every value instead. A table
     * map's optional metadata is drsp's own reading ({@link TableMapDeserializer}); GTID, query and XID events are
     * the library's. Checksums are stripped by the
     * library from the format description (files) or {@code @master_binlog_checksum} (server).
     */
    static EventDeserializer newDeserializer() {
        EventDeserializer d = new EventDeserializer();
        EventDataDeserializer<RawRows> raw = in -> new RawRows(in.read(in.available()));
        for (EventType t : List.of(EventType.WRITE_ROWS, EventType.UPDATE_ROWS, EventType.DELETE_ROWS,
                EventType.EXT_WRITE_ROWS, EventType.EXT_UPDATE_ROWS, EventType.EXT_DELETE_ROWS,
                EventType.PARTIAL_UPDATE_ROWS_EVENT)) {
            d.setEventDataDeserializer(t, raw);
        }
        d.setEventDataDeserializer(EventType.TABLE_MAP, new TableMapDeserializer());
        return d;
    }
}
