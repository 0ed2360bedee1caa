package io.drsp.controller;

import io.drsp.controller.PairProtocol.Reply;
import io.drsp.core.config.Site;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What laststamp and the whole switchback share (DESIGN §6): both sites' modes and a recovery point with its
 * snapshot admit them, each phase's last step moves a site's mode on, and a failure takes back only a fence.
 */
abstract class SwitchbackPathOperation extends RunbookDefinition {
    SwitchbackPathOperation(Context context) {
        super(context);
    }

    @Override
    Optional<Admission.Refusal> admit(PairState state, Request request) {
        return Admission.of(cluster, state).noUndoPending().drMode(operation()).productionMode(operation(), false)
                .require(() -> pathRefusal(state)).refusal();
    }

    /** What switchback needs beyond both sites' modes: a point to roll back to, and the checksums of its snapshot. */
    Admission.Refusal pathRefusal(PairState state) {
        if (state.recoveryPoint() == null) {
            return new Admission.Refusal(Reply.Why.WRONG_MODE, noPoint());
        }
        if (state.currentSnapshot() == null) {
            return new Admission.Refusal(Reply.Why.WRONG_MODE, "DR cluster " + cluster + " has no snapshot point (service records"
                    + " one), so a rolled-back production could not be checked against it; " + operation().command()
                    + " needs DR to have entered service with drsp.");
        }
        return null;
    }

    String noPoint() {
        return "DR cluster " + cluster + " has no recovery point to roll production back to; it must have been"
                + " recovered before it served.";
    }

    @Override
    List<PairEvent> afterStep(Runbook rb) {
        return SwitchbackRunbook.modesAfter(rb.id(), rb.steps(), rb.next()).<List<PairEvent>>map(List::of).orElse(List.of());
    }

    /**
     * A failure while fencing a site takes that fence back, as a failed stopservice does: production keeps serving,
     * or DR keeps serving while production keeps catching up. Anywhere else nothing is taken back: each site stays in
     * the mode its last finished phase left, and running the command again continues from there.
     */
    @Override
    PairEvent.RunbookFailed failure(PairState state, Runbook rb, String reason) {
        RunbookStep failed = rb.current();
        boolean fencing = failed.kind() == RunbookStep.Kind.REACHABLE || failed.kind() == RunbookStep.Kind.STOP_DBPROXY
                || failed.kind() == RunbookStep.Kind.CLOSE_SHARD;
        List<String> closed = fencing ? state.stepsDoneBy(rb, RunbookStep.Kind.CLOSE_SHARD, failed.site()) : List.of();
        boolean proxyStopped = fencing && !state.stepsDoneBy(rb, RunbookStep.Kind.STOP_DBPROXY, failed.site()).isEmpty();
        List<String> rollback = new ArrayList<>(closed);
        if (proxyStopped) {
            rollback.add(PendingUndo.PROXY);
        }
        String site = failed.site() == Site.DR ? "DR" : "production";
        String undone = rollback.isEmpty() ? "" : " (" + site + "'s fence was taken back: " + (closed.isEmpty() ? ""
                : "shards " + String.join(", ", closed) + " were made writable again")
                + (proxyStopped ? (closed.isEmpty() ? "" : " and ") + "its start_dbproxy hook ran again" : "") + ")";
        String why = reason + undone + "; production cluster " + cluster + " stays " + state.productionMode() + ", DR stays "
                + state.drMode() + "; run " + operation().command() + " " + cluster + " again to continue from there.";
        return new PairEvent.RunbookFailed(rb.id(), rb.next(), why, rollback, Operation.STOPSERVICE, failed.site());
    }

    /** The archive directory of the last rollback, as the journal holds it. */
    static String archiveOf(PairState s) {
        return s.lastRollbackArchive() == null ? "var/archive" : s.lastRollbackArchive();
    }
}
