package io.drsp.core.progress;

import java.util.OptionalDouble;

/**
 * The time left of a long operation, from the rate measured since it (or the window) started. Empty until that rate
 * is meaningful: at least {@link #MIN_SECONDS} of measuring, or {@link #MIN_FRACTION} of the work done in the
 * window. A rate from the first hundred rows of a million (connection set-up, a cold buffer pool) once printed
 * "ETA 7802 s" for an apply that took 30 s; every progress line (flashback, replay, catch-up, archive) asks here.
 */
public final class Eta {
    public static final double MIN_SECONDS = 2.0;
    public static final double MIN_FRACTION = 0.01;

    private Eta() {
    }

    /**
     * @param doneAtWindowStart what was done when measuring began (a resumed run starts above 0)
     * @param done              what is done now
     * @param total             all the work
     * @param windowSeconds     how long the rate has been measured
     * @return seconds left, 0 when done, empty while the rate is not yet meaningful
     */
    public static OptionalDouble secondsLeft(long doneAtWindowStart, long done, long total, double windowSeconds) {
        if (done >= total) {
            return OptionalDouble.of(0);
        }
        long progressed = done - doneAtWindowStart;
        if (progressed <= 0 || windowSeconds <= 0) {
            return OptionalDouble.empty();
        }
        boolean longEnough = windowSeconds >= MIN_SECONDS;
        boolean enoughWork = progressed >= MIN_FRACTION * total;
        if (!longEnough && !enoughWork) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of((total - done) / (progressed / windowSeconds));
    }
}
