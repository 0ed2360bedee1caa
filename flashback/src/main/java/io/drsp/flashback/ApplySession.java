package io.drsp.flashback;

import io.drsp.core.gtid.Gtid;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * One connection to the target applying reversed transactions, each as one target transaction. Every
 * statement's matched-row count is checked ({@link StatementSender}), so a target that diverged from the binlog
 * stops the run at that transaction (rolled back) rather than being half-reversed silently. A deadlock or lock
 * wait timeout with a concurrent session (InnoDB may lock more than the rows a statement changes) rolls the
 * transaction back and runs it again once the sessions it may have met are out of the way, as MySQL's replica
 * workers do; anything else fails it.
 */
final class ApplySession implements AutoCloseable {
    /** Deadlock (1213) and lock wait timeout (1205): the transaction is rolled back whole and may be retried. */
    private static final int ER_LOCK_DEADLOCK = 1213;
    private static final int ER_LOCK_WAIT_TIMEOUT = 1205;
    static final int RETRIES = 10;

    private final Connection connection;
    private final ReverseBatches batches;
    private final FlashbackApplier.Options options;

    private ApplySession(Connection connection, ReverseBatches batches, FlashbackApplier.Options options) {
        this.connection = connection;
        this.batches = batches;
        this.options = options;
    }

    static ApplySession open(ConnectionSettings target, FlashbackApplier.Options options, ReverseBatches batches) throws SQLException {
        Connection c = target.connectForMultiStatements();
        try {
            try (Statement st = c.createStatement()) {
                st.execute("SET NAMES utf8mb4");
                st.execute("SET SESSION sql_mode = '" + FlashbackApplier.SQL_MODE + "', time_zone = '+00:00'");
                st.execute("SET SESSION sql_log_bin = " + (options.sqlLogBin() ? 1 : 0));
                // Every statement names its rows by key (or, keyless, the table is never shared): READ COMMITTED
                // changes no result, and takes no gap locks, which is what makes independent sessions block each other.
                st.execute("SET SESSION transaction_isolation = 'READ-COMMITTED'");
            }
            c.setAutoCommit(false);
            return new ApplySession(c, batches, options);
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /**
     * Applies and commits the reverse of {@code tx}; on any exception it was rolled back. An error in a request
     * of several statements hides the matched-row counts of the statements before it (the driver reads every
     * answer before returning the first), so a transaction failing that way is run once more, one statement
     * per request: what went wrong first is what gets reported, a divergence rather than its consequence.
     */
    void apply(SpillStore.SpilledTransaction tx, LockConflictWait beforeRetry) throws SQLException {
        int requestBytes = options.batchBytes();
        for (int attempt = 1; ; attempt++) {
            try {
                applyOnce(tx, requestBytes);
                return;
            } catch (SQLException e) {
                rollbackQuietly();
                if (attempt < RETRIES && retryable(e)) {
                    awaitQuietly(beforeRetry, e);
                    continue;
                }
                if (requestBytes > 0) {
                    requestBytes = 0;
                    continue;
                }
                throw e;
            } catch (RuntimeException e) {
                rollbackQuietly();
                throw e;
            }
        }
    }

    private void applyOnce(SpillStore.SpilledTransaction tx, int requestBytes) throws SQLException {
        try (Statement st = connection.createStatement()) {
            StatementSender sender = new StatementSender(st, tx.gtid(), requestBytes);
            batches.reverse(tx, batch -> send(sender, batch));
            if (options.ledger() != null) {
                sender.add(new RenderedStatement("INSERT INTO " + options.ledger() + " (source_gtid) VALUES ('"
                        + Gtid.parse(tx.gtid()) + "')", 1));
            }
            sender.flush();
            connection.commit();
        } catch (UncheckedSql e) {
            throw e.getCause();
        }
    }

    /** What a transaction rolled back by a deadlock or lock wait timeout waits for before it runs again. */
    @FunctionalInterface
    interface LockConflictWait {
        void await() throws InterruptedException;
    }

    private static void awaitQuietly(LockConflictWait wait, SQLException cause) throws SQLException {
        try {
            wait.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw cause;
        }
    }

    private static boolean retryable(SQLException e) {
        return e.getErrorCode() == ER_LOCK_DEADLOCK || e.getErrorCode() == ER_LOCK_WAIT_TIMEOUT;
    }

    private static final class UncheckedSql extends RuntimeException {
        UncheckedSql(SQLException e) {
            super(e.getMessage(), e);
        }

        @Override
        public synchronized SQLException getCause() {
            return (SQLException) super.getCause();
        }
    }

    private static void send(StatementSender sender, List<RenderedStatement> batch) {
        try {
            for (RenderedStatement r : batch) {
                sender.add(r);
            }
        } catch (SQLException e) {
            throw new UncheckedSql(e);
        }
    }

    private void rollbackQuietly() {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // the connection is gone; the server rolls the transaction back itself
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing: nothing is left open that matters (uncommitted work is rolled back by the server)
        }
    }
}
