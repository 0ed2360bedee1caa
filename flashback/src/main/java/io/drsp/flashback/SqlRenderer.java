package io.drsp.flashback;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.InsertValuesStepN;
import org.jooq.Query;
import org.jooq.Record;
import org.jooq.RowN;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.conf.RenderQuotedNames;
import org.jooq.conf.Settings;
import org.jooq.conf.StatementType;
import org.jooq.impl.DSL;

/**
 * Renders batches of {@link RowStatement}s with jOOQ (MySQL dialect, quoted identifiers); literal text comes
 * from {@link LiteralRenderer} as raw SQL, so no bind value conversion can touch it.
 *
 * <p>Row identity: by primary key when the table has one, else every non-generated column, binary-exact,
 * with {@code LIMIT 1} (duplicate rows of a keyless table come back with the right multiplicity, one at a time).
 * With {@code verifyImages} the whole known image is compared for keyed tables too, so a row changed on the
 * target after the range (by a transaction not being undone) makes the statement match nothing and the run stop,
 * instead of being silently overwritten.
 */
public final class SqlRenderer {
    private final DSLContext ctx = DSL.using(SQLDialect.MYSQL,
            new Settings().withRenderQuotedNames(RenderQuotedNames.ALWAYS).withRenderFormatted(false)
                    // every value is inlined (LIMIT 1 included): the SQL is executed as is and written to dry-run files
                    .withStatementType(StatementType.STATIC_STATEMENT));
    private final boolean verifyImages;

    public SqlRenderer(boolean verifyImages) {
        this.verifyImages = verifyImages;
    }

    /**
     * Renders a run of statements of one kind on one table, in order. Multi-row statements are used where the
     * identity allows: INSERTs always, DELETEs by primary key; UPDATEs and keyless DELETEs are one per row.
     */
    public List<RenderedStatement> render(List<? extends RowStatement> batch) {
        List<RenderedStatement> out = new ArrayList<>();
        if (batch.isEmpty()) {
            return out;
        }
        RowStatement first = batch.get(0);
        TableShape shape = first.table();
        Table<Record> table = DSL.table(DSL.name(shape.def().database(), shape.def().table()));
        if (first instanceof RowStatement.InsertRow) {
            out.add(insert(table, shape, batch));
        } else if (first instanceof RowStatement.DeleteRow) {
            {
                if (shape.hasPrimaryKey()) {
                    out.add(deleteByKey(table, shape, batch));
                } else {
                    for (RowStatement r : batch) {
                        Query q = ctx.deleteFrom(table).where(identity(shape, ((RowStatement.DeleteRow) r).image())).limit(1);
                        out.add(new RenderedStatement(ctx.render(q), 1));
                    }
                }
            }
        } else if (shape.allowsMultiRowUpdate()) {
            updateInRuns(table, shape, batch, out);
        } else {
            {
                for (RowStatement r : batch) {
                    RowStatement.UpdateRow row = (RowStatement.UpdateRow) r;
                    Map<Field<?>, Field<?>> set = new LinkedHashMap<>();
                    for (int c : shape.writable()) {
                        set.put(column(shape, c), literal(row.to()[c]));
                    }
                    var where = ctx.update(table).set(set).where(identity(shape, row.from()));
                    Query q = shape.hasPrimaryKey() ? where : where.limit(1);
                    out.add(new RenderedStatement(ctx.render(q), 1));
                }
            }
        }
        return out;
    }

    /**
     * UPDATEs in runs of rows whose key does not change and appears once in the run: each run is one
     * {@code UPDATE t JOIN (VALUES ROW(..), ..) v ON key SET ..}, where the order of rows cannot matter. A row
     * that changes its key, or repeats one, is its own statement at its place in the order.
     */
    private void updateInRuns(Table<Record> table, TableShape shape, List<? extends RowStatement> batch, List<RenderedStatement> out) {
        List<RowStatement.UpdateRow> run = new ArrayList<>();
        java.util.Set<List<SqlValue>> keys = new java.util.HashSet<>();
        for (RowStatement r : batch) {
            RowStatement.UpdateRow row = (RowStatement.UpdateRow) r;
            List<SqlValue> from = key(shape, row.from());
            boolean sameKey = from.equals(key(shape, row.to()));
            if (!sameKey || keys.contains(from)) {
                flushRun(table, shape, run, out);
                keys.clear();
            }
            if (sameKey) {
                run.add(row);
                keys.add(from);
            } else {
                Map<Field<?>, Field<?>> set = new LinkedHashMap<>();
                for (int c : shape.writable()) {
                    set.put(column(shape, c), literal(row.to()[c]));
                }
                out.add(new RenderedStatement(ctx.render(ctx.update(table).set(set).where(identity(shape, row.from()))), 1));
            }
        }
        flushRun(table, shape, run, out);
    }

    private static List<SqlValue> key(TableShape shape, SqlValue[] image) {
        List<SqlValue> k = new ArrayList<>(shape.def().primaryKey().size());
        for (int c : shape.def().primaryKey()) {
            k.add(image[c]);
        }
        return k;
    }

    private void flushRun(Table<Record> table, TableShape shape, List<RowStatement.UpdateRow> run, List<RenderedStatement> out) {
        if (run.isEmpty()) {
            return;
        }
        if (run.size() == 1) {
            RowStatement.UpdateRow row = run.get(0);
            Map<Field<?>, Field<?>> set = new LinkedHashMap<>();
            for (int c : shape.writable()) {
                set.put(column(shape, c), literal(row.to()[c]));
            }
            out.add(new RenderedStatement(ctx.render(ctx.update(table).set(set).where(identity(shape, row.from()))), 1));
            run.clear();
            return;
        }
        List<Integer> pk = shape.def().primaryKey();
        List<Integer> writable = shape.writable();
        List<Integer> compared = verifyImages ? shape.nonKeyComparable() : List.of();
        // v's columns: k<i> key values, n<i> new values, o<i> old values (compared binary-exact where bytes)
        List<String> names = new ArrayList<>();
        pk.forEach(c -> names.add("k" + c));
        writable.forEach(c -> names.add("n" + c));
        compared.forEach(c -> names.add("o" + c));
        StringBuilder values = new StringBuilder("(VALUES ");
        for (int i = 0; i < run.size(); i++) {
            RowStatement.UpdateRow row = run.get(i);
            values.append(i == 0 ? "ROW(" : ", ROW(");
            boolean first = true;
            for (int c : pk) {
                first = comma(values, first);
                LiteralRenderer.append(values, row.from()[c]);
            }
            for (int c : writable) {
                first = comma(values, first);
                LiteralRenderer.append(values, row.to()[c]);
            }
            for (int c : compared) {
                first = comma(values, first);
                byte[] exact = LiteralRenderer.exactBytes(row.from()[c]);
                if (exact != null) {
                    LiteralRenderer.hex(values, null, exact);
                } else {
                    LiteralRenderer.append(values, row.from()[c]);
                }
            }
            values.append(')');
        }
        values.append(") AS `v` (");
        for (int i = 0; i < names.size(); i++) {
            values.append(i == 0 ? "`" : ", `").append(names.get(i)).append('`');
        }
        values.append(')');
        Table<?> v = DSL.table(DSL.raw(values.toString()));
        List<Condition> on = new ArrayList<>();
        for (int c : pk) {
            on.add(qualified(shape, c).eq(DSL.field(DSL.name("v", "k" + c))));
        }
        for (int c : compared) {
            Field<Object> vo = DSL.field(DSL.name("v", "o" + c));
            int type = shape.def().columns().get(c).type();
            if (isBytes(shape, c)) {
                on.add(DSL.condition("CAST({0} AS BINARY) <=> {1}", qualified(shape, c), vo));
            } else if (type == BinlogColumnType.DATE || type == BinlogColumnType.DATETIME2 || type == BinlogColumnType.TIMESTAMP2
                    || type == BinlogColumnType.TIME2) {
                // v's column is text: compare the column's own text form, which is what the binlog value is printed as
                on.add(DSL.condition("CAST({0} AS CHAR) <=> {1}", qualified(shape, c), vo));
            } else {
                on.add(DSL.condition("{0} <=> {1}", qualified(shape, c), vo));
            }
        }
        Map<Field<?>, Field<?>> set = new LinkedHashMap<>();
        for (int c : writable) {
            set.put(qualified(shape, c), DSL.field(DSL.name("v", "n" + c)));
        }
        out.add(new RenderedStatement(ctx.render(ctx.update(table.join(v).on(DSL.and(on))).set(set)), run.size()));
        run.clear();
    }

    private static boolean comma(StringBuilder s, boolean first) {
        if (!first) {
            s.append(", ");
        }
        return false;
    }

    private static boolean isBytes(TableShape shape, int c) {
        ColumnDef col = shape.def().columns().get(c);
        return BinlogColumnType.hasCharset(col.type(), col.realType());
    }

    private static Field<Object> qualified(TableShape shape, int c) {
        return DSL.field(DSL.name(shape.def().database(), shape.def().table(), shape.def().columns().get(c).name()));
    }

    private RenderedStatement insert(Table<Record> table, TableShape shape, List<? extends RowStatement> batch) {
        List<Integer> cols = shape.writable();
        List<Field<?>> fields = new ArrayList<>(cols.size());
        for (int c : cols) {
            fields.add(column(shape, c));
        }
        InsertValuesStepN<Record> q = ctx.insertInto(table, fields);
        for (RowStatement r : batch) {
            SqlValue[] image = ((RowStatement.InsertRow) r).image();
            List<Field<?>> values = new ArrayList<>(cols.size());
            for (int c : cols) {
                values.add(literal(image[c]));
            }
            q = q.values(values);
        }
        return new RenderedStatement(ctx.render(q), batch.size());
    }

    private RenderedStatement deleteByKey(Table<Record> table, TableShape shape, List<? extends RowStatement> batch) {
        Condition where;
        List<Integer> pk = shape.def().primaryKey();
        if (verifyImages) {
            List<Condition> any = new ArrayList<>(batch.size());
            for (RowStatement r : batch) {
                any.add(identity(shape, ((RowStatement.DeleteRow) r).image()));
            }
            where = DSL.or(any);
        } else if (pk.size() == 1) {
            List<Field<?>> keys = new ArrayList<>(batch.size());
            for (RowStatement r : batch) {
                keys.add(literal(((RowStatement.DeleteRow) r).image()[pk.get(0)]));
            }
            where = column(shape, pk.get(0)).in(keys);
        } else {
            List<Field<?>> keyFields = new ArrayList<>();
            for (int c : pk) {
                keyFields.add(column(shape, c));
            }
            List<RowN> rows = new ArrayList<>(batch.size());
            for (RowStatement r : batch) {
                SqlValue[] image = ((RowStatement.DeleteRow) r).image();
                List<Field<?>> key = new ArrayList<>(pk.size());
                for (int c : pk) {
                    key.add(literal(image[c]));
                }
                rows.add(DSL.row(key));
            }
            where = DSL.row(keyFields).in(rows);
        }
        return new RenderedStatement(ctx.render(ctx.deleteFrom(table).where(where)), batch.size());
    }

    /** The condition that finds the row whose image is known. */
    private Condition identity(TableShape shape, SqlValue[] image) {
        List<Condition> all = new ArrayList<>();
        for (int c : shape.def().primaryKey()) {
            // Equality under the column's collation finds the row through the key...
            all.add(column(shape, c).eq(literal(image[c])));
            byte[] exact = LiteralRenderer.exactBytes(image[c]);
            if (verifyImages && exact != null) {
                all.add(binaryExact(shape, c, exact)); // ...and this checks its bytes (case, trailing spaces).
            }
        }
        if (!shape.hasPrimaryKey() || verifyImages) {
            for (int c : shape.nonKeyComparable()) {
                all.add(exactMatch(shape, c, image[c]));
            }
        }
        return DSL.and(all);
    }

    private Condition exactMatch(TableShape shape, int c, SqlValue v) {
        if (v instanceof SqlValue.Null) {
            return column(shape, c).isNull();
        }
        byte[] exact = LiteralRenderer.exactBytes(v);
        if (exact != null) {
            return binaryExact(shape, c, exact);
        }
        return column(shape, c).eq(literal(v));
    }

    private Condition binaryExact(TableShape shape, int c, byte[] exact) {
        StringBuilder hex = new StringBuilder();
        LiteralRenderer.hex(hex, null, exact);
        return DSL.condition("CAST({0} AS BINARY) = {1}", column(shape, c), DSL.field(DSL.raw(hex.toString())));
    }

    private static Field<Object> column(TableShape shape, int c) {
        return DSL.field(DSL.name(shape.def().columns().get(c).name()));
    }

    private static Field<Object> literal(SqlValue v) {
        return DSL.field(DSL.raw(LiteralRenderer.literal(v)));
    }

    /** Renders session settings and statements as a script (dry-run files, archives). */
    static String sessionPreamble(boolean sqlLogBin) {
        return "SET SESSION sql_mode = '" + FlashbackApplier.SQL_MODE + "';\n"
                + "SET SESSION time_zone = '+00:00';\n"
                + "SET NAMES utf8mb4;\n"
                + "SET SESSION sql_log_bin = " + (sqlLogBin ? 1 : 0) + ";\n";
    }
}
