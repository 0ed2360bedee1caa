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

    final SqlRenderer renderer = new SqlRenderer(true);
    /**
     * Where the newest image of one row is: a spilled event, the row's index in it, and which image (before or
     * after). Only this reference is kept per row, not the image, so a range of millions of rows checks in little
     * memory; images are decoded again, event by event, when their batch is checked.
     */
    static long ref(long eventOffset, int row, boolean after) {
        return eventOffset << 17 | (long) row << 1 | (after ? 1 : 0);
    }

    /** The newest image of one row (or its absence: {@code count} 0), the transaction that left it, and for a keyless
     * table how many equal rows the range leaves. */
    private record Newest(SqlValue[] image, String gtid, int count) {
    }

    /** Rows found holding their image by digest, and rows compared value by value. */
    long rowsByDigest;
    long rowsByValue;

    /** Opens another connection to the target, for the digest queries that run side by side. */
    @FunctionalInterface
    interface Connector {
        Connection connect() throws SQLException;
    }

    List<Refusal> run(Connection target, Connector connector, SpillStore spill, Map<TableName, TableShape> shapes,
                      IntFunction<String> charsets) throws SQLException {
        List<Refusal> refusals = new ArrayList<>();
        long[] more = {0};
        try (Statement st = target.createStatement()) {
            // compared in the session the reverse statements run in: zero dates, UTC timestamps, utf8mb4 literals
            session(st);
            if (shapes.values().stream().anyMatch(CurrentRowCheck::byDigest)) {
                new DigestPass(this, connector, spill, shapes, charsets).run(st, refusals, more);
            }
            if (!shapes.values().stream().allMatch(CurrentRowCheck::byDigest)) {
                checkByValue(st, spill, shapes, charsets, refusals, more);
            }
        }
        if (more[0] > 0) {
            refusals.add(new Refusal(null, more[0] + " more rows differ from what the range left", null));
        }
        return refusals;
    }

    static void session(Statement st) throws SQLException {
        for (String set : SqlRenderer.sessionPreamble(false).split(";\n")) {
            if (!set.isBlank() && !set.contains("sql_log_bin")) {
                st.execute(set);
            }
        }
    }

    /** Tables the digest does not cover: every row's newest image is found first, then compared value by value. */
    private void checkByValue(Statement st, SpillStore spill, Map<TableName, TableShape> shapes, IntFunction<String> charsets,
                              List<Refusal> refusals, long[] more) throws SQLException {
        // per table, per row identity (64-bit hash of its key, or of its whole image when keyless): {ref, transaction, count}
        Map<TableName, Map<Long, long[]>> byTable = new LinkedHashMap<>();
        for (int t = 0; t < spill.transactions(); t++) {
            SpillStore.SpilledTransaction tx = spill.transaction(t);
            for (long offset : tx.eventOffsets()) {
                SpillStore.SpilledEvent ev = spill.event(offset);
                TableShape shape = shapes.get(ev.table().name());
                if (shape == null || byDigest(shape)) {
                    continue;
                }
                Map<Long, long[]> rows = byTable.computeIfAbsent(ev.table().name(), k -> new HashMap<>());
                RowsEvent decoded = decode(ev, charsets);
                for (int i = 0; i < decoded.rows().size(); i++) {
                    RowChange change = decoded.rows().get(i);
                    SqlValue[] before = before(change);
                    SqlValue[] after = after(change);
                    boolean byKey = shape.hasPrimaryKey();
                    // a hash collision could only mix two rows' images: the check may then refuse, never pass wrongly
                    // what the apply-time image comparison would still stop
                    if (before != null) {
                        long id = identity(shape, before, byKey);
                        if (byKey) {
                            rows.put(id, new long[] {ref(offset, i, false), t, 0});
                        } else {
                            long[] prev = rows.get(id);
                            rows.put(id, new long[] {prev == null ? ref(offset, i, false) : prev[0], t, (prev == null ? 0 : prev[2]) - 1});
                        }
                    }
                    if (after != null) {
                        long id = identity(shape, after, byKey);
                        long[] prev = byKey ? null : rows.get(id);
                        rows.put(id, new long[] {ref(offset, i, true), t, (prev == null ? 0 : prev[2]) + 1});
                    }
                }
            }
        }
        for (Map.Entry<TableName, Map<Long, long[]>> e : byTable.entrySet()) {
            TableShape shape = shapes.get(e.getKey());
            List<long[]> present = new ArrayList<>();
            List<long[]> absent = new ArrayList<>();
            for (long[] n : e.getValue().values()) {
                if (n[2] > 0) {
                    present.add(n);
                } else if (n[2] == 0 && shape.hasPrimaryKey()) {
                    absent.add(n);
                }
            }
            byValue(st, spill, charsets, shape, present, absent, refusals, more);
        }
    }

    /** Compares rows ({ref, transaction, count}) value by value, in batches, naming each that differs. */
    void byValue(Statement st, SpillStore spill, IntFunction<String> charsets, TableShape shape, List<long[]> present,
                 List<long[]> absent, List<Refusal> refusals, long[] more) throws SQLException {
        // in spill order, so each batch decodes few events
        java.util.Comparator<long[]> byRef = java.util.Comparator.comparingLong(n -> n[0]);
        present.sort(byRef);
        absent.sort(byRef);
        for (int i = 0; i < present.size(); i += BATCH) {
            checkPresent(st, shape, images(spill, charsets, present.subList(i, Math.min(present.size(), i + BATCH))), refusals, more);
        }
        for (int i = 0; i < absent.size(); i += BATCH) {
            checkAbsent(st, shape, images(spill, charsets, absent.subList(i, Math.min(absent.size(), i + BATCH))), refusals, more);
        }
    }

    static RowsEvent decode(SpillStore.SpilledEvent ev, IntFunction<String> charsets) {
        RowsEvent decoded = RowsEventDecoder.decode(ev.type(), ev.body(), ev.table(), charsets);
        if (decoded.rows().size() >= 1 << 16) {
            throw new UndecodableException("a rows event of " + decoded.rows().size() + " rows");
        }
        return decoded;
    }

    static SqlValue[] before(RowChange change) {
        return change instanceof RowChange.Updated u ? u.before() : change instanceof RowChange.Deleted d ? d.before() : null;
    }

    static SqlValue[] after(RowChange change) {
        return change instanceof RowChange.Updated u ? u.after() : change instanceof RowChange.Inserted in ? in.after() : null;
    }

    /**
     * Tables checked by digest: a primary key of one integer column (its value kept per row, so a batch that matches
     * needs no image decoded again) and only columns the {@link RowDigest} covers.
     */
    static boolean byDigest(TableShape shape) {
        if (shape.def().primaryKey().size() != 1 || !RowDigest.covers(shape)) {
            return false;
        }
        return switch (shape.def().columns().get(shape.def().primaryKey().get(0)).type()) {
            case BinlogColumnType.TINY, BinlogColumnType.SHORT, BinlogColumnType.INT24, BinlogColumnType.LONG,
                 BinlogColumnType.LONGLONG -> true;
            default -> false;
        };
    }

    /** Decodes the images a batch refers to, each event once. */
    private static List<Newest> images(SpillStore spill, IntFunction<String> charsets, List<long[]> batch) {
        List<Newest> out = new ArrayList<>(batch.size());
        long decodedAt = -1;
        RowsEvent decoded = null;
        for (long[] n : batch) {
            long offset = n[0] >>> 17;
            int row = (int) (n[0] >>> 1 & 0xffff);
            boolean after = (n[0] & 1) == 1;
            if (offset != decodedAt) {
                SpillStore.SpilledEvent ev = spill.event(offset);
                decoded = RowsEventDecoder.decode(ev.type(), ev.body(), ev.table(), charsets);
                decodedAt = offset;
            }
            RowChange change = decoded.rows().get(row);
            SqlValue[] image = after
                    ? (change instanceof RowChange.Updated u ? u.after() : ((RowChange.Inserted) change).after())
                    : (change instanceof RowChange.Updated u ? u.before() : ((RowChange.Deleted) change).before());
            String gtid = spill.transaction((int) n[1]).gtid();
            out.add(new Newest(image, gtid, (int) n[2]));
        }
        return out;
    }

    /** A row's identity: a 64-bit hash of its key columns (keyed tables) or whole image, as exact SQL literals. */
    private static long identity(TableShape shape, SqlValue[] image, boolean byKey) {
        long h = 0xcbf29ce484222325L;
        List<Integer> columns = byKey ? shape.def().primaryKey() : shape.nonKeyComparable();
        for (int c : columns) {
            String literal = LiteralRenderer.literal(image[c]);
            for (int i = 0; i < literal.length(); i++) {
                h = (h ^ literal.charAt(i)) * 0x100000001b3L;
            }
            h = (h ^ 0xff) * 0x100000001b3L;
        }
        return h ^ (h >>> 29);
    }

    private void checkPresent(Statement st, TableShape shape, List<Newest> batch, List<Refusal> refusals, long[] more)
            throws SQLException {
        rowsByValue += batch.size();
        if (!shape.hasPrimaryKey()) {
            for (Newest n : batch) {
                long found = count(st, shape, renderer.imageCondition(shape, n.image()));
                if (found < n.count()) {
                    report(refusals, more, new Refusal(n.gtid(), "table " + shape.def().name() + " (no primary key) holds "
                            + found + " rows equal to the image " + describe(shape, n.image()) + " but the range left "
                            + n.count() + "; it changed after the range, so nothing is undone", null));
                }
            }
            return;
        }
        // the common case is one query per batch; conditions per row are rendered only to find what differs
        long holding = shape.joinsOnKey()
                ? single(st, renderer.countHolding(shape, batch.stream().map(Newest::image).toList()))
                : matching(st, shape, batch);
        if (holding == batch.size()) {
            return;
        }
        for (Newest n : batch) {
            if (count(st, shape, renderer.imageCondition(shape, n.image())) == 1) {
                continue;
            }
            String found = firstDifference(st, shape, renderer.keyCondition(shape, n.image()), n.image());
            report(refusals, more, new Refusal(n.gtid(), "row " + describeKey(shape, n.image()) + " of " + shape.def().name()
                    + found + "; the range left it so, and it changed after the range, so nothing is undone", null));
        }
    }

    private void checkAbsent(Statement st, TableShape shape, List<Newest> batch, List<Refusal> refusals, long[] more)
            throws SQLException {
        rowsByValue += batch.size();
        // (key) IN may also match a row whose key differs only by collation; each such row is then looked at exactly
        if (single(st, "SELECT COUNT(*) FROM " + renderer.quotedTable(shape) + " WHERE " + keysIn(shape, batch)) == 0) {
            return;
        }
        for (Newest n : batch) {
            if (count(st, shape, renderer.keyCondition(shape, n.image())) > 0) {
                report(refusals, more, new Refusal(n.gtid(), "row " + describeKey(shape, n.image()) + " of " + shape.def().name()
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

    /**
     * How many rows of a keyed table's batch, whose key does not join exactly, hold their image, in one query: the
     * rows are found through the key's index ({@code (key) IN (...)}), and each is tested only against the condition
     * of its key (a CASE the optimizer does not analyse) rather than an OR of whole-image conditions.
     */
    private long matching(Statement st, TableShape shape, List<Newest> batch) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT COALESCE(SUM(CASE");
        for (Newest n : batch) {
            sql.append(" WHEN ").append(renderer.keyCondition(shape, n.image())).append(" THEN ")
                    .append(renderer.imageCondition(shape, n.image()));
        }
        sql.append(" ELSE 0 END), 0) FROM ").append(renderer.quotedTable(shape)).append(" WHERE ").append(keysIn(shape, batch));
        return single(st, sql.toString());
    }

    /** {@code (key) IN (...)} of the batch's keys. */
    private String keysIn(TableShape shape, List<Newest> batch) {
        List<Integer> pk = shape.def().primaryKey();
        StringBuilder sql = new StringBuilder(pk.size() > 1 ? "(" : "");
        for (int k = 0; k < pk.size(); k++) {
            sql.append(k == 0 ? "" : ", ").append(renderer.quotedColumn(shape, pk.get(k)));
        }
        sql.append(pk.size() > 1 ? ") IN (" : " IN (");
        for (int i = 0; i < batch.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(pk.size() > 1 ? "(" : "");
            for (int k = 0; k < pk.size(); k++) {
                sql.append(k == 0 ? "" : ", ");
                LiteralRenderer.append(sql, batch.get(i).image()[pk.get(k)]);
            }
            sql.append(pk.size() > 1 ? ")" : "");
        }
        return sql.append(')').toString();
    }

    private static long single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private long count(Statement st, TableShape shape, String condition) throws SQLException {
        return single(st, "SELECT COUNT(*) FROM " + renderer.quotedTable(shape) + " WHERE " + condition);
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
