package io.drsp.flashback;

import java.util.List;

/**
 * A table as one TABLE_MAP event describes it (with {@code binlog_row_metadata=FULL}).
 *
 * @param primaryKey indexes into {@code columns} of the primary key, empty when the table has none
 */
public record TableDef(String database, String table, List<ColumnDef> columns, List<Integer> primaryKey) {

    public TableDef {
        columns = List.copyOf(columns);
        primaryKey = List.copyOf(primaryKey);
    }

    public String qualifiedName() {
        return "`" + database.replace("`", "``") + "`.`" + table.replace("`", "``") + "`";
    }

    public TableName name() {
        return new TableName(database, table);
    }

    /** Same columns in the same order with the same types: what a flashback range must keep constant per table. */
    public boolean sameShape(TableDef other) {
        return columns.equals(other.columns) && primaryKey.equals(other.primaryKey);
    }
}
