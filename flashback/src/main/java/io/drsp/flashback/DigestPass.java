package io.drsp.flashback;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * The pre-flight check of the tables {@link CurrentRowCheck#byDigest} covers, the common shape of a bank's tables.
 * The range is read newest first, so the first change seen of a key is the row's final state and can be checked at
 * once: batches of keys go to the server while the rest of the range is still being decoded, on
 * {@link #CONNECTIONS} connections of their own. Each batch asks how many of its keys are there and the XOR of their
 * {@link RowDigest}s (or, for rows the range deleted, that none is there); a batch that does not match is compared
 * value by value afterwards, which names each row that differs.
 */
final class DigestPass {
    /** Rows per query: a matching batch costs the server one key lookup and one MD5 per row. */
    static final int BATCH = 1000;
    /** The server does the work; two connections keep both cores of a small host busy while this JVM decodes. */
    static final int CONNECTIONS = 2;

    private final CurrentRowCheck check;
    private final CurrentRowCheck.Connector connector;
    private final SpillStore spill;
    private final Map<TableName, TableShape> shapes;
    private final IntFunction<String> charsets;
    /** Rows of the batches sent; those of the batches that matched are the check's rows found by digest. */
    private long rowsSent;

    /** One table's query heads, its key's signedness, and what it has seen of the range so far. */
    private static final class Table {
        final TableShape shape;
        final String presentHead;
        final String absentHead;
        final boolean unsigned;
        final int keyColumn;
        final Set<Long> seen = new HashSet<>();
        Batch present;
        Batch absent;

        Table(TableShape shape, SqlRenderer renderer) {
            this.shape = shape;
            keyColumn = shape.def().primaryKey().get(0);
            unsigned = shape.def().columns().get(keyColumn).unsigned();
            String where = " FROM " + renderer.quotedTable(shape) + " WHERE " + renderer.quotedColumn(shape, keyColumn) + " IN (";
            presentHead = "SELECT COUNT(*), BIT_XOR(" + RowDigest.expression(renderer, shape) + ")" + where;
            absentHead = "SELECT COUNT(*), 0" + where;
        }
    }

    /** Keys with where their image is in the spill, and the XOR of the images' digests (present rows only). */
    private static final class Batch {
        final Table table;
        final boolean present;
        final long[] keys = new long[BATCH];
        final long[] refs = new long[BATCH];
        final int[] transactions = new int[BATCH];
        final byte[] xor = new byte[16];
        int size;

        Batch(Table table, boolean present) {
            this.table = table;
            this.present = present;
        }

        String sql() {
            StringBuilder sql = new StringBuilder(present ? table.presentHead : table.absentHead);
            for (int i = 0; i < size; i++) {
                sql.append(i == 0 ? "" : ", ").append(table.unsigned ? Long.toUnsignedString(keys[i]) : Long.toString(keys[i]));
            }
            return sql.append(')').toString();
        }

        boolean matches(ResultSet rs) throws SQLException {
            rs.next();
            return present ? rs.getLong(1) == size && java.util.Arrays.equals(rs.getBytes(2), xor) : rs.getLong(1) == 0;
        }
    }

    DigestPass(CurrentRowCheck check, CurrentRowCheck.Connector connector, SpillStore spill, Map<TableName, TableShape> shapes,
               IntFunction<String> charsets) {
        this.check = check;
        this.connector = connector;
        this.spill = spill;
        this.shapes = shapes;
        this.charsets = charsets;
    }

    void run(Statement st, List<Refusal> refusals, long[] more) throws SQLException {
        BlockingQueue<Connection> connections = new ArrayBlockingQueue<>(CONNECTIONS);
        ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS, r -> {
            Thread t = new Thread(r, "drsp-row-check");
            t.setDaemon(true);
            return t;
        });
        List<Future<Batch>> sent = new ArrayList<>();
        List<Connection> opened = new ArrayList<>();
        try {
            for (int i = 0; i < CONNECTIONS; i++) {
                Connection c = connector.connect();
                opened.add(c);
                connections.add(c);
                try (Statement s = c.createStatement()) {
                    CurrentRowCheck.session(s);
                }
            }
            java.security.MessageDigest md5 = RowDigest.md5();
            byte[] digest = new byte[16];
            Map<TableName, Table> tables = new HashMap<>();
            for (int t = spill.transactions() - 1; t >= 0; t--) {
                long[] offsets = spill.transaction(t).eventOffsets();
                for (int e = offsets.length - 1; e >= 0; e--) {
                    SpillStore.SpilledEvent ev = spill.event(offsets[e]);
                    TableShape shape = shapes.get(ev.table().name());
                    if (shape == null || !CurrentRowCheck.byDigest(shape)) {
                        continue;
                    }
                    Table table = tables.computeIfAbsent(ev.table().name(), n -> new Table(shape, check.renderer));
                    RowsEvent decoded = CurrentRowCheck.decode(ev, charsets);
                    for (int i = decoded.rows().size() - 1; i >= 0; i--) {
                        RowChange change = decoded.rows().get(i);
                        // the after image is the newer of the two
                        sent.addAll(seen(table, true, CurrentRowCheck.after(change), offsets[e], i, t, md5, digest, pool, connections));
                        sent.addAll(seen(table, false, CurrentRowCheck.before(change), offsets[e], i, t, md5, digest, pool, connections));
                    }
                }
            }
            for (Table table : tables.values()) {
                for (Batch b : new Batch[] {table.present, table.absent}) {
                    if (b != null) {
                        sent.add(send(pool, connections, b));
                    }
                }
            }
            List<Batch> differing = new ArrayList<>();
            long differingRows = 0;
            for (Future<Batch> f : sent) {
                Batch b = f.get();
                if (b != null) {
                    differing.add(b);
                    differingRows += b.size;
                }
            }
            check.rowsByDigest += rowsSent - differingRows;
            for (Batch b : differing) {
                List<long[]> rows = new ArrayList<>(b.size);
                for (int i = 0; i < b.size; i++) {
                    rows.add(new long[] {b.refs[i], b.transactions[i], b.present ? 1 : 0});
                }
                check.byValue(st, spill, charsets, b.table.shape, b.present ? rows : new ArrayList<>(),
                        b.present ? new ArrayList<>() : rows, refusals, more);
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException s) {
                throw s;
            }
            throw new IllegalStateException("the pre-flight row check failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted during the pre-flight row check", e);
        } finally {
            pool.shutdownNow();
            for (Connection c : opened) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // a check's extra connection that cannot be closed is dropped by the server
                }
            }
        }
    }

    /**
     * A row image met newest first: the first one of its key is the row's final state, present (an after image) or
     * absent (a before image). Returns the batch it filled and sent, if it filled one.
     */
    private List<Future<Batch>> seen(Table table, boolean present, SqlValue[] image, long offset, int row, int transaction,
                                     java.security.MessageDigest md5, byte[] digest, ExecutorService pool,
                                     BlockingQueue<Connection> connections) {
        if (image == null) {
            return List.of();
        }
        long key = ((SqlValue.Int) image[table.keyColumn]).value();
        if (!table.seen.add(key)) {
            return List.of();
        }
        Batch b = present ? table.present : table.absent;
        if (b == null) {
            b = new Batch(table, present);
            if (present) {
                table.present = b;
            } else {
                table.absent = b;
            }
        }
        b.keys[b.size] = key;
        b.refs[b.size] = CurrentRowCheck.ref(offset, row, present);
        b.transactions[b.size] = transaction;
        b.size++;
        if (present) {
            RowDigest.of(table.shape, image, md5, digest);
            for (int d = 0; d < 16; d++) {
                b.xor[d] ^= digest[d];
            }
        }
        if (b.size < BATCH) {
            return List.of();
        }
        if (present) {
            table.present = null;
        } else {
            table.absent = null;
        }
        return List.of(send(pool, connections, b));
    }

    /** Runs a batch's query on a free connection; the future holds the batch when it differs, null when it matches. */
    private Future<Batch> send(ExecutorService pool, BlockingQueue<Connection> connections, Batch b) {
        rowsSent += b.size;
        return pool.submit(() -> {
            Connection c = connections.take();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(b.sql())) {
                return b.matches(rs) ? null : b;
            } finally {
                connections.add(c);
            }
        });
    }
}
