package io.drsp.controller;

import io.drsp.controller.drill.DrillPlan;
import java.util.Optional;

/** {@code drill --to}: remember the drill's target and the delay its end resumes sync with; one journal entry. */
final class DrillPlanOperation {
    private final String cluster;

    DrillPlanOperation(RunbookDefinition.Context context) {
        this.cluster = context.pair().id();
    }

    Optional<Admission.Refusal> admit(PairState state, int resumeDelaySeconds) {
        if (resumeDelaySeconds < 0) {
            return Optional.of(Admission.badDelay(resumeDelaySeconds));
        }
        return Admission.of(cluster, state).drMode(Operation.DRILL).refusal();
    }

    PairEvent event(String id, String to, int resumeDelaySeconds) {
        return new PairEvent.DrillPlanned(id, new DrillPlan(to, resumeDelaySeconds, System.currentTimeMillis()));
    }

    String doneMessage(String to, int resumeDelaySeconds) {
        return "drill of cluster " + cluster + " planned: recover to " + (to.isEmpty() ? "all relay log" : to)
                + ", then resume sync with delay " + resumeDelaySeconds + " s at its end.";
    }
}
