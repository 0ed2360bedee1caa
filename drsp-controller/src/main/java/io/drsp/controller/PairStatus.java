package io.drsp.controller;

import io.drsp.controller.json.ControllerJson;
import io.drsp.agent.NodeInspection;
import io.drsp.controller.drill.DrillPlan;
import io.drsp.controller.recovery.RecoveryPoint;
import io.drsp.controller.recovery.TargetSpec;
import java.util.List;
import java.util.Map;

/**
 * What {@code drsp status} shows: the journal's view (modes, delay, runbook) joined with what each agent sees now.
 * Times are microseconds since the epoch; {@code lagSeconds} is how far a DR shard is behind beyond its delay.
 * {@code latestConsistentPoint}: the latest point a recovery could reach now, consistent across shards, as last
 * found (null until first found; see {@link ConsistentPointWatch}). {@code warnings}: what will go wrong if nobody
 * acts, one sentence each (a relay log outgrowing its disk within the delay: {@link RelayDiskGuard}). {@code owner}: the
 * controller that drives this pair, since it took the pair over under takeover {@code epoch} (0 and null for a
 * journal from before takeovers were recorded). {@code lateLooks}: members shown from an earlier look
 * ({@link LastLooks}).
 */
public record PairStatus(String cluster, ProductionMode productionMode, Mode drMode, Integer delaySeconds, String runbook,
                         String lastError, long observedAtMicros, List<ShardStatus> shards, TargetSpec target,
                         RecoveryPoint recoveryPoint, Map<String, StepProgress> progress,
                         String snapshot, DrillPlan drillPlan, ConsistentPointWatch.Point latestConsistentPoint,
                         Runbooks runbooks, Agents agents, Figures figures, List<String> warnings, long epoch, String owner,
                         List<LateLook> lateLooks, List<ControllerMember> controllers)
        implements ControllerJson {

    public PairStatus {
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
        lateLooks = lateLooks == null ? List.of() : List.copyOf(lateLooks);
        controllers = controllers == null ? List.of() : List.copyOf(controllers);
    }

    /** This status with the controllers as the answering one sees them. */
    public PairStatus withControllers(List<ControllerMember> members) {
        return new PairStatus(cluster, productionMode, drMode, delaySeconds, runbook, lastError, observedAtMicros, shards, target,
                recoveryPoint, progress, snapshot, drillPlan, latestConsistentPoint, runbooks, agents, figures, warnings, epoch,
                owner, lateLooks, members);
    }

    /**
     * A member whose new look was not back within the status's budget, shown from its last one, that old;
     * {@code beforeLastChange}: that look was asked for before the last runbook ended (or the running one started), so
     * it may show the member as it was before drsp changed it (only a bounded status shows such a look).
     */
    public record LateLook(String node, double ageSeconds, boolean beforeLastChange) {
    }

    /**
     * The figures a DR plan is judged by, as they stand now (each null while unknown).
     *
     * @param windowStartMicros the oldest production time a recovery can target: what every DR shard has applied
     * @param windowEndMicros   the newest: the latest consistent point found
     * @param rpoSeconds        what a loss of production now would lose: production's last commit (the newest
     *                          heartbeat its agent wrote or a look saw) to the newest transaction DR retrieved, worst
     *                          shard
     * @param rpoLowerBound     a production primary does not answer: its last commit is known only to its last
     *                          heartbeat, and the application may have committed up to a heartbeat interval (1 s) after
     * @param rtoSeconds        a recovery to the newest point now: {@code replaySeconds + fixedSeconds + searchSeconds}
     * @param replaySeconds     the replay at the rates each shard's last replays measured, slowest shard
     * @param fixedSeconds      stopsync, recover (its replay aside) and service: the median of the last few of each in
     *                          the journal
     * @param searchSeconds     relaytime's search for the consistent point, as the last background search took
     */
    public record Figures(Long windowStartMicros, Long windowEndMicros, Double rpoSeconds, boolean rpoLowerBound,
                          Double rtoSeconds, Double replaySeconds, Double fixedSeconds, Double searchSeconds) {
    }

    /**
     * The runbook in progress (null fields when none) and how the last one ended, for metrics and alerts.
     *
     * @param step      the running step, 1-based
     * @param lastFailed whether the last runbook that ended failed (null before any ended)
     */
    public record Runbooks(String operation, Integer step, Integer steps, String lastOperation, Boolean lastFailed) {
    }

    /** Agents the configuration has members for, those registered, and members with more than one. */
    public record Agents(int expected, int registered, int duplicate) {
    }

    public record ShardStatus(String shard, NodeInspection production, NodeInspection dr, List<NodeInspection> drReplicas,
                              Double lagSeconds, Long backlogTransactions, Long backlogBytes) {
    }

    /** Lag beyond the delay: how much older DR's data is than production's clock minus the delay; never negative. */
    static Double lagSeconds(NodeInspection dr, Integer delaySeconds, long nowMicros) {
        if (dr == null || !dr.reachable() || dr.appliedSourceTimeMicros() == null) {
            return null;
        }
        double behind = (nowMicros - dr.appliedSourceTimeMicros()) / 1e6;
        return Math.max(0.0, behind - (delaySeconds == null ? 0 : delaySeconds));
    }
}
