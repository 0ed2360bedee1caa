package io.drsp.controller;

import io.drsp.core.config.Site;
import java.util.List;
import java.util.Optional;

/** {@code stopsync}: stop both threads of every link, keeping the relay log and the target. */
final class StopSyncOperation extends RunbookDefinition {
    StopSyncOperation(Context context) {
        super(context);
    }

    @Override
    Operation operation() {
        return Operation.STOPSYNC;
    }

    @Override
    List<RunbookStep> steps(PairState state, Request request) {
        return perShard(RunbookStep.Kind.STOP_LINK, Site.DR);
    }

    @Override
    PairEvent.RunbookRequested requested(String id, Request request, List<RunbookStep> steps, PairState state, long atMillis) {
        return new PairEvent.StopSyncRequested(id, steps, state.drMode(), atMillis);
    }

    @Override
    List<PairEvent> completion(Runbook rb) {
        return List.of(new PairEvent.SyncStopped(rb.id()));
    }

    @Override
    String doneMessage(Runbook rb, PairState state) {
        return "DR cluster " + cluster + " stopped syncing; relay logs are kept.";
    }
}
