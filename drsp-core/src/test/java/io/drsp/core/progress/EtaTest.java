package io.drsp.core.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The window is given as a number of seconds: a fake clock, so the thresholds are exact. */
class EtaTest {

    @Test
    void unknownUntilTwoSecondsOrOnePercentOfTheWork() {
        // the case: 100 of 1,000,000 rows after 0.78 s would have said 7802 s
        assertTrue(Eta.secondsLeft(0, 100, 1_000_000, 0.78).isEmpty());
        assertTrue(Eta.secondsLeft(0, 9_999, 1_000_000, 1.99).isEmpty());
        assertEquals(99.0, Eta.secondsLeft(0, 10_000, 1_000_000, 1.0).getAsDouble(), 1e-9, "1 % done: rate known");
        assertEquals(1998.0, Eta.secondsLeft(0, 1_000, 1_000_000, 2.0).getAsDouble(), 1e-9, "2 s measured: rate known");
    }

    @Test
    void aResumedRunIsMeasuredFromWhereItResumed() {
        // 500,000 done before a restart; 100 more since is not a rate yet
        assertTrue(Eta.secondsLeft(500_000, 500_100, 1_000_000, 0.5).isEmpty());
        assertEquals(10.0, Eta.secondsLeft(500_000, 750_000, 1_000_000, 10.0).getAsDouble(), 1e-9);
    }

    @Test
    void doneIsZeroAndNoProgressIsUnknown() {
        assertEquals(0.0, Eta.secondsLeft(0, 10, 10, 0.001).getAsDouble());
        assertTrue(Eta.secondsLeft(40, 40, 100, 30).isEmpty(), "nothing done in the window: no rate");
        assertTrue(Eta.secondsLeft(0, 0, 0, 0).isPresent(), "no work at all is done");
    }
}
