package io.drsp.controller;

import io.drsp.agent.NodeInspection;
import io.drsp.agent.NodeKey;
import io.drsp.agent.Topology;
import io.drsp.core.config.ClusterPair;
import io.drsp.core.config.Site;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Builds a {@link PairStatus}: the entity's state, then every agent of the pair inspected in parallel, within
 * {@link LastLooks#BUDGET} (a member slower than that is shown from its last look, and named).
 */
final class StatusCollector {
    private final ActorSystem<?> system;
    private final Duration timeout;
    private final ConsistentPointWatch consistent = new ConsistentPointWatch();
    private final RunbookTimings timings;
    /** Each production shard's last commit seen (µs): a production that stops answering keeps its last one for the RPO. */
    private final Map<String, Long> productionLastCommit = new java.util.concurrent.ConcurrentHashMap<>();
    private final LastLooks looks = new LastLooks(LastLooks.BUDGET, LastLooks.MAX_AGE);

    StatusCollector(ActorSystem<?> system, Duration timeout, RunbookTimings timings) {
        this.system = system;
        this.timeout = timeout;
        this.timings = timings;
    }

    /**
     * @param exact wait for a new look at every member whose last one predates the last change drsp made, rather than
     *              show that one flagged ({@link LastLooks})
     */
    CompletionStage<PairStatus> collect(ClusterPair pair, ActorRef<PairProtocol.Command> entity, boolean exact) {
        return AskPattern.<PairProtocol.Command, PairProtocol.StatusBasis>ask(entity, PairProtocol.GetStatusBasis::new, timeout,
                system.scheduler()).thenCompose(basis -> {
            AgentCalls calls = new AgentCalls(pair, basis.agents(), timeout, system.scheduler());
            return looks.collect(Topology.nodes(pair), calls::inspect, basis.looksNotBeforeMicros(), exact)
                    .thenApply(l -> assemble(pair, basis, l,
                            consistent.latest(pair, calls, basis.state(), NodeInspection.nowMicros())));
        });
    }

    private PairStatus assemble(ClusterPair pair, PairProtocol.StatusBasis basis, LastLooks.Looks looks,
                                ConsistentPointWatch.Point consistent) {
        PairState s = basis.state();
        Map<NodeKey, NodeInspection> in = looks.byNode();
        long now = NodeInspection.nowMicros();
        List<PairStatus.ShardStatus> shards = new ArrayList<>();
        for (String shard : pair.dr().shards().keySet()) {
            NodeInspection prod = in.get(NodeKey.primary(pair.id(), Site.PRODUCTION, shard));
            NodeInspection dr = in.get(NodeKey.primary(pair.id(), Site.DR, shard));
            List<NodeInspection> replicas = new ArrayList<>();
            for (int r = 1; r <= pair.dr().shard(shard).replicas().size(); r++) {
                replicas.add(in.get(new NodeKey(pair.id(), Site.DR, shard, r)));
            }
            Long backlogTrx = dr.link() == null ? null : dr.link().backlogTransactions();
            Long backlogBytes = dr.link() == null ? null : dr.link().backlogBytes();
            shards.add(new PairStatus.ShardStatus(shard, prod, dr, replicas, PairStatus.lagSeconds(dr, s.delaySeconds(), now),
                    backlogTrx, backlogBytes));
        }
        List<PairStatus.LateLook> late = looks.late().stream()
                .map(k -> new PairStatus.LateLook(k.toString(), (now - in.get(k).observedAtMicros()) / 1e6,
                        looks.beforeLastChange().contains(k))).toList();
        AgentDirectory agents = basis.agents();
        return new PairStatus(pair.id(), s.productionMode(), s.drMode(), s.delaySeconds(),
                s.runbook() == null ? null : s.runbook().progress(), s.lastError(), now, shards, s.target(), s.recoveryPoint(),
                s.runbookInProgress() ? basis.progress() : Map.of(), s.currentSnapshot() == null ? null : s.currentSnapshot().id(),
                s.drillPlan(), consistent, runbooks(s), new PairStatus.Agents(Topology.nodes(pair).size(), agents.agents().size(),
                agents.conflicts().size()), figures(pair.id(), s.drMode(), shards, consistent), warnings(shards), s.epoch(), s.owner(),
                late, null);
    }

    private static List<String> warnings(List<PairStatus.ShardStatus> shards) {
        List<String> out = new ArrayList<>();
        for (PairStatus.ShardStatus sh : shards) {
            Double rate = RelayDiskGuard.bytesPerSecond(sh.dr());
            RelayDiskGuard.warning(sh.dr(), rate).ifPresent(out::add);
            sh.drReplicas().forEach(r -> RelayDiskGuard.warning(r, rate).ifPresent(out::add));
        }
        return out;
    }

    /** The window, RPO and RTO, from the shards' inspections, the consistent point and the journal's timings. */
    private PairStatus.Figures figures(String cluster, Mode drMode, List<PairStatus.ShardStatus> shards,
                                       ConsistentPointWatch.Point point) {
        Long start = null;
        Double rpo = null;
        boolean lowerBound = false;
        for (PairStatus.ShardStatus sh : shards) {
            NodeInspection prod = sh.production();
            String key = cluster + "/" + sh.shard();
            if (prod != null && prod.reachable() && prod.appliedSourceTimeMicros() != null) {
                productionLastCommit.merge(key, prod.appliedSourceTimeMicros(), Math::max);
            }
            // The agent's own last write: known to the second even when production was lost between two looks.
            if (prod != null && prod.heartbeatWrittenMicros() != null) {
                productionLastCommit.merge(key, prod.heartbeatWrittenMicros(), Math::max);
            }
            lowerBound |= prod == null || !prod.reachable();
            NodeInspection dr = sh.dr();
            if (dr != null && dr.reachable() && dr.appliedSourceTimeMicros() != null) {
                start = start == null ? dr.appliedSourceTimeMicros() : Math.max(start, dr.appliedSourceTimeMicros());
            }
            Long produced = productionLastCommit.get(key);
            Long retrieved = dr == null || dr.link() == null ? null : dr.link().lastRetrievedSourceMicros();
            if (produced != null && retrieved != null) {
                double loss = Math.max(0, produced - retrieved) / 1e6;
                rpo = rpo == null ? loss : Math.max(rpo, loss);
            }
        }
        Long end = point == null ? null : point.micros();
        if (end != null && start != null && end < start) {
            end = null; // found before DR applied past it (a recovery since): stale until the next search
        }
        Double replay = point == null ? null : point.replaySeconds();
        Double fixed = timings == null ? null : timings.fixedSeconds(cluster);
        Double search = point == null ? null : point.searchSeconds();
        Double rto = replay == null ? null : replay + (fixed == null ? 0 : fixed) + (search == null ? 0 : search);
        if (!EnumSet.of(Mode.SYNC, Mode.STOPPED, Mode.RECOVERING, Mode.RECOVERED).contains(drMode)) {
            // Serving, or rolling a drill back: no recovery is possible from here, so there is no window, RPO or RTO.
            start = null;
            end = null;
            rpo = null;
            rto = null;
            replay = null;
            lowerBound = false;
        }
        return new PairStatus.Figures(start, end, rpo, lowerBound && rpo != null, rto, replay, fixed, search);
    }

    private static PairStatus.Runbooks runbooks(PairState s) {
        Runbook rb = s.runbook();
        Runbook last = s.finishedRunbook();
        return new PairStatus.Runbooks(rb == null ? null : rb.operation().command(), rb == null ? null : rb.next() + 1,
                rb == null ? null : rb.steps().size(), last == null ? null : last.operation().command(),
                last == null ? null : s.lastError() != null);
    }
}
