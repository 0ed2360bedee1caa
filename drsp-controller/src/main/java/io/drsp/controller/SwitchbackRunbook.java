package io.drsp.controller;

import io.drsp.core.config.Site;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The steps of switchback (DESIGN §6) and the modes each phase leaves the sites in: pure, from the modes both sites
 * stand in, so that running switchback again after a failure, or after some steps were run by hand, continues where
 * they stand.
 *
 * <ol>
 *   <li>fence production (skipped once fenced): production's stop_dbproxy, each shard read-only: FENCED;</li>
 *   <li>laststamp: archive (once), roll back undecided XA branches, flash back, replicas replay it, compare with the
 *       DR snapshot point's checksums, purge every member to the recovery point: ROLLED_BACK;</li>
 *   <li>production replicates from DR, delay 0: CATCHING_UP, until it holds what DR held then;</li>
 *   <li>DR's stop_dbproxy, each DR shard read-only (skipped when DR stopped serving before): SERVICE_STOPPED; then
 *       production catches up with the rest;</li>
 *   <li>production drops its link from DR, is made writable, its start_dbproxy runs: SERVICE;</li>
 *   <li>DR discards its link and relay log from before the failover and follows production with the delay: SYNC.</li>
 * </ol>
 */
public final class SwitchbackRunbook {
    private SwitchbackRunbook() {
    }

    /**
     * @param archived production's transactions after the point are archived already (a laststamp or switchback got
     *                 that far): they are never archived again, since production now also holds undo transactions
     */
    public static List<RunbookStep> steps(List<String> shards, ProductionMode production, Mode dr, boolean archived) {
        List<RunbookStep> s = new ArrayList<>();
        if (production == ProductionMode.SERVICE && archived) {
            // Production serves again; only DR's return to sync is left (it needs DR stopped, which ModeRules
            // and the entity have checked).
            drFollows(s, shards);
            return s;
        }
        if (production != ProductionMode.CATCHING_UP) {
            s.add(step(RunbookStep.Kind.SWITCHBACK_PREFLIGHT, "", Site.DR));
        }
        if (production == ProductionMode.SERVICE) {
            s.add(step(RunbookStep.Kind.REACHABLE, "", Site.PRODUCTION));
            s.add(step(RunbookStep.Kind.STOP_DBPROXY, "", Site.PRODUCTION));
            shards.forEach(sh -> s.add(step(RunbookStep.Kind.CLOSE_SHARD, sh, Site.PRODUCTION)));
        }
        if (production == ProductionMode.SERVICE || production == ProductionMode.FENCED) {
            s.addAll(laststamp(shards, archived));
        }
        shards.forEach(sh -> s.add(step(RunbookStep.Kind.LINK_FROM_DR, sh, Site.PRODUCTION)));
        s.add(step(RunbookStep.Kind.CAUGHT_UP_WITH_DR, "", Site.PRODUCTION));
        if (dr == Mode.SERVICE) {
            s.add(step(RunbookStep.Kind.STOP_DBPROXY, "", Site.DR));
            shards.forEach(sh -> s.add(step(RunbookStep.Kind.CLOSE_SHARD, sh, Site.DR)));
            s.add(step(RunbookStep.Kind.CAUGHT_UP_WITH_DR, "", Site.PRODUCTION));
        }
        shards.forEach(sh -> s.add(step(RunbookStep.Kind.DROP_LINK, sh, Site.PRODUCTION)));
        shards.forEach(sh -> s.add(step(RunbookStep.Kind.OPEN_SHARD, sh, Site.PRODUCTION)));
        s.add(step(RunbookStep.Kind.START_DBPROXY, "", Site.PRODUCTION));
        drFollows(s, shards);
        return s;
    }

    /** laststamp on its own, and switchback's steps 2 and 3: from FENCED to ROLLED_BACK. */
    public static List<RunbookStep> laststamp(List<String> shards, boolean archived) {
        List<RunbookStep> s = new ArrayList<>();
        if (!archived) {
            s.add(step(RunbookStep.Kind.ARCHIVE_ROLLBACK, "", Site.PRODUCTION));
        }
        s.add(step(RunbookStep.Kind.ROLLBACK_XA, "", Site.PRODUCTION));
        s.add(step(RunbookStep.Kind.FLASHBACK, "", Site.PRODUCTION));
        s.add(step(RunbookStep.Kind.REPLICA_CATCH_UP, "", Site.PRODUCTION));
        s.add(step(RunbookStep.Kind.VERIFY_ROLLBACK, "", Site.PRODUCTION));
        shards.forEach(sh -> s.add(step(RunbookStep.Kind.PURGE_SHARD, sh, Site.PRODUCTION)));
        return s;
    }

    private static void drFollows(List<RunbookStep> s, List<String> shards) {
        shards.forEach(sh -> s.add(step(RunbookStep.Kind.DROP_LINK, sh, Site.DR)));
        shards.forEach(sh -> s.add(step(RunbookStep.Kind.ENSURE_LINK, sh, Site.DR)));
    }

    private static RunbookStep step(RunbookStep.Kind kind, String shard, Site site) {
        return new RunbookStep(kind, shard, site);
    }

    /**
     * The modes a site enters when step {@code index} of a laststamp or switchback is done: the last step of a phase
     * (the last shard of it) moves the site on; any other step leaves the modes as they are.
     */
    public static Optional<PairEvent.ModesChanged> modesAfter(String runbookId, List<RunbookStep> steps, int index) {
        RunbookStep done = steps.get(index);
        if (index + 1 < steps.size()) {
            RunbookStep next = steps.get(index + 1);
            if (next.kind() == done.kind() && next.site() == done.site()) {
                return Optional.empty();
            }
        }
        boolean production = done.site() == Site.PRODUCTION;
        return Optional.ofNullable(switch (done.kind()) {
            case CLOSE_SHARD -> production ? new PairEvent.ModesChanged(runbookId, ProductionMode.FENCED, null)
                    : new PairEvent.ModesChanged(runbookId, null, Mode.SERVICE_STOPPED);
            case PURGE_SHARD -> production ? new PairEvent.ModesChanged(runbookId, ProductionMode.ROLLED_BACK, null) : null;
            case LINK_FROM_DR -> new PairEvent.ModesChanged(runbookId, ProductionMode.CATCHING_UP, null);
            case START_DBPROXY -> production ? new PairEvent.ModesChanged(runbookId, ProductionMode.SERVICE, null) : null;
            default -> null;
        });
    }
}
