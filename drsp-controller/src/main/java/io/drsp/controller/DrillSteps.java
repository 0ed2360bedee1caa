package io.drsp.controller;

import io.drsp.agent.AgentJob;
import io.drsp.agent.JobResult;
import io.drsp.agent.NodeAgent;
import io.drsp.agent.NodeInspection;
import io.drsp.agent.NodeKey;
import io.drsp.controller.drill.DrillArchive;
import io.drsp.core.config.ClusterPair;
import io.drsp.core.config.Site;
import io.drsp.core.gtid.GtidSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The steps that end an island drill (flashback, then purge), and the checksums a snapshot point records. Each is
 * idempotent: the flashback undoes only what its ledger does not hold yet, a purge to the same point twice is one
 * purge, and the checks only read.
 */
final class DrillSteps {
    private final ClusterPair pair;
    private final AgentCalls agents;
    private final Path archiveRoot;
    private final Consumer<StepProgress.Sighting> progress;

    DrillSteps(AgentCalls agents, Path archiveRoot, Consumer<StepProgress.Sighting> progress) {
        this.pair = agents.pair();
        this.agents = agents;
        this.archiveRoot = archiveRoot;
        this.progress = progress;
    }

    /** Where a drill's SQL is kept: var/archive/(cluster)/(snapshot)/(shard), or .../dry-run/(shard). */
    Path archiveDir(SnapshotPoint snap, String shard, boolean dryRun) {
        Path dir = archiveRoot.resolve(pair.id()).resolve(snap.id());
        return (dryRun ? dir.resolve("dry-run") : dir).resolve(shard);
    }

    private List<String> shards() {
        return List.copyOf(pair.dr().shards().keySet());
    }

    private NodeKey primary(String shard) {
        return NodeKey.primary(pair.id(), Site.DR, shard);
    }

    private List<NodeKey> replicas(String shard) {
        return replicas(Site.DR, shard);
    }

    /** Switchback rolls production back with the drill's own flashback, replica catch-up and purge. */
    List<NodeKey> replicas(Site site, String shard) {
        List<NodeKey> keys = new ArrayList<>();
        for (int r = 1; r <= pair.at(site).shard(shard).replicas().size(); r++) {
            keys.add(new NodeKey(pair.id(), site, shard, r));
        }
        return keys;
    }

    private static String label(NodeKey key) {
        return key.shard() + (key.isPrimary() ? "" : "/r" + key.member());
    }

    /** The shard's snapshot point: its primary's GTID set when the snapshot was taken. */
    static GtidSet snapshotOf(SnapshotPoint snap, NodeKey primary) {
        return GtidSet.parse(snap.member(primary).gtidExecuted());
    }

    private Map<NodeKey, CompletableFuture<NodeInspection>> inspectAllMembers() {
        Map<NodeKey, CompletableFuture<NodeInspection>> looks = new LinkedHashMap<>();
        for (String shard : shards()) {
            looks.put(primary(shard), agents.inspect(primary(shard)));
            replicas(shard).forEach(k -> looks.put(k, agents.inspect(k)));
        }
        return looks;
    }

    /**
     * Refuses a flashback, naming every problem, when a member does not answer, a primary lacks its snapshot point,
     * or a local replica is broken or further behind than the configured bound.
     */
    CompletableFuture<StepOutcome> preflight(String runbookId, SnapshotPoint snap) {
        Map<NodeKey, CompletableFuture<NodeInspection>> looks = inspectAllMembers();
        return all(looks).thenApply(v -> {
            List<String> problems = new ArrayList<>();
            int bound = pair.drill().replicaLagBoundSeconds();
            looks.forEach((key, f) -> {
                NodeInspection i = f.join();
                if (!i.reachable()) {
                    problems.add(agents.describe(key) + " is unreachable: " + i.error());
                } else if (key.isPrimary()) {
                    GtidSet missing = snapshotOf(snap, key).subtract(GtidSet.parse(i.gtidExecuted()));
                    if (!missing.isEmpty()) {
                        problems.add(agents.describe(key) + " lacks " + missing.toCompactString() + " of its snapshot point");
                    }
                } else if (i.link() == null || !"Yes".equals(i.link().ioRunning()) || !"Yes".equals(i.link().sqlRunning())) {
                    problems.add(agents.describe(key) + " is not replicating from its primary"
                            + (i.link() == null ? "" : " (receiver " + i.link().ioRunning() + ", applier " + i.link().sqlRunning()
                            + errors(i.link()) + ")"));
                } else if (i.link().secondsBehindSource() == null || i.link().secondsBehindSource() > bound) {
                    problems.add(agents.describe(key) + " is " + i.link().secondsBehindSource() + " s behind its primary, more than the "
                            + bound + " s bound (drsp.clusters." + pair.id() + ".drill.replica-lag-bound)");
                }
            });
            return problems.isEmpty() ? new StepOutcome.Ok(List.of(new PairEvent.DrillPreflightPassed(runbookId)))
                    : new StepOutcome.Failed("flashback refused, nothing was changed: " + String.join("; ", problems) + ".");
        });
    }

    private static String errors(NodeInspection.LinkView l) {
        return (l.ioError() == null ? "" : ", receiver error: " + l.ioError()) + (l.sqlError() == null ? "" : ", applier error: " + l.sqlError());
    }

    /** Checks every shard's drill is reversible and archives it; a dry run writes under dry-run/ and records nothing. */
    CompletableFuture<ArchiveResult> archive(SnapshotPoint snap, boolean dryRun) {
        List<JobWatcher.Task> tasks = shards().stream().map(shard -> new JobWatcher.Task(shard, primary(shard),
                new AgentJob.ArchiveDrill(snapshotOf(snap, primary(shard)).toString(), archiveDir(snap, shard, dryRun).toString()))).toList();
        return new JobWatcher(agents, "archiving", "rows", progress).run(tasks).thenApply(r -> {
            if (!r.ok()) {
                return new ArchiveResult(null, r.failures());
            }
            Map<String, DrillArchive.Shard> shards = new LinkedHashMap<>();
            for (JobWatcher.Task t : tasks) {
                JobResult.DrillArchived a = r.done().get(t.label()).resultAs(JobResult.DrillArchived.class);
                shards.put(t.label(), new DrillArchive.Shard(a.drillGtids(), a.transactions(), a.rows(),
                        archiveDir(snap, t.label(), dryRun).toString()));
            }
            return new ArchiveResult(new DrillArchive(snap.id(), shards), List.of());
        });
    }

    /** A drill's archive, or why it cannot be flashed back (each shard's refusal). */
    record ArchiveResult(DrillArchive archive, List<String> refusals) {
    }

    CompletableFuture<StepOutcome> archiveStep(String runbookId, SnapshotPoint snap) {
        return archive(snap, false).thenApply(a -> a.archive() == null
                ? new StepOutcome.Failed(String.join(" ", a.refusals()))
                : new StepOutcome.Ok(List.of(new PairEvent.DrillArchived(runbookId, a.archive()))));
    }

    /** Every shard primary undoes exactly its archived drill transactions, in parallel. */
    CompletableFuture<StepOutcome> flashback(String runbookId, DrillArchive archive) {
        Map<String, String> gtids = new LinkedHashMap<>();
        archive.shards().forEach((shard, s) -> gtids.put(shard, s.drillGtids()));
        return flashback(runbookId, Site.DR, gtids, "flashback");
    }

    /**
     * Every shard primary of {@code site} undoes exactly its archived transactions, in parallel, each once (the
     * ledger); {@code again} is the command that continues after a failure.
     */
    CompletableFuture<StepOutcome> flashback(String runbookId, Site site, Map<String, String> gtidsByShard, String again) {
        List<JobWatcher.Task> tasks = new ArrayList<>();
        gtidsByShard.forEach((shard, gtids) -> {
            if (!GtidSet.parse(gtids).isEmpty()) {
                tasks.add(new JobWatcher.Task(shard, NodeKey.primary(pair.id(), site, shard), new AgentJob.FlashbackDrill(gtids)));
            }
        });
        return new JobWatcher(agents, "flashing back", "rows", progress).run(tasks).thenApply(r -> {
            if (!r.ok()) {
                return new StepOutcome.Failed(String.join("; ", r.failures()) + "; run " + again + " again to continue where each shard stands");
            }
            Map<String, String> detail = new LinkedHashMap<>();
            gtidsByShard.keySet().forEach(shard -> detail.put(shard, r.done().containsKey(shard) ? r.done().get(shard).detail()
                    : "nothing to undo"));
            return new StepOutcome.Ok(List.of(new PairEvent.ShardsFlashedBack(runbookId, detail)));
        });
    }

    /** Every local replica replays its primary's whole GTID set, the flashback included, within the configured time. */
    CompletableFuture<StepOutcome> replicaCatchUp(String runbookId) {
        return replicaCatchUp(runbookId, Site.DR);
    }

    CompletableFuture<StepOutcome> replicaCatchUp(String runbookId, Site site) {
        Map<String, CompletableFuture<NodeInspection>> primaries = new LinkedHashMap<>();
        List.copyOf(pair.at(site).shards().keySet()).stream().filter(s -> !replicas(site, s).isEmpty())
                .forEach(s -> primaries.put(s, agents.inspect(NodeKey.primary(pair.id(), site, s))));
        return all(primaries).thenCompose(v -> {
            List<String> problems = new ArrayList<>();
            List<JobWatcher.Task> tasks = new ArrayList<>();
            primaries.forEach((shard, f) -> {
                NodeInspection p = f.join();
                if (!p.reachable()) {
                    problems.add(agents.describe(NodeKey.primary(pair.id(), site, shard)) + " is unreachable: " + p.error());
                    return;
                }
                for (NodeKey r : replicas(site, shard)) {
                    tasks.add(new JobWatcher.Task(label(r), r, new AgentJob.CatchUp(p.gtidExecuted(), pair.drill().catchUpTimeoutSeconds())));
                }
            });
            if (!problems.isEmpty()) {
                return CompletableFuture.completedFuture(new StepOutcome.Failed(String.join("; ", problems)));
            }
            return new JobWatcher(agents, "replaying the flashback", "trx", progress).run(tasks).thenApply(r -> {
                if (!r.ok()) {
                    return new StepOutcome.Failed(String.join("; ", r.failures()));
                }
                Map<String, String> detail = new LinkedHashMap<>();
                r.done().forEach((label, rep) -> detail.put(label, rep.detail()));
                return new StepOutcome.Ok(List.of(new PairEvent.ReplicasCaughtUp(runbookId, detail)));
            });
        });
    }

    /**
     * Refuses a purge, naming every problem, while a member does not answer, a primary lacks its snapshot point, or
     * a local replica has not executed its primary's whole GTID set: purging then would lose the undo it still needs.
     */
    CompletableFuture<StepOutcome> purgePreflight(String runbookId, SnapshotPoint snap) {
        Map<NodeKey, CompletableFuture<NodeInspection>> looks = inspectAllMembers();
        return all(looks).thenApply(v -> {
            List<String> problems = new ArrayList<>();
            for (String shard : shards()) {
                NodeInspection p = looks.get(primary(shard)).join();
                if (!p.reachable()) {
                    problems.add(agents.describe(primary(shard)) + " is unreachable: " + p.error());
                    continue;
                }
                GtidSet primaryExecuted = GtidSet.parse(p.gtidExecuted());
                GtidSet point = snapshotOf(snap, primary(shard));
                if (!primaryExecuted.containsAll(point)) {
                    problems.add(agents.describe(primary(shard)) + " lacks " + point.subtract(primaryExecuted).toCompactString()
                            + " of its snapshot point");
                }
                for (NodeKey r : replicas(shard)) {
                    NodeInspection i = looks.get(r).join();
                    if (!i.reachable()) {
                        problems.add(agents.describe(r) + " is unreachable: " + i.error());
                        continue;
                    }
                    // After an interrupted purge the primary may stand at the point already: still nothing may be missing.
                    GtidSet missing = primaryExecuted.subtract(GtidSet.parse(i.gtidExecuted()));
                    if (!missing.isEmpty()) {
                        problems.add(agents.describe(r) + " has not replayed " + missing.toCompactString() + " of its primary yet");
                    }
                }
            }
            return problems.isEmpty() ? new StepOutcome.Ok(List.of(new PairEvent.PurgePreflightPassed(runbookId)))
                    : new StepOutcome.Failed("purge refused, nothing was changed: " + String.join("; ", problems)
                    + ". Wait for the replicas (drsp status " + pair.id() + ") or run flashback again, then purge.");
        });
    }

    /** The shard's primary first, then its replicas: a replica purged first would fetch the drill back from it. */
    CompletableFuture<StepOutcome> purgeShard(String runbookId, String shard, SnapshotPoint snap) {
        return purgeShard(runbookId, Site.DR, shard, snapshotOf(snap, primary(shard)).toString(), "the snapshot point");
    }

    /** {@code point}: the GTID set every member of the shard gets; {@code named} says which point it is. */
    CompletableFuture<StepOutcome> purgeShard(String runbookId, Site site, String shard, String point, String named) {
        CompletableFuture<NodeAgent.StepResult> chain = agents.step(NodeKey.primary(pair.id(), site, shard),
                r -> new NodeAgent.PurgeTo(point, r));
        List<String> done = new ArrayList<>();
        for (NodeKey replica : replicas(site, shard)) {
            chain = chain.thenCompose(prev -> {
                if (prev instanceof NodeAgent.StepResult.Failed) {
                    return CompletableFuture.completedFuture(prev);
                }
                done.add(prev.node());
                return agents.step(replica, r -> new NodeAgent.PurgeTo(point, r));
            });
        }
        return chain.thenApply(last -> {
            if (last instanceof NodeAgent.StepResult.Failed f) {
                return new StepOutcome.Failed(f.reason());
            }
            done.add(last.node());
            return new StepOutcome.Ok(List.of(new PairEvent.ShardPurged(runbookId, shard, String.join(", ", done)
                    + ": gtid_executed is " + named)));
        });
    }

    /** Every member's GTID set is its shard's snapshot point, and (unless turned off) its checksums are the snapshot's. */
    CompletableFuture<StepOutcome> verify(String runbookId, SnapshotPoint snap) {
        Map<NodeKey, CompletableFuture<NodeInspection>> looks = inspectAllMembers();
        return all(looks).thenCompose(v -> {
            List<String> problems = new ArrayList<>();
            looks.forEach((key, f) -> {
                NodeInspection i = f.join();
                GtidSet point = snapshotOf(snap, primary(key.shard()));
                if (!i.reachable()) {
                    problems.add(agents.describe(key) + " is unreachable: " + i.error());
                } else if (!GtidSet.parse(i.gtidExecuted()).equals(point)) {
                    problems.add(agents.describe(key) + " has gtid_executed " + GtidSet.parse(i.gtidExecuted()).toCompactString()
                            + ", not the snapshot point " + point.toCompactString());
                }
            });
            if (!problems.isEmpty()) {
                return CompletableFuture.completedFuture(new StepOutcome.Failed(String.join("; ", problems)));
            }
            boolean checksums = pair.drill().verifyChecksums() && snap.members().stream().anyMatch(m -> !m.tableChecksums().isEmpty());
            if (!checksums) {
                return CompletableFuture.completedFuture(new StepOutcome.Ok(List.of(new PairEvent.SnapshotRestored(runbookId,
                        snap.id(), "every member's GTID set is the snapshot point (checksums are off)"))));
            }
            List<JobWatcher.Task> tasks = looks.keySet().stream().map(k -> new JobWatcher.Task(label(k), k, new AgentJob.Checksum())).toList();
            return new JobWatcher(agents, "checksumming", "tables", progress).run(tasks).thenApply(r -> {
                if (!r.ok()) {
                    return new StepOutcome.Failed(String.join("; ", r.failures()));
                }
                long tables = 0;
                for (JobWatcher.Task t : tasks) {
                    Map<String, Long> expected = snap.member(primary(t.node().shard())).tableChecksums();
                    Map<String, Long> actual = r.done().get(t.label()).resultAs(JobResult.Checksums.class).tables();
                    tables += actual.size();
                    String diff = difference(expected, actual);
                    if (diff != null) {
                        problems.add(agents.describe(t.node()) + " differs from the snapshot point: " + diff);
                    }
                }
                return problems.isEmpty() ? new StepOutcome.Ok(List.of(new PairEvent.SnapshotRestored(runbookId, snap.id(),
                        "every member's GTID set is the snapshot point and its " + tables / tasks.size()
                                + " tables' checksums equal the snapshot's")))
                        : new StepOutcome.Failed(String.join("; ", problems) + ". Restore these members from a backup taken"
                        + " at the snapshot point before syncing again.");
            });
        });
    }

    /** Checksums the shard primaries for a snapshot point, when the cluster's drill settings ask for it. */
    CompletableFuture<Map<String, Map<String, Long>>> snapshotChecksums() {
        if (!pair.drill().verifyChecksums()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        List<JobWatcher.Task> tasks = shards().stream().map(s -> new JobWatcher.Task(s, primary(s), new AgentJob.Checksum())).toList();
        return new JobWatcher(agents, "checksumming", "tables", progress).run(tasks).thenApply(r -> {
            if (!r.ok()) {
                throw new IllegalStateException("the snapshot point's checksums could not be taken: " + String.join("; ", r.failures()));
            }
            Map<String, Map<String, Long>> sums = new LinkedHashMap<>();
            r.done().forEach((shard, rep) -> sums.put(primary(shard).toString(), rep.resultAs(JobResult.Checksums.class).tables()));
            return sums;
        });
    }

    /** The tables whose checksum differs, or that one side lacks; null when equal. */
    static String difference(Map<String, Long> expected, Map<String, Long> actual) {
        TreeSet<String> tables = new TreeSet<>(expected.keySet());
        tables.addAll(actual.keySet());
        List<String> diffs = new ArrayList<>();
        for (String t : tables) {
            if (!Objects.equals(expected.get(t), actual.get(t))) {
                diffs.add(t + (expected.containsKey(t) ? actual.containsKey(t) ? " (checksum " + actual.get(t) + ", snapshot "
                        + expected.get(t) + ")" : " (missing)" : " (not in the snapshot)"));
            }
        }
        return diffs.isEmpty() ? null : String.join(", ", diffs);
    }

    private static <K, T> CompletableFuture<Void> all(Map<K, CompletableFuture<T>> futures) {
        return CompletableFuture.allOf(futures.values().toArray(CompletableFuture[]::new));
    }
}
