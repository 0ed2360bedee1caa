package io.drsp.controller;

import io.drsp.agent.NodeAgent;
import io.drsp.agent.NodeInspection;
import io.drsp.agent.NodeKey;
import io.drsp.controller.recovery.ApplyRates;
import io.drsp.controller.recovery.RecoveryPlan;
import io.drsp.core.config.Site;
import io.drsp.core.fault.Failpoints;
import io.drsp.core.gtid.GtidSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The REPLAY step: starts every DR shard's applier towards its planned GTID set at once, then watches them until each
 * stands at its target, reporting progress as it goes. An applier error or an applier that stops short fails the step
 * with that shard named; the others are left where they are, so a retry continues from there.
 */
final class ReplayWatcher {
    // A light look (GTIDs and the link only) four times a second: the end of a replay is seen within 250 ms.
    private static final Executor POLL = CompletableFuture.delayedExecutor(250, TimeUnit.MILLISECONDS);
    private static final int MAX_SILENT_POLLS = 40;
    /** How often one shard's applier may be restarted after stopping short without an error. */
    private static final int MAX_RESTARTS = 5;

    private final AgentCalls agents;
    private final RecoveryPlan plan;
    private final Consumer<StepProgress.Sighting> progress;
    private final Map<String, Integer> restarts = new java.util.concurrent.ConcurrentHashMap<>();
    /** What each shard still had to apply when its replay started; absent when its agent did not answer then. */
    private final Map<String, Long> toApply = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, ApplyRates.Replay> replays = new java.util.concurrent.ConcurrentHashMap<>();
    private long startedNanos;
    /** When the last poll looked, taken as the middle of its round trip. */
    private long lastLookNanos;

    ReplayWatcher(AgentCalls agents, RecoveryPlan plan, Consumer<StepProgress.Sighting> progress) {
        this.agents = agents;
        this.plan = plan;
        this.progress = progress;
    }

    CompletableFuture<StepOutcome> run(String runbookId) {
        // Looked at first, so the rate counts what this replay applies, also when it resumes one a crash cut short.
        Map<String, CompletableFuture<NodeInspection>> before = new LinkedHashMap<>();
        for (RecoveryPlan.ShardPlan s : plan.shards()) {
            before.put(s.shard(), agents.inspectApplier(key(s.shard())));
        }
        return CompletableFuture.allOf(before.values().toArray(CompletableFuture[]::new)).thenCompose(v -> {
            for (RecoveryPlan.ShardPlan s : plan.shards()) {
                NodeInspection i = before.get(s.shard()).join();
                if (i.reachable()) {
                    toApply.put(s.shard(), GtidSet.parse(s.targetGtids()).subtract(GtidSet.parse(i.gtidExecuted())).size());
                }
            }
            return start(runbookId);
        });
    }

    private CompletableFuture<StepOutcome> start(String runbookId) {
        List<CompletableFuture<NodeAgent.StepResult>> starts = new ArrayList<>();
        for (RecoveryPlan.ShardPlan s : plan.shards()) {
            starts.add(agents.step(key(s.shard()), r -> new NodeAgent.StartReplay(s.targetGtids(), r)));
        }
        return CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).thenCompose(v -> {
            List<String> failed = starts.stream().map(CompletableFuture::join)
                    .filter(r -> r instanceof NodeAgent.StepResult.Failed).map(r -> ((NodeAgent.StepResult.Failed) r).reason()).toList();
            if (!failed.isEmpty()) {
                return CompletableFuture.completedFuture(new StepOutcome.Failed(String.join("; ", failed)));
            }
            Failpoints.crashAfter("ReplayStarted");
            startedNanos = System.nanoTime();
            lastLookNanos = startedNanos;
            return watch(runbookId, 0);
        });
    }

    private CompletableFuture<StepOutcome> watch(String runbookId, int silentPolls) {
        long sentNanos = System.nanoTime();
        Map<String, CompletableFuture<NodeInspection>> looks = new LinkedHashMap<>();
        for (RecoveryPlan.ShardPlan s : plan.shards()) {
            looks.put(s.shard(), agents.inspectApplier(key(s.shard())));
        }
        return CompletableFuture.allOf(looks.values().toArray(CompletableFuture[]::new)).thenCompose(v -> {
            long lookNanos = (sentNanos + System.nanoTime()) / 2;
            long previousLook = lastLookNanos;
            lastLookNanos = lookNanos;
            Map<String, String> executed = new LinkedHashMap<>();
            List<CompletableFuture<NodeAgent.StepResult>> restarted = new ArrayList<>();
            boolean anySilent = false;
            for (RecoveryPlan.ShardPlan s : plan.shards()) {
                NodeInspection i = looks.get(s.shard()).join();
                if (!i.reachable()) {
                    anySilent = true;
                    continue;
                }
                GtidSet now = GtidSet.parse(i.gtidExecuted());
                GtidSet target = GtidSet.parse(s.targetGtids());
                GtidSet toReplay = target.subtract(GtidSet.parse(s.executedAtPlan()));
                progress.accept(new StepProgress.Sighting(s.shard(), "replaying", "trx", toReplay.intersect(now).size(), toReplay.size()));
                if (now.containsAll(target)) {
                    executed.put(s.shard(), now.toString());
                    Long n = toApply.get(s.shard());
                    if (n != null && !replays.containsKey(s.shard())) {
                        // It reached the target between the previous look and this one: the middle is within half a poll.
                        replays.put(s.shard(), new ApplyRates.Replay(n, ((previousLook + lookNanos) / 2 - startedNanos) / 1e9));
                    }
                    continue;
                }
                if (i.link() != null && i.link().sqlError() != null) {
                    return done(new StepOutcome.Failed("dr shard " + s.shard() + ": the applier stopped with " + i.link().sqlError()
                            + "; fix it and run recover again"));
                }
                if (!target.containsAll(now.subtract(GtidSet.parse(s.executedAtPlan())))) {
                    return done(new StepOutcome.Failed("dr shard " + s.shard() + " applied beyond its plan ("
                            + now.subtract(target).toCompactString() + "); stop and investigate before anything else"));
                }
                if (i.link() != null && !"Yes".equals(i.link().sqlRunning())) {
                    // MySQL's multithreaded applier can end an UNTIL SQL_AFTER_GTIDS run early without an error;
                    // the target is a prefix of the relay log, so starting it again towards the same set is safe.
                    int n = restarts.merge(s.shard(), 1, Integer::sum);
                    if (n > MAX_RESTARTS) {
                        return done(new StepOutcome.Failed("dr shard " + s.shard() + ": the applier stopped short of the target "
                                + MAX_RESTARTS + " times, missing " + target.subtract(now).toCompactString() + "; run recover again"));
                    }
                    restarted.add(agents.step(key(s.shard()), r -> new NodeAgent.StartReplay(s.targetGtids(), r)));
                }
            }
            if (executed.size() == plan.shards().size()) {
                return done(new StepOutcome.Ok(List.of(new PairEvent.ShardsReplayed(runbookId, executed, Map.copyOf(replays)))));
            }
            int silent = anySilent ? silentPolls + 1 : 0;
            if (silent > MAX_SILENT_POLLS) {
                return done(new StepOutcome.Failed("a DR shard stopped answering during the replay: "
                        + looks.values().stream().map(CompletableFuture::join).filter(i -> !i.reachable())
                        .map(i -> i.node() + " (" + i.endpoint() + "): " + i.error()).toList() + "; run recover again when it is back"));
            }
            return CompletableFuture.allOf(restarted.toArray(CompletableFuture[]::new))
                    .thenComposeAsync(x -> watch(runbookId, silent), POLL);
        });
    }

    private NodeKey key(String shard) {
        return NodeKey.primary(agents.pair().id(), Site.DR, shard);
    }

    private static CompletableFuture<StepOutcome> done(StepOutcome o) {
        return CompletableFuture.completedFuture(o);
    }
}
