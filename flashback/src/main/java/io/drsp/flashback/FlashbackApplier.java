package io.drsp.flashback;

import io.drsp.core.gtid.Gtid;
import io.drsp.core.gtid.GtidSet;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Applies the reverse of spilled transactions, each source transaction as one target transaction, in batches;
 * or, as a dry run, writes the reverse SQL and the forward SQL of what it undoes to files.
 *
 * <p>Applying is parallel on {@code workers} connections, ordered like MySQL's WRITESET dependency tracking
 * ({@link Writeset}, {@link DependencyScheduler}): each reversed transaction is applied after every transaction
 * before it in newest-first order that touches one of its rows (or keys, or tables where rows cannot be told
 * apart); the others run side by side. With one worker the order is exactly newest first.
 */
public final class FlashbackApplier {
    /**
     * Strict, so any value the server would have to adjust is an error instead; no NO_ZERO_DATE/NO_ZERO_IN_DATE,
     * so zero dates are accepted; NO_AUTO_VALUE_ON_ZERO, so a 0 in an AUTO_INCREMENT column stays 0.
     */
    static final String SQL_MODE = "STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION";

    /** Transactions submitted and not yet committed, at most, per worker: enough look-ahead to keep all busy. */
    static final int WINDOW_PER_WORKER = 16;
    /** Writeset hashes held by the window, at most (8 bytes each in the transaction, ~64 in the last-writer map). */
    static final int WINDOW_HASHES = 400_000;
    /** A transaction with more key hashes than this waits for all others instead (its writeset is not kept). */
    static final int WRITESET_LIMIT = 100_000;

    /**
     * Rows per multi-row statement, and an upper bound of SQL text per batch and per request (a transaction's
     * statements are sent together up to it); {@code workers} connections apply independent transactions in
     * parallel (1: strictly one after the other). With a {@code ledger} table
     * ({@code schema.table}, column {@code source_gtid}), each reverse transaction also records the GTID it undoes
     * there, in the same transaction: a run cut short can be continued exactly, skipping what the ledger holds.
     */
    public record Options(boolean sqlLogBin, Path dryRunDir, int batchRows, int batchBytes, boolean verifyImages, int workers,
                          String ledger) {
        public static final int DEFAULT_WORKERS = 4;

        public Options {
            if (batchRows < 1 || batchBytes < 1024) {
                throw new IllegalArgumentException("batch of " + batchRows + " rows / " + batchBytes + " bytes");
            }
            if (workers < 1 || workers > 64) {
                throw new IllegalArgumentException("workers must be 1 to 64, got " + workers);
            }
            if (ledger != null && !ledger.matches("[A-Za-z0-9_]+\\.[A-Za-z0-9_]+")) {
                throw new IllegalArgumentException("ledger must be schema.table of letters, digits and _, got " + ledger);
            }
        }

        public Options(boolean sqlLogBin, Path dryRunDir, int batchRows, int batchBytes, boolean verifyImages, int workers) {
            this(sqlLogBin, dryRunDir, batchRows, batchBytes, verifyImages, workers, null);
        }

        public Options(boolean sqlLogBin, Path dryRunDir, int batchRows, int batchBytes, boolean verifyImages) {
            this(sqlLogBin, dryRunDir, batchRows, batchBytes, verifyImages, DEFAULT_WORKERS, null);
        }

        public static Options defaults() {
            return new Options(true, null, 500, 4 << 20, true, DEFAULT_WORKERS, null);
        }

        public Options withWorkers(int n) {
            return new Options(sqlLogBin, dryRunDir, batchRows, batchBytes, verifyImages, n, ledger);
        }

        public Options withSqlLogBin(boolean on) {
            return new Options(on, dryRunDir, batchRows, batchBytes, verifyImages, workers, ledger);
        }

        public Options withDryRun(Path dir) {
            return new Options(sqlLogBin, dir, batchRows, batchBytes, verifyImages, workers, ledger);
        }

        public Options withVerifyImages(boolean on) {
            return new Options(sqlLogBin, dryRunDir, batchRows, batchBytes, on, workers, ledger);
        }

        public Options withLedger(String table) {
            return new Options(sqlLogBin, dryRunDir, batchRows, batchBytes, verifyImages, workers, table);
        }
    }

    /** What was done. */
    public record Result(GtidSet reversed, long transactions, long rows, Duration elapsed, Path reverseSql, Path forwardSql) {
    }

    private final ConnectionSettings target;
    private final Options options;

    public FlashbackApplier(ConnectionSettings target, Options options) {
        this.target = target;
        this.options = options;
    }

    Result apply(SpillStore spill, Map<TableName, TableShape> shapes, Map<TableName, ConflictRule> rules,
                 IntFunction<String> charsets, GtidSet selected, long totalRows, FlashbackProgress.Listener listener)
            throws FlashbackFailed, SQLException {
        if (options.dryRunDir() != null) {
            return dryRun(spill, shapes, charsets, totalRows, listener);
        }
        Instant start = Instant.now();
        Tracker tracker = new Tracker(totalRows, spill.transactions(), listener, start);
        Committed committed = new Committed();
        List<ApplySession> sessions = new ArrayList<>();
        try {
            int connections = Math.max(1, Math.min(options.workers(), spill.transactions()));
            for (int w = 0; w < connections; w++) {
                sessions.add(ApplySession.open(target, options, new ReverseBatches(spill, shapes, charsets, options)));
            }
            DependencyScheduler scheduler = new DependencyScheduler(WINDOW_PER_WORKER * connections, WINDOW_HASHES);
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < sessions.size(); w++) {
                ApplySession session = sessions.get(w);
                Thread t = new Thread(() -> work(scheduler, session, committed, tracker), "flashback-apply-" + (w + 1));
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
            try {
                submitNewestFirst(spill, rules, charsets, scheduler, committed);
            } finally {
                scheduler.close();
                joinAll(threads, scheduler);
            }
        } finally {
            sessions.forEach(ApplySession::close);
        }
        if (committed.failure != null) {
            GtidSet done = committed.build();
            Throwable e = committed.failure;
            String reason = e instanceof StatementSender.Diverged ? e.getMessage() : e.toString();
            throw new FlashbackFailed(committed.failedGtid, done, selected.subtract(done), reason, e);
        }
        tracker.finish();
        return new Result(committed.build(), spill.transactions(), tracker.rows, Duration.between(start, Instant.now()), null, null);
    }

    /** Reads each transaction's writeset, newest first, and hands it to the scheduler; stops at the first failure. */
    private static void submitNewestFirst(SpillStore spill, Map<TableName, ConflictRule> rules, IntFunction<String> charsets,
                                          DependencyScheduler scheduler, Committed committed) {
        long seq = 0;
        for (int i = spill.transactions() - 1; i >= 0; i--) {
            SpillStore.SpilledTransaction tx = spill.transaction(i);
            try {
                Writeset ws = Writeset.of(spill, tx, rules, charsets, WRITESET_LIMIT);
                if (!scheduler.submit(new DependencyScheduler.Node(seq++, tx, ws))) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                committed.fail(tx.gtid(), e);
                scheduler.stop();
                return;
            } catch (RuntimeException e) {
                committed.fail(tx.gtid(), e);
                scheduler.stop();
                return;
            }
        }
    }

    private static void work(DependencyScheduler scheduler, ApplySession session, Committed committed, Tracker tracker) {
        while (true) {
            DependencyScheduler.Node n;
            try {
                n = scheduler.next();
            } catch (InterruptedException e) {
                scheduler.stop();
                return;
            }
            if (n == null) {
                return;
            }
            try {
                session.apply(n.tx, () -> scheduler.awaitOthersAfterLockConflict(n));
            } catch (SQLException | RuntimeException e) {
                committed.fail(n.tx.gtid(), e);
                scheduler.finished(n, false);
                continue;
            }
            committed.add(n.tx.gtid());
            scheduler.finished(n, true);
            tracker.done(n.tx.rows());
        }
    }

    /** Waits for the workers; they end once the graph is empty or the run stopped and their transaction ended. */
    private static void joinAll(List<Thread> threads, DependencyScheduler scheduler) {
        boolean interrupted = false;
        for (Thread t : threads) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    scheduler.stop(); // workers finish the transaction they are in, then end
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The GTIDs actually committed, and the first failure. Shared by the workers. */
    private static final class Committed {
        private final GtidSet.Builder reversed = GtidSet.builder();
        private String failedGtid;
        private Throwable failure;

        synchronized void add(String gtid) {
            reversed.add(Gtid.parse(gtid));
        }

        synchronized void fail(String gtid, Throwable e) {
            if (failure == null) {
                failedGtid = gtid;
                failure = e;
            }
        }

        synchronized GtidSet build() {
            return reversed.build();
        }
    }

    private Result dryRun(SpillStore spill, Map<TableName, TableShape> shapes, IntFunction<String> charsets, long totalRows,
                          FlashbackProgress.Listener listener) {
        Instant start = Instant.now();
        Path dir = options.dryRunDir();
        Path reverse = dir.resolve("reverse.sql");
        Path forward = dir.resolve("forward.sql");
        Tracker tracker = new Tracker(totalRows, spill.transactions(), listener, start);
        ReverseBatches batches = new ReverseBatches(spill, shapes, charsets, options);
        try {
            Files.createDirectories(dir);
            try (BufferedWriter w = Files.newBufferedWriter(reverse, StandardCharsets.UTF_8)) {
                w.write("-- drsp flashback: reverse of " + spill.transactions() + " transactions, newest first\n");
                w.write(SqlRenderer.sessionPreamble(options.sqlLogBin()));
                for (int i = spill.transactions() - 1; i >= 0; i--) {
                    SpillStore.SpilledTransaction tx = spill.transaction(i);
                    writeTransaction(w, "reverse of " + tx.gtid(), tx,
                            sink -> batches.reverse(tx, sink));
                    tracker.done(tx.rows());
                }
            }
            try (BufferedWriter w = Files.newBufferedWriter(forward, StandardCharsets.UTF_8)) {
                w.write("-- drsp flashback: the " + spill.transactions() + " transactions being undone, as applied, oldest first\n");
                w.write(SqlRenderer.sessionPreamble(true));
                for (int i = 0; i < spill.transactions(); i++) {
                    SpillStore.SpilledTransaction tx = spill.transaction(i);
                    writeTransaction(w, tx.gtid(), tx, sink -> batches.forward(tx, sink));
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

        synchronized void done(long r) {
            rows += r;
            tx++;
            long now = System.nanoTime();
            if (now - lastReport > 1_000_000_000L) {
                lastReport = now;
                report();
            }
        }

        synchronized void finish() {
            report();
        }

        private void report() {
            double seconds = Math.max(1e-3, Duration.between(start, Instant.now()).toNanos() / 1e9);
            double rate = rows / seconds;
            java.util.OptionalDouble left = io.drsp.core.progress.Eta.secondsLeft(0, rows, totalRows, seconds);
            Duration eta = left.isPresent() ? Duration.ofMillis((long) (left.getAsDouble() * 1000)) : null;
            listener.onProgress(new FlashbackProgress(rows, totalRows, tx, totalTx, rate, eta));
        }
    }
}
