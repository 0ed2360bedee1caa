package io.drsp.flashback;

import java.time.Duration;

/**
 * How far a run is: rows and transactions done of the total, the rate so far and the time left at that rate
 * ({@code eta} null until a rate is known).
 */
public record FlashbackProgress(long rowsDone, long rowsTotal, long transactionsDone, long transactionsTotal,
                                double rowsPerSecond, Duration eta) {

    /** Receives progress at most about once a second, and once at the end. */
    @FunctionalInterface
    public interface Listener {
        void onProgress(FlashbackProgress progress);

        Listener NONE = p -> { };
    }

    @Override
    public String toString() {
        return String.format("%d/%d rows, %d/%d transactions, %.0f rows/s, ETA %s", rowsDone, rowsTotal,
                transactionsDone, transactionsTotal, rowsPerSecond, eta == null ? "?" : eta.toSeconds() + " s");
    }
}
