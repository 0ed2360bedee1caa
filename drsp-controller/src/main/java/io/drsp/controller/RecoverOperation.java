package io.drsp.controller;

import io.drsp.controller.PairProtocol.Reply;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** {@code recover}: replay every shard to its planned cut of the target, complete XA, record the recovery point. */
final class RecoverOperation extends RunbookDefinition {
    RecoverOperation(Context context) {
        super(context);
    }

    @Override
    Operation operation() {
        return Operation.RECOVER;
    }

    @Override
    Optional<Admission.Refusal> admit(PairState state, Request request) {
        return Admission.of(cluster, state).noUndoPending().drMode(operation())
                .unless(state.target() == null, Reply.Why.BAD_INPUT, () -> "no recovery target is set for cluster " + cluster
                        + "; run relaytime first (a time, --all, or --gtid).")
                .refusal();
    }

    /** Planning reads relay indexes only, so it may look while a runbook (the recovery itself) runs. */
    @Override
    Optional<Admission.Refusal> admitDryRun(PairState state, Request request) {
        return admit(state, request);
    }

    @Override
    CompletableFuture<Reply> dryRun(PairState state, Request request) {
        return steps.plan(state.target(), state.applyRates()).<Reply>thenApply(result -> result.refusal()
                        .<Reply>map(r -> new Reply.Refused(Reply.Why.BAD_INPUT, r))
                        .orElseGet(() -> new Reply.Done("dry run: nothing was changed.", state, result.plan().orElseThrow())))
                .exceptionally(e -> new Reply.Refused(Reply.Why.FAILED, String.valueOf(e.getMessage())));
    }

    @Override
    List<RunbookStep> steps(PairState state, Request request) {
        return List.of(new RunbookStep(RunbookStep.Kind.PLAN_RECOVERY, ""), new RunbookStep(RunbookStep.Kind.REPLAY, ""),
                new RunbookStep(RunbookStep.Kind.COMPLETE_XA, ""), new RunbookStep(RunbookStep.Kind.RECORD_RECOVERY_POINT, ""));
    }

    @Override
    PairEvent.RunbookRequested requested(String id, Request request, List<RunbookStep> steps, PairState state, long atMillis) {
        return new PairEvent.RecoverRequested(id, steps, state.drMode(), atMillis);
    }

    /** The last step records the recovery point, which ends it. */
    @Override
    List<PairEvent> completion(Runbook rb) {
        return List.of();
    }

    @Override
    String doneMessage(Runbook rb, PairState state) {
        return "DR cluster " + cluster + " recovered to " + state.recoveryPoint().target() + ".";
    }
}
