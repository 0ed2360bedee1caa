package io.drsp.controller;

import io.drsp.agent.CutRequest;
import io.drsp.agent.NodeKey;
import io.drsp.controller.recovery.ApplyRates;
import io.drsp.controller.recovery.RecoveryPlan;
import io.drsp.controller.recovery.RecoveryPlanner;
import io.drsp.controller.recovery.TargetSpec;
import io.drsp.controller.recovery.XaCutSearch;
import io.drsp.core.config.ClusterPair;
import io.drsp.core.config.Site;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest cluster-wide consistent point a recovery could reach now (DESIGN §7): what {@code relaytime --all}
 * would plan, cross-shard XA transactions included. Finding it reads every DR shard's unapplied XA statements, too
 * much to do on every {@code drsp status} (scripts call it in loops), so status shows the last one found and starts
 * a new search in the background once that is older than {@link #REFRESH_MICROS}, never while a runbook runs.
 */
public final class ConsistentPointWatch {
    static final long REFRESH_MICROS = 30_000_000L;
    /**
     * A search that found no point is tried again sooner: it often failed only because the agents had not registered
     * yet (remote agents, a controller just started or taken over), and status would say "none" for half a minute.
     */
    static final long RETRY_MICROS = 5_000_000L;

    /**
     * @param micros        the production time of that point; null when none could be planned (see {@code why})
     * @param checkedAt     when it was found (µs)
     * @param replaySeconds how long replaying to it would take at the rates the shards' last replays measured
     *                      ({@link ApplyRates}), the slowest shard; null while no replay was ever measured
     * @param searchSeconds how long finding it took: what {@code relaytime --all} takes before a recovery, which the
     *                      journal does not time
     */
    public record Point(Long micros, String why, long checkedAt, Double replaySeconds, Double searchSeconds) {
        public Point(Long micros, String why, long checkedAt) {
            this(micros, why, checkedAt, null, null);
        }
    }

    /** The slowest shard's replay at its priced rate; null when one with something to replay has no rate. */
    static Double replaySeconds(RecoveryPlan plan) {
        double worst = 0;
        for (RecoveryPlan.ShardPlan s : plan.shards()) {
            if (s.transactionsToReplay() == 0) {
                continue;
            }
            if (s.applyRatePerSecond() == null || s.applyRatePerSecond() <= 0) {
                return null;
            }
            worst = Math.max(worst, s.transactionsToReplay() / s.applyRatePerSecond());
        }
        return worst;
    }

    /** Whether a new search is due, {@code last} being the last point found (null before the first). */
    static boolean due(Point last, long nowMicros) {
        return last == null || nowMicros - last.checkedAt() > (last.micros() == null ? RETRY_MICROS : REFRESH_MICROS);
    }

    private final Map<String, Point> points = new ConcurrentHashMap<>();
    private final Map<String, Boolean> searching = new ConcurrentHashMap<>();

    /** The last point found for the pair (null before the first), starting a new search when it is due. */
    Point latest(ClusterPair pair, AgentCalls agents, PairState state, long nowMicros) {
        Point last = points.get(pair.id());
        if (due(last, nowMicros) && !state.runbookInProgress() && searching.putIfAbsent(pair.id(), true) == null) {
            TargetSpec all = new TargetSpec(CutRequest.ALL, null, null, "all retrieved relay log");
            long started = System.nanoTime();
            new XaCutSearch(pair.id(), List.copyOf(pair.dr().shards().keySet()),
                    (shard, r) -> agents.cut(NodeKey.primary(pair.id(), Site.DR, shard), r), ZoneOffset.UTC)
                    .run(all)
                    .thenApply(found -> {
                        if (found.refusal() != null) {
                            return new Point(null, found.refusal(), io.drsp.agent.NodeInspection.nowMicros());
                        }
                        RecoveryPlanner.Result r = RecoveryPlanner.plan(pair.id(), all, found.cuts(), Map.of(), ZoneOffset.UTC, found.xa());
                        double took = (System.nanoTime() - started) / 1e9;
                        return r.plan().map(state.applyRates()::price).map(p -> new Point(p.clusterTimeMicros(),
                                        String.join(" ", p.xaSummary()), io.drsp.agent.NodeInspection.nowMicros(), replaySeconds(p), took))
                                .orElseGet(() -> new Point(null, r.refusal().orElse(null), io.drsp.agent.NodeInspection.nowMicros()));
                    })
                    .whenComplete((p, e) -> {
                        points.put(pair.id(), p != null ? p : new Point(null, String.valueOf(e), io.drsp.agent.NodeInspection.nowMicros()));
                        searching.remove(pair.id());
                    });
        }
        return last;
    }
}
