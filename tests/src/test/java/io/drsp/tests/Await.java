package io.drsp.tests;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;

/** Polls a condition until it holds or a deadline passes: how tests wait, never by sleeping a guess. */
final class Await {
    private Await() {
    }

    static void until(Duration deadline, Callable<Boolean> condition, String what) {
        Instant end = Instant.now().plus(deadline);
        Exception last = null;
        while (Instant.now().isBefore(end)) {
            try {
                if (Boolean.TRUE.equals(condition.call())) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for: " + what);
            }
        }
        throw new AssertionError("not within " + deadline.toSeconds() + " s: " + what + (last == null ? "" : " (last error: " + last + ")"));
    }
}
