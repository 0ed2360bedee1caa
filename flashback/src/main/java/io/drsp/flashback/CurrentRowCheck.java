package io.drsp.flashback;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Before the first reverse statement: every row the flashback will touch must hold, now, the newest image the
 * range left for it; a row changed since (by a transaction not being undone, by hand, or decoded wrongly) would
 * make the undo stop half-way. Rows of a table with a primary key are compared by key, in batches (present with
 * that whole image, or absent where the range deleted it); rows of a keyless table as a multiset (each image the
 * range added and did not remove is there at least as often). The refusal names the table, the key, the column,
 * the value found and the one expected, and the transaction in the range that last wrote the row.
 */
final class CurrentRowCheck {
    /** Conditions per query: short enough for any max_allowed_packet, few enough round trips. */
    static final int BATCH = 200;
    /** Refusals listed at most; the rest are counted. */
    static final int SHOWN = 20;

    private final SqlRenderer renderer = new SqlRenderer(true);

    /** The newest image of one row, or its absence, and the transaction that left it. */
    private record Newest(SqlValue[] image, SqlValue[] keyImage, String gtid, int count) {
    }

    static List<Refusal> check(Connection target, SpillStore spill, Map<TableName, TableShape> shapes,
                               IntFunction<String> charsets) throws SQLException {
        return new CurrentRowCheck().run(target, spill, shapes, charsets);
    }

    private List<Refusal> run(Connection target, SpillStore spill, Map<TableName, TableShape> shapes,
                              IntFunction<String> charsets) throws SQLException {
        Map<TableName, Map<String, Newest>> byTable = new LinkedHashMap<>();
        for (int t = 0; t < spill.transactions(); t++) {
            SpillStore.SpilledTransaction tx = spill.transaction(t);
            for (long offset : tx.eventOffsets()) {
                SpillStore.SpilledEvent ev = spill.event(offset);
                TableShape shape = shapes.get(ev.table().name());
                if (shape == null) {
                    continue;
                }
                Map<String, Newest> rows = byTable.computeIfAbsent(ev.table().name(), k -> new HashMap<>());
                RowsEvent decoded = RowsEventDecoder.decode(ev.type(), ev.body(), ev.table(), charsets);
                for (RowChange change : decoded.rows()) {
                    SqlValue[] before = change instanceof RowChange.Updated u ? u.before()
                            : change instanceof RowChange.Deleted d ? d.before() : null;
                    SqlValue[] after = change instanceof RowChange.Updated u ? u.after()
                            : change instanceof RowChange.Inserted i ? i.after() : null;
                    if (shape.hasPrimaryKey()) {
                        if (before != null) {
                            rows.put(identity(shape, before, true), new Newest(null, before, tx.gtid(), 0));
                        }
                        if (after != null) {
                            rows.put(identity(shape, after, true), new Newest(after, after, tx.gtid(), 1));
                        }
                    } else {
                        if (before != null) {
                            rows.merge(identity(shape, before, false), new Newest(before, before, tx.gtid(), -1), CurrentRowCheck::add);
                        }
                        if (after != null) {
                            rows.merge(identity(shape, after, false), new Newest(after, after, tx.gtid(), 1), CurrentRowCheck::add);
                        }
                    }
                }
            }
        }
        List<Refusal> refusals = new ArrayList<>();
        long[] more = {0};
        try (Statement st = target.createStatement()) {
            // compared in the session the reverse statements run in: zero dates, UTC timestamps, utf8mb4 literals
            for (String set : SqlRenderer.sessionPreamble(false).split(";\n")) {
                if (!set.isBlank() && !set.contains("sql_log_bin")) {
                    st.execute(set);
                }
            }
            for (Map.Entry<TableName, Map<String, Newest>> e : byTable.entrySet()) {
                TableShape shape = shapes.get(e.getKey());
                List<Newest> present = new ArrayList<>();
                List<Newest> absent = new ArrayList<>();
                for (Newest n : e.getValue().values()) {
                    if (n.count() > 0) {
                        present.add(n);
                    } else if (n.count() == 0 && shape.hasPrimaryKey()) {
                        absent.add(n);
                    }
                }
                for (int i = 0; i < present.size(); i += BATCH) {
                    checkPresent(st, shape, present.subList(i, Math.min(present.size(), i + BATCH)), refusals, more);
                }
                for (int i = 0; i < absent.size(); i += BATCH) {
                    checkAbsent(st, shape, absent.subList(i, Math.min(absent.size(), i + BATCH)), refusals, more);
                }
            }
        }
        if (more[0] > 0) {
            refusals.add(new Refusal(null, more[0] + " more rows differ from what the range left", null));
        }
        return refusals;
    }

    private static Newest add(Newest a, Newest b) {
        // keep the newest writer, count the multiplicity the range leaves
        return new Newest(b.count() > 0 ? b.image() : a.image(), a.keyImage(), b.gtid(), a.count() + b.count());
    }

    /** A map key for a row: its key columns (keyed tables) or whole image, as the exact SQL literals. */
    private static String identity(TableShape shape, SqlValue[] image, boolean byKey) {
        StringBuilder s = new StringBuilder();
        List<Integer> columns = byKey ? shape.def().primaryKey() : shape.nonKeyComparable();
        for (int c : columns) {
            s.append(LiteralRenderer.literal(image[c])).append('\u0000');
        }
        return s.toString();
    }

    private void checkPresent(Statement st, TableShape shape, List<Newest> batch, List<Refusal> refusals, long[] more)
            throws SQLException {
        long expected = 0;
        List<String> conditions = new ArrayList<>(batch.size());
        for (Newest n : batch) {
            conditions.add(renderer.imageCondition(shape, n.image()));
            expected += n.count();
        }
        if (!shape.hasPrimaryKey()) {
            for (int i = 0; i < batch.size(); i++) {
                long found = count(st, shape, conditions.get(i));
                if (found < batch.get(i).count()) {
                    report(refusals, more, new Refusal(batch.get(i).gtid(), "table " + shape.def().name() + " (no primary key) holds "
                            + found + " rows equal to the image " + describe(shape, batch.get(i).image()) + " but the range left "
                            + batch.get(i).count() + "; it changed after the range, so nothing is undone", null));
                }
            }
            return;
        }
        if (count(st, shape, String.join(" or ", conditions)) == expected) {
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            if (count(st, shape, conditions.get(i)) == 1) {
                continue;
            }
            Newest n = batch.get(i);
            String key = renderer.keyCondition(shape, n.keyImage());
            String found = firstDifference(st, shape, key, n.image());
            report(refusals, more, new Refusal(n.gtid(), "row " + describeKey(shape, n.keyImage()) + " of " + shape.def().name()
                    + found + "; the range left it so, and it changed after the range, so nothing is undone", null));
        }
    }

    private void checkAbsent(Statement st, TableShape shape, List<Newest> batch, List<Refusal> refusals, long[] more)
            throws SQLException {
        List<String> conditions = new ArrayList<>(batch.size());
        for (Newest n : batch) {
            conditions.add(renderer.keyCondition(shape, n.keyImage()));
        }
        if (count(st, shape, String.join(" or ", conditions)) == 0) {
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            if (count(st, shape, conditions.get(i)) > 0) {
                Newest n = batch.get(i);
                report(refusals, more, new Refusal(n.gtid(), "row " + describeKey(shape, n.keyImage()) + " of " + shape.def().name()
                        + " exists, but the range deleted it (or moved it to another key) and nothing after wrote it; it "
                        + "was written after the range, so nothing is undone", null));
            }
        }
    }

    /** Which column of the row found by key differs: its value found and the value expected. */
    private String firstDifference(Statement st, TableShape shape, String keyCondition, SqlValue[] image) throws SQLException {
        List<Integer> columns = new ArrayList<>(shape.def().primaryKey());
        columns.addAll(shape.nonKeyComparable());
        StringBuilder select = new StringBuilder("SELECT 1");
        for (int c : columns) {
            select.append(", ").append(renderer.columnCondition(shape, c, image[c]))
                    .append(", CAST(").append(renderer.quotedColumn(shape, c)).append(" AS CHAR)");
        }
        select.append(" FROM ").append(renderer.quotedTable(shape)).append(" WHERE ").append(keyCondition);
        try (ResultSet rs = st.executeQuery(select.toString())) {
            if (!rs.next()) {
                return " is missing";
            }
            for (int i = 0; i < columns.size(); i++) {
                if (!rs.getBoolean(2 + 2 * i)) {
                    int c = columns.get(i);
                    return " has " + shape.def().columns().get(c).name() + " = " + shown(rs.getString(3 + 2 * i))
                            + " where " + LiteralRenderer.literal(image[c]) + " was expected";
                }
            }
        }
        return " differs from the range's image";
    }

    private static String shown(String v) {
        if (v == null) {
            return "NULL";
        }
        return v.length() > 100 ? "'" + v.substring(0, 100) + "...'" : "'" + v + "'";
    }

    private long count(Statement st, TableShape shape, String condition) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + renderer.quotedTable(shape) + " WHERE " + condition)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String describeKey(TableShape shape, SqlValue[] image) {
        StringBuilder s = new StringBuilder("(");
        for (int c : shape.def().primaryKey()) {
            s.append(s.length() == 1 ? "" : ", ").append(shape.def().columns().get(c).name()).append(" = ")
                    .append(abbreviate(LiteralRenderer.literal(image[c])));
        }
        return s.append(')').toString();
    }

    private static String describe(TableShape shape, SqlValue[] image) {
        StringBuilder s = new StringBuilder("(");
        for (int c : shape.nonKeyComparable()) {
            s.append(s.length() == 1 ? "" : ", ").append(shape.def().columns().get(c).name()).append(" = ")
                    .append(abbreviate(LiteralRenderer.literal(image[c])));
            if (s.length() > 300) {
                return s.append(", ...)").toString();
            }
        }
        return s.append(')').toString();
    }

    private static String abbreviate(String literal) {
        return literal.length() > 80 ? literal.substring(0, 80) + "..." : literal;
    }

    private static void report(List<Refusal> refusals, long[] more, Refusal r) {
        if (refusals.size() < SHOWN) {
            refusals.add(r);
        } else {
            more[0]++;
        }
    }
}
