package io.drsp.controller;

import io.drsp.agent.AgentJob;
import io.drsp.agent.DrillOps;
import io.drsp.agent.JobResult;
import io.drsp.agent.NodeAgent;
import io.drsp.agent.NodeInspection;
import io.drsp.agent.NodeKey;
import io.drsp.agent.XaDecision;
import io.drsp.controller.recovery.RecoveryPoint;
import io.drsp.controller.switchback.LaststampPlan;
import io.drsp.controller.switchback.RollbackArchive;
import io.drsp.core.config.ClusterPair;
import io.drsp.core.config.Site;
import io.drsp.core.gtid.GtidSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The steps of switchback (DESIGN §6) that are its own: laststamp's plan and archive on production, the XA branches
 * it rolls back, the check of the rolled-back production against the DR snapshot point, production's catch-up link
 * from DR, and discarding links. The flashback, replica catch-up and purge are the drill's ({@link DrillSteps}) at
 * the production site; the fences are service's and stopservice's. Each is idempotent.
 */
final class SwitchbackSteps {
    private final ClusterPair pair;
    private final AgentCalls agents;
    private final Consumer<StepProgress.Sighting> progress;
    private final Path archiveRoot;
    private final DrillSteps drill;

    SwitchbackSteps(AgentCalls agents, Path archiveRoot, DrillSteps drill, Consumer<StepProgress.Sighting> progress) {
        this.pair = agents.pair();
        this.agents = agents;
        this.progress = progress;
        this.archiveRoot = archiveRoot;
        this.drill = drill;
    }

    private NodeKey primary(Site site, String shard) {
        return NodeKey.primary(pair.id(), site, shard);
    }

    private List<String> shards() {
        return List.copyOf(pair.production().shards().keySet());
    }

    /** Where a switchback keeps what it took out of production: var/archive/(cluster)/(runbook id)/(shard). */
    Path archiveDir(String runbookId, String shard) {
        return archiveRoot.resolve(pair.id()).resolve(runbookId).resolve(shard);
    }

    /**
     * Refuses, naming every problem, before anything is changed: production cannot be rolled back to the point
     * (laststamp's plan; not asked once archived, when production holds undo transactions too), or a DR primary
     * does not answer, lacks the point, or no longer has in its binary log what production must fetch from it.
     */
    CompletableFuture<StepOutcome> preflight(String runbookId, RecoveryPoint point, boolean archived) {
        CompletableFuture<PlanResult> plan = archived ? CompletableFuture.completedFuture(new PlanResult(null, List.of()))
                : planLaststamp(point);
        Map<String, CompletableFuture<NodeInspection>> dr = new LinkedHashMap<>();
        shards().forEach(s -> dr.put(s, agents.inspect(primary(Site.DR, s))));
        List<CompletableFuture<?>> all = new ArrayList<>(dr.values());
        all.add(plan);
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<String> problems = new ArrayList<>(plan.join().refusals());
            dr.forEach((shard, f) -> {
                NodeInspection i = f.join();
                NodeKey key = primary(Site.DR, shard);
                if (!i.reachable()) {
                    problems.add(agents.describe(key) + " is unreachable: " + i.error());
                    return;
                }
                GtidSet executed = GtidSet.parse(i.gtidExecuted());
                GtidSet shardPoint = GtidSet.parse(point.shardGtids().getOrDefault(shard, ""));
                if (!executed.containsAll(shardPoint)) {
                    problems.add(agents.describe(key) + " lacks " + shardPoint.subtract(executed).toCompactString()
                            + " of the recovery point it served from; production cannot be given DR's data from it");
                    return;
                }
                GtidSet gone = executed.subtract(shardPoint).intersect(GtidSet.parse(i.gtidPurged()));
                if (!gone.isEmpty()) {
                    problems.add(agents.describe(key) + " has purged the binary log holding " + gone.toCompactString()
                            + ", which production must fetch from it to catch up; rebuild production's shard " + shard
                            + " from a backup of DR instead");
                }
            });
            return problems.isEmpty() ? new StepOutcome.Ok(List.of(new PairEvent.SwitchbackStepDone(runbookId,
                    archived ? "every DR primary holds the recovery point and the binary log production needs (production"
                            + " was archived before)" : "production can be rolled back to the recovery point; every DR"
                            + " primary holds it and the binary log production needs")))
                    : new StepOutcome.Failed("switchback refused, nothing was changed: " + String.join("; ", problems) + ".");
        });
    }

    /** Every fenced production primary checks again and archives its transactions after the point. */
    CompletableFuture<StepOutcome> archive(String runbookId, RecoveryPoint point) {
        List<JobWatcher.Task> tasks = shards().stream().map(shard -> new JobWatcher.Task(shard, primary(Site.PRODUCTION, shard),
                new AgentJob.ArchiveRollback(point.shardGtids().get(shard), archiveDir(runbookId, shard).toString()))).toList();
        return new JobWatcher(agents, "archiving", "rows", progress).run(tasks).thenApply(r -> {
            if (!r.ok()) {
                return new StepOutcome.Failed("nothing was rolled back: " + String.join(" ", r.failures()));
            }
            Map<String, RollbackArchive.Shard> shards = new TreeMap<>();
            for (JobWatcher.Task t : tasks) {
                JobResult.RollbackArchived a = r.done().get(t.label()).resultAs(JobResult.RollbackArchived.class);
                shards.put(t.label(), new RollbackArchive.Shard(a.flashbackGtids(), a.transactions(), a.rows(), a.tableRows(),
                        a.undecided().stream().map(JobResult.UndecidedBranch::xid).toList(),
                        archiveDir(runbookId, t.label()).toString()));
            }
            return new StepOutcome.Ok(List.of(new PairEvent.RollbackArchived(runbookId, new RollbackArchive(runbookId, shards))));
        });
    }

    /** Each production primary rolls back its archived undecided branches still prepared; ones already gone are skipped. */
    CompletableFuture<StepOutcome> rollbackXa(String runbookId, RollbackArchive archive) {
        Map<String, CompletableFuture<NodeAgent.StepResult>> results = new TreeMap<>();
        archive.shards().forEach((shard, a) -> {
            if (!a.rollbackXids().isEmpty()) {
                List<XaDecision> decisions = a.rollbackXids().stream().map(XaDecision::rollback).toList();
                results.put(shard, agents.step(primary(Site.PRODUCTION, shard), r -> new NodeAgent.ResolvePrepared(decisions, r)));
            }
        });
        return CompletableFuture.allOf(results.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<String> failed = new ArrayList<>();
            List<String> done = new ArrayList<>();
            results.forEach((shard, f) -> {
                if (f.join() instanceof NodeAgent.StepResult.Failed x) {
                    failed.add(x.reason());
                } else {
                    done.add(shard + ": " + ((NodeAgent.StepResult.Done) f.join()).detail());
                }
            });
            return failed.isEmpty() ? new StepOutcome.Ok(List.of(new PairEvent.SwitchbackStepDone(runbookId, done.isEmpty()
                    ? "no XA branch was left prepared after the recovery point" : String.join("; ", done))))
                    : new StepOutcome.Failed(String.join("; ", failed));
        });
    }

    /** Every production primary undoes exactly its archived transactions. */
    CompletableFuture<StepOutcome> flashback(String runbookId, RollbackArchive archive) {
        Map<String, String> gtids = new TreeMap<>();
        archive.shards().forEach((shard, a) -> gtids.put(shard, a.flashbackGtids()));
        return drill.flashback(runbookId, Site.PRODUCTION, gtids, "switchback");
    }

    /**
     * Every production member's tables against the DR snapshot point's checksums, the flashback's ledger aside (the
     * purge drops it); a difference names each table and stops the switchback before anything is purged.
     */
    CompletableFuture<StepOutcome> verify(String runbookId, SnapshotPoint snap) {
        boolean recorded = snap.members().stream().anyMatch(m -> !m.tableChecksums().isEmpty());
        if (!recorded) {
            return CompletableFuture.completedFuture(new StepOutcome.Ok(List.of(new PairEvent.SwitchbackStepDone(runbookId,
                    "the snapshot point has no checksums (drill.verify-checksums is off): production's tables were not compared"))));
        }
        List<JobWatcher.Task> tasks = new ArrayList<>();
        for (String shard : shards()) {
            tasks.add(new JobWatcher.Task(shard, primary(Site.PRODUCTION, shard), new AgentJob.Checksum()));
            for (NodeKey r : drill.replicas(Site.PRODUCTION, shard)) {
                tasks.add(new JobWatcher.Task(shard + "/r" + r.member(), r, new AgentJob.Checksum()));
            }
        }
        return new JobWatcher(agents, "checksumming", "tables", progress).run(tasks).thenApply(r -> {
            if (!r.ok()) {
                return new StepOutcome.Failed(String.join("; ", r.failures()));
            }
            List<String> problems = new ArrayList<>();
            for (JobWatcher.Task t : tasks) {
                Map<String, Long> expected = withoutLedger(snap.member(primary(Site.DR, t.node().shard())).tableChecksums());
                String diff = DrillSteps.difference(expected,
                        withoutLedger(r.done().get(t.label()).resultAs(JobResult.Checksums.class).tables()));
                if (diff != null) {
                    problems.add(agents.describe(t.node()) + " differs from the DR snapshot point: " + diff);
                }
            }
            return problems.isEmpty() ? new StepOutcome.Ok(List.of(new PairEvent.SwitchbackStepDone(runbookId,
                    "every production member's tables equal the DR snapshot point's checksums")))
                    : new StepOutcome.Failed(String.join("; ", problems) + ". Nothing was purged; the archive under "
                    + archiveRoot.resolve(pair.id()) + " holds what was flashed back. Rebuild these shards from DR.");
        });
    }

    private static Map<String, Long> withoutLedger(Map<String, Long> sums) {
        Map<String, Long> out = new TreeMap<>(sums);
        out.keySet().removeIf(t -> t.startsWith("`" + DrillOps.LEDGER_SCHEMA + "`."));
        return out;
    }

    /** The production shard's primary replicates from its DR primary, with no delay and GTID auto-position. */
    CompletableFuture<StepOutcome> linkFromDr(String runbookId, String shard) {
        return agents.step(primary(Site.PRODUCTION, shard), r -> new NodeAgent.EnsureLink(pair.dr().shard(shard).primary(), 0, r))
                .thenApply(r -> r instanceof NodeAgent.StepResult.Failed f ? new StepOutcome.Failed(f.reason())
                        : new StepOutcome.Ok(List.of(new PairEvent.SwitchbackStepDone(runbookId, shard + ": "
                        + ((NodeAgent.StepResult.Done) r).detail()))));
    }

    /**
     * Every production primary has executed its DR primary's whole GTID set as read now; fails at once, naming the
     * transaction, when production's applier stops on one (a DR transaction that conflicts with production's data).
     */
    CompletableFuture<StepOutcome> caughtUpWithDr(String runbookId) {
        Map<String, CompletableFuture<NodeInspection>> dr = new LinkedHashMap<>();
        shards().forEach(s -> dr.put(s, agents.inspect(primary(Site.DR, s))));
        return CompletableFuture.allOf(dr.values().toArray(CompletableFuture[]::new)).thenCompose(v -> {
            List<String> problems = new ArrayList<>();
            List<JobWatcher.Task> tasks = new ArrayList<>();
            dr.forEach((shard, f) -> {
                NodeInspection i = f.join();
                if (!i.reachable()) {
                    problems.add(agents.describe(primary(Site.DR, shard)) + " is unreachable: " + i.error());
                } else {
                    tasks.add(new JobWatcher.Task(shard, primary(Site.PRODUCTION, shard),
                            new AgentJob.CatchUp(i.gtidExecuted(), pair.drill().catchUpTimeoutSeconds())));
                }
            });
            if (!problems.isEmpty()) {
                return CompletableFuture.completedFuture(new StepOutcome.Failed(String.join("; ", problems)));
            }
            return new JobWatcher(agents, "catching up with DR", "trx", progress).run(tasks).thenApply(r -> r.ok()
                    ? new StepOutcome.Ok(List.of(new PairEvent.SwitchbackStepDone(runbookId, "every production primary holds"
                    + " every transaction of its DR primary")))
                    : new StepOutcome.Failed(String.join("; ", r.failures()) + "; production stays read-only: fix the"
                    + " transaction named, then run switchback again"));
        });
    }

    /** The shard's primary at {@code site} stops replicating and forgets that link and its relay log. */
    CompletableFuture<StepOutcome> dropLink(String runbookId, Site site, String shard) {
        return agents.step(primary(site, shard), NodeAgent.DropLink::new)
                .thenApply(r -> r instanceof NodeAgent.StepResult.Failed f ? new StepOutcome.Failed(f.reason())
                        : new StepOutcome.Ok(List.of(new PairEvent.SwitchbackStepDone(runbookId, site.configKey() + " " + shard
                        + ": " + ((NodeAgent.StepResult.Done) r).detail()))));
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
                tasks.add(new JobWatcher.Task(shard, NodeKey.primary(pair.id(), Site.PRODUCTION, shard), new AgentJob.PlanRollback(gtids)));
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
                JobResult.RollbackPlanned p = r.done().get(t.label()).resultAs(JobResult.RollbackPlanned.class);
                GtidSet beyond = GtidSet.parse(p.beyondGtids());
                shards.add(new LaststampPlan.Shard(t.label(), GtidSet.parse(point.shardGtids().get(t.label())).toCompactString(),
                        beyond.toCompactString(), beyond.size(), p.reversed(), p.rows(), p.tableRows(),
                        p.undecided().stream().map(JobResult.UndecidedBranch::describe).toList()));
            }
            return new PlanResult(new LaststampPlan(point.clusterTimeMicros(), point.target(), shards), List.of());
        });
    }
}
