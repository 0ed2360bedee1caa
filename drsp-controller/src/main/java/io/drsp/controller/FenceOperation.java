package io.drsp.controller;

import io.drsp.agent.NodeAgent;
import io.drsp.agent.NodeInspection;
import io.drsp.controller.PairProtocol.Reply;
import io.drsp.core.config.Site;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * {@code stopservice --site production}: fence production (switchback step 1) with the steps DR leaves service by,
 * after a check that every production primary answers, so no hook runs and no shard changes when one cannot be reached.
 */
final class FenceOperation extends RunbookDefinition {
    FenceOperation(Context context) {
        super(context);
    }

    @Override
    Operation operation() {
        return Operation.STOPSERVICE;
    }

    @Override
    Site site() {
        return Site.PRODUCTION;
    }

    /** DR decides its in-doubt branches from what production committed; production's are its live coordinator's. */
    @Override
    Optional<Admission.Refusal> validate(PairState state, Request request) {
        return request.resolvePrepared() ? Optional.of(new Admission.Refusal(Reply.Why.BAD_INPUT, "--resolve-prepared decides"
                + " the XA branches DR holds prepared; production's are its coordinator's to end (XA COMMIT or XA ROLLBACK),"
                + " and stopservice --site production names each one that stops it.")) : super.validate(state, request);
    }

    /** Fencing asks nothing of DR's mode: it is also how a real failover begins (see ModeRules). */
    @Override
    Optional<Admission.Refusal> admit(PairState state, Request request) {
        return Admission.of(cluster, state).noUndoPending().productionMode(operation(), false).refusal();
    }

    @Override
    List<RunbookStep> steps(PairState state, Request request) {
        List<RunbookStep> s = new ArrayList<>();
        s.add(new RunbookStep(RunbookStep.Kind.REACHABLE, "", Site.PRODUCTION));
        s.add(new RunbookStep(RunbookStep.Kind.STOP_DBPROXY, "", Site.PRODUCTION));
        s.addAll(perShard(RunbookStep.Kind.CLOSE_SHARD, Site.PRODUCTION));
        return s;
    }

    @Override
    PairEvent.RunbookRequested requested(String id, Request request, List<RunbookStep> steps, PairState state, long atMillis) {
        return new PairEvent.StopServiceRequested(id, steps, state.drMode(), atMillis, Site.PRODUCTION);
    }

    @Override
    List<PairEvent> completion(Runbook rb) {
        return List.of(new PairEvent.ProductionFenced(rb.id()));
    }

    @Override
    String doneMessage(Runbook rb, PairState state) {
        return "production cluster " + cluster + " is fenced: its stop_dbproxy hook ran and every shard primary is read-only"
                + " (super_read_only ON); 'drsp laststamp " + cluster + " --dry-run' shows what the switchback would roll back,"
                + " 'drsp service " + cluster + " --site production' gives production its applications back.";
    }

    /** A failed fence leaves production serving: its shards writable again, and its proxy started again. */
    @Override
    PairEvent.RunbookFailed failure(PairState state, Runbook rb, String reason) {
        List<String> closed = state.stepsDoneBy(rb, RunbookStep.Kind.CLOSE_SHARD);
        boolean proxyStopped = !state.stepsDoneBy(rb, RunbookStep.Kind.STOP_DBPROXY).isEmpty();
        List<String> rollback = new ArrayList<>(closed);
        if (proxyStopped) {
            rollback.add(PendingUndo.PROXY);
        }
        return new PairEvent.RunbookFailed(rb.id(), rb.next(), reason + " (" + (closed.isEmpty()
                ? "no production shard had been made read-only" : "production shards " + String.join(", ", closed)
                + " were made writable again") + (proxyStopped ? " and its start_dbproxy hook ran again after stop_dbproxy" : "")
                + ": production cluster " + cluster + " stays in service)", rollback);
    }

    @Override
    Function<ActorRef<NodeAgent.StepResult>, NodeAgent.StepMutation> undoStep(PendingUndo undo, String shard) {
        return r -> new NodeAgent.SetReadOnly(false, r);
    }

    /** What fencing would do, shard by shard, read from each primary now. */
    @Override
    CompletableFuture<Reply> dryRun(PairState state, Request request) {
        Map<String, CompletableFuture<NodeInspection>> looks = steps.inspectPrimaries(Site.PRODUCTION);
        return dryRunAnswer(CompletableFuture.allOf(looks.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<String> down = new ArrayList<>();
            StringBuilder b = new StringBuilder("dry run, nothing was changed. stopservice --site production would fence"
                    + " production cluster " + cluster + ":\n  run the production site's stop_dbproxy hook ("
                    + steps.hookScript(Site.PRODUCTION, "stop_dbproxy") + ")");
            looks.forEach((shard, f) -> {
                NodeInspection i = f.join();
                if (!i.reachable()) {
                    down.add("production shard " + shard + " (" + i.endpoint() + ") is unreachable: " + i.error());
                    return;
                }
                b.append("\n  ").append(shard).append(" (").append(i.endpoint()).append("): wait up to ")
                        .append(pair.service().drainTimeoutSeconds()).append(" s for open transactions to end, then super_read_only ON")
                        .append(i.superReadOnly() ? " (already ON)" : " (now OFF)");
                if (i.xaPrepared() != null && i.xaPrepared() > 0) {
                    b.append("; ").append(i.xaPrepared()).append(" XA branch(es) prepared now: left for laststamp to decide"
                            + " unless their coordinator ends them within the wait");
                }
            });
            return down.isEmpty() ? new Reply.Done(b.toString(), state, null)
                    : new Reply.Refused(Reply.Why.FAILED, "dry run, nothing was changed; stopservice --site production would"
                    + " be refused: " + String.join("; ", down) + ".");
        }), "dry run, nothing was changed: ");
    }
}
