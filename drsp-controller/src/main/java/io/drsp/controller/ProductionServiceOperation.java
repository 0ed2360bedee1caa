package io.drsp.controller;

import io.drsp.agent.NodeAgent;
import io.drsp.controller.PairProtocol.Reply;
import io.drsp.core.config.Site;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * {@code service --site production}: give a fenced production its applications back (the undo of its fence), or end
 * a switchback's catch-up; only after every production primary answers.
 */
final class ProductionServiceOperation extends RunbookDefinition {
    ProductionServiceOperation(Context context) {
        super(context);
    }

    @Override
    Operation operation() {
        return Operation.SERVICE;
    }

    @Override
    Site site() {
        return Site.PRODUCTION;
    }

    /** Only production's mode decides (DR's may be anything, see ModeRules). */
    @Override
    Optional<Admission.Refusal> admit(PairState state, Request request) {
        // Half rolled back, production's data is neither its own nor the point's: only finishing the rollback is safe.
        return Admission.of(cluster, state).noUndoPending().productionMode(operation(), false)
                .unless(state.rollback() != null, Reply.Why.WRONG_MODE, () -> "production cluster " + cluster + "'s rollback by "
                        + state.rollback().runbookId() + " has begun (" + state.rollback().transactions() + " transactions archived);"
                        + " finish it with switchback " + cluster + " before production serves.")
                .refusal();
    }

    @Override
    List<RunbookStep> steps(PairState state, Request request) {
        List<RunbookStep> s = new ArrayList<>();
        s.add(new RunbookStep(RunbookStep.Kind.REACHABLE, "", Site.PRODUCTION));
        s.addAll(perShard(RunbookStep.Kind.OPEN_SHARD, Site.PRODUCTION));
        s.add(new RunbookStep(RunbookStep.Kind.START_DBPROXY, "", Site.PRODUCTION));
        return s;
    }

    @Override
    PairEvent.RunbookRequested requested(String id, Request request, List<RunbookStep> steps, PairState state, long atMillis) {
        return new PairEvent.ServiceRequested(id, steps, state.drMode(), atMillis, Site.PRODUCTION);
    }

    @Override
    List<PairEvent> completion(Runbook rb) {
        return List.of(new PairEvent.ProductionServiceResumed(rb.id()));
    }

    @Override
    String doneMessage(Runbook rb, PairState state) {
        return "production cluster " + cluster + " serves again: every shard primary is writable and its start_dbproxy hook ran.";
    }

    @Override
    PairEvent.RunbookFailed failure(PairState state, Runbook rb, String reason) {
        List<String> opened = state.stepsDoneBy(rb, RunbookStep.Kind.OPEN_SHARD);
        return new PairEvent.RunbookFailed(rb.id(), rb.next(), reason + " (" + (opened.isEmpty() ? "" : "production shards "
                + String.join(", ", opened) + " were made read-only again: ") + "production cluster " + cluster + " stays fenced)",
                opened);
    }

    @Override
    Function<ActorRef<NodeAgent.StepResult>, NodeAgent.StepMutation> undoStep(PendingUndo undo, String shard) {
        return r -> new NodeAgent.SetReadOnly(true, r);
    }
}
