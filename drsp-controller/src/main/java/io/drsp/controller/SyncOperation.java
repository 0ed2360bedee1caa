package io.drsp.controller;

import io.drsp.agent.NodeAgent;
import io.drsp.core.config.Site;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/** {@code sync --delay d}: start delayed sync, or change the delay in place (DESIGN §4). */
final class SyncOperation extends RunbookDefinition {
    SyncOperation(Context context) {
        super(context);
    }

    @Override
    Operation operation() {
        return Operation.SYNC;
    }

    /** The same command again only with the same delay: another delay is a new sync, refused while this one runs. */
    @Override
    boolean joins(Runbook running, Request request) {
        return super.joins(running, request) && running.delaySeconds() == request.delaySeconds();
    }

    @Override
    List<RunbookStep> steps(PairState state, Request request) {
        List<RunbookStep> s = new ArrayList<>();
        s.add(new RunbookStep(RunbookStep.Kind.PREFLIGHT, ""));
        s.addAll(perShard(RunbookStep.Kind.ENSURE_LINK, Site.DR));
        return s;
    }

    @Override
    PairEvent.RunbookRequested requested(String id, Request request, List<RunbookStep> steps, PairState state, long atMillis) {
        return new PairEvent.SyncRequested(id, request.delaySeconds(), steps, state.drMode(), atMillis);
    }

    @Override
    List<PairEvent> completion(Runbook rb) {
        return List.of(new PairEvent.SyncStarted(rb.id(), rb.delaySeconds()));
    }

    @Override
    String doneMessage(Runbook rb, PairState state) {
        return "DR cluster " + cluster + " is in sync with production cluster " + cluster + ", delay " + rb.delaySeconds()
                + " s, on " + rb.steps().size() + " steps.";
    }

    /** Links this sync started are stopped again; a delay it changed in place is set back, so no shard stops following. */
    @Override
    PairEvent.RunbookFailed failure(PairState state, Runbook rb, String reason) {
        List<String> linked = state.shardsLinkedBy(rb);
        String why = reason + (linked.isEmpty() ? "" : rb.fromMode() == Mode.SYNC
                ? " (shards " + String.join(", ", linked) + " were set back to the delay of " + state.delaySeconds()
                        + " s, so every shard keeps the cluster's delay)"
                : " (links of " + String.join(", ", linked) + " started by this sync were stopped again)");
        return new PairEvent.RunbookFailed(rb.id(), rb.next(), why, linked);
    }

    @Override
    Function<ActorRef<NodeAgent.StepResult>, NodeAgent.StepMutation> undoStep(PendingUndo undo, String shard) {
        return undo.fromMode() == Mode.SYNC && undo.restoreDelaySeconds() != null
                ? r -> new NodeAgent.EnsureLink(pair.production().shard(shard).primary(), undo.restoreDelaySeconds(), r)
                : NodeAgent.StopLink::new;
    }
}
