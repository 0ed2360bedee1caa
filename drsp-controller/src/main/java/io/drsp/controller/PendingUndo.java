package io.drsp.controller;

import io.drsp.core.config.Site;
import java.util.List;

/**
 * What a failed runbook changed and drsp must still take back, shard by shard: links a sync started (stopped again), a
 * delay a sync changed in place (set back to {@code restoreDelaySeconds}), shards a service opened (read-only again)
 * or a stopservice closed (writable again), on the runbook's {@code site} (DR when journaled before sites were).
 * Journaled with the failure, so a controller that dies before the undo is done finishes it after restart.
 */
public record PendingUndo(String runbookId, Operation operation, Mode fromMode, Integer restoreDelaySeconds, List<String> shards,
                          Site site) {
    public PendingUndo {
        shards = List.copyOf(shards);
        site = site == null ? Site.DR : site;
    }

    public PendingUndo(String runbookId, Operation operation, Mode fromMode, Integer restoreDelaySeconds, List<String> shards) {
        this(runbookId, operation, fromMode, restoreDelaySeconds, shards, Site.DR);
    }

    /**
     * The entry of {@code shards} that stands for the site's proxy, started again by its start_dbproxy hook (a failed
     * fence leaves production serving). Journaled as "" since the first release, so it stays that on the wire.
     */
    static final String PROXY = "";

    static boolean isProxy(String entry) {
        return PROXY.equals(entry);
    }

    /** What is left to take back, as a DBA reads it: shard names, and "its proxy". */
    String describeTargets() {
        return shards.stream().map(sh -> isProxy(sh) ? "its proxy" : sh).collect(java.util.stream.Collectors.joining(", "));
    }

    PendingUndo without(String shard) {
        return new PendingUndo(runbookId, operation, fromMode, restoreDelaySeconds,
                shards.stream().filter(s -> !s.equals(shard)).toList(), site);
    }
}
