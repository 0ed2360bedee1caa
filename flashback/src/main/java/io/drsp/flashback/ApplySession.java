package io.drsp.flashback;

import io.drsp.core.gtid.Gtid;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * One connection to the target applying reversed transactions, each as one target transaction. Every
 * statement's matched-row count is checked, so a target that diverged from the binlog stops the run at that
 * transaction (rolled back) rather than being half-reversed silently. A deadlock or lock wait timeout with a
 * concurrent session (InnoDB may lock more than the rows a statement changes) rolls the transaction back and
 * runs it again, as MySQL's replica workers do; anything else fails it.
 */
final class ApplySession implements AutoCloseable {
    /** Deadlock (1213) and lock wait timeout (1205): the transaction is rolled back whole and may be retried. */
    private static final int ER_LOCK_DEADLOCK = 1213;
    private static final int ER_LOCK_WAIT_TIMEOUT = 1205;
    static final int RETRIES = 10;

    private final Connection connection;
    private final ReverseBatches batches;
    private final String ledger;

    private ApplySession(Connection connection, ReverseBatches batches, String ledger) {
        this.connection = connection;
        this.batches = batches;
        this.ledger = ledger;
    }

    static ApplySession open(ConnectionSettings target, FlashbackApplier.Options options, ReverseBatches batches) throws SQLException {
        Connection c = target.connect();
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
            return new ApplySession(c, batches, options.ledger());
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Applies and commits the reverse of {@code tx}; on any exception it was rolled back. */
    void apply(SpillStore.SpilledTransaction tx) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try (Statement st = connection.createStatement()) {
                batches.reverse(tx, batch -> execute(st, batch, tx.gtid()));
                if (ledger != null) {
                    st.executeUpdate("INSERT INTO " + ledger + " (source_gtid) VALUES ('" + Gtid.parse(tx.gtid()) + "')");
                }
                connection.commit();
                return;
            } catch (UncheckedSql e) {
                rollbackQuietly();
                if (attempt < RETRIES && retryable(e.getCause())) {
                    continue;
                }
                throw e.getCause();
            } catch (SQLException e) {
                rollbackQuietly();
                if (attempt < RETRIES && retryable(e)) {
                    continue;
                }
                throw e;
            } catch (RuntimeException e) {
                rollbackQuietly();
                throw e;
            }
        }
    }

    private static boolean retryable(SQLException e) {
        return e.getErrorCode() == ER_LOCK_DEADLOCK || e.getErrorCode() == ER_LOCK_WAIT_TIMEOUT;
    }

    /** A statement matched another number of rows than its image says: the target is not what the binlog says. */
    static final class Diverged extends RuntimeException {
        Diverged(String message) {
            super(message);
        }
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

    private static void execute(Statement st, List<RenderedStatement> batch, String gtid) {
        try {
            if (batch.size() == 1) {
                check(st.executeUpdate(batch.get(0).sql()), batch.get(0), gtid);
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
