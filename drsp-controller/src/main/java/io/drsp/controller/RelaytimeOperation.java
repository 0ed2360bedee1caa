package io.drsp.controller;

import io.drsp.controller.PairProtocol.Reply;
import io.drsp.controller.recovery.RecoveryPlan;
import io.drsp.controller.recovery.RecoveryPlanner;
import io.drsp.controller.recovery.TargetSpec;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@code relaytime}: check a target against every shard's relay index and record it. Not a runbook: one journal
 * entry once the check passed, and the modes are checked again then, since the check takes a while.
 */
final class RelaytimeOperation {
    private final String cluster;
    private final RunbookSteps steps;

    RelaytimeOperation(RunbookDefinition.Context context) {
        this.cluster = context.pair().id();
        this.steps = context.steps();
    }

    Optional<Admission.Refusal> admit(PairState state) {
        return Admission.of(cluster, state).notBusy().drMode(Operation.RELAYTIME).refusal();
    }

    CompletableFuture<RecoveryPlanner.Result> check(PairState state, TargetSpec target) {
        return steps.planNewTarget(target, state.applyRates()).exceptionally(error ->
                RecoveryPlanner.Result.refused("the target could not be checked: " + error.getMessage()));
    }

    /** After the check: its refusal, or a change while it ran. */
    Optional<Admission.Refusal> admitChecked(PairState state, RecoveryPlanner.Result result) {
        if (result.refusal().isPresent()) {
            return Optional.of(new Admission.Refusal(Reply.Why.BAD_INPUT, result.refusal().get()));
        }
        return state.runbookInProgress() || !ModeRules.allows(state.drMode(), Operation.RELAYTIME)
                ? Optional.of(new Admission.Refusal(Reply.Why.BUSY, "cluster " + cluster + " changed while the target was checked;"
                + " run relaytime again.")) : Optional.empty();
    }

    PairEvent event(String id, TargetSpec target) {
        return new PairEvent.RecoveryTargetSet(id, target);
    }

    String doneMessage(TargetSpec target, RecoveryPlan plan) {
        return "recovery target of cluster " + cluster + " set to " + target.describe() + "; run recover to replay "
                + plan.shards().stream().mapToLong(RecoveryPlan.ShardPlan::transactionsToReplay).sum() + " transactions.";
    }
}
