package io.drsp.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class EpochMarkTest {

    @Test
    void theFirstEpochSetsTheMarkAndTheSameOrANewerOneIsAdmitted() {
        EpochMark mark = new EpochMark("1");
        assertEquals(Optional.empty(), mark.admit(new TakeoverEpoch(3, "a")));
        assertEquals(Optional.empty(), mark.admit(new TakeoverEpoch(3, "a")));
        assertEquals(Optional.empty(), mark.admit(new TakeoverEpoch(4, "b")));
        assertEquals(new TakeoverEpoch(4, "b"), mark.highest());
    }

    @Test
    void anOlderEpochIsRefusedNamingTheNewerOwnerAndLeavesTheMark() {
        EpochMark mark = new EpochMark("1");
        mark.admit(new TakeoverEpoch(4, "pekko://drsp@127.0.0.1:2552"));
        assertEquals(Optional.of("refused: sent under takeover epoch 3, but epoch 4 has taken over cluster 1"
                + " (owner pekko://drsp@127.0.0.1:2552)"), mark.admit(new TakeoverEpoch(3, "pekko://drsp@127.0.0.1:2551")));
        assertEquals(4, mark.highest().number());
    }

    @Test
    void aCommandWithoutAnEpochIsRefusedEvenBeforeAnyMark() {
        EpochMark mark = new EpochMark("7");
        assertTrue(mark.admit(null).orElseThrow().startsWith("refused: the command carries no takeover epoch"));
        assertEquals(null, mark.highest());
    }

    @Test
    void epochsStartAtOne() {
        assertThrows(IllegalArgumentException.class, () -> new TakeoverEpoch(0, "a"));
    }
}
