package io.drsp.controller;

import io.drsp.controller.PairProtocol.Reply;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** {@code flashback}: end a drill's service by undoing what it wrote since the snapshot point, on every shard. */
final class FlashbackOperation extends RunbookDefinition {
    FlashbackOperation(Context context) {
        super(context);
    }

    @Override
    Operation operation() {
        return Operation.FLASHBACK;
    }

    @Override
    Optional<Admission.Refusal> admit(PairState state, Request request) {
        return Admission.of(cluster, state).noUndoPending().drMode(operation())
                .unless(state.currentSnapshot() == null, Reply.Why.BAD_INPUT, () -> noSnapshot(cluster)).refusal();
    }

    static String noSnapshot(String cluster) {
        return "cluster " + cluster + " has no snapshot point to return to (service records one); restore it from a backup instead.";
    }

    @Override
    List<RunbookStep> steps(PairState state, Request request) {
        List<RunbookStep> s = new ArrayList<>();
        s.add(new RunbookStep(RunbookStep.Kind.DRILL_PREFLIGHT, ""));
        if (state.drill() == null || !state.drill().snapshotId().equals(state.currentSnapshot().id())) {
            // Archived once per drill: after a partial flashback the shards hold undo transactions too, which must
            // never be taken for drill transactions.
            s.add(new RunbookStep(RunbookStep.Kind.ARCHIVE_DRILL, ""));
        }
        s.add(new RunbookStep(RunbookStep.Kind.FLASHBACK, ""));
        s.add(new RunbookStep(RunbookStep.Kind.REPLICA_CATCH_UP, ""));
        return s;
    }

    @Override
    PairEvent.RunbookRequested requested(String id, Request request, List<RunbookStep> steps, PairState state, long atMillis) {
        return new PairEvent.FlashbackRequested(id, steps, state.drMode(), atMillis);
    }

    @Override
    List<PairEvent> completion(Runbook rb) {
        return List.of(new PairEvent.FlashbackCompleted(rb.id()));
    }

    @Override
    String doneMessage(Runbook rb, PairState s) {
        return "DR cluster " + cluster + " undid its drill (" + (s.drill() == null ? 0 : s.drill().transactions())
                + " transactions, " + (s.drill() == null ? 0 : s.drill().rows()) + " row changes, archived under "
                + (s.drill() == null || s.drill().shards().isEmpty() ? "var/archive" : Path.of(s.drill().shards().values()
                .iterator().next().archiveDir()).getParent()) + ") and every local replica replayed it; run purge next.";
    }

    /** The checks of the real run, and the archive written as a dry run: what would be undone, shard by shard. */
    @Override
    CompletableFuture<Reply> dryRun(PairState state, Request request) {
        SnapshotPoint snap = state.currentSnapshot();
        return steps.drill().preflight("dry-run", snap).thenCombine(steps.drill().archive(snap, true), (pre, archive) -> {
            StringBuilder b = new StringBuilder("dry run, nothing was changed. ");
            if (pre instanceof StepOutcome.Failed f) {
                b.append(f.reason()).append(' ');
            }
            if (archive.archive() == null) {
                b.append(String.join(" ", archive.refusals()));
            } else {
                b.append("flashback to snapshot point ").append(snap.id()).append(" would undo ")
                        .append(archive.archive().transactions()).append(" transactions, ").append(archive.archive().rows())
                        .append(" row changes:");
                archive.archive().shards().forEach((shard, a) -> b.append("\n  ").append(shard).append(": ").append(a.transactions())
                        .append(" transactions, ").append(a.rows()).append(" rows; forward and reverse SQL in ").append(a.archiveDir()));
            }
            return (Reply) (pre instanceof StepOutcome.Ok && archive.archive() != null
                    ? new Reply.Done(b.toString(), state, null) : new Reply.Refused(Reply.Why.FAILED, b.toString().trim()));
        }).exceptionally(e -> new Reply.Refused(Reply.Why.FAILED, String.valueOf(e.getMessage())));
    }
}
