package io.drsp.flashback;

import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.TableMapEventDataDeserializer;
import com.github.shyiko.mysql.binlog.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * TABLE_MAP events: the fixed part (table id, names, types, type metadata) is the library's, the optional metadata
 * is drsp's own {@link TableMapMetadata}. The library never sees the optional part, so how it remaps (or fails
 * to remap) a list cannot reach a flashback.
 */
final class TableMapDeserializer implements EventDataDeserializer<TableMapEventData> {
    private final TableMapEventDataDeserializer fixedPart = new TableMapEventDataDeserializer();

    /** The library's table map with drsp's reading of the optional metadata; the library's own is never set. */
    static final class ParsedTableMap extends TableMapEventData {
        private final TableMapMetadata metadata;

        ParsedTableMap(TableMapEventData fixed, TableMapMetadata metadata) {
            setTableId(fixed.getTableId());
            setDatabase(fixed.getDatabase());
            setTable(fixed.getTable());
            setColumnTypes(fixed.getColumnTypes());
            setColumnMetadata(fixed.getColumnMetadata());
            setColumnNullability(fixed.getColumnNullability());
            this.metadata = metadata;
        }

        TableMapMetadata metadata() {
            return metadata;
        }
    }

    @Override
    public TableMapEventData deserialize(ByteArrayInputStream in) throws IOException {
        byte[] body = in.read(in.available());
        ByteCursor c = new ByteCursor(body);
        c.skip(6 + 2); // table id, flags
        c.skip(c.u8() + 1); // schema name and its terminating 0
        c.skip(c.u8() + 1); // table name
        int columns = (int) c.packed();
        c.skip(columns);
        c.skip((int) c.packed()); // type metadata
        c.skip((columns + 7) / 8); // nullability
        int optional = c.position();
        TableMapEventData fixed = fixedPart.deserialize(new ByteArrayInputStream(Arrays.copyOf(body, optional)));
        TableMapMetadata md = c.hasMore() ? TableMapMetadata.parse(c, columns) : TableMapMetadata.NONE;
        return new ParsedTableMap(fixed, md);
    }
}
