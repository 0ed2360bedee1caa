package io.drsp.flashback;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Decodes the body of a rows event (v1 or v2) against its table map. Refuses, by throwing, any image that does
 * not carry every column: that is what {@code binlog_row_image=MINIMAL} or {@code NOBLOB} produce, and a reverse
 * row built from a partial image would overwrite columns with nothing.
 */
final class RowsEventDecoder {
    static final int WRITE_V1 = 23;
    static final int UPDATE_V1 = 24;
    static final int DELETE_V1 = 25;
    static final int WRITE_V2 = 30;
    static final int UPDATE_V2 = 31;
    static final int DELETE_V2 = 32;
    static final int PARTIAL_UPDATE = 39;

    private RowsEventDecoder() {
    }

    static boolean isRowsEvent(int type) {
        return type >= WRITE_V1 && type <= DELETE_V1 || type >= WRITE_V2 && type <= DELETE_V2;
    }

    /** Thrown for a row image lacking columns. */
    static final class PartialImageException extends RuntimeException {
        PartialImageException(String message) {
            super(message);
        }
    }

    /** The table id, to find the table map an event refers to. */
    static long tableId(byte[] body) {
        return new ByteCursor(body).le(6);
    }

    static RowsEvent decode(int type, byte[] body, TableDef table, IntFunction<String> charsetOfCollation) {
        ByteCursor in = new ByteCursor(body);
        in.skip(6); // table id
        in.skip(2); // flags
        if (type >= WRITE_V2) {
            int extra = (int) in.le(2);
            if (extra < 2) {
                throw new UndecodableException("rows event extra data length " + extra);
            }
            in.skip(extra - 2);
        }
        int n = (int) in.packed();
        List<ColumnDef> columns = table.columns();
        if (n != columns.size()) {
            throw new UndecodableException("rows event for " + table.name() + " has " + n + " columns, its table map " + columns.size());
        }
        boolean update = type == UPDATE_V1 || type == UPDATE_V2;
        requireAllPresent(in, n, table, update ? "before" : "row");
        if (update) {
            requireAllPresent(in, n, table, "after");
        }
        List<RowChange> rows = new ArrayList<>();
        while (in.hasMore()) {
            SqlValue[] first = row(in, columns, charsetOfCollation);
            switch (type) {
                case WRITE_V1, WRITE_V2 -> rows.add(new RowChange.Inserted(first));
                case DELETE_V1, DELETE_V2 -> rows.add(new RowChange.Deleted(first));
                case UPDATE_V1, UPDATE_V2 -> rows.add(new RowChange.Updated(first, row(in, columns, charsetOfCollation)));
                default -> throw new UndecodableException("event type " + type + " is not a rows event");
            }
        }
        return new RowsEvent(table, rows);
    }

    private static void requireAllPresent(ByteCursor in, int n, TableDef table, String image) {
        byte[] bitmap = in.bytes((n + 7) / 8);
        for (int i = 0; i < n; i++) {
            if ((bitmap[i >> 3] & (1 << (i & 7))) == 0) {
                throw new PartialImageException("the " + image + " image of a row of " + table.name() + " lacks column "
                        + table.columns().get(i).name() + ": the source ran with binlog_row_image=MINIMAL or NOBLOB, "
                        + "a flashback needs FULL");
            }
        }
    }

    private static SqlValue[] row(ByteCursor in, List<ColumnDef> columns, IntFunction<String> charsetOfCollation) {
        int n = columns.size();
        byte[] nulls = in.bytes((n + 7) / 8);
        SqlValue[] values = new SqlValue[n];
        for (int i = 0; i < n; i++) {
            if ((nulls[i >> 3] & (1 << (i & 7))) != 0) {
                values[i] = SqlValue.Null.INSTANCE;
            } else {
                values[i] = ColumnValueDecoder.decode(in, columns.get(i), charsetOfCollation);
            }
        }
        return values;
    }
}
