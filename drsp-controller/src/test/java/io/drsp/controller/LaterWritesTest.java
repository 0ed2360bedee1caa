package io.drsp.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LaterWritesTest {
    static final PairEvent.OwnerTookOver B = new PairEvent.OwnerTookOver(4, "pekko://drsp@127.0.0.1:2552", 1L);

    @Test
    void nothingBeyondWhatThisEntityWroteMeansItStillOwnsThePair() {
        assertFalse(LaterWrites.judge(List.of(), 17).superseded());
    }

    @Test
    void rowsItWroteItselfWhileTheCheckRanAreItsOwn() {
        // The check started from 17; by the answer this entity had written 18 and 19 itself.
        assertFalse(LaterWrites.judge(List.of(new LaterWrites.Row(18, null), new LaterWrites.Row(19, null)), 19).superseded());
    }

    @Test
    void aLaterTakeoverSupersedesAndIsNamed() {
        LaterWrites later = LaterWrites.judge(List.of(new LaterWrites.Row(18, B), new LaterWrites.Row(19, null)), 17);
        assertTrue(later.superseded());
        assertEquals(2, later.beyond());
        assertEquals("a later owner (epoch 4, pekko://drsp@127.0.0.1:2552)", later.describeOwner());
    }

    @Test
    void anyOtherWriterSupersedesEvenWhenItsTakeoverWasNotAmongTheRowsRead() {
        LaterWrites later = LaterWrites.judge(List.of(new LaterWrites.Row(20, null)), 19);
        assertTrue(later.superseded());
        assertEquals("a later owner (1 events journaled after this controller's last one)", later.describeOwner());
    }

    @Test
    void theNewestOfSeveralTakeoversIsNamed() {
        PairEvent.OwnerTookOver c = new PairEvent.OwnerTookOver(5, "c", 2L);
        assertEquals(c, LaterWrites.judge(List.of(new LaterWrites.Row(18, B), new LaterWrites.Row(19, c)), 17).takeover());
    }
}
