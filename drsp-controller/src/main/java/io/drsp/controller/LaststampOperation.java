package io.drsp.controller;

import io.drsp.controller.PairProtocol.Reply;
import io.drsp.controller.recovery.RecoveryPoint;
import io.drsp.core.config.Site;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@code laststamp}: switchback steps 2 and 3 on their own, rolling a fenced production back to the DR cluster's
 * recovery point, archiving first; its dry run plans per production shard from production's binary logs.
 */
final class LaststampOperation extends SwitchbackPathOperation {
    LaststampOperation(Context context) {
        super(context);
    }

    @Override
    Operation operation() {
        return Operation.LASTSTAMP;
    }

    @Override
    Site site() {
        return Site.PRODUCTION;
    }

    @Override
    String runbookId(String suffix) {
        return operation().command() + "-" + suffix;
    }

    @Override
    Optional<Admission.Refusal> validate(PairState state, Request request) {
        RecoveryPoint point = state.recoveryPoint();
        if (request.timeMicros() != null && point != null && !request.timeMicros().equals(point.clusterTimeMicros())) {
            return Optional.of(new Admission.Refusal(Reply.Why.BAD_INPUT, "laststamp rolls production back only to the DR"
                    + " cluster's recovery point" + (point.clusterTimeMicros() == null ? " (" + point.target() + ")"
                    : ", production time " + Instant.ofEpochSecond(0, point.clusterTimeMicros() * 1000).atZone(zone) + " ("
                    + point.target() + ")") + ", not to " + request.timeAsTyped() + ": other times are not supported yet;"
                    + " leave --time out."));
        }
        return super.validate(state, request);
    }

    /** The plan may be read while production still serves, so a DBA sees what would be reversed before fencing. */
    @Override
    Optional<Admission.Refusal> admitDryRun(PairState state, Request request) {
        return Admission.of(cluster, state).notBusy().drMode(operation()).productionMode(operation(), true)
                .unless(state.recoveryPoint() == null, Reply.Why.WRONG_MODE, this::noPoint)
                .unless(state.rollback() != null, Reply.Why.WRONG_MODE, () -> "production cluster " + cluster
                        + "'s rollback has begun (" + state.rollback().transactions() + " transactions archived by "
                        + state.rollback().runbookId() + "); its plan is that archive, and switchback " + cluster + " finishes it.")
                .refusal();
    }

    @Override
    CompletableFuture<Reply> dryRun(PairState state, Request request) {
        RecoveryPoint point = state.recoveryPoint();
        return dryRunAnswer(steps.switchback().planLaststamp(point).thenApply(r -> r.plan() == null
                ? new Reply.Refused(Reply.Why.FAILED, "dry run, nothing was changed; laststamp would be refused: "
                        + String.join(" ", r.refusals()))
                : new Reply.Done("laststamp would roll production cluster " + cluster + " back to the recovery point ("
                        + point.target() + "), undoing " + r.plan().transactions() + " transactions, " + r.plan().rows()
                        + " row changes.", state, null, r.plan())), "dry run, nothing was changed: ");
    }

    @Override
    List<RunbookStep> steps(PairState state, Request request) {
        List<RunbookStep> l = new ArrayList<>(List.of(new RunbookStep(RunbookStep.Kind.SWITCHBACK_PREFLIGHT, "", Site.DR)));
        l.addAll(SwitchbackRunbook.laststamp(productionShards(), state.rollback() != null));
        return l;
    }

    @Override
    PairEvent.RunbookRequested requested(String id, Request request, List<RunbookStep> steps, PairState state, long atMillis) {
        return new PairEvent.LaststampRequested(id, steps, state.drMode(), atMillis);
    }

    @Override
    List<PairEvent> completion(Runbook rb) {
        return List.of(new PairEvent.RunbookCompleted(rb.id()));
    }

    @Override
    String doneMessage(Runbook rb, PairState s) {
        return "production cluster " + cluster + " is rolled back to the recovery point (" + s.recoveryPoint().target()
                + "): " + (s.rollback() == null ? 0 : s.rollback().transactions()) + " transactions flashed back, archived under "
                + archiveOf(s) + "; every member is purged to the point. Run switchback " + cluster + " to continue.";
    }
}
