package io.drsp.flashback;

import java.util.List;

/** A decoded WRITE/UPDATE/DELETE rows event: its table and rows in binlog order. */
public record RowsEvent(TableDef table, List<RowChange> rows) {
    public RowsEvent {
        rows = List.copyOf(rows);
    }
}
