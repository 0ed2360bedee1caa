package io.drsp.controller;

import io.drsp.controller.PairProtocol.Reply;
import io.drsp.controller.recovery.RecoveryPoint;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** The whole switchback (DESIGN §6), from wherever both sites stand on its path. */
final class SwitchbackOperation extends SwitchbackPathOperation {
    SwitchbackOperation(Context context) {
        super(context);
    }

    @Override
    Operation operation() {
        return Operation.SWITCHBACK;
    }

    /** The delay DR follows production with at the end: the one given, else the cluster's; -1 when there is none. */
    static int delayOf(PairState state, Request request) {
        return request.delaySeconds() != null ? request.delaySeconds() : state.delaySeconds() != null ? state.delaySeconds() : -1;
    }

    /** With no delay to end on, say so first, even while a runbook runs (a later command would be refused for it). */
    @Override
    Optional<Admission.Refusal> validate(PairState state, Request request) {
        return super.validate(state, request).or(() -> state.runbookInProgress() && delayOf(state, request) < 0
                ? Optional.of(noDelay()) : Optional.empty());
    }

    private Admission.Refusal noDelay() {
        return new Admission.Refusal(Reply.Why.BAD_INPUT, "cluster " + cluster + " has no delay to resume sync with; give one"
                + " with --delay SECONDS.");
    }

    @Override
    Optional<Admission.Refusal> admit(PairState state, Request request) {
        return super.admit(state, request).or(() -> delayOf(state, request) < 0 ? Optional.of(noDelay()) : Optional.empty());
    }

    @Override
    Admission.Refusal pathRefusal(PairState state) {
        Admission.Refusal common = super.pathRefusal(state);
        if (common == null && state.productionMode() == ProductionMode.SERVICE && state.rollback() != null
                && state.drMode() != Mode.SERVICE_STOPPED) {
            return new Admission.Refusal(Reply.Why.WRONG_MODE, "production cluster " + cluster + " serves again after "
                    + state.rollback().runbookId() + ", and DR is in mode " + state.drMode() + "; stop DR's service (stopservice "
                    + cluster + ") before switchback makes it follow production.");
        }
        return common;
    }

    @Override
    List<RunbookStep> steps(PairState state, Request request) {
        return SwitchbackRunbook.steps(productionShards(), state.productionMode(), state.drMode(), state.rollback() != null);
    }

    @Override
    PairEvent.RunbookRequested requested(String id, Request request, List<RunbookStep> steps, PairState state, long atMillis) {
        return new PairEvent.SwitchbackRequested(id, delayOf(state, request), steps, state.drMode(), atMillis);
    }

    @Override
    List<PairEvent> completion(Runbook rb) {
        return List.of(new PairEvent.SyncStarted(rb.id(), rb.delaySeconds()));
    }

    @Override
    String doneMessage(Runbook rb, PairState s) {
        return "switchback of cluster " + cluster + " is done: production serves (its start_dbproxy hook ran) and DR follows it"
                + " with delay " + rb.delaySeconds() + " s; what production had written after the recovery point is archived"
                + " under " + archiveOf(s) + ".";
    }

    /** Every step it would run from where both sites stand, and laststamp's plan when it would begin there. */
    @Override
    CompletableFuture<Reply> dryRun(PairState state, Request request) {
        List<RunbookStep> plan = steps(state, request);
        StringBuilder b = new StringBuilder("dry run, nothing was changed. switchback of cluster " + cluster + " from production "
                + state.productionMode() + " and DR " + state.drMode() + " would run " + plan.size() + " steps, ending with DR"
                + " following production with delay " + delayOf(state, request) + " s:");
        for (int i = 0; i < plan.size(); i++) {
            b.append("\n  ").append(i + 1).append(". ").append(plan.get(i).describe());
        }
        RecoveryPoint point = state.recoveryPoint();
        if (state.rollback() != null || plan.get(0).kind() != RunbookStep.Kind.SWITCHBACK_PREFLIGHT) {
            return CompletableFuture.completedFuture(new Reply.Done(b.toString(), state, null));
        }
        return dryRunAnswer(steps.switchback().preflight("dry-run", point, false).thenCombine(steps.switchback().planLaststamp(point),
                (pre, r) -> pre instanceof StepOutcome.Failed f ? new Reply.Refused(Reply.Why.FAILED, "dry run, " + f.reason())
                        : new Reply.Done(b + "\nlaststamp would roll production back to the recovery point (" + point.target()
                        + "), undoing " + r.plan().transactions() + " transactions, " + r.plan().rows() + " row changes.", state,
                        null, r.plan())), "dry run, nothing was changed: ");
    }
}
