package io.drsp.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The mode table of DESIGN section 4, and the refusal sentence every wrong-mode command gets. */
class ModeRulesTest {
    /**
     * DESIGN section 4, written out here rather than read from {@link ModeRules}: for each command, the modes it may
     * start from. The design's {@code switchback} row has no {@link Operation}: this version has no switchback
     * command (the scripts refuse {@code -switchback} as a usage error).
     */
    static final Map<Operation, Set<Mode>> DESIGN = new EnumMap<>(Operation.class);

    static {
        // "IDLE, STOPPED, RECOVERING, RECOVERED | sync --delay d | SYNC (from SYNC it changes the delay in place; from
        // RECOVERING it abandons the recovery)"; RECOVERED "is a prefix of the production stream: sync may resume".
        DESIGN.put(Operation.SYNC, EnumSet.of(Mode.IDLE, Mode.STOPPED, Mode.RECOVERING, Mode.RECOVERED, Mode.SYNC));
        // "SYNC, RECOVERING | stopsync | STOPPED (target kept)"
        DESIGN.put(Operation.STOPSYNC, EnumSet.of(Mode.SYNC, Mode.RECOVERING));
        // "STOPPED, RECOVERING, RECOVERED | relaytime | same mode, new target"
        DESIGN.put(Operation.RELAYTIME, EnumSet.of(Mode.STOPPED, Mode.RECOVERING, Mode.RECOVERED));
        // "STOPPED, RECOVERING, RECOVERED (target set by relaytime) | recover"; the target is checked apart from the mode.
        DESIGN.put(Operation.RECOVER, EnumSet.of(Mode.STOPPED, Mode.RECOVERING, Mode.RECOVERED));
        // "RECOVERED, SERVICE_STOPPED | service | SERVICE"
        DESIGN.put(Operation.SERVICE, EnumSet.of(Mode.RECOVERED, Mode.SERVICE_STOPPED));
        // "SERVICE | stopservice | SERVICE_STOPPED"
        DESIGN.put(Operation.STOPSERVICE, EnumSet.of(Mode.SERVICE));
        // "SERVICE_STOPPED | flashback | FLASHED_BACK"
        DESIGN.put(Operation.FLASHBACK, EnumSet.of(Mode.SERVICE_STOPPED));
        // "FLASHED_BACK | purge | RECOVERED (at the snapshot point)"
        DESIGN.put(Operation.PURGE, EnumSet.of(Mode.FLASHED_BACK));
        // Not in the design's table. drill --to records a plan whose steps are stopsync, relaytime, recover and service,
        // so it starts wherever the cluster stands on the way from SYNC to SERVICE: SYNC (stopsync first), STOPPED and
        // RECOVERING (relaytime, recover), RECOVERED (service). Not IDLE: without a link there is no relay log to
        // recover from. Not SERVICE, SERVICE_STOPPED or FLASHED_BACK: a service has begun, and only its own flashback
        // and purge return the cluster to a point a new drill may start from.
        DESIGN.put(Operation.DRILL, EnumSet.of(Mode.SYNC, Mode.STOPPED, Mode.RECOVERING, Mode.RECOVERED));
        // "SERVICE, SERVICE_STOPPED | switchback runbook": laststamp is its step 2, production rolled back to the point
        // DR served from.
        DESIGN.put(Operation.LASTSTAMP, EnumSet.of(Mode.SERVICE, Mode.SERVICE_STOPPED));
        DESIGN.put(Operation.SWITCHBACK, EnumSet.of(Mode.SERVICE, Mode.SERVICE_STOPPED));
    }

    /**
     * DESIGN section 4's production line: "SERVICE → fenced (stopservice) → ROLLED_BACK (laststamp) → replicating from
     * DR → SERVICE". The catch-up from DR is a step of the switchback runbook, not a command. Where the design is
     * silent: service also leaves FENCED, the undo of a fence for a DBA who cancels the switchback before anything
     * was rolled back.
     */
    static final Map<Operation, Set<ProductionMode>> PRODUCTION = new EnumMap<>(Operation.class);
    /** How each production command is typed at the CLI (picocli: stopservice/service take --site, laststamp does not). */
    static final Map<Operation, String> TYPED = Map.of(Operation.STOPSERVICE, "stopservice --site production",
            Operation.SERVICE, "service --site production", Operation.LASTSTAMP, "laststamp", Operation.SWITCHBACK, "switchback");

    static {
        PRODUCTION.put(Operation.STOPSERVICE, EnumSet.of(ProductionMode.SERVICE));
        PRODUCTION.put(Operation.LASTSTAMP, EnumSet.of(ProductionMode.FENCED));
        PRODUCTION.put(Operation.SERVICE, EnumSet.of(ProductionMode.FENCED, ProductionMode.CATCHING_UP));
        // Where the design is silent: the runbook runs again from wherever production stands on its path, so that a
        // switchback that failed, or was begun step by step, is finished by the same command.
        PRODUCTION.put(Operation.SWITCHBACK, EnumSet.allOf(ProductionMode.class));
    }

    @Test
    void everyModeAndCommandIsAllowedOrRefusedAsTheDesignSays() {
        assertEquals(EnumSet.allOf(Operation.class), DESIGN.keySet(), "the table above names every command");
        for (Mode m : Mode.values()) {
            for (Operation op : Operation.values()) {
                assertEquals(DESIGN.get(op).contains(m), ModeRules.allows(m, op), op.command() + " from " + m);
            }
        }
    }

    @Test
    void everyRefusalNamesItsModeAndExactlyTheCommandsThatFitThere() {
        int refused = 0;
        for (Mode m : Mode.values()) {
            // The commands the rules accept in m, in the enum's (a runbook's) order: what the sentence must list.
            List<String> fit = Arrays.stream(Operation.values()).filter(op -> ModeRules.allows(m, op)).map(Operation::command)
                    .toList();
            assertFalse(fit.isEmpty(), "every mode has a way out: " + m);
            for (Operation op : Operation.values()) {
                var refusal = ModeRules.refusal("1", m, op);
                if (ModeRules.allows(m, op)) {
                    assertTrue(refusal.isEmpty(), op.command() + " from " + m + " is allowed, yet refused: " + refusal);
                    continue;
                }
                refused++;
                String sentence = refusal.orElseThrow(() -> new AssertionError(op.command() + " from " + m + " is neither"
                        + " allowed nor refused"));
                String prefix = "DR cluster 1 is in mode " + m + ", where " + op.command() + " does not apply; ";
                assertTrue(sentence.startsWith(prefix) && sentence.endsWith(" would fit."), sentence);
                List<String> listed = List.of(sentence.substring(prefix.length(), sentence.length() - " would fit.".length())
                        .split(", "));
                assertEquals(fit, listed, sentence);
            }
        }
        long allowed = DESIGN.values().stream().mapToLong(Set::size).sum();
        assertEquals(Mode.values().length * Operation.values().length - allowed, refused, "every other pair was refused");
    }

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
        assertEquals("DR cluster 1 is in mode SERVICE, where drill does not apply; stopservice, laststamp, switchback would fit.",
                ModeRules.refusal("1", Mode.SERVICE, Operation.DRILL).orElseThrow());
    }

    @Test
    void productionModesFollowTheDesignsSwitchbackLine() {
        for (ProductionMode m : ProductionMode.values()) {
            for (Operation op : Operation.values()) {
                boolean allowed = PRODUCTION.getOrDefault(op, Set.of()).contains(m);
                assertEquals(allowed, ModeRules.allows(m, op, false), op.command() + " from production " + m);
                var refusal = ModeRules.refusal("1", m, op, false);
                assertEquals(allowed, refusal.isEmpty(), op.command() + " from production " + m + ": " + refusal);
                refusal.ifPresent(r -> assertTrue(r.startsWith("production cluster 1 is in mode " + m + ", where " + op.command()
                        + " does not apply; ") && r.endsWith("."), r));
                // Every command a refusal suggests is one the CLI takes, typed as it takes it, and exactly those fit.
                List<String> fit = PRODUCTION.entrySet().stream().filter(e -> e.getValue().contains(m))
                        .map(e -> TYPED.get(e.getKey())).toList();
                String would = fit.isEmpty() ? "only the switchback's catch-up step changes it from here."
                        : String.join(", ", fit) + " would fit.";
                refusal.ifPresent(r -> assertTrue(r.endsWith("does not apply; " + would), r));
            }
        }
        assertEquals("production cluster 1 is in mode FENCED, where stopservice does not apply; service --site production,"
                + " laststamp, switchback would fit.", ModeRules.refusal("1", ProductionMode.FENCED, Operation.STOPSERVICE, false).orElseThrow());
        assertEquals("production cluster 1 is in mode SERVICE, where laststamp does not apply; stopservice --site production,"
                + " switchback would fit.", ModeRules.refusal("1", ProductionMode.SERVICE, Operation.LASTSTAMP, false).orElseThrow());
        assertEquals("production cluster 1 is in mode ROLLED_BACK, where laststamp --dry-run does not apply; switchback"
                + " would fit.",
                ModeRules.refusal("1", ProductionMode.ROLLED_BACK, Operation.LASTSTAMP, true).orElseThrow());
    }

    @Test
    void laststampsPlanIsReadWhileProductionStillServesOrOnceFenced() {
        for (ProductionMode m : ProductionMode.values()) {
            boolean expected = m == ProductionMode.SERVICE || m == ProductionMode.FENCED;
            assertEquals(expected, ModeRules.allows(m, Operation.LASTSTAMP, true), m.name());
        }
        assertFalse(ModeRules.allows(ProductionMode.SERVICE, Operation.LASTSTAMP, false), "never rolled back while it serves");
    }
}
