package io.drsp.flashback;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
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
 * from {@link LiteralRenderer} as raw SQL, so no bind value conversion can touch it. Multi-row statements are
 * rendered by jOOQ once per table and filled with rows per batch ({@link MultiRowStatements}).
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
    private final MultiRowStatements multiRow;

    public SqlRenderer(boolean verifyImages) {
        this.verifyImages = verifyImages;
        this.multiRow = new MultiRowStatements(ctx, verifyImages);
    }

    /**
     * Renders a run of statements of one kind on one table, in order. Multi-row statements are used where the
     * identity allows: INSERTs always; DELETEs and UPDATEs by a primary key that joins exactly (see
     * {@link TableShape#joinsOnKey}); anything else is one statement per row.
     */
    public List<RenderedStatement> render(List<? extends RowStatement> batch) {
        List<RenderedStatement> out = new ArrayList<>();
        if (batch.isEmpty()) {
            return out;
        }
        RowStatement first = batch.get(0);
        TableShape shape = first.table();
        if (first instanceof RowStatement.InsertRow) {
            out.add(multiRow.insert(shape, batch));
        } else if (first instanceof RowStatement.DeleteRow) {
            deletes(shape, batch, out);
        } else if (shape.allowsMultiRowUpdate()) {
            updateInRuns(shape, batch, out);
        } else {
            for (RowStatement r : batch) {
                out.add(updateOne(shape, (RowStatement.UpdateRow) r));
            }
        }
        return out;
    }

    private void deletes(TableShape shape, List<? extends RowStatement> batch, List<RenderedStatement> out) {
        if (batch.size() > 1 && shape.hasPrimaryKey()) {
            out.add(verifyImages && shape.joinsOnKey() ? multiRow.delete(shape, batch) : deleteByKey(shape, batch));
        } else {
            for (RowStatement r : batch) {
                var where = ctx.deleteFrom(table(shape)).where(identity(shape, ((RowStatement.DeleteRow) r).image()));
                out.add(new RenderedStatement(ctx.render(shape.hasPrimaryKey() ? where : where.limit(1)), 1));
            }
        }
    }

    private RenderedStatement updateOne(TableShape shape, RowStatement.UpdateRow row) {
        Map<Field<?>, Field<?>> set = new LinkedHashMap<>();
        for (int c : shape.writable()) {
            set.put(column(shape, c), literal(row.to()[c]));
        }
        var where = ctx.update(table(shape)).set(set).where(identity(shape, row.from()));
        return new RenderedStatement(ctx.render(shape.hasPrimaryKey() ? where : where.limit(1)), 1);
    }

    /**
     * UPDATEs in runs of rows whose key does not change and appears once in the run: each run is one joined
     * UPDATE ({@link MultiRowStatements}), where the order of rows cannot matter. A row that changes its key,
     * or repeats one, is its own statement at its place in the order.
     */
    private void updateInRuns(TableShape shape, List<? extends RowStatement> batch, List<RenderedStatement> out) {
        List<RowStatement.UpdateRow> run = new ArrayList<>();
        Set<List<SqlValue>> keys = new HashSet<>();
        for (RowStatement r : batch) {
            RowStatement.UpdateRow row = (RowStatement.UpdateRow) r;
            List<SqlValue> from = key(shape, row.from());
            boolean sameKey = from.equals(key(shape, row.to()));
            if (!sameKey || keys.contains(from)) {
                flushRun(shape, run, out);
                keys.clear();
            }
            if (sameKey) {
                run.add(row);
                keys.add(from);
            } else {
                out.add(updateOne(shape, row));
            }
        }
        flushRun(shape, run, out);
    }

    private void flushRun(TableShape shape, List<RowStatement.UpdateRow> run, List<RenderedStatement> out) {
        if (run.size() == 1) {
            out.add(updateOne(shape, run.get(0)));
        } else if (!run.isEmpty()) {
            out.add(multiRow.update(shape, run));
        }
        run.clear();
    }

    private static List<SqlValue> key(TableShape shape, SqlValue[] image) {
        List<SqlValue> k = new ArrayList<>(shape.def().primaryKey().size());
        for (int c : shape.def().primaryKey()) {
            k.add(image[c]);
        }
        return k;
    }

    /** Rows named by key: with verifyImages each by its whole image, else by the key alone. */
    private RenderedStatement deleteByKey(TableShape shape, List<? extends RowStatement> batch) {
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
        return new RenderedStatement(ctx.render(ctx.deleteFrom(table(shape)).where(where)), batch.size());
    }

    /** SQL text of the condition that finds exactly this image (key and every comparable column, binary-exact). */
    String imageCondition(TableShape shape, SqlValue[] image) {
        return ctx.render(identity(shape, image));
    }

    /** {@link MultiRowStatements#countHolding}; only for tables that {@link TableShape#joinsOnKey}. */
    String countHolding(TableShape shape, List<SqlValue[]> images) {
        return multiRow.countHolding(shape, images);
    }

    /** SQL text of the condition that finds the row with this image's key, the key compared binary-exact. */
    String keyCondition(TableShape shape, SqlValue[] image) {
        List<Condition> all = new ArrayList<>();
        for (int c : shape.def().primaryKey()) {
            all.add(column(shape, c).eq(literal(image[c]))); // through the key's index...
            byte[] exact = LiteralRenderer.exactBytes(image[c]);
            if (exact != null) {
                all.add(binaryExact(shape, c, exact)); // ...and exactly these bytes
            }
        }
        return ctx.render(DSL.and(all));
    }

    /** SQL text of the condition that column {@code c} holds exactly {@code v}. */
    String columnCondition(TableShape shape, int c, SqlValue v) {
        return ctx.render(exactMatch(shape, c, v));
    }

    String quotedTable(TableShape shape) {
        return ctx.render(table(shape));
    }

    String quotedColumn(TableShape shape, int c) {
        return ctx.render(column(shape, c));
    }

    private static Table<Record> table(TableShape shape) {
        return DSL.table(DSL.name(shape.def().database(), shape.def().table()));
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
