package io.drsp.flashback;

import io.drsp.core.gtid.Gtid;
import io.drsp.core.gtid.GtidSet;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Applies the reverse of spilled transactions newest first, each source transaction as one target transaction,
 * in batches; or, as a dry run, writes the reverse SQL and the forward SQL of what it undoes to files.
 * Every statement's matched-row count is checked, so a target that diverged from the binlog stops the run at
 * that transaction (rolled back) rather than being half-reversed silently.
 */
public final class FlashbackApplier {
    /**
     * Strict, so any value the server would have to adjust is an error instead; no NO_ZERO_DATE/NO_ZERO_IN_DATE,
     * so zero dates are accepted; NO_AUTO_VALUE_ON_ZERO, so a 0 in an AUTO_INCREMENT column stays 0.
     */
    static final String SQL_MODE = "STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION";

    /** Rows per multi-row statement, and an upper bound of SQL text per batch. */
    public record Options(boolean sqlLogBin, Path dryRunDir, int batchRows, int batchBytes, boolean verifyImages) {
        public Options {
            if (batchRows < 1 || batchBytes < 1024) {
                throw new IllegalArgumentException("batch of " + batchRows + " rows / " + batchBytes + " bytes");
            }
        }

        public static Options defaults() {
            return new Options(true, null, 500, 4 << 20, true);
        }
    }

    /** What was done. */
    public record Result(GtidSet reversed, long transactions, long rows, Duration elapsed, Path reverseSql, Path forwardSql) {
    }

    private final ConnectionSettings target;
    private final Options options;
    private final SqlRenderer renderer;

    public FlashbackApplier(ConnectionSettings target, Options options) {
        this.target = target;
        this.options = options;
        this.renderer = new SqlRenderer(options.verifyImages());
    }

    Result apply(SpillStore spill, Map<TableName, TableShape> shapes, IntFunction<String> charsets,
                 GtidSet selected, long totalRows, FlashbackProgress.Listener listener) throws FlashbackFailed, SQLException {
        if (options.dryRunDir() != null) {
            return dryRun(spill, shapes, charsets, totalRows, listener);
        }
        Instant start = Instant.now();
        Tracker tracker = new Tracker(totalRows, spill.transactions(), listener, start);
        GtidSet.Builder reversed = GtidSet.builder();
        try (Connection c = target.connect()) {
            prepareSession(c);
            for (int i = spill.transactions() - 1; i >= 0; i--) {
                SpillStore.SpilledTransaction tx = spill.transaction(i);
                try (Statement st = c.createStatement()) {
                    forEachReverseBatch(spill, tx, shapes, charsets, batch -> execute(st, batch, tx.gtid()));
                    c.commit();
                } catch (RuntimeException | SQLException e) {
                    rollbackQuietly(c);
                    GtidSet done = reversed.build();
                    String reason = e instanceof Diverged ? e.getMessage() : e.toString();
                    throw new FlashbackFailed(tx.gtid(), done, selected.subtract(done), reason, e);
                }
                reversed.add(Gtid.parse(tx.gtid()));
                tracker.done(tx.rows());
            }
        }
        tracker.finish();
        return new Result(reversed.build(), spill.transactions(), tracker.rows, Duration.between(start, Instant.now()), null, null);
    }

    private void prepareSession(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET NAMES utf8mb4");
            st.execute("SET SESSION sql_mode = '" + SQL_MODE + "', time_zone = '+00:00'");
            st.execute("SET SESSION sql_log_bin = " + (options.sqlLogBin() ? 1 : 0));
        }
        c.setAutoCommit(false);
    }

    /** A statement matched another number of rows than its image says: the target is not what the binlog says. */
    static final class Diverged extends RuntimeException {
        Diverged(String message) {
            super(message);
        }
    }

    private static void execute(Statement st, List<RenderedStatement> batch, String gtid) {
        try {
            if (batch.size() == 1) {
                int n = st.executeUpdate(batch.get(0).sql());
                check(n, batch.get(0), gtid);
                return;
            }
            for (RenderedStatement r : batch) {
                st.addBatch(r.sql());
            }
            int[] counts = st.executeBatch();
            for (int k = 0; k < counts.length; k++) {
                check(counts[k], batch.get(k), gtid);
            }
        } catch (SQLException e) {
            throw new UncheckedSql(e);
        }
    }

    private static void check(int n, RenderedStatement r, String gtid) {
        if (n != r.expectedRows()) {
            String sql = r.sql().length() > 400 ? r.sql().substring(0, 400) + "..." : r.sql();
            throw new Diverged("the target does not hold what " + gtid + " left: a reverse statement matched " + n
                    + " rows instead of " + r.expectedRows() + " (changed after the range, or by a trigger or cascade?): " + sql);
        }
    }

    static final class UncheckedSql extends RuntimeException {
        UncheckedSql(SQLException e) {
            super(e.getMessage(), e);
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is gone; the server rolls the transaction back itself
        }
    }

    /** Decodes a transaction's events newest first, reverses them, and hands out rendered batches in order. */
    private void forEachReverseBatch(SpillStore spill, SpillStore.SpilledTransaction tx, Map<TableName, TableShape> shapes,
                                     IntFunction<String> charsets, java.util.function.Consumer<List<RenderedStatement>> sink) {
        Batcher batcher = new Batcher(sink);
        long[] offsets = tx.eventOffsets();
        for (int e = offsets.length - 1; e >= 0; e--) {
            SpillStore.SpilledEvent ev = spill.event(offsets[e]);
            RowsEvent rows = RowsEventDecoder.decode(ev.type(), ev.body(), ev.table(), charsets);
            TableShape shape = shapes.get(ev.table().name());
            for (RowStatement s : ReverseRowBuilder.reverse(shape, rows)) {
                batcher.add(s);
            }
        }
        batcher.flush();
    }

    private void forEachForwardBatch(SpillStore spill, SpillStore.SpilledTransaction tx, Map<TableName, TableShape> shapes,
                                     IntFunction<String> charsets, java.util.function.Consumer<List<RenderedStatement>> sink) {
        Batcher batcher = new Batcher(sink);
        for (long offset : tx.eventOffsets()) {
            SpillStore.SpilledEvent ev = spill.event(offset);
            RowsEvent rows = RowsEventDecoder.decode(ev.type(), ev.body(), ev.table(), charsets);
            for (RowStatement s : ReverseRowBuilder.forward(shapes.get(ev.table().name()), rows)) {
                batcher.add(s);
            }
        }
        batcher.flush();
    }

    /** Groups consecutive statements of one kind on one table, up to the batch limits, then renders them. */
    private final class Batcher {
        private final java.util.function.Consumer<List<RenderedStatement>> sink;
        private final List<RowStatement> pending = new ArrayList<>();
        private long bytes;

        Batcher(java.util.function.Consumer<List<RenderedStatement>> sink) {
            this.sink = sink;
        }

        void add(RowStatement s) {
            if (!pending.isEmpty()) {
                RowStatement last = pending.get(pending.size() - 1);
                if (last.getClass() != s.getClass() || !last.table().def().name().equals(s.table().def().name())
                        || pending.size() >= options.batchRows() || bytes >= options.batchBytes()) {
                    flush();
                }
            }
            pending.add(s);
            bytes += estimate(s);
        }

        void flush() {
            if (!pending.isEmpty()) {
                sink.accept(renderer.render(pending));
                pending.clear();
                bytes = 0;
            }
        }
    }

    private static long estimate(RowStatement s) {
        SqlValue[] image = s instanceof RowStatement.InsertRow r ? r.image()
                : s instanceof RowStatement.DeleteRow r ? r.image() : ((RowStatement.UpdateRow) s).to();
        long n = 16L * image.length;
        for (SqlValue v : image) {
            if (v instanceof SqlValue.Bytes b) {
                n += 2L * b.bytes().length;
            } else if (v instanceof SqlValue.Geometry g) {
                n += 2L * g.internal().length;
            } else if (v instanceof SqlValue.Json) {
                n += 256;
            }
        }
        return s instanceof RowStatement.UpdateRow ? 2 * n : n;
    }

    private Result dryRun(SpillStore spill, Map<TableName, TableShape> shapes, IntFunction<String> charsets, long totalRows,
                          FlashbackProgress.Listener listener) {
        Instant start = Instant.now();
        Path dir = options.dryRunDir();
        Path reverse = dir.resolve("reverse.sql");
        Path forward = dir.resolve("forward.sql");
        Tracker tracker = new Tracker(totalRows, spill.transactions(), listener, start);
        try {
            Files.createDirectories(dir);
            try (BufferedWriter w = Files.newBufferedWriter(reverse, StandardCharsets.UTF_8)) {
                w.write("-- drsp flashback: reverse of " + spill.transactions() + " transactions, newest first\n");
                w.write(SqlRenderer.sessionPreamble(options.sqlLogBin()));
                for (int i = spill.transactions() - 1; i >= 0; i--) {
                    SpillStore.SpilledTransaction tx = spill.transaction(i);
                    writeTransaction(w, "reverse of " + tx.gtid(), tx,
                            sink -> forEachReverseBatch(spill, tx, shapes, charsets, sink));
                    tracker.done(tx.rows());
                }
            }
            try (BufferedWriter w = Files.newBufferedWriter(forward, StandardCharsets.UTF_8)) {
                w.write("-- drsp flashback: the " + spill.transactions() + " transactions being undone, as applied, oldest first\n");
                w.write(SqlRenderer.sessionPreamble(true));
                for (int i = 0; i < spill.transactions(); i++) {
                    SpillStore.SpilledTransaction tx = spill.transaction(i);
                    writeTransaction(w, tx.gtid(), tx, sink -> forEachForwardBatch(spill, tx, shapes, charsets, sink));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the dry-run SQL to " + dir, e);
        }
        tracker.finish();
        return new Result(GtidSet.empty(), spill.transactions(), tracker.rows, Duration.between(start, Instant.now()), reverse, forward);
    }

    private interface BatchProducer {
        void produce(java.util.function.Consumer<List<RenderedStatement>> sink);
    }

    private static void writeTransaction(BufferedWriter w, String title, SpillStore.SpilledTransaction tx, BatchProducer producer)
            throws IOException {
        w.write("\n-- " + title + " (original commit " + Instant.EPOCH.plusNanos(tx.commitMicros() * 1000) + ", "
                + tx.inserted() + " inserted, " + tx.updated() + " updated, " + tx.deleted() + " deleted)\nBEGIN;\n");
        try {
            producer.produce(batch -> {
                try {
                    for (RenderedStatement r : batch) {
                        w.write(r.sql());
                        w.write(";\n");
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        w.write("COMMIT;\n");
    }

    /** Counts and reports progress, throttled to about once a second. */
    private static final class Tracker {
        private final long totalRows;
        private final long totalTx;
        private final FlashbackProgress.Listener listener;
        private final Instant start;
        private long rows;
        private long tx;
        private long lastReport;

        Tracker(long totalRows, long totalTx, FlashbackProgress.Listener listener, Instant start) {
            this.totalRows = totalRows;
            this.totalTx = totalTx;
            this.listener = listener;
            this.start = start;
        }

        void done(long r) {
            rows += r;
            tx++;
            long now = System.nanoTime();
            if (now - lastReport > 1_000_000_000L) {
                lastReport = now;
                report();
            }
        }

        void finish() {
            report();
        }

        private void report() {
            double seconds = Math.max(1e-3, Duration.between(start, Instant.now()).toNanos() / 1e9);
            double rate = rows / seconds;
            Duration eta = rate > 0 ? Duration.ofMillis((long) ((totalRows - rows) / rate * 1000)) : null;
            listener.onProgress(new FlashbackProgress(rows, totalRows, tx, totalTx, rate, eta));
        }
    }
}
