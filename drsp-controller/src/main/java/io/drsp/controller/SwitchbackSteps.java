package io.drsp.controller;

import io.drsp.agent.AgentJob;
import io.drsp.agent.JobReport;
import io.drsp.agent.NodeKey;
import io.drsp.core.config.ClusterPair;
import io.drsp.core.config.Site;
import io.drsp.core.gtid.GtidSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The steps of switchback (DESIGN §6) on production's shards. So far: the plan of laststamp, read by each production
 * primary's agent from its own binary log, which changes nothing.
 */
final class SwitchbackSteps {
    private final ClusterPair pair;
    private final AgentCalls agents;
    private final Consumer<StepProgress.Sighting> progress;

    SwitchbackSteps(AgentCalls agents, Consumer<StepProgress.Sighting> progress) {
        this.pair = agents.pair();
        this.agents = agents;
        this.progress = progress;
    }

    /** The plan, or every shard's refusal (one sentence each, naming the shard). */
    record PlanResult(LaststampPlan plan, List<String> refusals) {
    }

    /** Every production shard at once: what it executed beyond its recovery point and what undoing that takes. */
    CompletableFuture<PlanResult> planLaststamp(RecoveryPoint point) {
        List<String> missing = new ArrayList<>();
        List<JobWatcher.Task> tasks = new ArrayList<>();
        for (String shard : pair.production().shards().keySet()) {
            String gtids = point.shardGtids().get(shard);
            if (gtids == null) {
                missing.add("the recovery point has no GTID set for production shard " + shard + ", so it cannot be rolled"
                        + " back to it; rebuild this shard from DR instead.");
            } else {
                tasks.add(new JobWatcher.Task(shard, NodeKey.primary(pair.id(), Site.PRODUCTION, shard), AgentJob.planRollback(gtids)));
            }
        }
        if (!missing.isEmpty()) {
            return CompletableFuture.completedFuture(new PlanResult(null, missing));
        }
        return new JobWatcher(agents, "planning laststamp", "shards", progress).run(tasks).thenApply(r -> {
            if (!r.ok()) {
                return new PlanResult(null, r.failures());
            }
            List<LaststampPlan.Shard> shards = new ArrayList<>();
            for (JobWatcher.Task t : tasks) {
                JobReport rep = r.done().get(t.label());
                GtidSet beyond = GtidSet.parse(rep.gtids());
                shards.add(new LaststampPlan.Shard(t.label(), GtidSet.parse(t.job().gtids()).toCompactString(),
                        beyond.toCompactString(), beyond.size(), rep.transactions(), rep.rows(), rep.tableRows(), rep.notes()));
            }
            return new PlanResult(new LaststampPlan(point.clusterTimeMicros(), point.target(), shards), List.of());
        });
    }
}
