package io.drsp.flashback;

import java.util.ArrayList;
import java.util.List;

/**
 * Reverses row changes. A transaction is undone by undoing its events newest first and, within a multi-row event,
 * its rows newest first: {@code UPDATE t SET id=id+1 ORDER BY id DESC} logs 3→4, 2→3, 1→2 and only 1←2, 2←3, 3←4
 * brings it back without a duplicate key. INSERT becomes DELETE, DELETE becomes INSERT, UPDATE becomes UPDATE
 * with its images swapped.
 */
public final class ReverseRowBuilder {

    private ReverseRowBuilder() {
    }

    /** The reverse of one event's rows, in the order they must be applied. */
    public static List<RowStatement> reverse(TableShape table, RowsEvent event) {
        List<RowChange> rows = event.rows();
        List<RowStatement> out = new ArrayList<>(rows.size());
        for (int i = rows.size() - 1; i >= 0; i--) {
            RowChange row = rows.get(i);
            if (row instanceof RowChange.Inserted r) {
                out.add(new RowStatement.DeleteRow(table, r.after()));
            } else if (row instanceof RowChange.Deleted r) {
                out.add(new RowStatement.InsertRow(table, r.before()));
            } else {
                RowChange.Updated r = (RowChange.Updated) row;
                out.add(new RowStatement.UpdateRow(table, r.after(), r.before()));
            }
        }
        return out;
    }

    /** The event's rows as they were applied originally, for the archive of what is being undone. */
    public static List<RowStatement> forward(TableShape table, RowsEvent event) {
        List<RowStatement> out = new ArrayList<>(event.rows().size());
        for (RowChange row : event.rows()) {
            if (row instanceof RowChange.Inserted r) {
                out.add(new RowStatement.InsertRow(table, r.after()));
            } else if (row instanceof RowChange.Deleted r) {
                out.add(new RowStatement.DeleteRow(table, r.before()));
            } else {
                RowChange.Updated r = (RowChange.Updated) row;
                out.add(new RowStatement.UpdateRow(table, r.before(), r.after()));
            }
        }
        return out;
    }
}
