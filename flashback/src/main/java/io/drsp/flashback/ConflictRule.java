package io.drsp.flashback;

import java.util.List;

/**
 * How the row changes of one table enter a transaction's writeset for parallel apply, the way MySQL's WRITESET
 * dependency tracking does it.
 *
 * <ul>
 * <li>{@link Scope#ROWS}: every value of every key in {@code keys} (the primary key first, then each UNIQUE key)
 * of every before and after image. Two transactions conflict when they share one.</li>
 * <li>{@link Scope#TABLE}: one entry, {@code token}, for every change: such transactions run one at a time. Used
 * where a row's identity cannot be hashed exactly (no primary key, a key on a collated string, a prefix or
 * functional key) and for tables linked by foreign keys, which all share one token, since a change on one side
 * is checked against (or cascades to) the other.</li>
 * <li>{@link Scope#ALL}: the transaction conflicts with every other one (a trigger may write any table).</li>
 * </ul>
 *
 * @param reason why a coarser scope was chosen, for logs; empty for {@code ROWS}
 */
record ConflictRule(TableName table, Scope scope, List<List<Integer>> keys, String token, String reason) {

    enum Scope { ROWS, TABLE, ALL }

    ConflictRule {
        keys = keys.stream().map(List::copyOf).toList();
    }

    static ConflictRule rows(TableName table, List<List<Integer>> keys) {
        return new ConflictRule(table, Scope.ROWS, keys, table.toString(), "");
    }

    static ConflictRule wholeTable(TableName table, String reason) {
        return new ConflictRule(table, Scope.TABLE, List.of(), "table " + table, reason);
    }

    static ConflictRule foreignKeyGroup(TableName table) {
        return new ConflictRule(table, Scope.TABLE, List.of(), "tables with foreign keys",
                "it has or is referenced by a foreign key");
    }

    static ConflictRule everything(TableName table) {
        return new ConflictRule(table, Scope.ALL, List.of(), "", "it has a trigger, which may write any table");
    }
}
