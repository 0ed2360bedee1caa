package io.drsp.controller;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which mode of each site each command may start from: the one place a new mode or command changes. Everything that
 * refuses a command for its mode asks here, so the refusal always names the site, the mode and the commands that
 * would fit.
 */
public final class ModeRules {
    private static final Map<Operation, Set<Mode>> ALLOWED_FROM = new EnumMap<>(Operation.class);
    /**
     * Production's side of switchback (DESIGN §6): stopservice fences it, laststamp rolls it back, the runbook's
     * catch-up step (no command of its own) makes it replicate from DR, and service gives it back its applications.
     */
    private static final Map<Operation, Set<ProductionMode>> PRODUCTION_FROM = new EnumMap<>(Operation.class);
    /**
     * A dry run changes nothing, so it may look one step ahead: laststamp's plan is read while production still
     * serves, so that a DBA sees what the switchback would reverse before fencing anything.
     */
    private static final Map<Operation, Set<ProductionMode>> PRODUCTION_DRY_RUN_FROM = new EnumMap<>(Operation.class);

    static {
        // A recovery that keeps failing must not be a dead end: from RECOVERING sync abandons it and resumes delayed
        // sync (what is applied is a prefix of production), stopsync stops the appliers and keeps the target, and
        // relaytime picks another target (the planner refuses one behind what is applied).
        ALLOWED_FROM.put(Operation.SYNC, EnumSet.of(Mode.IDLE, Mode.STOPPED, Mode.RECOVERING, Mode.RECOVERED, Mode.SYNC));
        ALLOWED_FROM.put(Operation.STOPSYNC, EnumSet.of(Mode.SYNC, Mode.RECOVERING));
        // A recovered cluster is a prefix of production: it may be rolled further forward, never back.
        ALLOWED_FROM.put(Operation.RELAYTIME, EnumSet.of(Mode.STOPPED, Mode.RECOVERING, Mode.RECOVERED));
        ALLOWED_FROM.put(Operation.RECOVER, EnumSet.of(Mode.STOPPED, Mode.RECOVERING, Mode.RECOVERED));
        ALLOWED_FROM.put(Operation.SERVICE, EnumSet.of(Mode.RECOVERED, Mode.SERVICE_STOPPED));
        ALLOWED_FROM.put(Operation.STOPSERVICE, EnumSet.of(Mode.SERVICE));
        // A drill ends from a stopped service: undo what it wrote, then give every member the snapshot's GTIDs.
        ALLOWED_FROM.put(Operation.FLASHBACK, EnumSet.of(Mode.SERVICE_STOPPED));
        ALLOWED_FROM.put(Operation.PURGE, EnumSet.of(Mode.FLASHED_BACK));
        // drill --to runs stopsync, relaytime, recover and service from wherever the cluster stands on that path.
        ALLOWED_FROM.put(Operation.DRILL, EnumSet.of(Mode.SYNC, Mode.STOPPED, Mode.RECOVERING, Mode.RECOVERED));
        // Production is rolled back to the point DR serves from, so DR must have served from one: in service, or
        // stopped after it (what service wrote stays, and production catches up with it).
        ALLOWED_FROM.put(Operation.LASTSTAMP, EnumSet.of(Mode.SERVICE, Mode.SERVICE_STOPPED));
        // Switchback starts from DR serving or stopped after it, and ends with DR back in delayed sync.
        ALLOWED_FROM.put(Operation.SWITCHBACK, EnumSet.of(Mode.SERVICE, Mode.SERVICE_STOPPED));

        // Fencing production asks nothing of DR's mode (only that no DR runbook runs: one runbook per pair at a
        // time): it is also how a real failover begins, stopping the old primary's writes before DR serves, so it
        // must work whether DR still syncs, is stopped, recovering, or already serving.
        PRODUCTION_FROM.put(Operation.STOPSERVICE, EnumSet.of(ProductionMode.SERVICE));
        // Only a fenced production is rolled back: no application may write while its transactions are reversed.
        PRODUCTION_FROM.put(Operation.LASTSTAMP, EnumSet.of(ProductionMode.FENCED));
        // From CATCHING_UP it ends the switchback. From FENCED it is the undo of a fence: a DBA who fenced and then
        // cancels the switchback gives production its applications back, with nothing rolled back yet.
        PRODUCTION_FROM.put(Operation.SERVICE, EnumSet.of(ProductionMode.FENCED, ProductionMode.CATCHING_UP));
        // The whole runbook continues from wherever production stands on its path: a switchback that failed or was
        // run step by step is finished by running it again.
        PRODUCTION_FROM.put(Operation.SWITCHBACK, EnumSet.allOf(ProductionMode.class));
        PRODUCTION_DRY_RUN_FROM.put(Operation.LASTSTAMP, EnumSet.of(ProductionMode.SERVICE, ProductionMode.FENCED));
    }

    private ModeRules() {
    }

    public static boolean allows(Mode mode, Operation op) {
        return ALLOWED_FROM.getOrDefault(op, Set.of()).contains(mode);
    }

    /** The commands that fit a mode, in the order a runbook would use them. */
    public static Set<Operation> fitting(Mode mode) {
        return ALLOWED_FROM.entrySet().stream().filter(e -> e.getValue().contains(mode)).map(Map.Entry::getKey)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Operation.class)));
    }

    /** Empty when {@code op} fits; otherwise the one sentence that refuses it. */
    public static Optional<String> refusal(String cluster, Mode mode, Operation op) {
        if (allows(mode, op)) {
            return Optional.empty();
        }
        Set<Operation> fit = fitting(mode);
        String would = fit.isEmpty() ? "no command changes it from here"
                : fit.stream().map(Operation::command).collect(Collectors.joining(", ")) + " would fit";
        return Optional.of("DR cluster " + cluster + " is in mode " + mode + ", where " + op.command()
                + " does not apply; " + would + ".");
    }

    public static boolean allows(ProductionMode mode, Operation op, boolean dryRun) {
        return PRODUCTION_FROM.getOrDefault(op, Set.of()).contains(mode)
                || dryRun && PRODUCTION_DRY_RUN_FROM.getOrDefault(op, Set.of()).contains(mode);
    }

    /** The commands that fit a production mode (their real runs; a dry run may look further ahead). */
    public static Set<Operation> fitting(ProductionMode mode) {
        return PRODUCTION_FROM.entrySet().stream().filter(e -> e.getValue().contains(mode)).map(Map.Entry::getKey)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Operation.class)));
    }

    /** Empty when {@code op} (or its dry run) fits production's mode; otherwise the one sentence that refuses it. */
    public static Optional<String> refusal(String cluster, ProductionMode mode, Operation op, boolean dryRun) {
        if (allows(mode, op, dryRun)) {
            return Optional.empty();
        }
        Set<Operation> fit = fitting(mode);
        String would = fit.isEmpty() ? "only the switchback's catch-up step changes it from here"
                : fit.stream().map(ModeRules::typedForProduction).collect(Collectors.joining(", ")) + " would fit";
        return Optional.of("production cluster " + cluster + " is in mode " + mode + ", where " + op.command()
                + (dryRun ? " --dry-run" : "") + " does not apply; " + would + ".");
    }

    /**
     * A production command as a DBA types it: service and stopservice serve both sites and take {@code --site
     * production}; laststamp only ever acts on production and has no such option.
     */
    static String typedForProduction(Operation op) {
        return op == Operation.SERVICE || op == Operation.STOPSERVICE ? op.command() + " --site production" : op.command();
    }
}
