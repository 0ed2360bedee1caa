package io.drsp.controller;

import java.util.List;

/**
 * What a failed runbook changed and drsp must still take back, shard by shard: links a sync started (stopped again), a
 * delay a sync changed in place (set back to {@code restoreDelaySeconds}), shards a service opened (read-only again)
 * or a stopservice closed (writable again). Journaled with the failure, so a controller that dies before the undo is
 * done finishes it after restart.
 */
public record PendingUndo(String runbookId, Operation operation, Mode fromMode, Integer restoreDelaySeconds, List<String> shards) {
    public PendingUndo {
        shards = List.copyOf(shards);
    }

    PendingUndo without(String shard) {
        return new PendingUndo(runbookId, operation, fromMode, restoreDelaySeconds,
                shards.stream().filter(s -> !s.equals(shard)).toList());
    }
}
