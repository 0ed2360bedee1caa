package io.drsp.controller;

import io.drsp.agent.NodeAgent;
import io.drsp.agent.NodeInspection;
import io.drsp.agent.NodeKey;
import io.drsp.agent.ShardCut;
import io.drsp.agent.Topology;
import io.drsp.controller.recovery.ApplyRates;
import io.drsp.controller.recovery.RecoveryPlan;
import io.drsp.controller.recovery.RecoveryPlanner;
import io.drsp.controller.recovery.RecoveryPoint;
import io.drsp.controller.recovery.TargetSpec;
import io.drsp.controller.recovery.XaCutSearch;
import io.drsp.core.config.ClusterPair;
import io.drsp.core.config.Site;
import io.drsp.core.config.SiteSettings;
import io.drsp.core.gtid.GtidSet;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * What each kind of runbook step does, and which events record that it was done. The entity decides when a step runs
 * and journals around it; this class is where a step touches the world (through agents and hooks).
 */
final class RunbookSteps {
    private final ClusterPair pair;
    private final AgentCalls agents;
    private final Map<Site, SiteSettings> sites;
    private final ZoneId zone;
    private final Consumer<StepProgress.Sighting> progress;
    private final DrillSteps drill;
    private final SwitchbackSteps switchback;

    RunbookSteps(AgentCalls agents, Map<Site, SiteSettings> sites, ZoneId zone, Path archiveRoot,
                 Consumer<StepProgress.Sighting> progress) {
        this.pair = agents.pair();
        this.agents = agents;
        this.sites = Map.copyOf(sites);
        this.zone = zone;
        this.progress = progress;
        this.drill = new DrillSteps(agents, archiveRoot, progress);
        this.switchback = new SwitchbackSteps(agents, archiveRoot, drill, progress);
        registerExecutors();
    }

    DrillSteps drill() {
        return drill;
    }

    SwitchbackSteps switchback() {
        return switchback;
    }

    /** What one step kind does: its completion events, or why it failed. */
    @FunctionalInterface
    interface StepExecutor {
        /** @param member the step's shard primary at the step's site; null for steps over the whole pair */
        CompletableFuture<StepOutcome> run(String id, Runbook rb, RunbookStep step, PairState state, NodeKey member);
    }

    /** Every step kind's executor, registered once; a kind without one is refused when the controller starts. */
    private final Map<RunbookStep.Kind, StepExecutor> executors = new java.util.EnumMap<>(RunbookStep.Kind.class);

    private void registerExecutors() {
        executors.put(RunbookStep.Kind.PREFLIGHT, (id, rb, step, state, member) ->
                preflight().thenApply(o -> ok(o, new PairEvent.PreflightPassed(id))));
        executors.put(RunbookStep.Kind.ENSURE_LINK, (id, rb, step, state, member) ->
                agents.step(member, r -> new NodeAgent.EnsureLink(pair.production().shard(step.shard()).primary(),
                rb.delaySeconds(), r)).thenApply(r -> outcome(r, d -> new PairEvent.ShardLinkConfigured(id, step.shard(),
                rb.delaySeconds(), d))));
        executors.put(RunbookStep.Kind.STOP_LINK, (id, rb, step, state, member) ->
                agents.step(member, NodeAgent.StopLink::new).thenApply(r -> outcome(r, d -> new PairEvent.ShardLinkStopped(id,
                step.shard()))));
        executors.put(RunbookStep.Kind.PLAN_RECOVERY, (id, rb, step, state, member) ->
                plan(state.target(), state.applyRates()).thenApply(result ->
                result.refusal().<StepOutcome>map(StepOutcome.Failed::new).orElseGet(() -> new StepOutcome.Ok(List.of(new
                PairEvent.RecoveryPlanned(id, result.plan().orElseThrow()))))));
        executors.put(RunbookStep.Kind.REPLAY, (id, rb, step, state, member) ->
                new ReplayWatcher(agents, state.plan(), progress).run(id));
        executors.put(RunbookStep.Kind.COMPLETE_XA, (id, rb, step, state, member) -> completeXa(id, state.plan()));
        executors.put(RunbookStep.Kind.RECORD_RECOVERY_POINT, (id, rb, step, state, member) ->
                recordRecoveryPoint(id, state.plan()));
        executors.put(RunbookStep.Kind.SNAPSHOT, (id, rb, step, state, member) -> snapshot(id, state));
        executors.put(RunbookStep.Kind.OPEN_SHARD, (id, rb, step, state, member) ->
                agents.step(member, r -> new NodeAgent.SetReadOnly(false, r)).thenApply(r -> outcome(r, d -> new
                PairEvent.ShardOpened(id, step.shard(), step.site()))));
        executors.put(RunbookStep.Kind.RESOLVE_PREPARED, (id, rb, step, state, member) ->
                resolvePrepared(id, state.currentSnapshot()));
        executors.put(RunbookStep.Kind.CLOSE_SHARD, (id, rb, step, state, member) ->
                agents.step(member, r -> new NodeAgent.CloseForWrites(pair.service().drainTimeoutSeconds(), step.site() ==
                Site.PRODUCTION, r)).thenApply(r -> outcome(r, d -> new PairEvent.ShardClosed(id, step.shard(), step.site()))));
        executors.put(RunbookStep.Kind.START_DBPROXY, (id, rb, step, state, member) ->
                hook(id, step.site(), "start_dbproxy", "SERVICE"));
        // Production's proxy is stopped to fence it (switchback step 1): the mode it enters is FENCED.
        executors.put(RunbookStep.Kind.STOP_DBPROXY, (id, rb, step, state, member) ->
                hook(id, step.site(), "stop_dbproxy", step.site() == Site.DR ? "SERVICE_STOPPED" : "FENCED"));
        executors.put(RunbookStep.Kind.REACHABLE, (id, rb, step, state, member) ->
                reachable(step.site()).thenApply(o -> ok(o, new PairEvent.PrimariesAnswered(id, step.site()))));
        executors.put(RunbookStep.Kind.DRILL_PREFLIGHT, (id, rb, step, state, member) ->
                drill.preflight(id, state.currentSnapshot()));
        executors.put(RunbookStep.Kind.ARCHIVE_DRILL, (id, rb, step, state, member) ->
                drill.archiveStep(id, state.currentSnapshot()));
        executors.put(RunbookStep.Kind.FLASHBACK, (id, rb, step, state, member) ->
                step.site() == Site.DR ? drill.flashback(id, state.drill()) : switchback.flashback(id, state.rollback()));
        executors.put(RunbookStep.Kind.REPLICA_CATCH_UP, (id, rb, step, state, member) -> drill.replicaCatchUp(id, step.site()));
        executors.put(RunbookStep.Kind.PURGE_PREFLIGHT, (id, rb, step, state, member) ->
                drill.purgePreflight(id, state.currentSnapshot()));
        executors.put(RunbookStep.Kind.PURGE_SHARD, (id, rb, step, state, member) ->
                step.site() == Site.DR ? drill.purgeShard(id, step.shard(), state.currentSnapshot()) : drill.purgeShard(id,
                Site.PRODUCTION, step.shard(), state.recoveryPoint().shardGtids().get(step.shard()), "the recovery point"));
        executors.put(RunbookStep.Kind.VERIFY_SNAPSHOT, (id, rb, step, state, member) ->
                drill.verify(id, state.currentSnapshot()));
        executors.put(RunbookStep.Kind.SWITCHBACK_PREFLIGHT, (id, rb, step, state, member) ->
                switchback.preflight(id, state.recoveryPoint(), state.rollback() != null));
        executors.put(RunbookStep.Kind.ARCHIVE_ROLLBACK, (id, rb, step, state, member) ->
                switchback.archive(id, state.recoveryPoint()));
        executors.put(RunbookStep.Kind.ROLLBACK_XA, (id, rb, step, state, member) -> switchback.rollbackXa(id, state.rollback()));
        executors.put(RunbookStep.Kind.VERIFY_ROLLBACK, (id, rb, step, state, member) ->
                switchback.verify(id, state.currentSnapshot()));
        executors.put(RunbookStep.Kind.LINK_FROM_DR, (id, rb, step, state, member) -> switchback.linkFromDr(id, step.shard()));
        executors.put(RunbookStep.Kind.CAUGHT_UP_WITH_DR, (id, rb, step, state, member) -> switchback.caughtUpWithDr(id));
        executors.put(RunbookStep.Kind.DROP_LINK, (id, rb, step, state, member) ->
                switchback.dropLink(id, step.site(), step.shard()));
        var missing = java.util.EnumSet.complementOf(java.util.EnumSet.copyOf(executors.keySet()));
        if (!missing.isEmpty()) {
            throw new IllegalStateException("no executor for the runbook steps " + missing);
        }
    }

    CompletableFuture<StepOutcome> execute(Runbook rb, PairState state) {
        RunbookStep step = rb.current();
        // The shard at the step's site: service and stopservice run the same steps on production (switchback's fence).
        NodeKey member = step.shard().isEmpty() ? null : NodeKey.primary(pair.id(), step.site(), step.shard());
        if (io.drsp.core.fault.Failpoints.failing(step.kind() + (step.shard().isEmpty() ? "" : ":" + step.shard()))) {
            return CompletableFuture.completedFuture(new StepOutcome.Failed(step.describe() + " failed at a test's failpoint"));
        }
        return executors.get(step.kind()).run(rb.id(), rb, step, state, member);
    }

    /**
     * Asks every DR shard's relay index for the target's cut, and plans, pricing each shard's replay at the rates
     * its last replays measured; used by recover and its dry run.
     */
    CompletableFuture<RecoveryPlanner.Result> plan(TargetSpec target, ApplyRates rates) {
        return plan(target, false).thenApply(r -> priced(r, rates));
    }

    /** The same for relaytime, which also refuses while an applier still runs. */
    CompletableFuture<RecoveryPlanner.Result> planNewTarget(TargetSpec target, ApplyRates rates) {
        return plan(target, true).thenApply(r -> priced(r, rates));
    }

    private static RecoveryPlanner.Result priced(RecoveryPlanner.Result r, ApplyRates rates) {
        return new RecoveryPlanner.Result(r.plan().map(rates::price), r.refusal());
    }

    private CompletableFuture<RecoveryPlanner.Result> plan(TargetSpec target, boolean newTarget) {
        Map<String, CompletableFuture<NodeInspection>> production = new LinkedHashMap<>();
        for (String shard : pair.dr().shards().keySet()) {
            production.put(shard, agents.inspect(NodeKey.primary(pair.id(), Site.PRODUCTION, shard)));
        }
        XaCutSearch search = new XaCutSearch(pair.id(), List.copyOf(pair.dr().shards().keySet()),
                (shard, request) -> agents.cut(NodeKey.primary(pair.id(), Site.DR, shard), request), zone);
        CompletableFuture<XaCutSearch.Found> found = search.run(target);
        List<CompletableFuture<?>> all = new ArrayList<>(production.values());
        all.add(found);
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> {
            XaCutSearch.Found f = found.join();
            // Production may be the site that was lost: its uuids help validate a GTID target, but are not required.
            Map<String, String> uuids = new HashMap<>();
            production.forEach((k, p) -> {
                NodeInspection i = p.join();
                if (i.reachable()) {
                    uuids.put(k, i.serverUuid());
                }
            });
            boolean applierRunning = f.cuts().values().stream().anyMatch(ShardCut::applierRunning);
            if (f.refusal() != null && !(newTarget && applierRunning)) { // a running applier is the first thing to say
                return RecoveryPlanner.Result.refused(f.refusal());
            }
            return newTarget ? RecoveryPlanner.planNewTarget(pair.id(), target, f.cuts(), uuids, zone, f.xa())
                    : RecoveryPlanner.plan(pair.id(), target, f.cuts(), uuids, zone, f.xa());
        });
    }

    /** Every DR primary's prepared branches and decisions since the snapshot point, decided cluster-wide. */
    CompletableFuture<PreparedResolution> decidePrepared(SnapshotPoint snap) {
        Map<String, CompletableFuture<io.drsp.agent.PreparedLook>> looks = new LinkedHashMap<>();
        for (String shard : pair.dr().shards().keySet()) {
            NodeKey key = NodeKey.primary(pair.id(), Site.DR, shard);
            io.drsp.agent.MemberSnapshot m = snap.member(key);
            looks.put(shard, agents.lookPrepared(key, m.binlogFile(), m.binlogPosition()));
        }
        return CompletableFuture.allOf(looks.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<String, io.drsp.agent.PreparedLook> got = new LinkedHashMap<>();
            looks.forEach((shard, f) -> {
                io.drsp.agent.PreparedLook l = f.join();
                if (l.error() != null) {
                    throw new IllegalStateException(l.error());
                }
                got.put(shard, l);
            });
            return PreparedResolution.decide(got);
        });
    }

    /** Idempotent: a rerun finds what is still prepared and decides it the same way (a committed branch stays in the binlog). */
    private CompletableFuture<StepOutcome> resolvePrepared(String id, SnapshotPoint snap) {
        return decidePrepared(snap).thenCompose(plan -> {
            Map<String, CompletableFuture<NodeAgent.StepResult>> done = new LinkedHashMap<>();
            plan.decisions().forEach((shard, decisions) -> done.put(shard, agents.step(NodeKey.primary(pair.id(), Site.DR, shard),
                    r -> new NodeAgent.ResolvePrepared(decisions, r))));
            return CompletableFuture.allOf(done.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
                List<String> failed = new ArrayList<>();
                done.values().forEach(f -> {
                    if (f.join() instanceof NodeAgent.StepResult.Failed x) {
                        failed.add(x.reason());
                    }
                });
                return failed.isEmpty() ? (StepOutcome) new StepOutcome.Ok(List.of(new PairEvent.PreparedResolved(id, plan.lines())))
                        : new StepOutcome.Failed(String.join("; ", failed));
            });
        }).exceptionally(e -> new StepOutcome.Failed(e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
    }

    /** Idempotent: a branch whose GTID a shard already holds was completed by an earlier run and is skipped. */
    private CompletableFuture<StepOutcome> completeXa(String id, RecoveryPlan plan) {
        Map<String, CompletableFuture<NodeAgent.StepResult>> done = new LinkedHashMap<>();
        for (RecoveryPlan.ShardPlan s : plan.shards()) {
            if (!s.xaCompletions().isEmpty()) {
                done.put(s.shard(), agents.step(NodeKey.primary(pair.id(), Site.DR, s.shard()),
                        r -> new NodeAgent.CompleteXa(s.xaCompletions(), r)));
            }
        }
        return CompletableFuture.allOf(done.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<String, String> detail = new LinkedHashMap<>();
            List<String> failed = new ArrayList<>();
            done.forEach((shard, f) -> {
                NodeAgent.StepResult r = f.join();
                if (r instanceof NodeAgent.StepResult.Done d) {
                    detail.put(shard, d.detail());
                } else {
                    failed.add(((NodeAgent.StepResult.Failed) r).reason());
                }
            });
            return failed.isEmpty() ? new StepOutcome.Ok(List.of(new PairEvent.XaCompleted(id, detail)))
                    : new StepOutcome.Failed(String.join("; ", failed));
        });
    }

    private CompletableFuture<StepOutcome> recordRecoveryPoint(String id, RecoveryPlan plan) {
        Map<String, CompletableFuture<NodeInspection>> looks = new LinkedHashMap<>();
        for (RecoveryPlan.ShardPlan s : plan.shards()) {
            looks.put(s.shard(), agents.inspect(NodeKey.primary(pair.id(), Site.DR, s.shard())));
        }
        return CompletableFuture.allOf(looks.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<String, String> point = new LinkedHashMap<>();
            for (RecoveryPlan.ShardPlan s : plan.shards()) {
                NodeInspection i = looks.get(s.shard()).join();
                if (!i.reachable()) {
                    return new StepOutcome.Failed("dr shard " + s.shard() + " (" + i.endpoint() + ") is unreachable: " + i.error());
                }
                GtidSet executed = GtidSet.parse(i.gtidExecuted());
                GtidSet target = s.expectedGtids();
                // Exactly the plan, not a transaction more: a multithreaded applier must not have run past the cut.
                if (!executed.equals(target)) {
                    return new StepOutcome.Failed("dr shard " + s.shard() + " does not stand exactly at its plan: missing "
                            + target.subtract(executed).toCompactString() + ", beyond it " + executed.subtract(target).toCompactString());
                }
                point.put(s.shard(), executed.toString());
            }
            return new StepOutcome.Ok(List.of(new PairEvent.RecoveryPointRecorded(id,
                    new RecoveryPoint(point, plan.clusterTimeMicros(), plan.target().describe(), plan.xaSummary()))));
        });
    }

    private CompletableFuture<StepOutcome> snapshot(String id, PairState state) {
        List<NodeKey> members = Topology.nodes(pair).stream().filter(k -> k.site() == Site.DR).toList();
        List<CompletableFuture<NodeAgent.SnapshotResult>> taken = members.stream().map(agents::snapshot).toList();
        // The shards are read-only and not replicating here, so the checksums belong to the GTID sets read with them.
        return CompletableFuture.allOf(taken.toArray(CompletableFuture[]::new)).thenCombine(drill.snapshotChecksums(), (v, sums) -> {
            List<String> errors = taken.stream().map(CompletableFuture::join).filter(r -> r.error() != null)
                    .map(NodeAgent.SnapshotResult::error).toList();
            if (!errors.isEmpty()) {
                return new StepOutcome.Failed("the snapshot point could not be taken: " + String.join("; ", errors));
            }
            String snapId = "snap-" + pair.id() + "-" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                    .format(java.time.LocalDateTime.now(zone));
            SnapshotPoint snap = new SnapshotPoint(snapId, System.currentTimeMillis(), state.recoveryPoint(),
                    taken.stream().map(f -> f.join().snapshot()).map(m -> m.withChecksums(sums.getOrDefault(m.node(), Map.of()))).toList());
            return new StepOutcome.Ok(List.of(new PairEvent.SnapshotPointRecorded(id, snap)));
        });
    }

    CompletableFuture<StepOutcome> hook(String id, Site site, String name, String mode) {
        return CompletableFuture.supplyAsync(() -> {
            Hooks.Result r = Hooks.run(name, Hooks.script(sites.get(site), name),
                    Map.of("DRSP_CLUSTER", pair.id(), "DRSP_SITE", site.configKey(), "DRSP_MODE", mode));
            return r.ok() ? new StepOutcome.Ok(List.of(new PairEvent.HookRan(id, name, r.output(), site)))
                    : new StepOutcome.Failed(r.output());
        });
    }

    /** The undo of a failed fence's stop_dbproxy: the site's proxy sends the applications back to it. */
    CompletableFuture<NodeAgent.StepResult> startProxyAgain(Site site) {
        return CompletableFuture.supplyAsync(() -> {
            Hooks.Result r = Hooks.run("start_dbproxy", Hooks.script(sites.get(site), "start_dbproxy"),
                    Map.of("DRSP_CLUSTER", pair.id(), "DRSP_SITE", site.configKey(), "DRSP_MODE", "SERVICE"));
            return r.ok() ? new NodeAgent.StepResult.Done(site.configKey() + " proxy", r.output())
                    : new NodeAgent.StepResult.Failed(site.configKey() + " proxy", r.output());
        });
    }

    /** The hook script a site runs for {@code name}, for a dry run to name it. */
    String hookScript(Site site, String name) {
        return Hooks.script(sites.get(site), name).map(Object::toString).orElse("none configured");
    }

    /** Every shard primary of {@code site}, inspected at once. */
    Map<String, CompletableFuture<NodeInspection>> inspectPrimaries(Site site) {
        Map<String, CompletableFuture<NodeInspection>> looks = new LinkedHashMap<>();
        for (String shard : pair.at(site).shards().keySet()) {
            looks.put(shard, agents.inspect(NodeKey.primary(pair.id(), site, shard)));
        }
        return looks;
    }

    /**
     * Fails naming every shard primary of {@code site} that does not answer, before any hook runs or any shard is
     * touched: a fence that stopped the proxy and then found a shard down would leave production half fenced.
     */
    CompletableFuture<StepOutcome> reachable(Site site) {
        Map<String, CompletableFuture<NodeInspection>> looks = inspectPrimaries(site);
        return CompletableFuture.allOf(looks.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<String> down = new ArrayList<>();
            looks.forEach((shard, f) -> {
                NodeInspection i = f.join();
                if (!i.reachable()) {
                    down.add(site.configKey() + " shard " + shard + " (" + i.endpoint() + ") is unreachable: " + i.error());
                }
            });
            return down.isEmpty() ? new StepOutcome.Ok(List.of())
                    : new StepOutcome.Failed(String.join("; ", down) + "; nothing was changed.");
        });
    }

    /** Nothing changes before every shard of both sites answers with the settings drsp needs and DR can follow. */
    CompletableFuture<StepOutcome> preflight() {
        List<CompletableFuture<String>> problems = new ArrayList<>();
        Map<String, CompletableFuture<NodeInspection>> drs = new HashMap<>();
        Map<String, CompletableFuture<NodeInspection>> prods = new HashMap<>();
        // DR first, each production shard once its DR shard has answered: production's GTID set only grows, so read
        // after DR's it holds all DR could have applied. Read in parallel, a DR shard following at delay 0 could apply
        // a transaction production committed after production's own look, which then looked like an errant GTID.
        for (Site site : List.of(Site.DR, Site.PRODUCTION)) {
            for (String shard : pair.at(site).shards().keySet()) {
                NodeKey key = NodeKey.primary(pair.id(), site, shard);
                CompletableFuture<NodeInspection> inspection = site == Site.PRODUCTION && drs.containsKey(shard)
                        ? drs.get(shard).handle((d, e) -> null).thenCompose(x -> agents.inspect(key)) : agents.inspect(key);
                (site == Site.DR ? drs : prods).put(shard, inspection);
                problems.add(inspection.thenApply(i -> !i.reachable()
                        ? key.describe() + " (" + i.endpoint() + ") is unreachable: " + i.error()
                        : i.settingViolations().isEmpty() ? null
                        : key.describe() + " (" + i.endpoint() + "): " + String.join(", ", i.settingViolations())));
            }
        }
        for (String shard : pair.dr().shards().keySet()) {
            problems.add(drs.get(shard).thenCombine(prods.get(shard), (d, p) -> Divergence.check(shard, d, p)));
        }
        return CompletableFuture.allOf(problems.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<String> found = problems.stream().map(CompletableFuture::join).filter(p -> p != null).toList();
            return found.isEmpty() ? new StepOutcome.Ok(List.of())
                    : new StepOutcome.Failed(String.join("; ", found) + "; nothing was changed.");
        });
    }

    private static StepOutcome ok(StepOutcome o, PairEvent e) {
        return o instanceof StepOutcome.Ok ? new StepOutcome.Ok(List.of(e)) : o;
    }

    private static StepOutcome outcome(NodeAgent.StepResult r, java.util.function.Function<String, PairEvent> onDone) {
        return r instanceof NodeAgent.StepResult.Done d ? new StepOutcome.Ok(List.of(onDone.apply(d.detail())))
                : new StepOutcome.Failed(((NodeAgent.StepResult.Failed) r).reason());
    }
}
