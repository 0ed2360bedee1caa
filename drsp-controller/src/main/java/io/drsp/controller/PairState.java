package io.drsp.controller;

import io.drsp.controller.json.ControllerJson;
import io.drsp.controller.drill.DrillArchive;
import io.drsp.controller.drill.DrillPlan;
import io.drsp.controller.recovery.ApplyRates;
import io.drsp.controller.recovery.RecoveryPlan;
import io.drsp.controller.recovery.RecoveryPoint;
import io.drsp.controller.recovery.TargetSpec;
import io.drsp.controller.switchback.RollbackArchive;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A cluster pair as the journal knows it: the mode of each site, the delay, the runbook in progress, which DR shards
 * drsp has linked, the recovery target, plan and point, the snapshot points, the last failure, and the archived
 * transactions of a drill whose flashback has begun, and production's archived transactions while a switchback rolls
 * it back and until DR follows it again (and, kept after that, where the last one's archive is). Rebuilt from
 * events at start; the agents' live view is in the status.
 *
 * <p>{@code finishedRunbook} is the last runbook that ended, so a CLI following it learns how it ended even when it
 * asks after the end (or after a controller restart): it failed when {@code lastError} is set, since a runbook's
 * start clears the error and only its failure sets one.
 */
public record PairState(Mode drMode, ProductionMode productionMode, Integer delaySeconds, Runbook runbook,
                        Map<String, Integer> linkedShards, TargetSpec target, RecoveryPlan plan, RecoveryPoint recoveryPoint,
                        List<SnapshotPoint> snapshots, String lastError, long lastChangeMillis, DrillArchive drill,
                        DrillPlan drillPlan, Runbook finishedRunbook, PendingUndo pendingUndo, RollbackArchive rollback,
                        String lastRollbackArchive, ApplyRates applyRates, long epoch, String owner)
        implements ControllerJson {

    public PairState {
        linkedShards = Map.copyOf(linkedShards == null ? Map.of() : linkedShards);
        snapshots = List.copyOf(snapshots == null ? List.of() : snapshots);
        applyRates = applyRates == null ? ApplyRates.NONE : applyRates; // snapshots taken before rates were journaled
    }

    /** A state of a journal from before takeovers were recorded: epoch 0, no owner. */
    public PairState(Mode drMode, ProductionMode productionMode, Integer delaySeconds, Runbook runbook,
                     Map<String, Integer> linkedShards, TargetSpec target, RecoveryPlan plan, RecoveryPoint recoveryPoint,
                     List<SnapshotPoint> snapshots, String lastError, long lastChangeMillis, DrillArchive drill,
                     DrillPlan drillPlan, Runbook finishedRunbook, PendingUndo pendingUndo, RollbackArchive rollback,
                     String lastRollbackArchive, ApplyRates applyRates) {
        this(drMode, productionMode, delaySeconds, runbook, linkedShards, target, plan, recoveryPoint, snapshots, lastError,
                lastChangeMillis, drill, drillPlan, finishedRunbook, pendingUndo, rollback, lastRollbackArchive, applyRates, 0, null);
    }

    public static PairState initial() {
        return new PairState(Mode.IDLE, ProductionMode.SERVICE, null, null, Map.of(), null, null, null, List.of(), null, 0, null, null, null, null,
                null, null, ApplyRates.NONE);
    }

    public boolean runbookInProgress() {
        return runbook != null;
    }

    /** The snapshot point a drill returns to: the newest one. */
    public SnapshotPoint currentSnapshot() {
        return snapshots.isEmpty() ? null : snapshots.get(snapshots.size() - 1);
    }

    PairState apply(PairEvent event) {
        if (event instanceof PairEvent.RunbookRequested e) {
            Mode mode = e.drModeWhileRunning(drMode);
            int delay = e.setsDelay() ? e.delaySeconds() : delaySeconds == null ? 0 : delaySeconds;
            return new Builder(this).mode(mode).runbook(new Runbook(e.runbookId(), e.operation(), delay, e.steps(), 0,
                    e.fromMode(), e.atMillis(), e.site())).error(null).changedAt(e.atMillis()).build();
        }
        if (event instanceof PairEvent.StepStarted) {
            return this;
        }
        if (event instanceof PairEvent.OwnerTookOver e) {
            return new Builder(this).owner(e.epoch(), e.owner()).build();
        }
        if (event instanceof PairEvent.ShardLinkConfigured e) {
            Map<String, Integer> linked = new TreeMap<>(linkedShards);
            linked.put(e.shard(), e.delaySeconds());
            return new Builder(this).linked(linked).advance().build();
        }
        if (event instanceof PairEvent.ShardLinkStopped e) {
            Map<String, Integer> linked = new TreeMap<>(linkedShards);
            linked.remove(e.shard());
            return new Builder(this).linked(linked).advance().build();
        }
        if (event instanceof PairEvent.PreflightPassed || event instanceof PairEvent.PrimariesAnswered || event instanceof PairEvent.XaCompleted
                || event instanceof PairEvent.PreparedResolved
                || event instanceof PairEvent.ShardOpened || event instanceof PairEvent.ShardClosed
                || event instanceof PairEvent.HookRan || event instanceof PairEvent.DrillPreflightPassed
                || event instanceof PairEvent.ShardsFlashedBack || event instanceof PairEvent.ReplicasCaughtUp
                || event instanceof PairEvent.PurgePreflightPassed || event instanceof PairEvent.ShardPurged
                || event instanceof PairEvent.SwitchbackStepDone) {
            return new Builder(this).advance().build();
        }
        if (event instanceof PairEvent.ShardsReplayed e) {
            return new Builder(this).applyRates(e.replays() == null ? applyRates : applyRates.with(e.replays())).advance().build();
        }
        if (event instanceof PairEvent.RollbackArchived e) {
            String dir = e.archive().shards().values().stream().findFirst()
                    .map(sh -> java.nio.file.Path.of(sh.archiveDir()).getParent().toString()).orElse(null);
            return new Builder(this).rollback(e.archive()).lastRollbackArchive(dir).advance().build();
        }
        if (event instanceof PairEvent.ModesChanged e) {
            Builder b = new Builder(this);
            if (e.production() != null) {
                b.productionMode(e.production());
            }
            if (e.dr() != null) {
                b.mode(e.dr());
            }
            return b.build();
        }
        if (event instanceof PairEvent.RunbookCompleted) {
            return new Builder(this).runbook(null).build();
        }
        if (event instanceof PairEvent.RecoveryPlanned e) {
            return new Builder(this).plan(e.plan()).advance().build();
        }
        if (event instanceof PairEvent.SnapshotPointRecorded e) {
            List<SnapshotPoint> snaps = new ArrayList<>(snapshots);
            snaps.add(e.snapshot());
            return new Builder(this).snapshots(snaps).drill(null).advance().build();
        }
        if (event instanceof PairEvent.DrillPlanned e) {
            return new Builder(this).drillPlan(e.plan()).build();
        }
        if (event instanceof PairEvent.DrillArchived e) {
            return new Builder(this).drill(e.archive()).advance().build();
        }
        if (event instanceof PairEvent.FlashbackCompleted) {
            return new Builder(this).mode(Mode.FLASHED_BACK).runbook(null).build();
        }
        if (event instanceof PairEvent.SnapshotRestored) {
            // Back at the snapshot point: the recovery point it was taken at holds again, and the drill is over.
            SnapshotPoint snap = currentSnapshot();
            return new Builder(this).mode(Mode.RECOVERED).recoveryPoint(snap == null ? recoveryPoint : snap.recoveryPoint())
                    .drill(null).runbook(null).build();
        }
        if (event instanceof PairEvent.RecoveryTargetSet e) {
            return new Builder(this).target(e.target()).build();
        }
        if (event instanceof PairEvent.SyncStarted e) {
            // Syncing again makes the recovery target and plan history: the next recovery starts from a new stop.
            // A switchback ends here too: production serves and DR follows it, so its rollback is history.
            return new Builder(this).mode(Mode.SYNC).delay(e.delaySeconds()).runbook(null).target(null).plan(null)
                    .drillPlan(null).rollback(null).build();
        }
        if (event instanceof PairEvent.SyncStopped) {
            return new Builder(this).mode(Mode.STOPPED).runbook(null).build();
        }
        if (event instanceof PairEvent.RecoveryPointRecorded e) {
            return new Builder(this).mode(Mode.RECOVERED).recoveryPoint(e.point()).runbook(null).build();
        }
        if (event instanceof PairEvent.ServiceStarted) {
            return new Builder(this).mode(Mode.SERVICE).runbook(null).build();
        }
        if (event instanceof PairEvent.ServiceStopped) {
            return new Builder(this).mode(Mode.SERVICE_STOPPED).runbook(null).build();
        }
        if (event instanceof PairEvent.ProductionFenced) {
            return new Builder(this).productionMode(ProductionMode.FENCED).runbook(null).build();
        }
        if (event instanceof PairEvent.ProductionServiceResumed) {
            return new Builder(this).productionMode(ProductionMode.SERVICE).runbook(null).build();
        }
        if (event instanceof PairEvent.RunbookFailed e) {
            Map<String, Integer> linked = new TreeMap<>(linkedShards);
            if (runbook != null && runbook.operation() == Operation.SYNC) {
                for (String shard : e.rolledBack()) {
                    // A delay change in place is undone to the cluster's delay; a new link is stopped again.
                    if (runbook.fromMode() == Mode.SYNC && delaySeconds != null) {
                        linked.put(shard, delaySeconds);
                    } else {
                        linked.remove(shard);
                    }
                }
            }
            PendingUndo undo = runbook == null || e.rolledBack().isEmpty() ? pendingUndo
                    : new PendingUndo(runbook.id(), e.undoAs() != null ? e.undoAs() : runbook.operation(), runbook.fromMode(),
                    delaySeconds, e.rolledBack(), e.undoSite() != null ? e.undoSite() : runbook.site());
            return new Builder(this).linked(linked).runbook(null).error(e.reason()).undo(undo).build();
        }
        if (event instanceof PairEvent.UndoCompleted e) {
            if (pendingUndo == null || !pendingUndo.runbookId().equals(e.runbookId())) {
                return this;
            }
            PendingUndo left = pendingUndo.without(e.shard());
            return new Builder(this).undo(left.shards().isEmpty() ? null : left).build();
        }
        throw new IllegalArgumentException("unknown event " + event.getClass().getName());
    }

    /** Shards linked by the given runbook's own steps so far, in step order. */
    List<String> shardsLinkedBy(Runbook rb) {
        return stepsDoneBy(rb, RunbookStep.Kind.ENSURE_LINK);
    }

    /** Shards a runbook's steps of one kind have completed so far. */
    List<String> stepsDoneBy(Runbook rb, RunbookStep.Kind kind) {
        return rb.steps().subList(0, rb.next()).stream().filter(s -> s.kind() == kind).map(RunbookStep::shard).toList();
    }

    /** The same at one site (switchback runs service's and stopservice's steps at both). */
    List<String> stepsDoneBy(Runbook rb, RunbookStep.Kind kind, io.drsp.core.config.Site site) {
        return rb.steps().subList(0, rb.next()).stream().filter(s -> s.kind() == kind && s.site() == site)
                .map(RunbookStep::shard).toList();
    }

    /** Copy-with for a record of many fields, so each event handler names only what it changes. */
    private static final class Builder {
        private Mode drMode;
        private ProductionMode productionMode;
        private Integer delaySeconds;
        private Runbook runbook;
        private Map<String, Integer> linkedShards;
        private TargetSpec target;
        private RecoveryPlan plan;
        private RecoveryPoint recoveryPoint;
        private List<SnapshotPoint> snapshots;
        private String lastError;
        private long lastChangeMillis;
        private DrillArchive drill;
        private DrillPlan drillPlan;
        private Runbook finishedRunbook;
        private PendingUndo pendingUndo;
        private RollbackArchive rollback;
        private String lastRollbackArchive;
        private ApplyRates applyRates;
        private long epoch;
        private String owner;

        Builder(PairState s) {
            drMode = s.drMode;
            productionMode = s.productionMode;
            delaySeconds = s.delaySeconds;
            runbook = s.runbook;
            linkedShards = s.linkedShards;
            target = s.target;
            plan = s.plan;
            recoveryPoint = s.recoveryPoint;
            snapshots = s.snapshots;
            lastError = s.lastError;
            lastChangeMillis = s.lastChangeMillis;
            drill = s.drill;
            drillPlan = s.drillPlan;
            finishedRunbook = s.finishedRunbook;
            pendingUndo = s.pendingUndo;
            rollback = s.rollback;
            lastRollbackArchive = s.lastRollbackArchive;
            applyRates = s.applyRates;
            epoch = s.epoch;
            owner = s.owner;
        }

        Builder owner(long e, String o) {
            epoch = e;
            owner = o;
            return this;
        }

        Builder applyRates(ApplyRates r) {
            applyRates = r;
            return this;
        }

        Builder lastRollbackArchive(String dir) {
            lastRollbackArchive = dir;
            return this;
        }

        Builder rollback(RollbackArchive r) {
            rollback = r;
            return this;
        }

        Builder undo(PendingUndo u) {
            pendingUndo = u;
            return this;
        }

        Builder drillPlan(DrillPlan p) {
            drillPlan = p;
            return this;
        }

        Builder drill(DrillArchive d) {
            drill = d;
            return this;
        }

        Builder productionMode(ProductionMode m) {
            productionMode = m;
            return this;
        }

        Builder mode(Mode m) {
            drMode = m;
            return this;
        }

        Builder delay(Integer d) {
            delaySeconds = d;
            return this;
        }

        Builder runbook(Runbook r) {
            if (r == null && runbook != null) {
                finishedRunbook = runbook; // every runbook ends here, done or failed
            }
            runbook = r;
            return this;
        }

        Builder advance() {
            runbook = runbook == null ? null : runbook.advanced();
            return this;
        }

        Builder linked(Map<String, Integer> l) {
            linkedShards = l;
            return this;
        }

        Builder target(TargetSpec t) {
            target = t;
            return this;
        }

        Builder plan(RecoveryPlan p) {
            plan = p;
            return this;
        }

        Builder recoveryPoint(RecoveryPoint p) {
            recoveryPoint = p;
            return this;
        }

        Builder snapshots(List<SnapshotPoint> s) {
            snapshots = s;
            return this;
        }

        Builder error(String e) {
            lastError = e;
            return this;
        }

        Builder changedAt(long at) {
            lastChangeMillis = at;
            return this;
        }

        PairState build() {
            return new PairState(drMode, productionMode, delaySeconds, runbook, linkedShards, target, plan, recoveryPoint,
                    snapshots, lastError, lastChangeMillis, drill, drillPlan, finishedRunbook, pendingUndo, rollback,
                    lastRollbackArchive, applyRates, epoch, owner);
        }
    }
}
