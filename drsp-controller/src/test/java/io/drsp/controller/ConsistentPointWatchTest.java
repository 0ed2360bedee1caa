package io.drsp.controller;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConsistentPointWatchTest {
    static final long NOW = 1_800_000_000_000_000L;
    static final long SECOND = 1_000_000L;

    @Test
    void theFirstSearchIsDue() {
        assertTrue(ConsistentPointWatch.due(null, NOW));
    }

    @Test
    void aPointFoundIsKeptHalfAMinute() {
        ConsistentPointWatch.Point found = new ConsistentPointWatch.Point(NOW - 3600 * SECOND, "", NOW - 20 * SECOND);
        assertFalse(ConsistentPointWatch.due(found, NOW));
        assertTrue(ConsistentPointWatch.due(found, NOW + 11 * SECOND));
    }

    @Test
    void aSearchThatFoundNoneIsTriedAgainWithinSeconds() {
        // as after a controller's start, before the remote agents registered
        ConsistentPointWatch.Point none = new ConsistentPointWatch.Point(null, "no drsp agent has registered for 1/dr/s1", NOW - 4 * SECOND);
        assertFalse(ConsistentPointWatch.due(none, NOW));
        assertTrue(ConsistentPointWatch.due(none, NOW + 2 * SECOND));
    }
}
