package io.drsp.controller;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A cluster pair as the journal knows it: the mode of each site, the delay, the runbook in progress, which DR shards
 * drsp has linked, and the last failure. Rebuilt from events at start; the agents' live view is in the status.
 */
public record PairState(Mode drMode, Mode productionMode, Integer delaySeconds, Runbook runbook,
                        Map<String, Integer> linkedShards, String lastError, long lastChangeMillis) implements ControllerJson {

    public PairState {
        linkedShards = Map.copyOf(linkedShards == null ? Map.of() : linkedShards);
    }

    public static PairState initial() {
        return new PairState(Mode.IDLE, Mode.SERVICE, null, null, Map.of(), null, 0);
    }

    public boolean runbookInProgress() {
        return runbook != null;
    }

    PairState apply(PairEvent event) {
        if (event instanceof PairEvent.SyncRequested e) {
            return withRunbook(new Runbook(e.runbookId(), Operation.SYNC, e.delaySeconds(), e.steps(), 0, e.fromMode(),
                    e.atMillis()), null, e.atMillis());
        }
        if (event instanceof PairEvent.StopSyncRequested e) {
            return withRunbook(new Runbook(e.runbookId(), Operation.STOPSYNC, delaySeconds == null ? 0 : delaySeconds,
                    e.steps(), 0, e.fromMode(), e.atMillis()), null, e.atMillis());
        }
        if (event instanceof PairEvent.StepStarted) {
            return this;
        }
        if (event instanceof PairEvent.PreflightPassed) {
            return withRunbook(runbook.advanced(), lastError, lastChangeMillis);
        }
        if (event instanceof PairEvent.ShardLinkConfigured e) {
            Map<String, Integer> linked = new TreeMap<>(linkedShards);
            linked.put(e.shard(), e.delaySeconds());
            return new PairState(drMode, productionMode, delaySeconds, runbook.advanced(), linked, lastError, lastChangeMillis);
        }
        if (event instanceof PairEvent.ShardLinkStopped e) {
            Map<String, Integer> linked = new TreeMap<>(linkedShards);
            linked.remove(e.shard());
            return new PairState(drMode, productionMode, delaySeconds, runbook.advanced(), linked, lastError, lastChangeMillis);
        }
        if (event instanceof PairEvent.SyncStarted e) {
            return new PairState(Mode.SYNC, productionMode, e.delaySeconds(), null, linkedShards, null, lastChangeMillis);
        }
        if (event instanceof PairEvent.SyncStopped) {
            return new PairState(Mode.STOPPED, productionMode, delaySeconds, null, linkedShards, null, lastChangeMillis);
        }
        if (event instanceof PairEvent.RunbookFailed e) {
            Map<String, Integer> linked = new TreeMap<>(linkedShards);
            e.rolledBack().forEach(linked::remove);
            return new PairState(drMode, productionMode, delaySeconds, null, linked, e.reason(), lastChangeMillis);
        }
        throw new IllegalArgumentException("unknown event " + event.getClass().getName());
    }

    private PairState withRunbook(Runbook rb, String error, long at) {
        return new PairState(drMode, productionMode, delaySeconds, rb, linkedShards, error, at);
    }

    /** Shards linked by the given runbook's own steps so far, in step order. */
    List<String> shardsLinkedBy(Runbook rb) {
        return rb.steps().subList(0, rb.next()).stream().filter(s -> s.kind() == RunbookStep.Kind.ENSURE_LINK)
                .map(RunbookStep::shard).toList();
    }
}
