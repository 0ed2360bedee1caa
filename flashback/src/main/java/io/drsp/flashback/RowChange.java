package io.drsp.flashback;

/** One row of a binlog rows event, with full images (every column present). */
public sealed interface RowChange {

    record Inserted(SqlValue[] after) implements RowChange {
    }

    record Deleted(SqlValue[] before) implements RowChange {
    }

    record Updated(SqlValue[] before, SqlValue[] after) implements RowChange {
    }
}
