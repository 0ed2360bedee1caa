package io.drsp.controller;

import io.drsp.agent.NodeKey;
import io.drsp.controller.PairProtocol.Reply;
import io.drsp.core.config.Site;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** {@code purge}: after a flashback, give every DR member exactly the snapshot point's GTID set again. */
final class PurgeOperation extends RunbookDefinition {
    PurgeOperation(Context context) {
        super(context);
    }

    @Override
    Operation operation() {
        return Operation.PURGE;
    }

    @Override
    Optional<Admission.Refusal> admit(PairState state, Request request) {
        return Admission.of(cluster, state).noUndoPending().drMode(operation())
                .unless(state.currentSnapshot() == null, Reply.Why.BAD_INPUT, () -> FlashbackOperation.noSnapshot(cluster)).refusal();
    }

    @Override
    List<RunbookStep> steps(PairState state, Request request) {
        List<RunbookStep> s = new ArrayList<>();
        s.add(new RunbookStep(RunbookStep.Kind.PURGE_PREFLIGHT, ""));
        s.addAll(perShard(RunbookStep.Kind.PURGE_SHARD, Site.DR));
        s.add(new RunbookStep(RunbookStep.Kind.VERIFY_SNAPSHOT, ""));
        return s;
    }

    @Override
    PairEvent.RunbookRequested requested(String id, Request request, List<RunbookStep> steps, PairState state, long atMillis) {
        return new PairEvent.PurgeRequested(id, steps, state.drMode(), atMillis);
    }

    /** The last step restores the snapshot point, which ends it. */
    @Override
    List<PairEvent> completion(Runbook rb) {
        return List.of();
    }

    @Override
    String doneMessage(Runbook rb, PairState state) {
        return "DR cluster " + cluster + " is back at snapshot point " + state.currentSnapshot().id() + " on every member; run sync to resume.";
    }

    @Override
    CompletableFuture<Reply> dryRun(PairState state, Request request) {
        SnapshotPoint snap = state.currentSnapshot();
        return steps.drill().purgePreflight("dry-run", snap).thenApply(pre -> {
            if (pre instanceof StepOutcome.Failed f) {
                return (Reply) new Reply.Refused(Reply.Why.FAILED, "dry run: " + f.reason());
            }
            StringBuilder b = new StringBuilder("dry run, nothing was changed. purge would give every member of each shard"
                    + " exactly its snapshot point " + snap.id() + ":");
            for (String shard : pair.dr().shards().keySet()) {
                b.append("\n  ").append(shard).append(": ")
                        .append(DrillSteps.snapshotOf(snap, NodeKey.primary(cluster, Site.DR, shard)).toCompactString());
            }
            return new Reply.Done(b.toString(), state, null);
        }).exceptionally(e -> new Reply.Refused(Reply.Why.FAILED, String.valueOf(e.getMessage())));
    }
}
