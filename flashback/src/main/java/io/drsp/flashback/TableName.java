package io.drsp.flashback;

/** database.table, compared case-sensitively as the binlog spells them. */
public record TableName(String database, String table) implements Comparable<TableName> {

    @Override
    public int compareTo(TableName o) {
        int c = database.compareTo(o.database);
        return c != 0 ? c : table.compareTo(o.table);
    }

    /** Parses {@code db.table}; the first dot separates (database names cannot contain dots in a filter). */
    public static TableName parse(String text) {
        int dot = text.indexOf('.');
        if (dot <= 0 || dot == text.length() - 1) {
            throw new IllegalArgumentException("\"" + text + "\" is not database.table");
        }
        return new TableName(text.substring(0, dot), text.substring(dot + 1));
    }

    @Override
    public String toString() {
        return database + "." + table;
    }
}
