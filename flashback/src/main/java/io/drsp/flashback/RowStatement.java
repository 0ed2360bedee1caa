package io.drsp.flashback;

/** One row to change on the target, before rendering: the reverse (or, for the archive, the forward) of a row change. */
public sealed interface RowStatement {

    TableShape table();

    /** Remove the row whose current content is {@code image}. */
    record DeleteRow(TableShape table, SqlValue[] image) implements RowStatement {
    }

    /** Add a row with content {@code image}. */
    record InsertRow(TableShape table, SqlValue[] image) implements RowStatement {
    }

    /** Change the row whose current content is {@code from} into {@code to}. */
    record UpdateRow(TableShape table, SqlValue[] from, SqlValue[] to) implements RowStatement {
    }
}
