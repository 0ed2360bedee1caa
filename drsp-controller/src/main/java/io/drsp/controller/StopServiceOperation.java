package io.drsp.controller;

import io.drsp.agent.NodeAgent;
import io.drsp.controller.PairProtocol.Reply;
import io.drsp.core.config.Site;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * DR's {@code stopservice [--resolve-prepared]}: stop_dbproxy, optionally decide the prepared XA branches, then every
 * shard read-only once its open transactions end.
 */
final class StopServiceOperation extends RunbookDefinition {
    StopServiceOperation(Context context) {
        super(context);
    }

    @Override
    Operation operation() {
        return Operation.STOPSERVICE;
    }

    @Override
    List<RunbookStep> steps(PairState state, Request request) {
        List<RunbookStep> s = new ArrayList<>();
        s.add(new RunbookStep(RunbookStep.Kind.STOP_DBPROXY, ""));
        if (request.resolvePrepared()) {
            s.add(new RunbookStep(RunbookStep.Kind.RESOLVE_PREPARED, ""));
        }
        s.addAll(perShard(RunbookStep.Kind.CLOSE_SHARD, Site.DR));
        return s;
    }

    @Override
    PairEvent.RunbookRequested requested(String id, Request request, List<RunbookStep> steps, PairState state, long atMillis) {
        return new PairEvent.StopServiceRequested(id, steps, state.drMode(), atMillis, Site.DR);
    }

    @Override
    List<PairEvent> completion(Runbook rb) {
        return List.of(new PairEvent.ServiceStopped(rb.id()));
    }

    @Override
    String doneMessage(Runbook rb, PairState state) {
        return "DR cluster " + cluster + " stopped serving and is read-only.";
    }

    /** The cluster stays in service, so every shard it closed is made writable again. */
    @Override
    PairEvent.RunbookFailed failure(PairState state, Runbook rb, String reason) {
        List<String> closed = state.stepsDoneBy(rb, RunbookStep.Kind.CLOSE_SHARD);
        return new PairEvent.RunbookFailed(rb.id(), rb.next(), reason + (closed.isEmpty() ? "" : " (shards " + String.join(", ", closed)
                + " were made writable again: DR cluster " + cluster + " stays in service)"), closed);
    }

    @Override
    Function<ActorRef<NodeAgent.StepResult>, NodeAgent.StepMutation> undoStep(PendingUndo undo, String shard) {
        return r -> new NodeAgent.SetReadOnly(false, r);
    }

    /** What --resolve-prepared would decide, branch by branch. */
    @Override
    CompletableFuture<Reply> dryRun(PairState state, Request request) {
        return steps.decidePrepared(state.currentSnapshot()).<Reply>thenApply(plan -> new Reply.Done(plan.lines().isEmpty()
                        ? "dry run, nothing was changed: no XA branch is prepared on a DR shard."
                        : "dry run, nothing was changed. stopservice --resolve-prepared would resolve " + plan.lines().size()
                        + " prepared XA branches:\n  " + String.join("\n  ", plan.lines()), state, null))
                .exceptionally(e -> new Reply.Refused(Reply.Why.FAILED, "dry run: " + (e.getCause() != null
                        ? e.getCause().getMessage() : e.getMessage())));
    }
}
