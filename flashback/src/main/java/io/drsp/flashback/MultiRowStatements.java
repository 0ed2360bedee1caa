package io.drsp.flashback;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;

/**
 * The statements that change many rows at once: a multi-row INSERT, and UPDATE or DELETE joined by primary key
 * with a {@code VALUES} table of the rows (key, new values, expected old values), where the order of rows cannot
 * matter. jOOQ renders each table's statement once around a marker ({@link StatementTemplate}); per batch only
 * the rows' literals are written, which keeps rendering cheap next to what the server does with them.
 *
 * <p>A join matches each listed row once (keys are distinct in a run) and only if every compared column still
 * holds its known value, so the matched-row count tells divergence exactly as one statement per row would.
 * Not thread-safe: one per renderer.
 */
final class MultiRowStatements {
    private final DSLContext ctx;
    private final boolean verifyImages;
    private final Map<TableShape, Layout> layouts = new IdentityHashMap<>();

    /** A table's column lists and its statements' templates, each rendered when first needed. */
    private static final class Layout {
        final int[] key;
        final int[] writable;
        final int[] compared;
        /** Writable columns every UPDATE sets, even where no row changes them. */
        final BitSet alwaysSet = new BitSet();
        StatementTemplate insert;
        final Map<BitSet, StatementTemplate> updates = new HashMap<>();
        StatementTemplate delete;
        StatementTemplate count;

        Layout(TableShape shape, boolean verifyImages) {
            key = ints(shape.def().primaryKey());
            writable = ints(shape.writable());
            compared = verifyImages ? ints(shape.nonKeyComparable()) : new int[0];
            for (int c : writable) {
                switch (shape.def().columns().get(c).type()) {
                    // compared loosely by the join: JSON 1 equals 1.0, floating point 0.0 equals -0.0
                    case BinlogColumnType.JSON, BinlogColumnType.FLOAT, BinlogColumnType.DOUBLE,
                         // may be ON UPDATE CURRENT_TIMESTAMP: left out of SET, the server would stamp it with now
                         BinlogColumnType.TIMESTAMP, BinlogColumnType.TIMESTAMP2, BinlogColumnType.DATETIME,
                         BinlogColumnType.DATETIME2 -> alwaysSet.set(c);
                    default -> {
                        // equal under the join's comparison is the same stored value
                    }
                }
            }
        }

        private static int[] ints(List<Integer> list) {
            return list.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    MultiRowStatements(DSLContext ctx, boolean verifyImages) {
        this.ctx = ctx;
        this.verifyImages = verifyImages;
    }

    RenderedStatement insert(TableShape shape, List<? extends RowStatement> rows) {
        Layout l = layout(shape);
        if (l.insert == null) {
            l.insert = insertTemplate(shape, l);
        }
        StringBuilder sql = new StringBuilder(l.insert.head());
        for (int i = 0; i < rows.size(); i++) {
            if (i > 0) {
                sql.append("), (");
            }
            SqlValue[] image = ((RowStatement.InsertRow) rows.get(i)).image();
            boolean first = true;
            for (int c : l.writable) {
                first = comma(sql, first);
                LiteralRenderer.append(sql, image[c]);
            }
            if (i == 0) {
                reserve(sql, l.insert.head().length(), rows.size(), l.insert);
            }
        }
        return new RenderedStatement(sql.append(l.insert.tail()).toString(), rows.size());
    }

    /**
     * Rows whose key does not change and is distinct within {@code run}; the table joins on a numeric key. With
     * verifyImages a column that no row changes is not set when the join compared it exactly and nothing else
     * writes it: it already holds what setting it would write, and each column set costs the server a value to
     * parse and compare per row.
     */
    RenderedStatement update(TableShape shape, List<RowStatement.UpdateRow> run) {
        Layout l = layout(shape);
        int[] set = verifyImages ? changed(l, run) : l.writable;
        BitSet key = new BitSet();
        Arrays.stream(set).forEach(key::set);
        StatementTemplate t = l.updates.computeIfAbsent(key, k -> updateTemplate(shape, l, set));
        StringBuilder sql = new StringBuilder(t.head());
        for (int i = 0; i < run.size(); i++) {
            RowStatement.UpdateRow row = run.get(i);
            sql.append(i == 0 ? "ROW(" : ", ROW(");
            boolean first = appendKey(sql, l, row.from());
            for (int c : set) {
                first = comma(sql, first);
                LiteralRenderer.append(sql, row.to()[c]);
            }
            appendCompared(sql, l, row.from(), first);
            sql.append(')');
            if (i == 0) {
                reserve(sql, t.head().length(), run.size(), t);
            }
        }
        return new RenderedStatement(sql.append(t.tail()).toString(), run.size());
    }

    /** Writable columns that differ between before and after in some row, or are always set; all when none. */
    private static int[] changed(Layout l, List<RowStatement.UpdateRow> run) {
        int[] out = new int[l.writable.length];
        int n = 0;
        for (int c : l.writable) {
            if (l.alwaysSet.get(c)) {
                out[n++] = c;
                continue;
            }
            for (RowStatement.UpdateRow row : run) {
                if (!row.from()[c].equals(row.to()[c])) {
                    out[n++] = c;
                    break;
                }
            }
        }
        return n == 0 ? l.writable : Arrays.copyOf(out, n);
    }

    /**
     * Rows of a table that joins on a numeric key. A key listed twice would match its row once and so report
     * divergence, as deleting it twice would: consecutive reversed inserts cannot name one key twice.
     */
    RenderedStatement delete(TableShape shape, List<? extends RowStatement> rows) {
        Layout l = layout(shape);
        if (l.delete == null) {
            l.delete = deleteTemplate(shape, l);
        }
        List<SqlValue[]> images = new ArrayList<>(rows.size());
        for (RowStatement r : rows) {
            images.add(((RowStatement.DeleteRow) r).image());
        }
        return new RenderedStatement(keyedImages(l, l.delete, images), rows.size());
    }

    /**
     * {@code SELECT COUNT(*)} of the rows that hold exactly these images now (keys distinct, a table that joins on
     * a numeric key): found and compared by the very join a DELETE of them would use, so a count short of the
     * images' is exactly a DELETE or UPDATE that would match fewer rows than it must.
     */
    String countHolding(TableShape shape, List<SqlValue[]> images) {
        Layout l = layout(shape);
        if (l.count == null) {
            List<String> columns = new ArrayList<>();
            Arrays.stream(l.key).forEach(c -> columns.add("k" + c));
            Arrays.stream(l.compared).forEach(c -> columns.add("o" + c));
            l.count = StatementTemplate.split(ctx.render(ctx.selectCount().from(table(shape).join(rows(columns)).on(joined(shape, l)))));
        }
        return keyedImages(l, l.count, images);
    }

    /** A template around {@code v}'s rows of key and compared values. */
    private static String keyedImages(Layout l, StatementTemplate t, List<SqlValue[]> images) {
        StringBuilder sql = new StringBuilder(t.head());
        for (int i = 0; i < images.size(); i++) {
            SqlValue[] image = images.get(i);
            sql.append(i == 0 ? "ROW(" : ", ROW(");
            appendCompared(sql, l, image, appendKey(sql, l, image));
            sql.append(')');
            if (i == 0) {
                reserve(sql, t.head().length(), images.size(), t);
            }
        }
        return sql.append(t.tail()).toString();
    }

    /** Grows {@code sql} once to hold all rows, guessing from the first one, instead of doubling repeatedly. */
    private static void reserve(StringBuilder sql, int rowStart, int rows, StatementTemplate t) {
        if (rows > 1) {
            sql.ensureCapacity(sql.length() + (sql.length() - rowStart + 2) * (rows - 1) * 9 / 8 + t.tail().length());
        }
    }

    private Layout layout(TableShape shape) {
        return layouts.computeIfAbsent(shape, s -> new Layout(s, verifyImages));
    }

    private static boolean appendKey(StringBuilder sql, Layout l, SqlValue[] image) {
        boolean first = true;
        for (int c : l.key) {
            first = comma(sql, first);
            LiteralRenderer.append(sql, image[c]);
        }
        return first;
    }

    /** Old values compared binary-exact where they are bytes, so that case or trailing spaces count. */
    private static void appendCompared(StringBuilder sql, Layout l, SqlValue[] image, boolean first) {
        for (int c : l.compared) {
            first = comma(sql, first);
            byte[] exact = LiteralRenderer.exactBytes(image[c]);
            if (exact != null) {
                LiteralRenderer.hex(sql, null, exact);
            } else {
                LiteralRenderer.append(sql, image[c]);
            }
        }
    }

    private StatementTemplate insertTemplate(TableShape shape, Layout l) {
        List<Field<?>> fields = new ArrayList<>();
        for (int c : l.writable) {
            fields.add(DSL.field(DSL.name(shape.def().columns().get(c).name())));
        }
        List<Field<?>> markers = Collections.nCopies(fields.size(), DSL.field(DSL.raw(StatementTemplate.ROWS)));
        String rendered = ctx.render(ctx.insertInto(table(shape), fields).values(markers));
        String oneRow = String.join(", ", Collections.nCopies(fields.size(), StatementTemplate.ROWS));
        return StatementTemplate.split(rendered.replace(oneRow, StatementTemplate.ROWS));
    }

    private StatementTemplate updateTemplate(TableShape shape, Layout l, int[] setColumns) {
        List<String> columns = new ArrayList<>();
        Arrays.stream(l.key).forEach(c -> columns.add("k" + c));
        Arrays.stream(setColumns).forEach(c -> columns.add("n" + c));
        Arrays.stream(l.compared).forEach(c -> columns.add("o" + c));
        Map<Field<?>, Field<?>> set = new LinkedHashMap<>();
        for (int c : setColumns) {
            set.put(qualified(shape, c), DSL.field(DSL.name("v", "n" + c)));
        }
        return StatementTemplate.split(ctx.render(ctx.update(table(shape).join(rows(columns)).on(joined(shape, l))).set(set)));
    }

    private StatementTemplate deleteTemplate(TableShape shape, Layout l) {
        List<String> columns = new ArrayList<>();
        Arrays.stream(l.key).forEach(c -> columns.add("k" + c));
        Arrays.stream(l.compared).forEach(c -> columns.add("o" + c));
        Table<Record> table = table(shape);
        return StatementTemplate.split(ctx.render(ctx.delete(table).using(table.join(rows(columns)).on(joined(shape, l)))));
    }

    /** The rows as table {@code v}: {@code k<i>} key values, {@code n<i>} new values, {@code o<i>} old values. */
    private static Table<?> rows(List<String> columns) {
        StringBuilder v = new StringBuilder("(VALUES ").append(StatementTemplate.ROWS).append(") AS `v` (");
        for (int i = 0; i < columns.size(); i++) {
            v.append(i == 0 ? "`" : ", `").append(columns.get(i)).append('`');
        }
        return DSL.table(DSL.raw(v.append(')').toString()));
    }

    /** The key, and with verifyImages every other column, equal to {@code v}'s. */
    private static Condition joined(TableShape shape, Layout l) {
        List<Condition> on = new ArrayList<>();
        for (int c : l.key) {
            on.add(qualified(shape, c).eq(DSL.field(DSL.name("v", "k" + c))));
        }
        for (int c : l.compared) {
            Field<Object> vo = DSL.field(DSL.name("v", "o" + c));
            ColumnDef col = shape.def().columns().get(c);
            int type = col.type();
            if (BinlogColumnType.hasCharset(type, col.realType())) {
                on.add(DSL.condition("CAST({0} AS BINARY) <=> {1}", qualified(shape, c), vo));
            } else if (type == BinlogColumnType.DATE || type == BinlogColumnType.DATETIME2 || type == BinlogColumnType.TIMESTAMP2
                    || type == BinlogColumnType.TIME2) {
                // v's column is text: compare the column's own text form, which is what the binlog value is printed as
                on.add(DSL.condition("CAST({0} AS CHAR) <=> {1}", qualified(shape, c), vo));
            } else {
                on.add(DSL.condition("{0} <=> {1}", qualified(shape, c), vo));
            }
        }
        return DSL.and(on);
    }

    private static Table<Record> table(TableShape shape) {
        return DSL.table(DSL.name(shape.def().database(), shape.def().table()));
    }

    private static Field<Object> qualified(TableShape shape, int c) {
        return DSL.field(DSL.name(shape.def().database(), shape.def().table(), shape.def().columns().get(c).name()));
    }

    private static boolean comma(StringBuilder s, boolean first) {
        if (!first) {
            s.append(", ");
        }
        return false;
    }
}
