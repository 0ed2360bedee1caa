package io.drsp.controller;

import io.drsp.controller.json.ControllerJson;
import io.drsp.controller.drill.DrillArchive;
import io.drsp.controller.drill.DrillPlan;
import io.drsp.controller.recovery.ApplyRates;
import io.drsp.controller.recovery.RecoveryPlan;
import io.drsp.controller.recovery.RecoveryPoint;
import io.drsp.controller.recovery.TargetSpec;
import io.drsp.controller.switchback.RollbackArchive;
import io.drsp.core.config.Site;
import java.util.List;
import java.util.Map;

/**
 * What happened to a cluster pair, in a DBA's words. Stored as JSON with the class name as manifest, so each record
 * is an explicit, versionable journal entry; add fields only with defaults, never rename.
 */
public sealed interface PairEvent extends ControllerJson {

    /** Every event belongs to the runbook (or single command) that caused it. */
    String runbookId();

    /** The start of a runbook: its steps, and the mode it started from. */
    sealed interface RunbookRequested extends PairEvent {
        Operation operation();

        List<RunbookStep> steps();

        Mode fromMode();

        long atMillis();

        default int delaySeconds() {
            return 0;
        }

        /** The site whose mode the runbook changes. */
        default Site site() {
            return Site.DR;
        }

        /** DR's mode while the runbook runs: the one it starts from, but for a recovery's. */
        default Mode drModeWhileRunning(Mode from) {
            return from;
        }

        /** Whether {@link #delaySeconds()} becomes the cluster's delay (else the runbook keeps the cluster's). */
        default boolean setsDelay() {
            return false;
        }
    }

    record SyncRequested(String runbookId, int delaySeconds, List<RunbookStep> steps, Mode fromMode, long atMillis)
            implements RunbookRequested {
        public Operation operation() {
            return Operation.SYNC;
        }

        @Override
        public boolean setsDelay() {
            return true;
        }
    }

    record StopSyncRequested(String runbookId, List<RunbookStep> steps, Mode fromMode, long atMillis) implements RunbookRequested {
        public Operation operation() {
            return Operation.STOPSYNC;
        }
    }

    record RecoverRequested(String runbookId, List<RunbookStep> steps, Mode fromMode, long atMillis) implements RunbookRequested {
        public Operation operation() {
            return Operation.RECOVER;
        }

        @Override
        public Mode drModeWhileRunning(Mode from) {
            return Mode.RECOVERING;
        }
    }

    /** {@code site}: production's service gives a fenced production its applications back; null (older entries) is DR. */
    record ServiceRequested(String runbookId, List<RunbookStep> steps, Mode fromMode, long atMillis, Site site)
            implements RunbookRequested {
        public ServiceRequested {
            site = site == null ? Site.DR : site;
        }

        public Operation operation() {
            return Operation.SERVICE;
        }
    }

    /** {@code site}: production's stopservice fences it (switchback step 1); null (older entries) is DR. */
    record StopServiceRequested(String runbookId, List<RunbookStep> steps, Mode fromMode, long atMillis, Site site)
            implements RunbookRequested {
        public StopServiceRequested {
            site = site == null ? Site.DR : site;
        }

        public Operation operation() {
            return Operation.STOPSERVICE;
        }
    }

    record FlashbackRequested(String runbookId, List<RunbookStep> steps, Mode fromMode, long atMillis) implements RunbookRequested {
        public Operation operation() {
            return Operation.FLASHBACK;
        }
    }

    record PurgeRequested(String runbookId, List<RunbookStep> steps, Mode fromMode, long atMillis) implements RunbookRequested {
        public Operation operation() {
            return Operation.PURGE;
        }
    }

    /** Persisted before a step runs: after a crash the journal says what may have half-happened. */
    record StepStarted(String runbookId, int step, String description) implements PairEvent {
    }

    record PreflightPassed(String runbookId) implements PairEvent {
    }

    /** Every shard primary of {@code site} answered: a fence or its undo may begin. */
    record PrimariesAnswered(String runbookId, Site site) implements PairEvent {
    }

    record ShardLinkConfigured(String runbookId, String shard, int delaySeconds, String detail) implements PairEvent {
    }

    record ShardLinkStopped(String runbookId, String shard) implements PairEvent {
    }

    record SyncStarted(String runbookId, int delaySeconds) implements PairEvent {
    }

    record SyncStopped(String runbookId) implements PairEvent {
    }

    /** {@code relaytime}: the target the next recover replays to, checked against the recoverable window. */
    record RecoveryTargetSet(String runbookId, TargetSpec target) implements PairEvent {
    }

    record RecoveryPlanned(String runbookId, RecoveryPlan plan) implements PairEvent {
    }

    /**
     * Every shard reached its planned GTID set exactly; {@code executed} is what each shard then had, {@code replays}
     * how many transactions each applied in how long (null in journals written before it was measured).
     */
    record ShardsReplayed(String runbookId, Map<String, String> executed, Map<String, ApplyRates.Replay> replays)
            implements PairEvent {
    }

    /** stopservice --resolve-prepared: each branch left prepared in service, and how it was resolved. */
    record PreparedResolved(String runbookId, List<String> resolved) implements PairEvent {
    }

    /** Per shard, what completing its XA branches did (each was applied once, or found applied already). */
    record XaCompleted(String runbookId, Map<String, String> detail) implements PairEvent {
    }

    record RecoveryPointRecorded(String runbookId, RecoveryPoint point) implements PairEvent {
    }

    record SnapshotPointRecorded(String runbookId, SnapshotPoint snapshot) implements PairEvent {
    }

    /** {@code site} null (older entries) is DR. */
    record ShardOpened(String runbookId, String shard, Site site) implements PairEvent {
        public ShardOpened {
            site = site == null ? Site.DR : site;
        }
    }

    /** {@code site} null (older entries) is DR. */
    record ShardClosed(String runbookId, String shard, Site site) implements PairEvent {
        public ShardClosed {
            site = site == null ? Site.DR : site;
        }
    }

    /** {@code site}: whose hook ran; null (older entries) is DR. */
    record HookRan(String runbookId, String hook, String output, Site site) implements PairEvent {
        public HookRan {
            site = site == null ? Site.DR : site;
        }
    }

    record ServiceStarted(String runbookId) implements PairEvent {
    }

    record ServiceStopped(String runbookId) implements PairEvent {
    }

    /** Switchback step 1 done: production's proxy is stopped and every production shard primary is read-only. */
    record ProductionFenced(String runbookId) implements PairEvent {
    }

    /** A fenced production was given its applications back (its shards writable, its proxy started): mode SERVICE. */
    record ProductionServiceResumed(String runbookId) implements PairEvent {
    }

    /** {@code drill --to}: the drill's target and the delay its {@code --end} resumes sync with. */
    record DrillPlanned(String runbookId, DrillPlan plan) implements PairEvent {
    }

    record DrillPreflightPassed(String runbookId) implements PairEvent {
    }

    /**
     * The drill's transactions of each shard, checked reversible and archived; from here on the flashback undoes
     * exactly these, however often it is run again.
     */
    record DrillArchived(String runbookId, DrillArchive archive) implements PairEvent {
    }

    /** Every shard primary undid its drill transactions; {@code detail} per shard. */
    record ShardsFlashedBack(String runbookId, Map<String, String> detail) implements PairEvent {
    }

    /** Every local replica replayed its primary's GTID set; {@code detail} per replica. */
    record ReplicasCaughtUp(String runbookId, Map<String, String> detail) implements PairEvent {
    }

    /** The drill is undone on every member: mode FLASHED_BACK. */
    record FlashbackCompleted(String runbookId) implements PairEvent {
    }

    record PurgePreflightPassed(String runbookId) implements PairEvent {
    }

    /** The shard's primary and replicas have exactly the snapshot point as GTID set. */
    record ShardPurged(String runbookId, String shard, String detail) implements PairEvent {
    }

    /** Every member stands at the snapshot point again (GTIDs, and checksums unless off): mode RECOVERED. */
    record SnapshotRestored(String runbookId, String snapshotId, String detail) implements PairEvent {
    }

    /**
     * The runbook gave up at a step. The mode stays what it was before the runbook (a recover stays RECOVERING, so a
     * retry continues), and what the runbook had changed from a stopped mode is undone ({@code rolledBack}).
     */
    record RunbookFailed(String runbookId, int step, String reason, List<String> rolledBack, Operation undoAs, Site undoSite)
            implements PairEvent {
        /** {@code undoAs}/{@code undoSite}: the change to take back is undone as that runbook's at that site; null: this one's. */
        public RunbookFailed(String runbookId, int step, String reason, List<String> rolledBack) {
            this(runbookId, step, reason, rolledBack, null, null);
        }
    }

    /**
     * The whole switchback: {@code delaySeconds} is the delay DR follows production with at its end. Its steps act on
     * both sites; the site field of each step says where.
     */
    record SwitchbackRequested(String runbookId, int delaySeconds, List<RunbookStep> steps, Mode fromMode, long atMillis)
            implements RunbookRequested {
        public Operation operation() {
            return Operation.SWITCHBACK;
        }

        @Override
        public boolean setsDelay() {
            return true;
        }
    }

    /** laststamp on its own: a fenced production rolled back to the recovery point (switchback steps 2 and 3). */
    record LaststampRequested(String runbookId, List<RunbookStep> steps, Mode fromMode, long atMillis) implements RunbookRequested {
        public Operation operation() {
            return Operation.LASTSTAMP;
        }

        @Override
        public Site site() {
            return Site.PRODUCTION;
        }
    }

    /** Every production shard's transactions after the recovery point are archived: flashback undoes exactly these. */
    record RollbackArchived(String runbookId, RollbackArchive archive) implements PairEvent {
    }

    /** A switchback step that records nothing but that it was done, and what it found. */
    record SwitchbackStepDone(String runbookId, String detail) implements PairEvent {
    }

    /**
     * A runbook's phase ended and a site entered a mode, the runbook going on (switchback walks production through
     * FENCED, ROLLED_BACK, CATCHING_UP and SERVICE, and DR to SERVICE_STOPPED); null leaves a site's mode as it is.
     */
    record ModesChanged(String runbookId, ProductionMode production, Mode dr) implements PairEvent {
    }

    /** The runbook ended with every step done, in the modes its last {@link ModesChanged} set. */
    record RunbookCompleted(String runbookId) implements PairEvent {
    }

    /**
     * A controller took the pair over: journaled each time its entity starts, after reading the journal and before it
     * resumes anything. Every step it sends to an agent carries {@code epoch}; agents refuse older epochs, and an
     * owner that finds a later takeover in the journal stops driving the pair. Journals written before takeovers
     * were recorded have none: their epoch is 0.
     *
     * @param owner the controller, as its actor system's address
     */
    record OwnerTookOver(long epoch, String owner, long atMicros) implements PairEvent {
        /** A takeover belongs to no runbook; it is named by its epoch. */
        @Override
        public String runbookId() {
            return "takeover-" + epoch;
        }
    }

    /** The failed runbook's change on {@code shard} was taken back (see {@link PendingUndo}). */
    record UndoCompleted(String runbookId, String shard) implements PairEvent {
    }
}
