package io.drsp.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The mode table of DESIGN section 4, and the refusal sentence every wrong-mode command gets. */
class ModeRulesTest {
    @Test
    void followsTheDesignsTable() {
        assertTrue(ModeRules.allows(Mode.IDLE, Operation.SYNC));
        assertTrue(ModeRules.allows(Mode.RECOVERED, Operation.SYNC), "RECOVERED is a prefix of production: sync may resume");
        assertTrue(ModeRules.allows(Mode.SYNC, Operation.SYNC), "the delay changes in place");
        assertFalse(ModeRules.allows(Mode.SERVICE, Operation.SYNC), "a serving DR cluster must be flashed back first");
        assertTrue(ModeRules.allows(Mode.RECOVERING, Operation.RECOVER), "a failed recover is retried");
        assertFalse(ModeRules.allows(Mode.SYNC, Operation.RECOVER));
        assertTrue(ModeRules.allows(Mode.SERVICE_STOPPED, Operation.SERVICE));
        assertFalse(ModeRules.allows(Mode.STOPPED, Operation.SERVICE), "service only after a recovery");
    }

    @Test
    void aRefusalNamesTheModeAndWhatWouldFit() {
        assertEquals("DR cluster 1 is in mode STOPPED, where service does not apply; sync, relaytime, recover, drill would fit.",
                ModeRules.refusal("1", Mode.STOPPED, Operation.SERVICE).orElseThrow());
    }

    @Test
    void aRecoveryThatKeepsFailingCanBeLeft() {
        assertTrue(ModeRules.allows(Mode.RECOVERING, Operation.RELAYTIME), "another target");
        assertTrue(ModeRules.allows(Mode.RECOVERING, Operation.STOPSYNC), "stop the appliers, keep the target");
        assertTrue(ModeRules.allows(Mode.RECOVERING, Operation.SYNC), "abandon the recovery, resume delayed sync");
        assertFalse(ModeRules.allows(Mode.RECOVERING, Operation.SERVICE), "never serve a half-recovered cluster");
        assertEquals("DR cluster 1 is in mode RECOVERING, where service does not apply; sync, stopsync, relaytime, recover, drill"
                + " would fit.", ModeRules.refusal("1", Mode.RECOVERING, Operation.SERVICE).orElseThrow());
    }

    @Test
    void aDrillStartsOnlyOnTheWayFromSyncToService() {
        for (Mode m : Mode.values()) {
            boolean expected = m == Mode.SYNC || m == Mode.STOPPED || m == Mode.RECOVERING || m == Mode.RECOVERED;
            assertEquals(expected, ModeRules.allows(m, Operation.DRILL), m.name());
        }
        assertEquals("DR cluster 1 is in mode SERVICE, where drill does not apply; stopservice would fit.",
                ModeRules.refusal("1", Mode.SERVICE, Operation.DRILL).orElseThrow());
    }
}
