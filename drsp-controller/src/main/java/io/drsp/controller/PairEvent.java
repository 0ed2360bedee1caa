package io.drsp.controller;

import java.util.List;

/**
 * What happened to a cluster pair, in a DBA's words. Stored as JSON with the class name as manifest, so each record
 * is an explicit, versionable journal entry; add fields only with defaults, never rename.
 */
public sealed interface PairEvent extends ControllerJson {

    /** Every event belongs to the runbook that caused it. */
    String runbookId();

    record SyncRequested(String runbookId, int delaySeconds, List<RunbookStep> steps, Mode fromMode, long atMillis)
            implements PairEvent {
    }

    record StopSyncRequested(String runbookId, List<RunbookStep> steps, Mode fromMode, long atMillis) implements PairEvent {
    }

    /** Persisted before a step runs: after a crash the journal says what may have half-happened. */
    record StepStarted(String runbookId, int step, String description) implements PairEvent {
    }

    record PreflightPassed(String runbookId) implements PairEvent {
    }

    record ShardLinkConfigured(String runbookId, String shard, int delaySeconds, String detail) implements PairEvent {
    }

    record ShardLinkStopped(String runbookId, String shard) implements PairEvent {
    }

    record SyncStarted(String runbookId, int delaySeconds) implements PairEvent {
    }

    record SyncStopped(String runbookId) implements PairEvent {
    }

    /**
     * The runbook gave up at a step; the DR mode stays what it was before the runbook, and the links this runbook
     * had started from a stopped mode are stopped again ({@code rolledBack}) so that the mode is physically true.
     */
    record RunbookFailed(String runbookId, int step, String reason, List<String> rolledBack) implements PairEvent {
    }
}
