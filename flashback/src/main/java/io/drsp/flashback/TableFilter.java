package io.drsp.flashback;

import java.util.Set;

/**
 * Which tables' rows to undo: rows of other tables in a selected transaction are left as they are. Empty sets
 * mean "all"; when both are given a row must pass both.
 */
public record TableFilter(Set<String> databases, Set<TableName> tables) {

    public static final TableFilter ALL = new TableFilter(Set.of(), Set.of());

    public TableFilter {
        databases = Set.copyOf(databases);
        tables = Set.copyOf(tables);
    }

    public boolean accepts(TableName t) {
        return (databases.isEmpty() || databases.contains(t.database())) && (tables.isEmpty() || tables.contains(t));
    }

    public boolean isAll() {
        return databases.isEmpty() && tables.isEmpty();
    }
}
