package io.drsp.controller;

import io.drsp.agent.NodeAgent;
import io.drsp.controller.PairProtocol.Reply;
import io.drsp.core.config.Site;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/** {@code service}: the snapshot point first (from RECOVERED), then every DR shard writable, then start_dbproxy. */
final class ServiceOperation extends RunbookDefinition {
    ServiceOperation(Context context) {
        super(context);
    }

    @Override
    Operation operation() {
        return Operation.SERVICE;
    }

    @Override
    Optional<Admission.Refusal> admit(PairState state, Request request) {
        return Admission.of(cluster, state).noUndoPending().drMode(operation())
                .unless(state.rollback() != null, Reply.Why.WRONG_MODE, () -> "switchback " + state.rollback().runbookId()
                        + " has rolled production cluster " + cluster + " back; DR must not serve again beside it: finish with"
                        + " switchback " + cluster + ".")
                .unless(state.drill() != null, Reply.Why.WRONG_MODE, () -> "the flashback of cluster " + cluster
                        + "'s drill has begun (" + state.drill().transactions() + " transactions archived); finish it with"
                        + " flashback before serving again.")
                .refusal();
    }

    @Override
    List<RunbookStep> steps(PairState state, Request request) {
        List<RunbookStep> s = new ArrayList<>();
        if (state.drMode() == Mode.RECOVERED) {
            s.add(new RunbookStep(RunbookStep.Kind.SNAPSHOT, "")); // resuming a stopped service keeps its snapshot
        }
        s.addAll(perShard(RunbookStep.Kind.OPEN_SHARD, Site.DR));
        s.add(new RunbookStep(RunbookStep.Kind.START_DBPROXY, ""));
        return s;
    }

    @Override
    PairEvent.RunbookRequested requested(String id, Request request, List<RunbookStep> steps, PairState state, long atMillis) {
        return new PairEvent.ServiceRequested(id, steps, state.drMode(), atMillis, Site.DR);
    }

    @Override
    List<PairEvent> completion(Runbook rb) {
        return List.of(new PairEvent.ServiceStarted(rb.id()));
    }

    @Override
    String doneMessage(Runbook rb, PairState state) {
        return "DR cluster " + cluster + " is in service" + (state.currentSnapshot() == null ? ""
                : "; snapshot point " + state.currentSnapshot().id()) + ".";
    }

    /** The shards it opened are made read-only again: a cluster that did not enter service takes no writes. */
    @Override
    PairEvent.RunbookFailed failure(PairState state, Runbook rb, String reason) {
        List<String> opened = state.stepsDoneBy(rb, RunbookStep.Kind.OPEN_SHARD);
        return new PairEvent.RunbookFailed(rb.id(), rb.next(), reason + (opened.isEmpty() ? ""
                : " (shards " + String.join(", ", opened) + " were made read-only again)"), opened);
    }

    @Override
    Function<ActorRef<NodeAgent.StepResult>, NodeAgent.StepMutation> undoStep(PendingUndo undo, String shard) {
        return r -> new NodeAgent.SetReadOnly(true, r);
    }
}
