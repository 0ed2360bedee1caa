package io.drsp.controller;

import io.drsp.agent.CutRequest;
import io.drsp.agent.AgentJob;
import io.drsp.agent.JobReport;
import io.drsp.agent.NodeAgent;
import io.drsp.agent.NodeInspection;
import io.drsp.agent.NodeKey;
import io.drsp.agent.ShardCut;
import io.drsp.agent.TakeoverEpoch;
import io.drsp.agent.Topology;
import io.drsp.core.config.ClusterPair;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The entity's questions to agents, each with a deadline. A missing or silent agent is an answer too: it comes back
 * as a failure naming the shard and its endpoint, never as a hang.
 */
final class AgentCalls {
    private final ClusterPair pair;
    private final Map<NodeKey, ActorRef<NodeAgent.Command>> agents;
    private final Map<NodeKey, String> conflicts;
    private final Duration timeout;
    private final Scheduler scheduler;
    /** Set once the entity's takeover is journaled; read on the threads that complete steps. */
    private volatile TakeoverEpoch epoch;

    AgentCalls(ClusterPair pair, AgentDirectory directory, Duration timeout, Scheduler scheduler) {
        this.pair = pair;
        this.agents = directory.agents();
        this.conflicts = directory.conflicts();
        this.timeout = timeout;
        this.scheduler = scheduler;
    }

    ClusterPair pair() {
        return pair;
    }

    /** Every mutation sent from now on carries {@code current}, the epoch the entity took the pair over under; null: none is sent. */
    void takenOverUnder(TakeoverEpoch current) {
        this.epoch = current;
    }

    /** {@code mutation} under this controller's epoch; null while it has not taken the pair over. */
    private NodeAgent.Command underEpoch(NodeAgent.Mutation mutation) {
        TakeoverEpoch current = epoch;
        return current == null ? null : new NodeAgent.UnderEpoch(current, mutation);
    }

    private String notTakenOver() {
        return "the controller has not taken cluster " + pair.id() + " over yet, so it changes nothing";
    }

    String describe(NodeKey key) {
        return key.describe() + " (" + Topology.endpoint(pair, key) + ")";
    }

    String noAgent(NodeKey key) {
        String conflict = conflicts.get(key);
        if (conflict != null) {
            return "more than one drsp agent serves it (" + conflict + "), so drsp will not act on it: stop the 'drsp agent --node "
                    + key + "' that should not run";
        }
        return "no drsp agent has registered for it (start one with 'drsp agent --node " + key + "' or check the controller log)";
    }

    CompletableFuture<NodeInspection> inspect(NodeKey key) {
        return look(key, NodeAgent.Inspect::new);
    }

    /** The applier's part of an inspection only: cheap enough to watch a replay with. */
    CompletableFuture<NodeInspection> inspectApplier(NodeKey key) {
        return look(key, NodeAgent.InspectApplier::new);
    }

    private CompletableFuture<NodeInspection> look(NodeKey key, Function<ActorRef<NodeInspection>, NodeAgent.Command> message) {
        ActorRef<NodeAgent.Command> agent = agents.get(key);
        String endpoint = Topology.endpoint(pair, key).toString();
        if (agent == null) {
            return CompletableFuture.completedFuture(NodeInspection.unreachable(key, endpoint, noAgent(key)));
        }
        return AskPattern.<NodeAgent.Command, NodeInspection>ask(agent, message::apply, timeout, scheduler)
                .toCompletableFuture()
                .exceptionally(e -> NodeInspection.unreachable(key, endpoint, "its agent did not answer within " + timeout.toSeconds() + " s"));
    }

    CompletableFuture<ShardCut> cut(NodeKey key, CutRequest request) {
        ActorRef<NodeAgent.Command> agent = agents.get(key);
        if (agent == null) {
            return CompletableFuture.completedFuture(ShardCut.failed(key, describe(key) + ": " + noAgent(key)));
        }
        return AskPattern.<NodeAgent.Command, ShardCut>ask(agent, r -> new NodeAgent.ResolveCut(request, r), timeout, scheduler)
                .toCompletableFuture()
                .exceptionally(e -> ShardCut.failed(key, describe(key) + " did not answer within " + timeout.toSeconds() + " s"));
    }

    CompletableFuture<io.drsp.agent.PreparedLook> lookPrepared(NodeKey key, String binlogFile, long binlogPosition) {
        ActorRef<NodeAgent.Command> agent = agents.get(key);
        if (agent == null) {
            return CompletableFuture.completedFuture(new io.drsp.agent.PreparedLook(key.toString(), null, null,
                    describe(key) + ": " + noAgent(key)));
        }
        return AskPattern.<NodeAgent.Command, io.drsp.agent.PreparedLook>ask(agent,
                        r -> new NodeAgent.LookPrepared(binlogFile, binlogPosition, r), timeout, scheduler)
                .toCompletableFuture()
                .exceptionally(e -> new io.drsp.agent.PreparedLook(key.toString(), null, null,
                        describe(key) + " did not answer within " + timeout.toSeconds() + " s"));
    }

    CompletableFuture<NodeAgent.SnapshotResult> snapshot(NodeKey key) {
        ActorRef<NodeAgent.Command> agent = agents.get(key);
        if (agent == null) {
            return CompletableFuture.completedFuture(new NodeAgent.SnapshotResult(null, describe(key) + ": " + noAgent(key)));
        }
        return AskPattern.<NodeAgent.Command, NodeAgent.SnapshotResult>ask(agent, NodeAgent.TakeSnapshot::new, timeout, scheduler)
                .toCompletableFuture()
                .exceptionally(e -> new NodeAgent.SnapshotResult(null, describe(key) + " did not answer within " + timeout.toSeconds() + " s"));
    }

    /** Starts (or joins) a background job on a member; a missing agent is a failed job, a silent one an unknown state. */
    CompletableFuture<JobReport> startJob(NodeKey key, AgentJob job) {
        if (epoch == null) {
            return CompletableFuture.completedFuture(JobReport.failed(key.toString(), job, notTakenOver()));
        }
        return job(key, job, r -> underEpoch(new NodeAgent.StartJob(job, r)));
    }

    CompletableFuture<JobReport> job(NodeKey key, AgentJob job) {
        return job(key, job, NodeAgent.GetJob::new);
    }

    private CompletableFuture<JobReport> job(NodeKey key, AgentJob job, Function<ActorRef<JobReport>, NodeAgent.Command> message) {
        ActorRef<NodeAgent.Command> agent = agents.get(key);
        if (agent == null) {
            return CompletableFuture.completedFuture(JobReport.failed(key.toString(), job, describe(key) + ": " + noAgent(key)));
        }
        return AskPattern.<NodeAgent.Command, JobReport>ask(agent, message::apply, timeout, scheduler)
                .toCompletableFuture()
                .exceptionally(e -> JobReport.silent(key.toString(), describe(key) + " did not answer within " + timeout.toSeconds() + " s"));
    }

    /**
     * An operation step, sent under the epoch this controller took the pair over with: its detail on success, or a
     * failure sentence naming the shard (the agent's refusal when a later owner has taken over).
     */
    CompletableFuture<NodeAgent.StepResult> step(NodeKey key, Function<ActorRef<NodeAgent.StepResult>, NodeAgent.StepMutation> message) {
        ActorRef<NodeAgent.Command> agent = agents.get(key);
        if (agent == null) {
            return CompletableFuture.completedFuture(new NodeAgent.StepResult.Failed(key.toString(), describe(key) + ": " + noAgent(key)));
        }
        if (epoch == null) {
            return CompletableFuture.completedFuture(new NodeAgent.StepResult.Failed(key.toString(), notTakenOver()));
        }
        return AskPattern.<NodeAgent.Command, NodeAgent.StepResult>ask(agent, r -> underEpoch(message.apply(r)), timeout, scheduler)
                .toCompletableFuture()
                .exceptionally(e -> new NodeAgent.StepResult.Failed(key.toString(), describe(key) + " did not answer within "
                        + timeout.toSeconds() + " s"));
    }
}
