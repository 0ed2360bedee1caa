package io.drsp.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.agent.NodeAgent;
import io.drsp.controller.drill.DrillArchive;
import io.drsp.controller.recovery.RecoveryPlan;
import io.drsp.controller.recovery.RecoveryPlanner;
import io.drsp.controller.recovery.RecoveryPoint;
import io.drsp.controller.recovery.TargetSpec;
import io.drsp.controller.switchback.RollbackArchive;
import io.drsp.core.config.ClusterPair;
import io.drsp.core.config.ClusterSpec;
import io.drsp.core.config.Endpoint;
import io.drsp.core.config.ShardSpec;
import io.drsp.core.config.Site;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each runbook operation's admission, steps, journal entry, end, failure and joining, from every mode of both sites,
 * without MySQL and without actors: what the monolithic PairEntity did before it was split into one
 * {@link RunbookDefinition} per operation (git HEAD~2 of that split), pinned operation by operation.
 *
 * <p>Every expectation is written out here (the mode tables, the sentences, the step lists, the events) and never
 * read from the code under test; states are built by folding journal events through {@link PairState#apply}.
 */
class RunbookDefinitionsTest {

    // ---------------------------------------------------------------------------------------------------------------
    // The pair: shards meta, s1, s2 (configured out of order: every list follows meta first, then by name), and a
    // local replica of DR's s1.

    static final String C = "c7";
    static final List<String> SHARDS = List.of("meta", "s1", "s2");
    static final Site DR = Site.DR;
    static final Site P = Site.PRODUCTION;
    static final ClusterPair PAIR = new ClusterPair(C, cluster(Site.PRODUCTION, 3306), cluster(Site.DR, 3316), "admin", "replication");
    static final RunbookDefinition.Context CONTEXT = new RunbookDefinition.Context(PAIR, null, ZoneId.of("UTC"));
    static final Runbooks RUNBOOKS = new Runbooks(CONTEXT);

    private static ClusterSpec cluster(Site site, int base) {
        Map<String, ShardSpec> shards = new LinkedHashMap<>();
        shards.put("s2", new ShardSpec("s2", new Endpoint("127.0.0.1", base + 2), List.of()));
        shards.put("meta", new ShardSpec("meta", new Endpoint("127.0.0.1", base), List.of()));
        shards.put("s1", new ShardSpec("s1", new Endpoint("127.0.0.1", base + 1),
                site == Site.DR ? List.of(new Endpoint("127.0.0.1", base + 11)) : List.of()));
        return new ClusterSpec(site, shards);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Each operation a journal can start, as a DBA types it.

    enum Op {
        SYNC(Operation.SYNC, DR, "SyncOperation", "sync-", PairEvent.SyncRequested.class, true, false, false,
                Mode.STOPPED, ProductionMode.SERVICE),
        STOPSYNC(Operation.STOPSYNC, DR, "StopSyncOperation", "stopsync-", PairEvent.StopSyncRequested.class, true, false, false,
                Mode.SYNC, ProductionMode.SERVICE),
        RECOVER(Operation.RECOVER, DR, "RecoverOperation", "recover-", PairEvent.RecoverRequested.class, true, false, true,
                Mode.STOPPED, ProductionMode.SERVICE),
        SERVICE(Operation.SERVICE, DR, "ServiceOperation", "service-", PairEvent.ServiceRequested.class, true, false, false,
                Mode.RECOVERED, ProductionMode.SERVICE),
        PRODUCTION_SERVICE(Operation.SERVICE, P, "ProductionServiceOperation", "service-production-",
                PairEvent.ServiceRequested.class, false, true, false, Mode.SERVICE_STOPPED, ProductionMode.FENCED),
        STOPSERVICE(Operation.STOPSERVICE, DR, "StopServiceOperation", "stopservice-", PairEvent.StopServiceRequested.class,
                true, false, true, Mode.SERVICE, ProductionMode.SERVICE),
        FENCE(Operation.STOPSERVICE, P, "FenceOperation", "stopservice-production-", PairEvent.StopServiceRequested.class,
                false, true, true, Mode.SERVICE, ProductionMode.SERVICE),
        FLASHBACK(Operation.FLASHBACK, DR, "FlashbackOperation", "flashback-", PairEvent.FlashbackRequested.class, true, false, true,
                Mode.SERVICE_STOPPED, ProductionMode.SERVICE),
        PURGE(Operation.PURGE, DR, "PurgeOperation", "purge-", PairEvent.PurgeRequested.class, true, false, true,
                Mode.FLASHED_BACK, ProductionMode.SERVICE),
        LASTSTAMP(Operation.LASTSTAMP, P, "LaststampOperation", "laststamp-", PairEvent.LaststampRequested.class, true, true, true,
                Mode.SERVICE_STOPPED, ProductionMode.FENCED),
        SWITCHBACK(Operation.SWITCHBACK, DR, "SwitchbackOperation", "switchback-", PairEvent.SwitchbackRequested.class, true, true,
                true, Mode.SERVICE, ProductionMode.SERVICE);

        final Operation operation;
        final Site site;
        final String className;
        final String idPrefix;
        final Class<? extends PairEvent.RunbookRequested> requested;
        /** Which site's mode table decides its admission (laststamp and switchback: both, DR first). */
        final boolean checksDr;
        final boolean checksProduction;
        /** Whether the old entity had a --dry-run for it. */
        final boolean dryRun;
        /** One mode pair it starts from, for the tests that need only one. */
        final Mode startDr;
        final ProductionMode startProduction;

        Op(Operation operation, Site site, String className, String idPrefix, Class<? extends PairEvent.RunbookRequested> requested,
           boolean checksDr, boolean checksProduction, boolean dryRun, Mode startDr, ProductionMode startProduction) {
            this.operation = operation;
            this.site = site;
            this.className = className;
            this.idPrefix = idPrefix;
            this.requested = requested;
            this.checksDr = checksDr;
            this.checksProduction = checksProduction;
            this.dryRun = dryRun;
            this.startDr = startDr;
            this.startProduction = startProduction;
        }

        RunbookDefinition def() {
            return RUNBOOKS.of(operation, site);
        }

        /** Allowed from these modes by DESIGN §4 (written out below), whatever else the state holds. */
        boolean modesAllow(Mode dr, ProductionMode production) {
            return (!checksDr || DR_FROM.get(operation).contains(dr))
                    && (!checksProduction || PRODUCTION_FROM.get(operation).contains(production));
        }

        /** The delays a command may carry: sync always has one, switchback may; the others never. */
        List<Integer> requestDelays() {
            return this == SYNC ? List.of(60) : this == SWITCHBACK ? Arrays.asList(null, 60) : Arrays.asList((Integer) null);
        }
    }

    static RunbookDefinition.Request request(Integer delay) {
        return new RunbookDefinition.Request(delay, false, null, null);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // DESIGN §4's mode tables, written out (not read from ModeRules): the modes each command starts from.

    static final Map<Operation, Set<Mode>> DR_FROM = new EnumMap<>(Operation.class);
    static final Map<Operation, Set<ProductionMode>> PRODUCTION_FROM = new EnumMap<>(Operation.class);
    static final Map<Operation, Set<ProductionMode>> PRODUCTION_DRY_RUN_FROM = new EnumMap<>(Operation.class);

    static {
        DR_FROM.put(Operation.SYNC, EnumSet.of(Mode.IDLE, Mode.STOPPED, Mode.RECOVERING, Mode.RECOVERED, Mode.SYNC));
        DR_FROM.put(Operation.STOPSYNC, EnumSet.of(Mode.SYNC, Mode.RECOVERING));
        DR_FROM.put(Operation.RELAYTIME, EnumSet.of(Mode.STOPPED, Mode.RECOVERING, Mode.RECOVERED));
        DR_FROM.put(Operation.RECOVER, EnumSet.of(Mode.STOPPED, Mode.RECOVERING, Mode.RECOVERED));
        DR_FROM.put(Operation.SERVICE, EnumSet.of(Mode.RECOVERED, Mode.SERVICE_STOPPED));
        DR_FROM.put(Operation.STOPSERVICE, EnumSet.of(Mode.SERVICE));
        DR_FROM.put(Operation.FLASHBACK, EnumSet.of(Mode.SERVICE_STOPPED));
        DR_FROM.put(Operation.PURGE, EnumSet.of(Mode.FLASHED_BACK));
        DR_FROM.put(Operation.DRILL, EnumSet.of(Mode.SYNC, Mode.STOPPED, Mode.RECOVERING, Mode.RECOVERED));
        DR_FROM.put(Operation.LASTSTAMP, EnumSet.of(Mode.SERVICE, Mode.SERVICE_STOPPED));
        DR_FROM.put(Operation.SWITCHBACK, EnumSet.of(Mode.SERVICE, Mode.SERVICE_STOPPED));
        for (Operation op : Operation.values()) {
            PRODUCTION_FROM.put(op, EnumSet.noneOf(ProductionMode.class));
            PRODUCTION_DRY_RUN_FROM.put(op, EnumSet.noneOf(ProductionMode.class));
        }
        PRODUCTION_FROM.put(Operation.STOPSERVICE, EnumSet.of(ProductionMode.SERVICE));
        PRODUCTION_FROM.put(Operation.LASTSTAMP, EnumSet.of(ProductionMode.FENCED));
        PRODUCTION_FROM.put(Operation.SERVICE, EnumSet.of(ProductionMode.FENCED, ProductionMode.CATCHING_UP));
        PRODUCTION_FROM.put(Operation.SWITCHBACK, EnumSet.allOf(ProductionMode.class));
        PRODUCTION_DRY_RUN_FROM.put(Operation.LASTSTAMP, EnumSet.of(ProductionMode.SERVICE, ProductionMode.FENCED));
    }

    /** The sentence refusing {@code op} for DR's mode: the cluster, the mode, and the commands that would fit. */
    static String drModeSentence(Mode mode, Operation op) {
        List<String> fit = Arrays.stream(Operation.values()).filter(o -> DR_FROM.get(o).contains(mode)).map(Operation::command).toList();
        return "DR cluster " + C + " is in mode " + mode + ", where " + op.command() + " does not apply; "
                + (fit.isEmpty() ? "no command changes it from here" : String.join(", ", fit) + " would fit") + ".";
    }

    static String productionModeSentence(ProductionMode mode, Operation op, boolean dryRun) {
        List<String> fit = Arrays.stream(Operation.values()).filter(o -> PRODUCTION_FROM.get(o).contains(mode))
                .map(o -> o == Operation.SERVICE || o == Operation.STOPSERVICE ? o.command() + " --site production" : o.command())
                .toList();
        return "production cluster " + C + " is in mode " + mode + ", where " + op.command() + (dryRun ? " --dry-run" : "")
                + " does not apply; " + (fit.isEmpty() ? "only the switchback's catch-up step changes it from here"
                : String.join(", ", fit) + " would fit") + ".";
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The sentences of the old entity's refusals, as it wrote them.

    static final String UNDO_PENDING = "cluster c7 is still taking back what the failed stopservice-production-j7 changed on"
            + " meta, its proxy (retried now); run the command again once it is done.";
    static final String BUSY_DR = "DR cluster c7 is running stopsync step 1/3: stop the link of shard meta; wait for it to"
            + " finish (drsp status c7).";
    static final String BUSY_PRODUCTION = "production cluster c7 is running stopservice --site production step 1/5: check every"
            + " production shard primary answers; wait for it to finish (drsp status c7).";
    static final String NO_TARGET = "no recovery target is set for cluster c7; run relaytime first (a time, --all, or --gtid).";
    static final String NO_SNAPSHOT_TO_RETURN_TO = "cluster c7 has no snapshot point to return to (service records one);"
            + " restore it from a backup instead.";
    static final String DR_BESIDE_ROLLED_BACK_PRODUCTION = "switchback laststamp-j6 has rolled production cluster c7 back; DR"
            + " must not serve again beside it: finish with switchback c7.";
    static final String DRILL_FLASHBACK_BEGUN = "the flashback of cluster c7's drill has begun (5 transactions archived);"
            + " finish it with flashback before serving again.";
    static final String PRODUCTION_ROLLBACK_BEGUN = "production cluster c7's rollback by laststamp-j6 has begun (7 transactions"
            + " archived); finish it with switchback c7 before production serves.";
    static final String NO_POINT = "DR cluster c7 has no recovery point to roll production back to; it must have been"
            + " recovered before it served.";
    static final String NO_DELAY = "cluster c7 has no delay to resume sync with; give one with --delay SECONDS.";
    static final String LASTSTAMP_PLAN_IS_THE_ARCHIVE = "production cluster c7's rollback has begun (7 transactions archived"
            + " by laststamp-j6); its plan is that archive, and switchback c7 finishes it.";
    static final String RESOLVE_PREPARED_ON_PRODUCTION = "--resolve-prepared decides the XA branches DR holds prepared;"
            + " production's are its coordinator's to end (XA COMMIT or XA ROLLBACK), and stopservice --site production"
            + " names each one that stops it.";

    static String noSnapshotFor(String command) {
        return "DR cluster c7 has no snapshot point (service records one), so a rolled-back production could not be checked"
                + " against it; " + command + " needs DR to have entered service with drsp.";
    }

    static String productionServesAgain(Mode dr) {
        return "production cluster c7 serves again after laststamp-j6, and DR is in mode " + dr + "; stop DR's service"
                + " (stopservice c7) before switchback makes it follow production.";
    }

    /** A refusal as compared here: its Why by name, its sentence, and whether it retries a pending undo. */
    record Expected(String why, String sentence, boolean retriesUndo) {
        @Override
        public String toString() {
            return why + (retriesUndo ? " (retries undo)" : "") + ": " + sentence;
        }
    }

    static Optional<Expected> refused(String why, String sentence) {
        return Optional.of(new Expected(why, sentence, false));
    }

    static Optional<Expected> seen(Optional<Admission.Refusal> r) {
        return r.map(x -> new Expected(x.why().name(), x.sentence(), x.retriesUndo()));
    }

    /**
     * What the old entity answered a real (not dry) run of {@code op} with, once no runbook was in the way:
     * {@code undoPending}, then {@code admissible} (DR's mode and the operation's own checks),
     * {@code productionAdmissible} (production's mode; its service also the rollback) or {@code switchbackAdmissible}
     * (DR's mode, production's, then the point and snapshot; switchback's delay after those).
     */
    static Optional<Expected> oldAdmission(Op op, PairState s, Integer requestDelay) {
        if (s.pendingUndo() != null) {
            return Optional.of(new Expected("FAILED", UNDO_PENDING, true));
        }
        if (op.checksDr && !DR_FROM.get(op.operation).contains(s.drMode())) {
            return refused("WRONG_MODE", drModeSentence(s.drMode(), op.operation));
        }
        if (op.checksProduction && !PRODUCTION_FROM.get(op.operation).contains(s.productionMode())) {
            return refused("WRONG_MODE", productionModeSentence(s.productionMode(), op.operation, false));
        }
        switch (op) {
            case RECOVER -> {
                if (s.target() == null) {
                    return refused("BAD_INPUT", NO_TARGET);
                }
            }
            case SERVICE -> {
                if (s.rollback() != null) {
                    return refused("WRONG_MODE", DR_BESIDE_ROLLED_BACK_PRODUCTION);
                }
                if (s.drill() != null) {
                    return refused("WRONG_MODE", DRILL_FLASHBACK_BEGUN);
                }
            }
            case PRODUCTION_SERVICE -> {
                if (s.rollback() != null) {
                    return refused("WRONG_MODE", PRODUCTION_ROLLBACK_BEGUN);
                }
            }
            case FLASHBACK, PURGE -> {
                if (s.currentSnapshot() == null) {
                    return refused("BAD_INPUT", NO_SNAPSHOT_TO_RETURN_TO);
                }
            }
            case LASTSTAMP, SWITCHBACK -> {
                if (s.recoveryPoint() == null) {
                    return refused("WRONG_MODE", NO_POINT);
                }
                if (s.currentSnapshot() == null) {
                    return refused("WRONG_MODE", noSnapshotFor(op.operation.command()));
                }
                if (op == Op.SWITCHBACK && s.productionMode() == ProductionMode.SERVICE && s.rollback() != null
                        && s.drMode() != Mode.SERVICE_STOPPED) {
                    return refused("WRONG_MODE", productionServesAgain(s.drMode()));
                }
                if (op == Op.SWITCHBACK && (requestDelay != null ? requestDelay : s.delaySeconds() != null ? s.delaySeconds() : -1) < 0) {
                    return refused("BAD_INPUT", NO_DELAY);
                }
            }
            default -> {
            }
        }
        return Optional.empty();
    }

    /**
     * What the old entity answered a --dry-run with: recover's planned without asking whether a runbook ran; DR's
     * stopservice, flashback, purge and the fence refused a running runbook first; laststamp's asked for no pending
     * undo and looked one production mode ahead; switchback's checked what its real run checks, then the runbook.
     */
    static Optional<Expected> oldDryRunAdmission(Op op, PairState s, Integer requestDelay) {
        Optional<Expected> busy = !s.runbookInProgress() ? Optional.empty()
                : refused("BUSY", s.runbook().site() == P ? BUSY_PRODUCTION : BUSY_DR);
        switch (op) {
            case RECOVER:
                return oldAdmission(op, s, requestDelay);
            case STOPSERVICE, FENCE, FLASHBACK, PURGE:
                return busy.or(() -> oldAdmission(op, s, requestDelay));
            case LASTSTAMP:
                if (busy.isPresent()) {
                    return busy;
                }
                if (!DR_FROM.get(Operation.LASTSTAMP).contains(s.drMode())) {
                    return refused("WRONG_MODE", drModeSentence(s.drMode(), Operation.LASTSTAMP));
                }
                if (!PRODUCTION_DRY_RUN_FROM.get(Operation.LASTSTAMP).contains(s.productionMode())) {
                    return refused("WRONG_MODE", productionModeSentence(s.productionMode(), Operation.LASTSTAMP, true));
                }
                if (s.recoveryPoint() == null) {
                    return refused("WRONG_MODE", NO_POINT);
                }
                return s.rollback() != null ? refused("WRONG_MODE", LASTSTAMP_PLAN_IS_THE_ARCHIVE) : Optional.empty();
            case SWITCHBACK:
                if (busy.isEmpty()) {
                    return oldAdmission(op, s, requestDelay);
                }
                return (requestDelay != null ? requestDelay : s.delaySeconds() != null ? s.delaySeconds() : -1) < 0
                        ? refused("BAD_INPUT", NO_DELAY) : busy;
            default:
                throw new IllegalArgumentException(op + " had no dry run");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // States, folded from journal events.

    static final TargetSpec TARGET = new TargetSpec("TIME", 1_700_000_000_123_456L, null, "2023-11-14 22:13:20.123456");
    static final RecoveryPoint POINT = new RecoveryPoint(Map.of("meta", "u:1-10", "s1", "u:1-20", "s2", "u:1-30"),
            1_700_000_000_123_456L, "time 2023-11-14 22:13:20.123456");
    static final SnapshotPoint OLDER_SNAPSHOT = new SnapshotPoint("snap-0", 1_000, POINT, List.of());
    static final SnapshotPoint SNAPSHOT = new SnapshotPoint("snap-1", 2_000, POINT, List.of());
    static final SnapshotPoint NEW_SNAPSHOT = new SnapshotPoint("snap-2", 3_000, POINT, List.of());
    static final RollbackArchive ROLLBACK = new RollbackArchive("laststamp-j6", Map.of(
            "meta", new RollbackArchive.Shard("p:5-7", 3, 10, Map.of(), List.of(), "var/archive/laststamp-j6/meta"),
            "s1", new RollbackArchive.Shard("p:8-11", 4, 20, Map.of(), List.of(), "var/archive/laststamp-j6/s1")));

    static DrillArchive drillArchive(String snapshotId) {
        return new DrillArchive(snapshotId, Map.of(
                "meta", new DrillArchive.Shard("d:1-2", 2, 4, "var/archive/flashback-j5/meta"),
                "s1", new DrillArchive.Shard("d:3-5", 3, 8, "var/archive/flashback-j5/s1")));
    }

    enum DrillAt { NONE, CURRENT_SNAPSHOT, OLDER_SNAPSHOT }

    /** A runbook in the way: one of DR's (stopsync) or one of production's (its fence). */
    enum Running { NONE, DR_STOPSYNC, PRODUCTION_FENCE }

    /**
     * A pair's journal, told by what it holds: both modes, a recovery target, a snapshot point, a recovery point,
     * production's rollback archive, a drill archive (of the current snapshot or an older one), the cluster's delay,
     * a failed fence's pending undo, and a runbook in progress.
     */
    record Situation(Mode dr, ProductionMode production, boolean target, boolean snapshot, boolean point, boolean rollback,
                     DrillAt drill, Integer delay, boolean undo, Running running) {

        /** Everything an operation may need, nothing in its way. */
        static Situation ready(Mode dr, ProductionMode production) {
            return new Situation(dr, production, true, true, true, false, DrillAt.NONE, 300, false, Running.NONE);
        }

        Situation rolledBack(boolean r) {
            return new Situation(dr, production, target, snapshot, point, r, drill, delay, undo, running);
        }

        Situation drilled(DrillAt d) {
            return new Situation(dr, production, target, snapshot, point, rollback, d, delay, undo, running);
        }

        Situation delayed(Integer d) {
            return new Situation(dr, production, target, snapshot, point, rollback, drill, d, undo, running);
        }

        Situation withoutPoint() {
            return new Situation(dr, production, target, snapshot, false, rollback, drill, delay, undo, running);
        }

        Situation undoPending() {
            return new Situation(dr, production, target, snapshot, point, rollback, drill, delay, true, running);
        }

        Situation running(Running r) {
            return new Situation(dr, production, target, snapshot, point, rollback, drill, delay, undo, r);
        }

        PairState state() {
            return fold(this);
        }

        @Override
        public String toString() {
            return "DR " + dr + "/production " + production + (target ? ", target" : "") + (snapshot ? ", snapshot" : "")
                    + (point ? ", point" : "") + (rollback ? ", rollback archive" : "") + (drill != DrillAt.NONE ? ", drill of "
                    + drill : "") + ", delay " + delay + (undo ? ", undo pending" : "") + (running != Running.NONE ? ", running "
                    + running : "");
        }
    }

    static List<Situation> situations(Mode dr, ProductionMode production, List<Running> runnings) {
        List<Situation> all = new ArrayList<>();
        for (boolean target : new boolean[] {false, true}) {
            for (boolean snapshot : new boolean[] {false, true}) {
                for (DrillAt drill : snapshot ? DrillAt.values() : new DrillAt[] {DrillAt.NONE}) {
                    for (boolean point : new boolean[] {false, true}) {
                        for (boolean rollback : new boolean[] {false, true}) {
                            for (Integer delay : Arrays.asList(null, 300)) {
                                for (boolean undo : new boolean[] {false, true}) {
                                    for (Running running : runnings) {
                                        all.add(new Situation(dr, production, target, snapshot, point, rollback, drill, delay, undo,
                                                running));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return all;
    }

    static final List<RunbookStep> FENCE_STEPS = List.of(new RunbookStep(RunbookStep.Kind.REACHABLE, "", P),
            new RunbookStep(RunbookStep.Kind.STOP_DBPROXY, "", P), new RunbookStep(RunbookStep.Kind.CLOSE_SHARD, "meta", P),
            new RunbookStep(RunbookStep.Kind.CLOSE_SHARD, "s1", P), new RunbookStep(RunbookStep.Kind.CLOSE_SHARD, "s2", P));

    /** The events a journal holds for {@code x}, folded from the first state. */
    static PairState fold(Situation x) {
        PairState s = PairState.initial();
        if (x.delay() != null) {
            s = s.apply(new PairEvent.SyncRequested("sync-j1", x.delay(), seq(one(RunbookStep.Kind.PREFLIGHT, DR),
                    each(RunbookStep.Kind.ENSURE_LINK, DR)), Mode.IDLE, 1_000));
            s = s.apply(new PairEvent.PreflightPassed("sync-j1"));
            for (String sh : SHARDS) {
                s = s.apply(new PairEvent.ShardLinkConfigured("sync-j1", sh, x.delay(), "started"));
            }
            s = s.apply(new PairEvent.SyncStarted("sync-j1", x.delay()));
        }
        if (x.target()) {
            s = s.apply(new PairEvent.RecoveryTargetSet("relaytime-j2", TARGET));
        }
        if (x.point()) {
            s = s.apply(new PairEvent.RecoverRequested("recover-j3", seq(one(RunbookStep.Kind.PLAN_RECOVERY, DR),
                    one(RunbookStep.Kind.REPLAY, DR), one(RunbookStep.Kind.COMPLETE_XA, DR),
                    one(RunbookStep.Kind.RECORD_RECOVERY_POINT, DR)), s.drMode(), 2_000));
            s = s.apply(new PairEvent.RecoveryPointRecorded("recover-j3", POINT));
        }
        if (x.snapshot()) {
            if (x.drill() == DrillAt.OLDER_SNAPSHOT) {
                s = s.apply(new PairEvent.SnapshotPointRecorded("service-j0", OLDER_SNAPSHOT));
            }
            s = s.apply(new PairEvent.ServiceRequested("service-j4", seq(one(RunbookStep.Kind.SNAPSHOT, DR),
                    each(RunbookStep.Kind.OPEN_SHARD, DR), one(RunbookStep.Kind.START_DBPROXY, DR)), s.drMode(), 3_000, DR));
            s = s.apply(new PairEvent.SnapshotPointRecorded("service-j4", SNAPSHOT));
            s = s.apply(new PairEvent.RunbookFailed("service-j4", 1, "stopped here by the test", List.of()));
        }
        if (x.drill() != DrillAt.NONE) {
            String of = x.drill() == DrillAt.CURRENT_SNAPSHOT ? SNAPSHOT.id() : OLDER_SNAPSHOT.id();
            s = s.apply(new PairEvent.FlashbackRequested("flashback-j5", seq(one(RunbookStep.Kind.DRILL_PREFLIGHT, DR),
                    one(RunbookStep.Kind.ARCHIVE_DRILL, DR), one(RunbookStep.Kind.FLASHBACK, DR),
                    one(RunbookStep.Kind.REPLICA_CATCH_UP, DR)), s.drMode(), 4_000));
            s = s.apply(new PairEvent.DrillPreflightPassed("flashback-j5"));
            s = s.apply(new PairEvent.DrillArchived("flashback-j5", drillArchive(of)));
            s = s.apply(new PairEvent.RunbookFailed("flashback-j5", 2, "stopped here by the test", List.of()));
        }
        if (x.rollback()) {
            s = s.apply(new PairEvent.LaststampRequested("laststamp-j6", seq(one(RunbookStep.Kind.SWITCHBACK_PREFLIGHT, DR),
                    laststampPhase(false)), s.drMode(), 5_000));
            s = s.apply(new PairEvent.SwitchbackStepDone("laststamp-j6", "preflight"));
            s = s.apply(new PairEvent.RollbackArchived("laststamp-j6", ROLLBACK));
            s = s.apply(new PairEvent.RunbookFailed("laststamp-j6", 2, "stopped here by the test", List.of(),
                    Operation.STOPSERVICE, P));
        }
        if (x.undo()) {
            String id = "stopservice-production-j7";
            s = s.apply(new PairEvent.StopServiceRequested(id, FENCE_STEPS, s.drMode(), 6_000, P));
            s = s.apply(new PairEvent.PrimariesAnswered(id, P));
            s = s.apply(new PairEvent.HookRan(id, "stop_dbproxy", "", P));
            s = s.apply(new PairEvent.ShardClosed(id, "meta", P));
            s = s.apply(new PairEvent.RunbookFailed(id, 3, "s1 did not answer", List.of("meta", "")));
        }
        s = s.apply(new PairEvent.ModesChanged("modes-j8", x.production(), x.dr()));
        switch (x.running()) {
            case DR_STOPSYNC -> s = s.apply(new PairEvent.StopSyncRequested("stopsync-j9", each(RunbookStep.Kind.STOP_LINK, DR),
                    s.drMode(), 7_000));
            case PRODUCTION_FENCE -> s = s.apply(new PairEvent.StopServiceRequested("stopservice-production-j9", FENCE_STEPS,
                    s.drMode(), 7_000, P));
            default -> {
            }
        }
        // The journal says what the situation says, or the test would judge another state.
        assertEquals(x.dr(), s.drMode(), x.toString());
        assertEquals(x.production(), s.productionMode(), x.toString());
        assertEquals(x.target(), s.target() != null, x.toString());
        assertEquals(x.snapshot() ? SNAPSHOT : null, s.currentSnapshot(), x.toString());
        assertEquals(x.point() ? POINT : null, s.recoveryPoint(), x.toString());
        assertEquals(x.rollback() ? ROLLBACK : null, s.rollback(), x.toString());
        assertEquals(x.drill() == DrillAt.NONE ? null : x.drill() == DrillAt.CURRENT_SNAPSHOT ? "snap-1" : "snap-0",
                s.drill() == null ? null : s.drill().snapshotId(), x.toString());
        assertEquals(x.delay(), s.delaySeconds(), x.toString());
        assertEquals(x.undo(), s.pendingUndo() != null, x.toString());
        assertEquals(x.running() != Running.NONE, s.runbookInProgress(), x.toString());
        return s;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Step lists, written out.

    static RunbookStep one(RunbookStep.Kind kind, Site site) {
        return new RunbookStep(kind, "", site);
    }

    /** One step of {@code kind} per shard, meta, s1, s2. */
    static List<RunbookStep> each(RunbookStep.Kind kind, Site site) {
        return List.of(new RunbookStep(kind, "meta", site), new RunbookStep(kind, "s1", site), new RunbookStep(kind, "s2", site));
    }

    static List<RunbookStep> seq(Object... parts) {
        List<RunbookStep> all = new ArrayList<>();
        for (Object p : parts) {
            if (p instanceof RunbookStep s) {
                all.add(s);
            } else {
                for (Object s : (List<?>) p) {
                    all.add((RunbookStep) s);
                }
            }
        }
        return List.copyOf(all);
    }

    /** A step list as a DBA reads it in the journal: kind, shard, site. */
    static List<String> render(List<RunbookStep> steps) {
        return steps.stream().map(s -> s.kind() + (s.shard().isEmpty() ? "" : " " + s.shard()) + "@" + s.site().configKey()).toList();
    }

    static List<RunbookStep> laststampPhase(boolean archived) {
        return seq(archived ? List.of() : List.of(one(RunbookStep.Kind.ARCHIVE_ROLLBACK, P)), one(RunbookStep.Kind.ROLLBACK_XA, P),
                one(RunbookStep.Kind.FLASHBACK, P), one(RunbookStep.Kind.REPLICA_CATCH_UP, P), one(RunbookStep.Kind.VERIFY_ROLLBACK, P),
                each(RunbookStep.Kind.PURGE_SHARD, P));
    }

    /** DESIGN §6, from where both sites stand: each phase is skipped once done. */
    static List<RunbookStep> expectedSwitchback(ProductionMode production, Mode dr, boolean archived) {
        List<RunbookStep> drFollows = seq(each(RunbookStep.Kind.DROP_LINK, DR), each(RunbookStep.Kind.ENSURE_LINK, DR));
        if (production == ProductionMode.SERVICE && archived) {
            return drFollows;
        }
        List<Object> parts = new ArrayList<>();
        if (production != ProductionMode.CATCHING_UP) {
            parts.add(one(RunbookStep.Kind.SWITCHBACK_PREFLIGHT, DR));
        }
        if (production == ProductionMode.SERVICE) {
            parts.add(seq(one(RunbookStep.Kind.REACHABLE, P), one(RunbookStep.Kind.STOP_DBPROXY, P), each(RunbookStep.Kind.CLOSE_SHARD, P)));
        }
        if (production == ProductionMode.SERVICE || production == ProductionMode.FENCED) {
            parts.add(laststampPhase(archived));
        }
        parts.add(each(RunbookStep.Kind.LINK_FROM_DR, P));
        parts.add(one(RunbookStep.Kind.CAUGHT_UP_WITH_DR, P));
        if (dr == Mode.SERVICE) {
            parts.add(seq(one(RunbookStep.Kind.STOP_DBPROXY, DR), each(RunbookStep.Kind.CLOSE_SHARD, DR),
                    one(RunbookStep.Kind.CAUGHT_UP_WITH_DR, P)));
        }
        parts.add(seq(each(RunbookStep.Kind.DROP_LINK, P), each(RunbookStep.Kind.OPEN_SHARD, P), one(RunbookStep.Kind.START_DBPROXY, P)));
        parts.add(drFollows);
        return seq(parts.toArray());
    }

    static List<RunbookStep> expectedSteps(Op op, Situation x, RunbookDefinition.Request r) {
        return switch (op) {
            case SYNC -> seq(one(RunbookStep.Kind.PREFLIGHT, DR), each(RunbookStep.Kind.ENSURE_LINK, DR));
            case STOPSYNC -> each(RunbookStep.Kind.STOP_LINK, DR);
            case RECOVER -> seq(one(RunbookStep.Kind.PLAN_RECOVERY, DR), one(RunbookStep.Kind.REPLAY, DR),
                    one(RunbookStep.Kind.COMPLETE_XA, DR), one(RunbookStep.Kind.RECORD_RECOVERY_POINT, DR));
            case SERVICE -> x.dr() == Mode.RECOVERED
                    ? seq(one(RunbookStep.Kind.SNAPSHOT, DR), each(RunbookStep.Kind.OPEN_SHARD, DR), one(RunbookStep.Kind.START_DBPROXY, DR))
                    : seq(each(RunbookStep.Kind.OPEN_SHARD, DR), one(RunbookStep.Kind.START_DBPROXY, DR));
            case PRODUCTION_SERVICE -> seq(one(RunbookStep.Kind.REACHABLE, P), each(RunbookStep.Kind.OPEN_SHARD, P),
                    one(RunbookStep.Kind.START_DBPROXY, P));
            case STOPSERVICE -> r.resolvePrepared()
                    ? seq(one(RunbookStep.Kind.STOP_DBPROXY, DR), one(RunbookStep.Kind.RESOLVE_PREPARED, DR), each(RunbookStep.Kind.CLOSE_SHARD, DR))
                    : seq(one(RunbookStep.Kind.STOP_DBPROXY, DR), each(RunbookStep.Kind.CLOSE_SHARD, DR));
            case FENCE -> FENCE_STEPS;
            case FLASHBACK -> x.drill() == DrillAt.CURRENT_SNAPSHOT
                    ? seq(one(RunbookStep.Kind.DRILL_PREFLIGHT, DR), one(RunbookStep.Kind.FLASHBACK, DR), one(RunbookStep.Kind.REPLICA_CATCH_UP, DR))
                    : seq(one(RunbookStep.Kind.DRILL_PREFLIGHT, DR), one(RunbookStep.Kind.ARCHIVE_DRILL, DR),
                    one(RunbookStep.Kind.FLASHBACK, DR), one(RunbookStep.Kind.REPLICA_CATCH_UP, DR));
            case PURGE -> seq(one(RunbookStep.Kind.PURGE_PREFLIGHT, DR), each(RunbookStep.Kind.PURGE_SHARD, DR),
                    one(RunbookStep.Kind.VERIFY_SNAPSHOT, DR));
            case LASTSTAMP -> seq(one(RunbookStep.Kind.SWITCHBACK_PREFLIGHT, DR), laststampPhase(x.rollback()));
            case SWITCHBACK -> expectedSwitchback(x.production(), x.dr(), x.rollback());
        };
    }

    /** The variants of a ready situation whose steps differ, for each operation, and the requests that may start it. */
    static List<Object[]> variants(Op op, Mode dr, ProductionMode production) {
        Situation ready = Situation.ready(dr, production);
        List<Object[]> v = new ArrayList<>();
        switch (op) {
            case FLASHBACK -> {
                for (DrillAt d : DrillAt.values()) {
                    v.add(new Object[] {ready.drilled(d), request(null)});
                }
            }
            case LASTSTAMP -> {
                v.add(new Object[] {ready, request(null)});
                v.add(new Object[] {ready.rolledBack(true), request(null)});
            }
            case SWITCHBACK -> {
                v.add(new Object[] {ready, request(null)});
                v.add(new Object[] {ready, request(45)});
                if (production != ProductionMode.SERVICE || dr == Mode.SERVICE_STOPPED) {
                    v.add(new Object[] {ready.rolledBack(true), request(null)});
                }
            }
            case STOPSERVICE -> {
                v.add(new Object[] {ready, request(null)});
                v.add(new Object[] {ready, new RunbookDefinition.Request(null, true, null, null)});
            }
            case SYNC -> v.add(new Object[] {ready, request(45)});
            default -> v.add(new Object[] {ready, request(null)});
        }
        return v;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Walking a runbook as the entity does: each step's own event, then the operation's events after it, and its end.

    /** A realistic event each kind of step journals when it is done (every one of them moves the runbook on). */
    static PairEvent stepEvent(Runbook rb) {
        RunbookStep step = rb.current();
        String id = rb.id();
        return switch (step.kind()) {
            case PREFLIGHT -> new PairEvent.PreflightPassed(id);
            case ENSURE_LINK -> new PairEvent.ShardLinkConfigured(id, step.shard(), rb.delaySeconds(), "started");
            case STOP_LINK -> new PairEvent.ShardLinkStopped(id, step.shard());
            case PLAN_RECOVERY -> new PairEvent.RecoveryPlanned(id, new RecoveryPlan(TARGET, List.of(), TARGET.timeMicros()));
            case REPLAY -> new PairEvent.ShardsReplayed(id, Map.of(), null);
            case COMPLETE_XA -> new PairEvent.XaCompleted(id, Map.of());
            case RECORD_RECOVERY_POINT -> new PairEvent.RecoveryPointRecorded(id, POINT);
            case SNAPSHOT -> new PairEvent.SnapshotPointRecorded(id, NEW_SNAPSHOT);
            case OPEN_SHARD -> new PairEvent.ShardOpened(id, step.shard(), step.site());
            case CLOSE_SHARD -> new PairEvent.ShardClosed(id, step.shard(), step.site());
            case START_DBPROXY -> new PairEvent.HookRan(id, "start_dbproxy", "", step.site());
            case STOP_DBPROXY -> new PairEvent.HookRan(id, "stop_dbproxy", "", step.site());
            case REACHABLE -> new PairEvent.PrimariesAnswered(id, step.site());
            case RESOLVE_PREPARED -> new PairEvent.PreparedResolved(id, List.of());
            case DRILL_PREFLIGHT -> new PairEvent.DrillPreflightPassed(id);
            case ARCHIVE_DRILL -> new PairEvent.DrillArchived(id, drillArchive("snap-1"));
            case FLASHBACK -> step.site() == DR ? new PairEvent.ShardsFlashedBack(id, Map.of()) : new PairEvent.SwitchbackStepDone(id, "flashed back");
            case REPLICA_CATCH_UP -> new PairEvent.ReplicasCaughtUp(id, Map.of());
            case PURGE_PREFLIGHT -> new PairEvent.PurgePreflightPassed(id);
            case PURGE_SHARD -> new PairEvent.ShardPurged(id, step.shard(), "");
            case VERIFY_SNAPSHOT -> new PairEvent.SnapshotRestored(id, "snap-1", "");
            case ARCHIVE_ROLLBACK -> new PairEvent.RollbackArchived(id, ROLLBACK);
            default -> new PairEvent.SwitchbackStepDone(id, step.kind().name());
        };
    }

    /** Journals the request and the first {@code done} steps as the entity does; the modes after each are kept. */
    static PairState startAndRun(Op op, PairState s, RunbookDefinition.Request r, String id, int done, List<String> modesSeen) {
        RunbookDefinition def = op.def();
        s = s.apply(def.requested(id, r, def.steps(s, r), s, 10_000));
        for (int i = 0; i < done; i++) {
            Runbook rb = s.runbook();
            assertNotNull(rb, op + ": the runbook ended before step " + i);
            assertEquals(i, rb.next());
            List<PairEvent> events = new ArrayList<>(List.of(stepEvent(rb)));
            events.addAll(def.afterStep(rb));
            if (rb.isLastStep()) {
                events.addAll(def.completion(rb));
            }
            for (PairEvent e : events) {
                s = s.apply(e);
            }
            String modes = s.productionMode() + "/" + s.drMode();
            if (modesSeen != null && (modesSeen.isEmpty() || !modesSeen.get(modesSeen.size() - 1).equals(modes))) {
                modesSeen.add(modes);
            }
        }
        return s;
    }

    static PairState startAndRun(Op op, PairState s, RunbookDefinition.Request r, String id, int done) {
        return startAndRun(op, s, r, id, done, null);
    }

    // ===============================================================================================================
    // The registry

    @Test
    void everyRunbookEntryAJournalCanHoldHasExactlyOneDefinition() {
        // Every kind of entry that starts a runbook, and the sites each may name: a new one must be added here.
        assertEquals(Set.of(PairEvent.SyncRequested.class, PairEvent.StopSyncRequested.class, PairEvent.RecoverRequested.class,
                        PairEvent.ServiceRequested.class, PairEvent.StopServiceRequested.class, PairEvent.FlashbackRequested.class,
                        PairEvent.PurgeRequested.class, PairEvent.SwitchbackRequested.class, PairEvent.LaststampRequested.class),
                Set.of(PairEvent.RunbookRequested.class.getPermittedSubclasses()));
        List<RunbookStep> steps = List.of(one(RunbookStep.Kind.PREFLIGHT, DR));
        Map<PairEvent.RunbookRequested, String> entries = new LinkedHashMap<>();
        entries.put(new PairEvent.SyncRequested("a", 5, steps, Mode.IDLE, 1), "SyncOperation");
        entries.put(new PairEvent.StopSyncRequested("b", steps, Mode.SYNC, 1), "StopSyncOperation");
        entries.put(new PairEvent.RecoverRequested("c", steps, Mode.STOPPED, 1), "RecoverOperation");
        entries.put(new PairEvent.ServiceRequested("d", steps, Mode.RECOVERED, 1, DR), "ServiceOperation");
        entries.put(new PairEvent.ServiceRequested("e", steps, Mode.RECOVERED, 1, null), "ServiceOperation"); // before sites
        entries.put(new PairEvent.ServiceRequested("f", steps, Mode.SERVICE_STOPPED, 1, P), "ProductionServiceOperation");
        entries.put(new PairEvent.StopServiceRequested("g", steps, Mode.SERVICE, 1, DR), "StopServiceOperation");
        entries.put(new PairEvent.StopServiceRequested("h", steps, Mode.SERVICE, 1, null), "StopServiceOperation");
        entries.put(new PairEvent.StopServiceRequested("i", steps, Mode.SYNC, 1, P), "FenceOperation");
        entries.put(new PairEvent.FlashbackRequested("j", steps, Mode.SERVICE_STOPPED, 1), "FlashbackOperation");
        entries.put(new PairEvent.PurgeRequested("k", steps, Mode.FLASHED_BACK, 1), "PurgeOperation");
        entries.put(new PairEvent.SwitchbackRequested("l", 5, steps, Mode.SERVICE, 1), "SwitchbackOperation");
        entries.put(new PairEvent.LaststampRequested("m", steps, Mode.SERVICE, 1), "LaststampOperation");
        Set<String> keys = new java.util.HashSet<>();
        entries.forEach((e, className) -> {
            Runbook rb = PairState.initial().apply(e).runbook();
            RunbookDefinition def = RUNBOOKS.of(rb);
            assertEquals(className, def.getClass().getSimpleName(), e.toString());
            assertEquals(e.operation(), def.operation(), e.toString());
            assertEquals(e.site(), def.site(), e.toString());
            assertSame(def, RUNBOOKS.of(e.operation(), e.site()), "one definition per operation and site");
            keys.add(e.operation() + "@" + e.site());
        });
        // Nothing else has a definition: relaytime and drill are not runbooks; only these run at production.
        for (Operation op : Operation.values()) {
            for (Site site : Site.values()) {
                if (!keys.contains(op + "@" + site)) {
                    assertThrows(IllegalArgumentException.class, () -> RUNBOOKS.of(op, site), op + " at " + site);
                }
            }
        }
        assertEquals(11, keys.size());
    }

    @ParameterizedTest
    @EnumSource(Op.class)
    void eachOperationIsItsOwnClassAtItsSite(Op op) {
        RunbookDefinition def = op.def();
        assertEquals(op.className, def.getClass().getSimpleName());
        assertEquals(op.operation, def.operation());
        assertEquals(op.site, def.site());
    }

    @Test
    void aPendingUndoIsTakenBackByTheOperationItIsUndoneAsAtItsSite() {
        NodeAgent.StepMutation stopLink = new NodeAgent.StopLink(null);
        // A sync that started links: they are stopped again.
        assertEquals(stopLink, undone(new PendingUndo("sync-1", Operation.SYNC, Mode.IDLE, null, List.of("s1")), "s1"));
        assertEquals(stopLink, undone(new PendingUndo("sync-1", Operation.SYNC, Mode.STOPPED, 300, List.of("s1")), "s1"));
        assertEquals(stopLink, undone(new PendingUndo("sync-1", Operation.SYNC, Mode.SYNC, null, List.of("s1")), "s1"));
        // A delay changed in place: set back, linked to the same production primary (s1's is 127.0.0.1:3307).
        assertEquals(new NodeAgent.EnsureLink(Endpoint.parse("127.0.0.1:3307"), 300, null),
                undone(new PendingUndo("sync-1", Operation.SYNC, Mode.SYNC, 300, List.of("s1")), "s1"));
        // Shards a service opened are read-only again; shards a stopservice or fence closed are writable again.
        assertEquals(new NodeAgent.SetReadOnly(true, null),
                undone(new PendingUndo("service-1", Operation.SERVICE, Mode.RECOVERED, 300, List.of("s1")), "s1"));
        assertEquals(new NodeAgent.SetReadOnly(true, null),
                undone(new PendingUndo("service-production-1", Operation.SERVICE, Mode.SERVICE, 300, List.of("s1"), P), "s1"));
        assertEquals(new NodeAgent.SetReadOnly(false, null),
                undone(new PendingUndo("stopservice-1", Operation.STOPSERVICE, Mode.SERVICE, 300, List.of("s1")), "s1"));
        assertEquals(new NodeAgent.SetReadOnly(false, null),
                undone(new PendingUndo("stopservice-production-1", Operation.STOPSERVICE, Mode.SYNC, 300, List.of("s1"), P), "s1"));
        assertEquals("FenceOperation", RUNBOOKS.of(new PendingUndo("switchback-1", Operation.STOPSERVICE, Mode.SERVICE, 300,
                List.of("meta", ""), P)).getClass().getSimpleName());
        assertEquals("StopServiceOperation", RUNBOOKS.of(new PendingUndo("switchback-1", Operation.STOPSERVICE, Mode.SERVICE, 300,
                List.of("meta", ""), DR)).getClass().getSimpleName());
        // The proxy's entry has been "" on the wire since the first release.
        assertEquals("", PendingUndo.PROXY);
    }

    private static NodeAgent.StepMutation undone(PendingUndo undo, String shard) {
        return RUNBOOKS.of(undo).undoStep(undo, shard).apply(null);
    }

    // ===============================================================================================================
    // Admission

    static Stream<Arguments> everyOperationFromEveryMode() {
        return Arrays.stream(Op.values()).flatMap(op -> Arrays.stream(Mode.values())
                .flatMap(dr -> Arrays.stream(ProductionMode.values()).map(p -> Arguments.of(op, dr, p))));
    }

    @ParameterizedTest(name = "{0} from DR {1}, production {2}")
    @MethodSource("everyOperationFromEveryMode")
    void admitsWhatTheOldEntityAdmittedAndRefusesTheRestWithItsSentence(Op op, Mode dr, ProductionMode production) {
        List<String> wrong = new ArrayList<>();
        for (Situation x : situations(dr, production, List.of(Running.NONE))) {
            PairState s = x.state();
            for (Integer delay : op.requestDelays()) {
                Optional<Expected> expected = oldAdmission(op, s, delay);
                Optional<Expected> actual = seen(op.def().admit(s, request(delay)));
                if (!expected.equals(actual)) {
                    wrong.add(x + ", --delay " + delay + ": expected " + expected.map(Expected::toString).orElse("admitted")
                            + ", got " + actual.map(Expected::toString).orElse("admitted"));
                }
            }
        }
        assertEquals(List.of(), wrong.subList(0, Math.min(wrong.size(), 8)), wrong.size() + " situations judged otherwise");

        // With everything it may need, it starts exactly from the modes DESIGN §4 gives it; else the mode refuses it,
        // naming the cluster, the mode, and what would fit.
        Optional<Admission.Refusal> r = op.def().admit(Situation.ready(dr, production).state(), request(60));
        assertEquals(op.modesAllow(dr, production), r.isEmpty(), r.map(Admission.Refusal::sentence).orElse("admitted"));
        if (r.isPresent()) {
            assertEquals("WRONG_MODE", r.get().why().name());
            assertFalse(r.get().retriesUndo());
            boolean drRefuses = op.checksDr && !DR_FROM.get(op.operation).contains(dr);
            String sentence = r.get().sentence();
            assertTrue(sentence.startsWith((drRefuses ? "DR cluster c7 is in mode " + dr : "production cluster c7 is in mode "
                    + production) + ", where " + op.operation.command() + " does not apply; "), sentence);
            assertTrue(sentence.endsWith(" would fit."), sentence);
        }
    }

    static Stream<Arguments> everyDryRunFromEveryMode() {
        return everyOperationFromEveryMode().filter(a -> ((Op) a.get()[0]).dryRun);
    }

    @ParameterizedTest(name = "{0} --dry-run from DR {1}, production {2}")
    @MethodSource("everyDryRunFromEveryMode")
    void admitsTheDryRunsTheOldEntityAdmitted(Op op, Mode dr, ProductionMode production) {
        List<String> wrong = new ArrayList<>();
        for (Situation x : situations(dr, production, List.of(Running.values()))) {
            PairState s = x.state();
            for (Integer delay : op.requestDelays()) {
                if (op == Op.SWITCHBACK && x.running() != Running.NONE && delay == null && x.delay() == null) {
                    continue; // pinned on its own: switchbackWithNoDelayAnywhereIsRefusedForItEvenWhileARunbookRuns
                }
                Optional<Expected> expected = oldDryRunAdmission(op, s, delay);
                Optional<Expected> actual = seen(op.def().admitDryRun(s, request(delay)));
                if (!expected.equals(actual)) {
                    wrong.add(x + ", --delay " + delay + ": expected " + expected.map(Expected::toString).orElse("admitted")
                            + ", got " + actual.map(Expected::toString).orElse("admitted"));
                }
            }
        }
        assertEquals(List.of(), wrong.subList(0, Math.min(wrong.size(), 8)), wrong.size() + " situations judged otherwise");
    }

    @Test
    void modeRefusalsNameTheClusterTheModeAndWhatWouldFit() {
        // Literal, so that the sentences built above from the tables are themselves checked.
        assertEquals(refused("WRONG_MODE", "DR cluster c7 is in mode SERVICE, where sync does not apply; stopservice, laststamp,"
                + " switchback would fit."), seen(Op.SYNC.def().admit(Situation.ready(Mode.SERVICE, ProductionMode.SERVICE).state(),
                request(60))));
        assertEquals(refused("WRONG_MODE", "DR cluster c7 is in mode SYNC, where recover does not apply; sync, stopsync, drill would"
                + " fit."), seen(Op.RECOVER.def().admit(Situation.ready(Mode.SYNC, ProductionMode.SERVICE).state(), request(null))));
        assertEquals(refused("WRONG_MODE", "DR cluster c7 is in mode FLASHED_BACK, where service does not apply; purge would fit."),
                seen(Op.SERVICE.def().admit(Situation.ready(Mode.FLASHED_BACK, ProductionMode.SERVICE).state(), request(null))));
        assertEquals(refused("WRONG_MODE", "production cluster c7 is in mode FENCED, where stopservice does not apply; service"
                + " --site production, laststamp, switchback would fit."),
                seen(Op.FENCE.def().admit(Situation.ready(Mode.SYNC, ProductionMode.FENCED).state(), request(null))));
        assertEquals(refused("WRONG_MODE", "production cluster c7 is in mode SERVICE, where service does not apply; stopservice"
                + " --site production, switchback would fit."),
                seen(Op.PRODUCTION_SERVICE.def().admit(Situation.ready(Mode.SERVICE, ProductionMode.SERVICE).state(), request(null))));
        assertEquals(refused("WRONG_MODE", "production cluster c7 is in mode ROLLED_BACK, where laststamp does not apply; switchback"
                + " would fit."), seen(Op.LASTSTAMP.def().admit(Situation.ready(Mode.SERVICE, ProductionMode.ROLLED_BACK).state(),
                request(null))));
        assertEquals(refused("WRONG_MODE", "production cluster c7 is in mode CATCHING_UP, where laststamp --dry-run does not apply;"
                + " service --site production, switchback would fit."),
                seen(Op.LASTSTAMP.def().admitDryRun(Situation.ready(Mode.SERVICE, ProductionMode.CATCHING_UP).state(), request(null))));
        // Both sites wrong: DR's mode is named first.
        assertEquals(refused("WRONG_MODE", "DR cluster c7 is in mode SYNC, where laststamp does not apply; sync, stopsync, drill"
                + " would fit."), seen(Op.LASTSTAMP.def().admit(Situation.ready(Mode.SYNC, ProductionMode.SERVICE).state(), request(null))));
    }

    @ParameterizedTest
    @EnumSource(Op.class)
    void aPendingUndoRefusesEveryRunbookFromEveryModeAndIsRetried(Op op) {
        for (Mode dr : Mode.values()) {
            for (ProductionMode production : ProductionMode.values()) {
                PairState s = Situation.ready(dr, production).undoPending().state();
                Optional<Admission.Refusal> r = op.def().admit(s, request(op == Op.SYNC ? 60 : null));
                assertTrue(r.isPresent(), op + " from " + dr + "/" + production);
                assertEquals("FAILED", r.get().why().name());
                assertEquals(UNDO_PENDING, r.get().sentence());
                assertTrue(r.get().retriesUndo(), "the refusal retries the undo");
            }
        }
    }

    @Test
    void theOperationsOwnConditionsRefuseWithTheirOwnWhy() {
        PairState noTarget = new Situation(Mode.STOPPED, ProductionMode.SERVICE, false, true, true, false, DrillAt.NONE, 300, false,
                Running.NONE).state();
        assertEquals(refused("BAD_INPUT", NO_TARGET), seen(Op.RECOVER.def().admit(noTarget, request(null))));
        PairState noSnapshot = new Situation(Mode.SERVICE_STOPPED, ProductionMode.SERVICE, true, false, true, false, DrillAt.NONE, 300,
                false, Running.NONE).state();
        assertEquals(refused("BAD_INPUT", NO_SNAPSHOT_TO_RETURN_TO), seen(Op.FLASHBACK.def().admit(noSnapshot, request(null))));
        assertEquals(refused("WRONG_MODE", noSnapshotFor("switchback")), seen(Op.SWITCHBACK.def().admit(noSnapshot, request(null))));
        PairState noSnapshotFenced = noSnapshot.apply(new PairEvent.ModesChanged("x", ProductionMode.FENCED, null));
        assertEquals(refused("WRONG_MODE", noSnapshotFor("laststamp")), seen(Op.LASTSTAMP.def().admit(noSnapshotFenced, request(null))));
        // A rollback has begun: DR may not serve beside it (checked before the drill), production may not serve yet.
        PairState rolledBack = Situation.ready(Mode.SERVICE_STOPPED, ProductionMode.FENCED).rolledBack(true)
                .drilled(DrillAt.CURRENT_SNAPSHOT).state();
        assertEquals(refused("WRONG_MODE", DR_BESIDE_ROLLED_BACK_PRODUCTION), seen(Op.SERVICE.def().admit(rolledBack, request(null))));
        assertEquals(refused("WRONG_MODE", PRODUCTION_ROLLBACK_BEGUN), seen(Op.PRODUCTION_SERVICE.def().admit(rolledBack, request(null))));
        assertEquals(refused("WRONG_MODE", DRILL_FLASHBACK_BEGUN), seen(Op.SERVICE.def().admit(
                Situation.ready(Mode.SERVICE_STOPPED, ProductionMode.SERVICE).drilled(DrillAt.OLDER_SNAPSHOT).state(), request(null))));
        // Production serves again after a rollback: DR must have stopped serving before it follows production.
        PairState servesAgain = Situation.ready(Mode.SERVICE, ProductionMode.SERVICE).rolledBack(true).state();
        assertEquals(refused("WRONG_MODE", productionServesAgain(Mode.SERVICE)), seen(Op.SWITCHBACK.def().admit(servesAgain, request(60))));
        assertEquals(Optional.empty(), seen(Op.SWITCHBACK.def().admit(Situation.ready(Mode.SERVICE_STOPPED, ProductionMode.SERVICE)
                .rolledBack(true).state(), request(null))));
        // Switchback needs a delay to resume sync with: the one given, else the cluster's.
        PairState noDelay = Situation.ready(Mode.SERVICE, ProductionMode.FENCED).delayed(null).state();
        assertEquals(refused("BAD_INPUT", NO_DELAY), seen(Op.SWITCHBACK.def().admit(noDelay, request(null))));
        assertEquals(Optional.empty(), seen(Op.SWITCHBACK.def().admit(noDelay, request(0))));
        // No recovery point: neither laststamp nor switchback (both WRONG_MODE), whatever else holds.
        PairState noPoint = Situation.ready(Mode.SERVICE, ProductionMode.FENCED).withoutPoint().state();
        assertEquals(refused("WRONG_MODE", NO_POINT), seen(Op.LASTSTAMP.def().admit(noPoint, request(null))));
        assertEquals(refused("WRONG_MODE", NO_POINT), seen(Op.SWITCHBACK.def().admit(noPoint, request(null))));
    }

    @Test
    void dryRunsRefuseARunbookInTheWayButRecoversPlanMayLookWhileOneRuns() {
        PairState fencing = Situation.ready(Mode.SERVICE, ProductionMode.SERVICE).running(Running.PRODUCTION_FENCE).state();
        assertEquals(refused("BUSY", BUSY_PRODUCTION), seen(Op.STOPSERVICE.def().admitDryRun(fencing, request(null))));
        assertEquals(refused("BUSY", BUSY_PRODUCTION), seen(Op.FENCE.def().admitDryRun(fencing, request(null))));
        assertEquals(refused("BUSY", BUSY_PRODUCTION), seen(Op.SWITCHBACK.def().admitDryRun(fencing, request(null))));
        PairState stopping = Situation.ready(Mode.RECOVERING, ProductionMode.SERVICE).running(Running.DR_STOPSYNC).state();
        assertEquals(Optional.empty(), seen(Op.RECOVER.def().admitDryRun(stopping, request(null))));
        assertEquals(refused("BUSY", BUSY_DR), seen(Op.FLASHBACK.def().admitDryRun(
                Situation.ready(Mode.SERVICE_STOPPED, ProductionMode.SERVICE).running(Running.DR_STOPSYNC).state(), request(null))));
        // laststamp's plan may be read while production still serves, a pending undo notwithstanding.
        assertEquals(Optional.empty(), seen(Op.LASTSTAMP.def().admitDryRun(Situation.ready(Mode.SERVICE, ProductionMode.SERVICE)
                .undoPending().state(), request(null))));
        assertEquals(refused("WRONG_MODE", LASTSTAMP_PLAN_IS_THE_ARCHIVE), seen(Op.LASTSTAMP.def().admitDryRun(
                Situation.ready(Mode.SERVICE, ProductionMode.FENCED).rolledBack(true).state(), request(null))));
    }

    /**
     * The old {@code onSwitchback} worked out the delay DR resumes sync with before it joined or refused a runbook in
     * the way: with no --delay and no delay in the journal, switchback (and its dry run) was refused BAD_INPUT for it
     * while a runbook ran. Reachable: the first sync of a pair is running (its delay is not the cluster's yet).
     */
    @Test
    void switchbackWithNoDelayAnywhereIsRefusedForItEvenWhileARunbookRuns() {
        PairState firstSync = PairState.initial().apply(new PairEvent.SyncRequested("sync-first", 300,
                seq(one(RunbookStep.Kind.PREFLIGHT, DR), each(RunbookStep.Kind.ENSURE_LINK, DR)), Mode.IDLE, 1));
        assertNull(firstSync.delaySeconds());
        RunbookDefinition sb = Op.SWITCHBACK.def();
        org.junit.jupiter.api.Assertions.assertAll(
                () -> assertEquals(refused("BAD_INPUT", NO_DELAY), seen(entityAnswer(sb, firstSync, request(null), false)), "switchback"),
                () -> assertEquals(refused("BAD_INPUT", NO_DELAY), seen(entityAnswer(sb, firstSync, request(null), true)),
                        "switchback --dry-run"));
    }

    /** With a delay, the runbook in the way is what refuses a switchback, and its dry run. */
    @Test
    void switchbackWithADelayIsRefusedByTheRunbookInTheWay() {
        PairState firstSync = PairState.initial().apply(new PairEvent.SyncRequested("sync-first", 300,
                seq(one(RunbookStep.Kind.PREFLIGHT, DR), each(RunbookStep.Kind.ENSURE_LINK, DR)), Mode.IDLE, 1));
        RunbookDefinition sb = Op.SWITCHBACK.def();
        Optional<Expected> busy = refused("BUSY", "DR cluster c7 is running sync step 1/4: check every shard of both sites is"
                + " reachable with the required settings; wait for it to finish (drsp status c7).");
        assertEquals(busy, seen(entityAnswer(sb, firstSync, request(60), false)));
        assertEquals(busy, seen(entityAnswer(sb, firstSync, request(60), true)));
    }

    /**
     * How the entity judges a runbook command with what the definitions say (RunbookDefinition's contract): its own
     * input first, whatever runs; then a real run joins or is refused by the runbook in the way; else its admission.
     * Empty: admitted (or joined).
     */
    static Optional<Admission.Refusal> entityAnswer(RunbookDefinition def, PairState s, RunbookDefinition.Request r, boolean dryRun) {
        Optional<Admission.Refusal> invalid = def.validate(s, r);
        if (invalid.isPresent()) {
            return invalid;
        }
        if (dryRun) {
            return def.admitDryRun(s, r);
        }
        if (s.runbookInProgress()) {
            return def.joins(s.runbook(), r) ? Optional.empty() : Optional.of(Admission.busy(C, s.runbook()));
        }
        return def.admit(s, r);
    }

    // ===============================================================================================================
    // The command's own input

    @Test
    void validateRefusesANegativeDelayWhateverRuns() {
        for (Situation x : List.of(Situation.ready(Mode.SYNC, ProductionMode.SERVICE),
                Situation.ready(Mode.SERVICE, ProductionMode.SERVICE).running(Running.PRODUCTION_FENCE),
                Situation.ready(Mode.IDLE, ProductionMode.SERVICE).undoPending())) {
            PairState s = x.state();
            for (Op op : List.of(Op.SYNC, Op.SWITCHBACK)) {
                assertEquals(refused("BAD_INPUT", "delay must be 0 or more seconds, got -1."), seen(op.def().validate(s, request(-1))),
                        op + " " + x);
                assertEquals(Optional.empty(), seen(op.def().validate(s, request(0))), op + " " + x);
            }
            assertEquals(Optional.empty(), seen(Op.SWITCHBACK.def().validate(s, request(null))));
            for (Op op : Op.values()) {
                if (op != Op.SYNC) {
                    assertEquals(Optional.empty(), seen(op.def().validate(s, request(null))), op + " " + x);
                }
            }
        }
    }

    @Test
    void validateRefusesResolvePreparedOnProductionOnly() {
        PairState s = Situation.ready(Mode.SERVICE, ProductionMode.SERVICE).running(Running.DR_STOPSYNC).state();
        RunbookDefinition.Request resolve = new RunbookDefinition.Request(null, true, null, null);
        assertEquals(refused("BAD_INPUT", RESOLVE_PREPARED_ON_PRODUCTION), seen(Op.FENCE.def().validate(s, resolve)));
        assertEquals(Optional.empty(), seen(Op.STOPSERVICE.def().validate(s, resolve)));
        assertEquals(Optional.empty(), seen(Op.FENCE.def().validate(s, request(null))));
    }

    @Test
    void validateRefusesALaststampTimeOtherThanTheRecoveryPoint() {
        RunbookDefinition ls = Op.LASTSTAMP.def();
        PairState s = Situation.ready(Mode.SERVICE_STOPPED, ProductionMode.FENCED).running(Running.PRODUCTION_FENCE).state();
        assertEquals(refused("BAD_INPUT", "laststamp rolls production back only to the DR cluster's recovery point, production"
                        + " time 2023-11-14T22:13:20.123456Z[UTC] (time 2023-11-14 22:13:20.123456), not to 2023-11-14 22:00:00: other"
                        + " times are not supported yet; leave --time out."),
                seen(ls.validate(s, new RunbookDefinition.Request(null, false, 1_699_999_200_000_000L, "2023-11-14 22:00:00"))));
        assertEquals(Optional.empty(), seen(ls.validate(s, new RunbookDefinition.Request(null, false, 1_700_000_000_123_456L,
                "2023-11-14 22:13:20.123456"))));
        assertEquals(Optional.empty(), seen(ls.validate(s, request(null))));
        // A point that stands for no production time: any time is refused, naming the point's target.
        PairState allRelayLog = s.apply(new PairEvent.RecoveryPointRecorded("recover-9", new RecoveryPoint(Map.of("meta", "u:1-10"),
                null, "all retrieved relay log")));
        assertEquals(refused("BAD_INPUT", "laststamp rolls production back only to the DR cluster's recovery point (all retrieved"
                        + " relay log), not to 2023-11-14 22:13:20.123456: other times are not supported yet; leave --time out."),
                seen(ls.validate(allRelayLog, new RunbookDefinition.Request(null, false, 1_700_000_000_123_456L,
                        "2023-11-14 22:13:20.123456"))));
        // No point at all: not the time's fault; admission says what is missing.
        PairState noPoint = Situation.ready(Mode.SERVICE_STOPPED, ProductionMode.FENCED).withoutPoint().state();
        RunbookDefinition.Request typed = new RunbookDefinition.Request(null, false, 1L, "1970-01-01");
        assertEquals(Optional.empty(), seen(ls.validate(noPoint, typed)));
        assertEquals(refused("WRONG_MODE", NO_POINT), seen(ls.admit(noPoint, typed)));
    }

    // ===============================================================================================================
    // Steps

    static Stream<Arguments> everyModeEachOperationStartsFrom() {
        return Arrays.stream(Op.values()).flatMap(op -> Arrays.stream(Mode.values()).flatMap(dr -> Arrays.stream(ProductionMode.values())
                .filter(p -> op.modesAllow(dr, p)).map(p -> Arguments.of(op, dr, p))));
    }

    @ParameterizedTest(name = "{0} from DR {1}, production {2}")
    @MethodSource("everyModeEachOperationStartsFrom")
    void stepsFromEveryModeItStartsFrom(Op op, Mode dr, ProductionMode production) {
        for (Object[] v : variants(op, dr, production)) {
            Situation x = (Situation) v[0];
            RunbookDefinition.Request r = (RunbookDefinition.Request) v[1];
            PairState s = x.state();
            assertEquals(Optional.empty(), seen(op.def().admit(s, r)), x.toString());
            assertEquals(render(expectedSteps(op, x, r)), render(op.def().steps(s, r)), x + ", " + r);
        }
    }

    @Test
    void serviceFromRecoveredTakesTheSnapshotFirstAndFromServiceStoppedKeepsIt() {
        RunbookDefinition service = Op.SERVICE.def();
        PairState recovered = Situation.ready(Mode.RECOVERED, ProductionMode.SERVICE).state();
        assertEquals(List.of("SNAPSHOT@dr", "OPEN_SHARD meta@dr", "OPEN_SHARD s1@dr", "OPEN_SHARD s2@dr", "START_DBPROXY@dr"),
                render(service.steps(recovered, request(null))));
        PairState stopped = Situation.ready(Mode.SERVICE_STOPPED, ProductionMode.CATCHING_UP).state();
        assertEquals(List.of("OPEN_SHARD meta@dr", "OPEN_SHARD s1@dr", "OPEN_SHARD s2@dr", "START_DBPROXY@dr"),
                render(service.steps(stopped, request(null))));
    }

    @Test
    void flashbackArchivesOnlyWhenNoArchiveOfTheCurrentSnapshotExists() {
        RunbookDefinition flashback = Op.FLASHBACK.def();
        List<String> archiving = List.of("DRILL_PREFLIGHT@dr", "ARCHIVE_DRILL@dr", "FLASHBACK@dr", "REPLICA_CATCH_UP@dr");
        Situation stopped = Situation.ready(Mode.SERVICE_STOPPED, ProductionMode.SERVICE);
        assertEquals(archiving, render(flashback.steps(stopped.state(), request(null))));
        assertEquals(archiving, render(flashback.steps(stopped.drilled(DrillAt.OLDER_SNAPSHOT).state(), request(null))));
        assertEquals(List.of("DRILL_PREFLIGHT@dr", "FLASHBACK@dr", "REPLICA_CATCH_UP@dr"),
                render(flashback.steps(stopped.drilled(DrillAt.CURRENT_SNAPSHOT).state(), request(null))));
    }

    @Test
    void switchbackRunsTheWholeRunbookFromServiceAndOnlyWhatIsLeftElsewhere() {
        RunbookDefinition sb = Op.SWITCHBACK.def();
        assertEquals(List.of("SWITCHBACK_PREFLIGHT@dr", "REACHABLE@production", "STOP_DBPROXY@production",
                "CLOSE_SHARD meta@production", "CLOSE_SHARD s1@production", "CLOSE_SHARD s2@production",
                "ARCHIVE_ROLLBACK@production", "ROLLBACK_XA@production", "FLASHBACK@production", "REPLICA_CATCH_UP@production",
                "VERIFY_ROLLBACK@production", "PURGE_SHARD meta@production", "PURGE_SHARD s1@production", "PURGE_SHARD s2@production",
                "LINK_FROM_DR meta@production", "LINK_FROM_DR s1@production", "LINK_FROM_DR s2@production",
                "CAUGHT_UP_WITH_DR@production", "STOP_DBPROXY@dr", "CLOSE_SHARD meta@dr", "CLOSE_SHARD s1@dr", "CLOSE_SHARD s2@dr",
                "CAUGHT_UP_WITH_DR@production", "DROP_LINK meta@production", "DROP_LINK s1@production", "DROP_LINK s2@production",
                "OPEN_SHARD meta@production", "OPEN_SHARD s1@production", "OPEN_SHARD s2@production", "START_DBPROXY@production",
                "DROP_LINK meta@dr", "DROP_LINK s1@dr", "DROP_LINK s2@dr", "ENSURE_LINK meta@dr", "ENSURE_LINK s1@dr",
                "ENSURE_LINK s2@dr"), render(sb.steps(Situation.ready(Mode.SERVICE, ProductionMode.SERVICE).state(), request(null))));
        assertEquals(List.of("SWITCHBACK_PREFLIGHT@dr", "ROLLBACK_XA@production", "FLASHBACK@production", "REPLICA_CATCH_UP@production",
                "VERIFY_ROLLBACK@production", "PURGE_SHARD meta@production", "PURGE_SHARD s1@production", "PURGE_SHARD s2@production",
                "LINK_FROM_DR meta@production", "LINK_FROM_DR s1@production", "LINK_FROM_DR s2@production",
                "CAUGHT_UP_WITH_DR@production", "DROP_LINK meta@production", "DROP_LINK s1@production", "DROP_LINK s2@production",
                "OPEN_SHARD meta@production", "OPEN_SHARD s1@production", "OPEN_SHARD s2@production", "START_DBPROXY@production",
                "DROP_LINK meta@dr", "DROP_LINK s1@dr", "DROP_LINK s2@dr", "ENSURE_LINK meta@dr", "ENSURE_LINK s1@dr",
                "ENSURE_LINK s2@dr"), render(sb.steps(Situation.ready(Mode.SERVICE_STOPPED, ProductionMode.FENCED).rolledBack(true)
                .state(), request(null))));
        assertEquals(List.of("LINK_FROM_DR meta@production", "LINK_FROM_DR s1@production", "LINK_FROM_DR s2@production",
                "CAUGHT_UP_WITH_DR@production", "STOP_DBPROXY@dr", "CLOSE_SHARD meta@dr", "CLOSE_SHARD s1@dr", "CLOSE_SHARD s2@dr",
                "CAUGHT_UP_WITH_DR@production", "DROP_LINK meta@production", "DROP_LINK s1@production", "DROP_LINK s2@production",
                "OPEN_SHARD meta@production", "OPEN_SHARD s1@production", "OPEN_SHARD s2@production", "START_DBPROXY@production",
                "DROP_LINK meta@dr", "DROP_LINK s1@dr", "DROP_LINK s2@dr", "ENSURE_LINK meta@dr", "ENSURE_LINK s1@dr",
                "ENSURE_LINK s2@dr"), render(sb.steps(Situation.ready(Mode.SERVICE, ProductionMode.CATCHING_UP).rolledBack(true)
                .state(), request(null))));
        // Production serves again after its rollback: only DR's return to sync is left.
        assertEquals(List.of("DROP_LINK meta@dr", "DROP_LINK s1@dr", "DROP_LINK s2@dr", "ENSURE_LINK meta@dr", "ENSURE_LINK s1@dr",
                "ENSURE_LINK s2@dr"), render(sb.steps(Situation.ready(Mode.SERVICE_STOPPED, ProductionMode.SERVICE).rolledBack(true)
                .state(), request(null))));
    }

    @Test
    void laststampArchivesOnlyOnce() {
        RunbookDefinition ls = Op.LASTSTAMP.def();
        assertEquals(List.of("SWITCHBACK_PREFLIGHT@dr", "ARCHIVE_ROLLBACK@production", "ROLLBACK_XA@production", "FLASHBACK@production",
                "REPLICA_CATCH_UP@production", "VERIFY_ROLLBACK@production", "PURGE_SHARD meta@production", "PURGE_SHARD s1@production",
                "PURGE_SHARD s2@production"), render(ls.steps(Situation.ready(Mode.SERVICE, ProductionMode.FENCED).state(), request(null))));
        assertEquals(List.of("SWITCHBACK_PREFLIGHT@dr", "ROLLBACK_XA@production", "FLASHBACK@production",
                "REPLICA_CATCH_UP@production", "VERIFY_ROLLBACK@production", "PURGE_SHARD meta@production", "PURGE_SHARD s1@production",
                "PURGE_SHARD s2@production"), render(ls.steps(Situation.ready(Mode.SERVICE, ProductionMode.FENCED).rolledBack(true)
                .state(), request(null))));
    }

    // ===============================================================================================================
    // The journal entry, its id, and its end

    @ParameterizedTest
    @EnumSource(Op.class)
    void runbookIdsNameTheCommandAndProductionsSiteButNotLaststamps(Op op) {
        assertEquals(op.idPrefix + "abc12345", op.def().runbookId("abc12345"));
    }

    @ParameterizedTest
    @EnumSource(Op.class)
    void journalsItsOwnRequestedEntry(Op op) {
        Situation x = Situation.ready(op.startDr, op.startProduction);
        PairState s = x.state();
        boolean delayed = op == Op.SYNC || op == Op.SWITCHBACK;
        RunbookDefinition.Request r = request(delayed ? 45 : null);
        List<RunbookStep> steps = op.def().steps(s, r);
        PairEvent.RunbookRequested e = op.def().requested("id-1", r, steps, s, 1234L);
        assertEquals(op.requested, e.getClass());
        assertEquals("id-1", e.runbookId());
        assertEquals(op.operation, e.operation());
        assertEquals(op.site, e.site());
        assertEquals(steps, e.steps());
        assertEquals(op.startDr, e.fromMode());
        assertEquals(1234L, e.atMillis());
        assertEquals(delayed ? 45 : 0, e.delaySeconds());

        PairState after = s.apply(e);
        Runbook rb = after.runbook();
        assertEquals("id-1", rb.id());
        assertEquals(op.operation, rb.operation());
        assertEquals(op.site, rb.site());
        assertEquals(0, rb.next());
        assertEquals(op.startDr, rb.fromMode());
        assertEquals(delayed ? 45 : 300, rb.delaySeconds());
        assertEquals(op == Op.RECOVER ? Mode.RECOVERING : op.startDr, after.drMode());
        assertEquals(op.startProduction, after.productionMode());
        assertSame(op.def(), RUNBOOKS.of(rb));
    }

    @Test
    void switchbackJournalsTheDelayGivenElseTheClusters() {
        PairState s = Situation.ready(Mode.SERVICE, ProductionMode.SERVICE).state();
        RunbookDefinition sb = Op.SWITCHBACK.def();
        assertEquals(300, sb.requested("x", request(null), List.of(), s, 1).delaySeconds());
        assertEquals(0, sb.requested("x", request(0), List.of(), s, 1).delaySeconds());
        assertEquals(45, sb.requested("x", request(45), List.of(), s, 1).delaySeconds());
    }

    @ParameterizedTest
    @EnumSource(Op.class)
    void completionEventsEndTheRunbookInItsMode(Op op) {
        Situation x = Situation.ready(op.startDr, op.startProduction);
        boolean delayed = op == Op.SYNC || op == Op.SWITCHBACK;
        RunbookDefinition.Request r = request(delayed ? 45 : null);
        PairState s = x.state();
        s = s.apply(op.def().requested("id-1", r, op.def().steps(s, r), s, 1));
        List<PairEvent> expected = switch (op) {
            case SYNC, SWITCHBACK -> List.of(new PairEvent.SyncStarted("id-1", 45));
            case STOPSYNC -> List.of(new PairEvent.SyncStopped("id-1"));
            case RECOVER, PURGE -> List.of(); // their last step records the point that ends them
            case SERVICE -> List.of(new PairEvent.ServiceStarted("id-1"));
            case PRODUCTION_SERVICE -> List.of(new PairEvent.ProductionServiceResumed("id-1"));
            case STOPSERVICE -> List.of(new PairEvent.ServiceStopped("id-1"));
            case FENCE -> List.of(new PairEvent.ProductionFenced("id-1"));
            case FLASHBACK -> List.of(new PairEvent.FlashbackCompleted("id-1"));
            case LASTSTAMP -> List.of(new PairEvent.RunbookCompleted("id-1"));
        };
        assertEquals(expected, op.def().completion(s.runbook()));
    }

    /**
     * Every step of every operation from every mode it starts from, journaled as the entity does: the runbook runs to
     * its last step and ends there, with both sites in the modes its end gives them.
     */
    @ParameterizedTest(name = "{0} from DR {1}, production {2}")
    @MethodSource("everyModeEachOperationStartsFrom")
    void runsToItsEndInTheModesItLeaves(Op op, Mode dr, ProductionMode production) {
        for (Object[] v : variants(op, dr, production)) {
            Situation x = (Situation) v[0];
            RunbookDefinition.Request r = (RunbookDefinition.Request) v[1];
            PairState s = x.state();
            int n = op.def().steps(s, r).size();
            PairState done = startAndRun(op, s, r, "run-1", n);
            assertNull(done.runbook(), x + ": still running after its " + n + " steps");
            assertEquals("run-1", done.finishedRunbook().id());
            assertNull(done.lastError());
            Mode endDr = switch (op) {
                case SYNC, SWITCHBACK -> Mode.SYNC;
                case STOPSYNC -> Mode.STOPPED;
                case RECOVER, PURGE -> Mode.RECOVERED;
                case SERVICE -> Mode.SERVICE;
                case STOPSERVICE -> Mode.SERVICE_STOPPED;
                case FLASHBACK -> Mode.FLASHED_BACK;
                default -> dr;
            };
            ProductionMode endProduction = switch (op) {
                case PRODUCTION_SERVICE, SWITCHBACK -> ProductionMode.SERVICE;
                case FENCE -> ProductionMode.FENCED;
                case LASTSTAMP -> ProductionMode.ROLLED_BACK;
                default -> production;
            };
            assertEquals(endDr, done.drMode(), x.toString());
            assertEquals(endProduction, done.productionMode(), x.toString());
            if (op == Op.SYNC || op == Op.SWITCHBACK) {
                int delay = r.delaySeconds() != null ? r.delaySeconds() : 300;
                assertEquals(delay, done.delaySeconds(), x.toString());
                assertEquals(Map.of("meta", delay, "s1", delay, "s2", delay), done.linkedShards(), x.toString());
            }
        }
    }

    @Test
    void switchbackWalksBothSitesThroughEachPhase() {
        List<String> modes = new ArrayList<>();
        PairState s = Situation.ready(Mode.SERVICE, ProductionMode.SERVICE).state();
        startAndRun(Op.SWITCHBACK, s, request(null), "switchback-1", 36, modes);
        assertEquals(List.of("SERVICE/SERVICE", "FENCED/SERVICE", "ROLLED_BACK/SERVICE", "CATCHING_UP/SERVICE",
                "CATCHING_UP/SERVICE_STOPPED", "SERVICE/SERVICE_STOPPED", "SERVICE/SYNC"), modes);

        modes.clear();
        s = Situation.ready(Mode.SERVICE_STOPPED, ProductionMode.FENCED).rolledBack(true).state();
        startAndRun(Op.SWITCHBACK, s, request(null), "switchback-2", 25, modes);
        assertEquals(List.of("FENCED/SERVICE_STOPPED", "ROLLED_BACK/SERVICE_STOPPED", "CATCHING_UP/SERVICE_STOPPED",
                "SERVICE/SERVICE_STOPPED", "SERVICE/SYNC"), modes);

        modes.clear();
        s = Situation.ready(Mode.SERVICE, ProductionMode.FENCED).state();
        startAndRun(Op.LASTSTAMP, s, request(null), "laststamp-1", 9, modes);
        assertEquals(List.of("FENCED/SERVICE", "ROLLED_BACK/SERVICE"), modes);
    }

    @Test
    void afterStepMovesTheSitesOnlyAtTheEndOfEachSwitchbackPhase() {
        RunbookDefinition sb = Op.SWITCHBACK.def();
        PairState s = Situation.ready(Mode.SERVICE, ProductionMode.SERVICE).state();
        s = s.apply(sb.requested("sb", request(null), sb.steps(s, request(null)), s, 1));
        Map<Integer, PairEvent> expected = Map.of(
                5, new PairEvent.ModesChanged("sb", ProductionMode.FENCED, null), // the last production CLOSE_SHARD
                13, new PairEvent.ModesChanged("sb", ProductionMode.ROLLED_BACK, null), // the last PURGE_SHARD
                16, new PairEvent.ModesChanged("sb", ProductionMode.CATCHING_UP, null), // the last LINK_FROM_DR
                21, new PairEvent.ModesChanged("sb", null, Mode.SERVICE_STOPPED), // the last DR CLOSE_SHARD
                29, new PairEvent.ModesChanged("sb", ProductionMode.SERVICE, null)); // production's START_DBPROXY
        for (int i = 0; i < 36; i++) {
            Runbook rb = s.runbook();
            assertEquals(expected.containsKey(i) ? List.of(expected.get(i)) : List.of(), sb.afterStep(rb), "after step " + i);
            s = s.apply(stepEvent(rb));
        }
        // No other operation journals anything after a step but the step's own events.
        for (Op op : Op.values()) {
            if (op == Op.SWITCHBACK || op == Op.LASTSTAMP) {
                continue;
            }
            Situation x = Situation.ready(op.startDr, op.startProduction);
            PairState t = x.state();
            RunbookDefinition.Request r = request(op == Op.SYNC ? 45 : null);
            List<RunbookStep> steps = op.def().steps(t, r);
            t = t.apply(op.def().requested("op", r, steps, t, 1));
            for (int i = 0; i < steps.size() && t.runbookInProgress(); i++) {
                assertEquals(List.of(), op.def().afterStep(t.runbook()), op + " step " + i);
                t = t.apply(stepEvent(t.runbook()));
            }
        }
    }

    @Test
    void doneMessagesSayWhereTheRunbookLeftThePair() {
        PairState ready = Situation.ready(Mode.SERVICE_STOPPED, ProductionMode.FENCED).rolledBack(true).drilled(DrillAt.CURRENT_SNAPSHOT)
                .state();
        Runbook sync = new Runbook("sync-1", Operation.SYNC, 45, each(RunbookStep.Kind.STOP_LINK, DR), 0, Mode.STOPPED, 1);
        Runbook any = new Runbook("x-1", Operation.SWITCHBACK, 45, List.of(one(RunbookStep.Kind.PREFLIGHT, DR)), 0, Mode.SERVICE, 1);
        assertEquals("DR cluster c7 is in sync with production cluster c7, delay 45 s, on 3 steps.", Op.SYNC.def().doneMessage(sync, ready));
        assertEquals("DR cluster c7 stopped syncing; relay logs are kept.", Op.STOPSYNC.def().doneMessage(any, ready));
        assertEquals("DR cluster c7 recovered to time 2023-11-14 22:13:20.123456.", Op.RECOVER.def().doneMessage(any, ready));
        assertEquals("DR cluster c7 is in service; snapshot point snap-1.", Op.SERVICE.def().doneMessage(any, ready));
        assertEquals("DR cluster c7 is in service.", Op.SERVICE.def().doneMessage(any, PairState.initial()));
        assertEquals("production cluster c7 serves again: every shard primary is writable and its start_dbproxy hook ran.",
                Op.PRODUCTION_SERVICE.def().doneMessage(any, ready));
        assertEquals("DR cluster c7 stopped serving and is read-only.", Op.STOPSERVICE.def().doneMessage(any, ready));
        assertEquals("production cluster c7 is fenced: its stop_dbproxy hook ran and every shard primary is read-only"
                + " (super_read_only ON); 'drsp laststamp c7 --dry-run' shows what the switchback would roll back, 'drsp service"
                + " c7 --site production' gives production its applications back.", Op.FENCE.def().doneMessage(any, ready));
        assertEquals("DR cluster c7 undid its drill (5 transactions, 12 row changes, archived under var/archive/flashback-j5) and every"
                + " local replica replayed it; run purge next.", Op.FLASHBACK.def().doneMessage(any, ready));
        assertEquals("DR cluster c7 undid its drill (0 transactions, 0 row changes, archived under var/archive) and every local"
                + " replica replayed it; run purge next.", Op.FLASHBACK.def().doneMessage(any, PairState.initial()));
        assertEquals("DR cluster c7 is back at snapshot point snap-1 on every member; run sync to resume.",
                Op.PURGE.def().doneMessage(any, ready));
        assertEquals("production cluster c7 is rolled back to the recovery point (time 2023-11-14 22:13:20.123456): 7 transactions"
                + " flashed back, archived under var/archive/laststamp-j6; every member is purged to the point. Run switchback c7 to"
                + " continue.", Op.LASTSTAMP.def().doneMessage(any, ready));
        assertEquals("switchback of cluster c7 is done: production serves (its start_dbproxy hook ran) and DR follows it with delay"
                + " 45 s; what production had written after the recovery point is archived under var/archive/laststamp-j6.",
                Op.SWITCHBACK.def().doneMessage(any, ready));
        assertEquals("switchback of cluster c7 is done: production serves (its start_dbproxy hook ran) and DR follows it with delay"
                + " 45 s; what production had written after the recovery point is archived under var/archive.",
                Op.SWITCHBACK.def().doneMessage(any, PairState.initial()));
    }

    // ===============================================================================================================
    // Joining

    @Test
    void theSameCommandAgainJoinsItsRunbookAndNoOtherCommandDoes() {
        for (Op running : Op.values()) {
            Situation x = Situation.ready(running.startDr, running.startProduction);
            PairState s = x.state();
            RunbookDefinition.Request r = request(running == Op.SYNC || running == Op.SWITCHBACK ? 300 : null);
            s = s.apply(running.def().requested("run-1", r, running.def().steps(s, r), s, 1));
            Runbook rb = s.runbook();
            for (Op candidate : Op.values()) {
                List<Integer> delays = candidate == Op.SYNC ? List.of(300, 45) : candidate == Op.SWITCHBACK
                        ? Arrays.asList(null, 300, 45) : Arrays.asList((Integer) null);
                for (Integer d : delays) {
                    // sync joins only with its own delay (another is a new sync); switchback whatever its delay
                    boolean expected = candidate == running && (candidate != Op.SYNC || Objects.equals(d, 300));
                    assertEquals(expected, candidate.def().joins(rb, request(d)), candidate + " --delay " + d + " while " + running
                            + " runs");
                }
            }
        }
    }

    @Test
    void aRunbookJournaledBeforeSitesWereRecordedIsDrs() {
        PairState s = Situation.ready(Mode.RECOVERED, ProductionMode.FENCED).state()
                .apply(new PairEvent.ServiceRequested("service-old", List.of(one(RunbookStep.Kind.SNAPSHOT, DR)), Mode.RECOVERED, 1, null));
        assertEquals(DR, s.runbook().site());
        assertTrue(Op.SERVICE.def().joins(s.runbook(), request(null)));
        assertFalse(Op.PRODUCTION_SERVICE.def().joins(s.runbook(), request(null)));
        assertSame(Op.SERVICE.def(), RUNBOOKS.of(s.runbook()));
    }

    // ===============================================================================================================
    // Failures: what is taken back, and the sentence that says so

    @Test
    void syncFailingTakesBackTheLinksItStarted() {
        RunbookDefinition sync = Op.SYNC.def();
        PairState s = startAndRun(Op.SYNC, Situation.ready(Mode.STOPPED, ProductionMode.SERVICE).state(), request(45), "sync-f1", 3);
        PairEvent.RunbookFailed f = sync.failure(s, s.runbook(), "boom");
        assertEquals(new PairEvent.RunbookFailed("sync-f1", 3, "boom (links of meta, s1 started by this sync were stopped again)",
                List.of("meta", "s1")), f);
        PairState after = s.apply(f);
        assertEquals(new PendingUndo("sync-f1", Operation.SYNC, Mode.STOPPED, 300, List.of("meta", "s1"), DR), after.pendingUndo());
        assertEquals(Map.of("s2", 300), after.linkedShards());
        assertEquals(new NodeAgent.StopLink(null), RUNBOOKS.of(after.pendingUndo()).undoStep(after.pendingUndo(), "meta").apply(null));
        assertEquals(Mode.STOPPED, after.drMode());

        // Failing at its preflight, it changed nothing.
        PairState atPreflight = startAndRun(Op.SYNC, Situation.ready(Mode.IDLE, ProductionMode.SERVICE).delayed(null).state(),
                request(45), "sync-f2", 0);
        assertEquals(new PairEvent.RunbookFailed("sync-f2", 0, "boom", List.of()), sync.failure(atPreflight, atPreflight.runbook(), "boom"));
        assertNull(atPreflight.apply(sync.failure(atPreflight, atPreflight.runbook(), "boom")).pendingUndo());
    }

    @Test
    void syncChangingTheDelayInPlaceSetsItBackWhenItFails() {
        RunbookDefinition sync = Op.SYNC.def();
        PairState s = startAndRun(Op.SYNC, Situation.ready(Mode.SYNC, ProductionMode.SERVICE).state(), request(45), "sync-f3", 3);
        assertEquals(Map.of("meta", 45, "s1", 45, "s2", 300), s.linkedShards());
        PairEvent.RunbookFailed f = sync.failure(s, s.runbook(), "boom");
        assertEquals(new PairEvent.RunbookFailed("sync-f3", 3, "boom (shards meta, s1 were set back to the delay of 300 s, so every"
                + " shard keeps the cluster's delay)", List.of("meta", "s1")), f);
        PairState after = s.apply(f);
        assertEquals(Map.of("meta", 300, "s1", 300, "s2", 300), after.linkedShards());
        assertEquals(new NodeAgent.EnsureLink(Endpoint.parse("127.0.0.1:3306"), 300, null),
                RUNBOOKS.of(after.pendingUndo()).undoStep(after.pendingUndo(), "meta").apply(null));
        assertEquals(Mode.SYNC, after.drMode());
    }

    @Test
    void recoverStopsyncFlashbackAndPurgeLeaveNothingToTakeBack() {
        Map<Op, Integer> failAt = Map.of(Op.RECOVER, 2, Op.STOPSYNC, 1, Op.FLASHBACK, 2, Op.PURGE, 2);
        failAt.forEach((op, at) -> {
            PairState s = startAndRun(op, Situation.ready(op.startDr, op.startProduction).state(), request(null), "f-" + op, at);
            PairEvent.RunbookFailed f = op.def().failure(s, s.runbook(), "boom");
            assertEquals(new PairEvent.RunbookFailed("f-" + op, at, "boom", List.of()), f, op.toString());
            PairState after = s.apply(f);
            assertNull(after.pendingUndo(), op.toString());
            assertEquals("boom", after.lastError());
            // A recover stays RECOVERING, so running it again continues; the others stay where they started.
            assertEquals(op == Op.RECOVER ? Mode.RECOVERING : op.startDr, after.drMode(), op.toString());
        });
    }

    @Test
    void serviceFailingMakesTheShardsItOpenedReadOnlyAgain() {
        RunbookDefinition service = Op.SERVICE.def();
        PairState s = startAndRun(Op.SERVICE, Situation.ready(Mode.RECOVERED, ProductionMode.SERVICE).state(), request(null), "service-f", 2);
        PairEvent.RunbookFailed f = service.failure(s, s.runbook(), "boom");
        assertEquals(new PairEvent.RunbookFailed("service-f", 2, "boom (shards meta were made read-only again)", List.of("meta")), f);
        PendingUndo undo = s.apply(f).pendingUndo();
        assertEquals(new PendingUndo("service-f", Operation.SERVICE, Mode.RECOVERED, 300, List.of("meta"), DR), undo);
        assertEquals(new NodeAgent.SetReadOnly(true, null), RUNBOOKS.of(undo).undoStep(undo, "meta").apply(null));

        PairState first = startAndRun(Op.SERVICE, Situation.ready(Mode.SERVICE_STOPPED, ProductionMode.SERVICE).state(), request(null),
                "service-g", 0);
        assertEquals(new PairEvent.RunbookFailed("service-g", 0, "boom", List.of()), service.failure(first, first.runbook(), "boom"));
    }

    @Test
    void stopserviceFailingMakesTheShardsItClosedWritableAgainButNotDrsProxy() {
        RunbookDefinition stop = Op.STOPSERVICE.def();
        RunbookDefinition.Request resolve = new RunbookDefinition.Request(null, true, null, null);
        PairState s = startAndRun(Op.STOPSERVICE, Situation.ready(Mode.SERVICE, ProductionMode.SERVICE).state(), resolve, "stop-f", 4);
        PairEvent.RunbookFailed f = stop.failure(s, s.runbook(), "boom");
        assertEquals(new PairEvent.RunbookFailed("stop-f", 4, "boom (shards meta, s1 were made writable again: DR cluster c7 stays in"
                + " service)", List.of("meta", "s1")), f);
        PendingUndo undo = s.apply(f).pendingUndo();
        assertEquals(new NodeAgent.SetReadOnly(false, null), RUNBOOKS.of(undo).undoStep(undo, "s1").apply(null));
        // Its stop_dbproxy ran, no shard closed: nothing is taken back (DR's proxy is not started again).
        PairState proxyOnly = startAndRun(Op.STOPSERVICE, Situation.ready(Mode.SERVICE, ProductionMode.SERVICE).state(), request(null),
                "stop-g", 1);
        assertEquals(new PairEvent.RunbookFailed("stop-g", 1, "boom", List.of()), stop.failure(proxyOnly, proxyOnly.runbook(), "boom"));
    }

    @Test
    void aFailedFenceLeavesProductionServingWithItsProxyStartedAgain() {
        RunbookDefinition fence = Op.FENCE.def();
        Situation syncing = Situation.ready(Mode.SYNC, ProductionMode.SERVICE);
        PairState unreachable = startAndRun(Op.FENCE, syncing.state(), request(null), "fence-a", 0);
        assertEquals(new PairEvent.RunbookFailed("fence-a", 0, "boom (no production shard had been made read-only: production cluster"
                + " c7 stays in service)", List.of()), fence.failure(unreachable, unreachable.runbook(), "boom"));

        PairState proxyStopped = startAndRun(Op.FENCE, syncing.state(), request(null), "fence-b", 2);
        assertEquals(new PairEvent.RunbookFailed("fence-b", 2, "boom (no production shard had been made read-only and its"
                + " start_dbproxy hook ran again after stop_dbproxy: production cluster c7 stays in service)", List.of(PendingUndo.PROXY)),
                fence.failure(proxyStopped, proxyStopped.runbook(), "boom"));

        PairState twoClosed = startAndRun(Op.FENCE, syncing.state(), request(null), "fence-c", 4);
        PairEvent.RunbookFailed f = fence.failure(twoClosed, twoClosed.runbook(), "boom");
        assertEquals(new PairEvent.RunbookFailed("fence-c", 4, "boom (production shards meta, s1 were made writable again and its"
                + " start_dbproxy hook ran again after stop_dbproxy: production cluster c7 stays in service)",
                List.of("meta", "s1", "")), f);
        PairState after = twoClosed.apply(f);
        assertEquals(new PendingUndo("fence-c", Operation.STOPSERVICE, Mode.SYNC, 300, List.of("meta", "s1", ""), P), after.pendingUndo());
        assertEquals(ProductionMode.SERVICE, after.productionMode());
        assertEquals(new NodeAgent.SetReadOnly(false, null), RUNBOOKS.of(after.pendingUndo()).undoStep(after.pendingUndo(), "s1").apply(null));
        // The refusal it leaves until that is done names the proxy as a DBA reads it.
        assertEquals(refused("FAILED", "cluster c7 is still taking back what the failed fence-c changed on meta, s1, its proxy"
                        + " (retried now); run the command again once it is done.").map(e -> new Expected(e.why(), e.sentence(), true)),
                seen(Op.SYNC.def().admit(after, request(60))));
    }

    @Test
    void productionServiceFailingLeavesProductionFenced() {
        RunbookDefinition service = Op.PRODUCTION_SERVICE.def();
        Situation fenced = Situation.ready(Mode.SERVICE_STOPPED, ProductionMode.FENCED);
        PairState unreachable = startAndRun(Op.PRODUCTION_SERVICE, fenced.state(), request(null), "ps-a", 0);
        assertEquals(new PairEvent.RunbookFailed("ps-a", 0, "boom (production cluster c7 stays fenced)", List.of()),
                service.failure(unreachable, unreachable.runbook(), "boom"));
        PairState oneOpen = startAndRun(Op.PRODUCTION_SERVICE, fenced.state(), request(null), "ps-b", 2);
        PairEvent.RunbookFailed f = service.failure(oneOpen, oneOpen.runbook(), "boom");
        assertEquals(new PairEvent.RunbookFailed("ps-b", 2, "boom (production shards meta were made read-only again: production"
                + " cluster c7 stays fenced)", List.of("meta")), f);
        PendingUndo undo = oneOpen.apply(f).pendingUndo();
        assertEquals(P, undo.site());
        assertEquals(new NodeAgent.SetReadOnly(true, null), RUNBOOKS.of(undo).undoStep(undo, "meta").apply(null));
        PairState allOpen = startAndRun(Op.PRODUCTION_SERVICE, fenced.state(), request(null), "ps-c", 4);
        assertEquals(List.of("meta", "s1", "s2"), service.failure(allOpen, allOpen.runbook(), "boom").rolledBack());
    }

    @Test
    void laststampFailingTakesNothingBackAndSaysWhereBothSitesStay() {
        RunbookDefinition ls = Op.LASTSTAMP.def();
        Situation fenced = Situation.ready(Mode.SERVICE_STOPPED, ProductionMode.FENCED);
        PairState s = startAndRun(Op.LASTSTAMP, fenced.state(), request(null), "laststamp-f", 3);
        PairEvent.RunbookFailed f = ls.failure(s, s.runbook(), "boom");
        assertEquals(new PairEvent.RunbookFailed("laststamp-f", 3, "boom; production cluster c7 stays FENCED, DR stays"
                + " SERVICE_STOPPED; run laststamp c7 again to continue from there.", List.of(), Operation.STOPSERVICE, P), f);
        PairState after = s.apply(f);
        assertNull(after.pendingUndo());
        assertEquals(ROLLBACK, after.rollback(), "the archive stays: a rerun never archives again");
        PairState atPreflight = startAndRun(Op.LASTSTAMP, fenced.state(), request(null), "laststamp-g", 0);
        assertEquals(new PairEvent.RunbookFailed("laststamp-g", 0, "boom; production cluster c7 stays FENCED, DR stays SERVICE_STOPPED;"
                + " run laststamp c7 again to continue from there.", List.of(), Operation.STOPSERVICE, DR),
                ls.failure(atPreflight, atPreflight.runbook(), "boom"));
    }

    @Test
    void switchbackFailingWhileFencingASiteTakesThatFenceBackAsStopserviceAtThatSite() {
        RunbookDefinition sb = Op.SWITCHBACK.def();
        Situation serving = Situation.ready(Mode.SERVICE, ProductionMode.SERVICE);
        String stays = "; production cluster c7 stays SERVICE, DR stays SERVICE; run switchback c7 again to continue from there.";

        PairState reachable = startAndRun(Op.SWITCHBACK, serving.state(), request(null), "sb-a", 1);
        assertEquals(new PairEvent.RunbookFailed("sb-a", 1, "boom" + stays, List.of(), Operation.STOPSERVICE, P),
                sb.failure(reachable, reachable.runbook(), "boom"));

        PairState proxyStopped = startAndRun(Op.SWITCHBACK, serving.state(), request(null), "sb-b", 3);
        assertEquals(new PairEvent.RunbookFailed("sb-b", 3, "boom (production's fence was taken back: its start_dbproxy hook ran"
                + " again)" + stays, List.of(""), Operation.STOPSERVICE, P), sb.failure(proxyStopped, proxyStopped.runbook(), "boom"));

        PairState oneClosed = startAndRun(Op.SWITCHBACK, serving.state(), request(null), "sb-c", 4);
        PairEvent.RunbookFailed f = sb.failure(oneClosed, oneClosed.runbook(), "boom");
        assertEquals(new PairEvent.RunbookFailed("sb-c", 4, "boom (production's fence was taken back: shards meta were made writable"
                + " again and its start_dbproxy hook ran again)" + stays, List.of("meta", ""), Operation.STOPSERVICE, P), f);
        PendingUndo undo = oneClosed.apply(f).pendingUndo();
        assertEquals(new PendingUndo("sb-c", Operation.STOPSERVICE, Mode.SERVICE, 300, List.of("meta", ""), P), undo);
        assertEquals("FenceOperation", RUNBOOKS.of(undo).getClass().getSimpleName());
        assertEquals(new NodeAgent.SetReadOnly(false, null), RUNBOOKS.of(undo).undoStep(undo, "meta").apply(null));

        // DR's fence, after production has caught up: only DR's closes and DR's proxy are taken back, at DR.
        PairState drClosing = startAndRun(Op.SWITCHBACK, serving.state(), request(null), "sb-d", 20);
        f = sb.failure(drClosing, drClosing.runbook(), "boom");
        assertEquals(new PairEvent.RunbookFailed("sb-d", 20, "boom (DR's fence was taken back: shards meta were made writable again"
                + " and its start_dbproxy hook ran again); production cluster c7 stays CATCHING_UP, DR stays SERVICE; run switchback c7"
                + " again to continue from there.", List.of("meta", ""), Operation.STOPSERVICE, DR), f);
        undo = drClosing.apply(f).pendingUndo();
        assertEquals(DR, undo.site());
        assertEquals("StopServiceOperation", RUNBOOKS.of(undo).getClass().getSimpleName());
        assertEquals(new NodeAgent.SetReadOnly(false, null), RUNBOOKS.of(undo).undoStep(undo, "meta").apply(null));

        // Anywhere else nothing is taken back: each site stays in the mode its last finished phase left.
        PairState linking = startAndRun(Op.SWITCHBACK, serving.state(), request(null), "sb-e", 15);
        PairEvent.RunbookFailed g = sb.failure(linking, linking.runbook(), "boom");
        assertEquals(new PairEvent.RunbookFailed("sb-e", 15, "boom; production cluster c7 stays ROLLED_BACK, DR stays SERVICE; run"
                + " switchback c7 again to continue from there.", List.of(), Operation.STOPSERVICE, P), g);
        PairState after = linking.apply(g);
        assertNull(after.pendingUndo());
        assertEquals(ProductionMode.ROLLED_BACK, after.productionMode());
        assertEquals(Mode.SERVICE, after.drMode());
    }

    // ===============================================================================================================
    // The commands that are not runbooks

    @Test
    void relaytimeStartsFromStoppedRecoveringOrRecoveredWithNoRunbookInTheWay() {
        RelaytimeOperation relaytime = new RelaytimeOperation(CONTEXT);
        RecoveryPlanner.Result ok = new RecoveryPlanner.Result(Optional.of(new RecoveryPlan(TARGET, List.of(), null)), Optional.empty());
        for (Mode dr : Mode.values()) {
            for (ProductionMode production : ProductionMode.values()) {
                for (Running running : Running.values()) {
                    for (boolean undo : new boolean[] {false, true}) {
                        Situation x = Situation.ready(dr, production).running(running);
                        PairState s = (undo ? x.undoPending() : x).state();
                        String what = x + (undo ? ", undo pending" : "");
                        Optional<Expected> expected = running == Running.NONE
                                ? DR_FROM.get(Operation.RELAYTIME).contains(dr) ? Optional.empty()
                                : refused("WRONG_MODE", drModeSentence(dr, Operation.RELAYTIME))
                                : refused("BUSY", running == Running.DR_STOPSYNC ? BUSY_DR : BUSY_PRODUCTION);
                        assertEquals(expected, seen(relaytime.admit(s)), what);
                        Optional<Expected> checked = running == Running.NONE && DR_FROM.get(Operation.RELAYTIME).contains(dr)
                                ? Optional.empty() : refused("BUSY", "cluster c7 changed while the target was checked; run relaytime again.");
                        assertEquals(checked, seen(relaytime.admitChecked(s, ok)), what);
                        assertEquals(refused("BAD_INPUT", "the relay log ends before it"),
                                seen(relaytime.admitChecked(s, RecoveryPlanner.Result.refused("the relay log ends before it"))), what);
                    }
                }
            }
        }
    }

    @Test
    void aDrillIsPlannedFromItsModesWithAResumeDelayOfZeroOrMore() {
        DrillPlanOperation drill = new DrillPlanOperation(CONTEXT);
        for (Mode dr : Mode.values()) {
            for (Running running : Running.values()) {
                // The old entity asked neither for no runbook in the way nor for no pending undo.
                PairState s = Situation.ready(dr, ProductionMode.SERVICE).running(running).undoPending().state();
                assertEquals(refused("BAD_INPUT", "delay must be 0 or more seconds, got -5."), seen(drill.admit(s, -5)));
                assertEquals(DR_FROM.get(Operation.DRILL).contains(dr) ? Optional.empty()
                        : refused("WRONG_MODE", drModeSentence(dr, Operation.DRILL)), seen(drill.admit(s, 0)), dr + " " + running);
            }
        }
        assertEquals("drill of cluster c7 planned: recover to all relay log, then resume sync with delay 30 s at its end.",
                drill.doneMessage("", 30));
    }

    @Test
    void aProxyMayAlwaysBeStoppedButStartedOnlyWhereItsSiteServes() {
        DbproxyOperation dbproxy = new DbproxyOperation(CONTEXT);
        for (Mode dr : Mode.values()) {
            for (ProductionMode production : ProductionMode.values()) {
                for (Running running : Running.values()) {
                    PairState s = Situation.ready(dr, production).running(running).state();
                    for (Site site : Site.values()) {
                        for (boolean start : new boolean[] {false, true}) {
                            boolean serves = site == DR ? dr == Mode.SERVICE : production == ProductionMode.SERVICE;
                            Optional<Expected> expected = running != Running.NONE
                                    ? refused("BUSY", running == Running.DR_STOPSYNC ? BUSY_DR : BUSY_PRODUCTION)
                                    : !start || serves ? Optional.empty()
                                    : refused("WRONG_MODE", site == DR
                                    ? "DR cluster c7 is in mode " + dr + ", not SERVICE, so its proxy must not send applications to it;"
                                    + " service c7 starts it once it serves."
                                    : "production cluster c7 is in mode " + production + ", not SERVICE, so its proxy must not send"
                                    + " applications to it; service c7 --site production or switchback c7 starts it once it serves.");
                            assertEquals(expected, seen(dbproxy.admit(s, site, start)), dr + "/" + production + " " + running + " "
                                    + site + (start ? " --start" : " --stop"));
                        }
                    }
                }
            }
        }
        assertEquals("SERVICE", DbproxyOperation.modeFor(DR, true));
        assertEquals("SERVICE", DbproxyOperation.modeFor(P, true));
        assertEquals("SERVICE_STOPPED", DbproxyOperation.modeFor(DR, false));
        assertEquals("FENCED", DbproxyOperation.modeFor(P, false));
        assertEquals("ran the production site's stop_dbproxy hook of cluster c7.", dbproxy.doneMessage(P, false));
        assertEquals("the DR site's start_dbproxy hook failed: exit 3", dbproxy.failed(DR, true, "exit 3"));
    }

    /** The shards in every list above are meta, s1, s2 although configured s2, meta, s1. */
    @Test
    void shardsFollowTheConfigurationsOrderMetaFirst() {
        assertEquals(SHARDS, List.copyOf(PAIR.dr().shards().keySet()));
        assertEquals(SHARDS, List.copyOf(PAIR.production().shards().keySet()));
        assertEquals(Set.of("meta", "s1", "s2"), Arrays.stream(Op.values()).flatMap(op -> op.def().steps(Situation.ready(op.startDr,
                op.startProduction).state(), request(op == Op.SYNC ? 1 : null)).stream()).map(RunbookStep::shard)
                .filter(sh -> !sh.isEmpty()).collect(Collectors.toSet()));
    }
}
