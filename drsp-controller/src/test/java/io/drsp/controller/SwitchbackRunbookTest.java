package io.drsp.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.core.config.Site;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The switchback runbook's steps from each pair of modes it may start from, and the modes each phase leaves: walking
 * a whole runbook step by step must pass production through FENCED, ROLLED_BACK, CATCHING_UP to SERVICE and DR to
 * SERVICE_STOPPED, in that order, and a runbook started again from any mode it left must continue with the steps
 * still to do (checked again first, and links from DR ensured again while production catches up).
 */
class SwitchbackRunbookTest {
    static final List<String> SHARDS = List.of("meta", "s1", "s2");

    @Test
    void aWholeSwitchbackWalksBothSitesThroughTheirModesInOrder() {
        List<RunbookStep> steps = SwitchbackRunbook.steps(SHARDS, ProductionMode.SERVICE, Mode.SERVICE, false);
        List<String> entered = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            Optional<PairEvent.ModesChanged> m = SwitchbackRunbook.modesAfter("rb", steps, i);
            m.ifPresent(c -> entered.add(c.production() != null ? "production " + c.production() : "dr " + c.dr()));
        }
        assertEquals(List.of("production FENCED", "production ROLLED_BACK", "production CATCHING_UP", "dr SERVICE_STOPPED",
                "production SERVICE"), entered);
        assertEquals(RunbookStep.Kind.SWITCHBACK_PREFLIGHT, steps.get(0).kind(), "nothing changes before the preflight");
        RunbookStep last = steps.get(steps.size() - 1);
        assertEquals(new RunbookStep(RunbookStep.Kind.ENSURE_LINK, "s2", Site.DR), last, "DR follows production last");
        int discard = steps.indexOf(new RunbookStep(RunbookStep.Kind.DROP_LINK, "meta", Site.DR));
        int relink = steps.indexOf(new RunbookStep(RunbookStep.Kind.ENSURE_LINK, "meta", Site.DR));
        assertTrue(discard >= 0 && discard < relink, "DR's old relay log is discarded before any shard links again");
        int productionServes = steps.indexOf(new RunbookStep(RunbookStep.Kind.START_DBPROXY, "", Site.PRODUCTION));
        int drClosed = steps.lastIndexOf(new RunbookStep(RunbookStep.Kind.CLOSE_SHARD, "s2", Site.DR));
        int caughtUp = steps.lastIndexOf(new RunbookStep(RunbookStep.Kind.CAUGHT_UP_WITH_DR, "", Site.PRODUCTION));
        assertTrue(drClosed < caughtUp && caughtUp < productionServes, "production serves only after DR stopped and it caught up");
    }

    /** Each mode a phase leaves is a place a failed or step-by-step switchback restarts from: the rest is the same. */
    @Test
    void startedAgainFromAnyModeItLeftItRunsExactlyTheStepsStillToDo() {
        List<RunbookStep> whole = SwitchbackRunbook.steps(SHARDS, ProductionMode.SERVICE, Mode.SERVICE, false);
        ProductionMode production = ProductionMode.SERVICE;
        Mode dr = Mode.SERVICE;
        boolean archived = false;
        for (int i = 0; i < whole.size(); i++) {
            if (whole.get(i).kind() == RunbookStep.Kind.ARCHIVE_ROLLBACK) {
                archived = true;
            }
            Optional<PairEvent.ModesChanged> m = SwitchbackRunbook.modesAfter("rb", whole, i);
            if (m.isEmpty()) {
                continue;
            }
            production = m.get().production() != null ? m.get().production() : production;
            dr = m.get().dr() != null ? m.get().dr() : dr;
            List<RunbookStep> again = SwitchbackRunbook.steps(SHARDS, production, dr, archived);
            List<RunbookStep> rest = new ArrayList<>(whole.subList(i + 1, whole.size()));
            if (again.get(0).kind() == RunbookStep.Kind.SWITCHBACK_PREFLIGHT) {
                rest.add(0, again.get(0)); // a restart checks again before it changes anything
            }
            if (production == ProductionMode.CATCHING_UP && !rest.get(0).equals(again.get(0))) {
                // Catching up, each link from DR is ensured again first (idempotent): one a DBA stopped meanwhile
                // must replicate again before production is waited for.
                SHARDS.forEach(sh -> rest.add(SHARDS.indexOf(sh), new RunbookStep(RunbookStep.Kind.LINK_FROM_DR, sh, Site.PRODUCTION)));
            }
            assertEquals(rest, again, "from production " + production + ", DR " + dr);
        }
    }

    @Test
    void laststampArchivesOnlyOnce() {
        assertEquals(RunbookStep.Kind.ARCHIVE_ROLLBACK, SwitchbackRunbook.laststamp(SHARDS, false).get(0).kind());
        assertTrue(SwitchbackRunbook.laststamp(SHARDS, true).stream().noneMatch(s -> s.kind() == RunbookStep.Kind.ARCHIVE_ROLLBACK),
                "after a partial flashback production holds undo transactions too: they must never be archived as its own");
        List<RunbookStep> fromFenced = SwitchbackRunbook.steps(SHARDS, ProductionMode.FENCED, Mode.SERVICE_STOPPED, true);
        assertTrue(fromFenced.stream().noneMatch(s -> s.kind() == RunbookStep.Kind.CLOSE_SHARD),
                "both sites are closed already: no fence runs again");
    }
}
