package io.drsp.controller;

import io.drsp.agent.NodeAgent;
import io.drsp.agent.NodeInspection;
import io.drsp.agent.NodeKey;
import io.drsp.agent.Topology;
import io.drsp.core.config.ClusterPair;
import io.drsp.core.config.Endpoint;
import io.drsp.core.config.Site;
import io.drsp.core.fault.Failpoints;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One cluster pair: its modes and the runbooks that change them. Every runbook step is journaled before it runs
 * ({@link PairEvent.StepStarted}) and after ({@code ShardLinkConfigured}, ...), and every step is idempotent, so a
 * controller killed at any moment replays its journal and runs the interrupted step again.
 */
public final class PairEntity extends EventSourcedBehavior<PairEntity.Command, PairEvent, PairState> {

    public sealed interface Command {
    }

    public record Sync(int delaySeconds, ActorRef<Reply> replyTo) implements Command {
    }

    public record StopSync(ActorRef<Reply> replyTo) implements Command {
    }

    public record GetState(ActorRef<PairState> replyTo) implements Command {
    }

    /** The agents of this pair that have registered, for status collection. */
    public record GetAgents(ActorRef<Map<NodeKey, ActorRef<NodeAgent.Command>>> replyTo) implements Command {
    }

    private record AgentsListed(Receptionist.Listing listing) implements Command {
    }

    private record RunStep(String runbookId, int step) implements Command {
    }

    private record StepFinished(String runbookId, int step, StepOutcome outcome) implements Command {
    }

    /** How a command ended, for the HTTP layer to turn into a status code. */
    public sealed interface Reply {
        record Done(String message, PairState state) implements Reply {
        }

        record Refused(Why why, String reason) implements Reply {
        }

        enum Why { WRONG_MODE, BUSY, BAD_INPUT, FAILED }
    }

    private sealed interface StepOutcome {
        record Ok(String detail) implements StepOutcome {
        }

        record Failed(String reason) implements StepOutcome {
        }
    }

    private final ActorContext<Command> ctx;
    private final ClusterPair pair;
    private final Duration stepTimeout;
    private final Map<ServiceKey<NodeAgent.Command>, NodeKey> watched = new HashMap<>();
    private final Map<NodeKey, ActorRef<NodeAgent.Command>> agents = new HashMap<>();
    private final Map<String, List<ActorRef<Reply>>> waiters = new HashMap<>();

    public static Behavior<Command> create(ClusterPair pair, Duration stepTimeout) {
        return Behaviors.setup(ctx -> new PairEntity(ctx, pair, stepTimeout));
    }

    public static PersistenceId persistenceId(String clusterId) {
        return PersistenceId.ofUniqueId("pair-" + clusterId);
    }

    private PairEntity(ActorContext<Command> ctx, ClusterPair pair, Duration stepTimeout) {
        super(persistenceId(pair.id()));
        this.ctx = ctx;
        this.pair = pair;
        this.stepTimeout = stepTimeout;
        ActorRef<Receptionist.Listing> listings = ctx.messageAdapter(Receptionist.Listing.class, AgentsListed::new);
        for (NodeKey key : Topology.nodes(pair)) {
            ServiceKey<NodeAgent.Command> sk = NodeAgent.serviceKey(key);
            watched.put(sk, key);
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(sk, listings));
        }
    }

    @Override
    public PairState emptyState() {
        return PairState.initial();
    }

    @Override
    public CommandHandler<Command, PairEvent, PairState> commandHandler() {
        return newCommandHandlerBuilder().forAnyState()
                .onCommand(Sync.class, this::onSync)
                .onCommand(StopSync.class, this::onStopSync)
                .onCommand(GetState.class, (state, c) -> {
                    c.replyTo().tell(state);
                    return Effect().none();
                })
                .onCommand(GetAgents.class, (state, c) -> {
                    c.replyTo().tell(Map.copyOf(agents));
                    return Effect().none();
                })
                .onCommand(AgentsListed.class, this::onAgentsListed)
                .onCommand(RunStep.class, this::onRunStep)
                .onCommand(StepFinished.class, this::onStepFinished)
                .build();
    }

    @Override
    public EventHandler<PairState, PairEvent> eventHandler() {
        return newEventHandlerBuilder().forAnyState().onAnyEvent(PairState::apply);
    }

    @Override
    public SignalHandler<PairState> signalHandler() {
        return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), state -> {
            if (state.runbookInProgress()) {
                ctx.getLog().info("cluster {}: resuming {} after restart", pair.id(), state.runbook().progress());
                ctx.getSelf().tell(new RunStep(state.runbook().id(), state.runbook().next()));
            }
        }).build();
    }

    private Effect<PairEvent, PairState> onAgentsListed(PairState state, AgentsListed m) {
        @SuppressWarnings("unchecked")
        ServiceKey<NodeAgent.Command> sk = (ServiceKey<NodeAgent.Command>) m.listing().getKey();
        NodeKey key = watched.get(sk);
        if (key != null) {
            m.listing().getServiceInstances(sk).stream().findFirst()
                    .ifPresentOrElse(ref -> agents.put(key, ref), () -> agents.remove(key));
        }
        return Effect().none();
    }

    private Effect<PairEvent, PairState> onSync(PairState state, Sync c) {
        if (c.delaySeconds() < 0) {
            return refuse(c.replyTo(), Reply.Why.BAD_INPUT, "delay must be 0 or more seconds, got " + c.delaySeconds() + ".");
        }
        if (state.runbookInProgress()) {
            Runbook rb = state.runbook();
            if (rb.operation() == Operation.SYNC && rb.delaySeconds() == c.delaySeconds()) {
                waiters.computeIfAbsent(rb.id(), k -> new ArrayList<>()).add(c.replyTo()); // same command again: join it
                return Effect().none();
            }
            return busy(c.replyTo(), rb);
        }
        var refusal = ModeRules.refusal(pair.id(), state.drMode(), Operation.SYNC);
        if (refusal.isPresent()) {
            return refuse(c.replyTo(), Reply.Why.WRONG_MODE, refusal.get());
        }
        List<RunbookStep> steps = new ArrayList<>();
        steps.add(new RunbookStep(RunbookStep.Kind.PREFLIGHT, ""));
        pair.dr().shards().keySet().forEach(shard -> steps.add(new RunbookStep(RunbookStep.Kind.ENSURE_LINK, shard)));
        String id = "sync-" + UUID.randomUUID().toString().substring(0, 8);
        return Effect().persist(new PairEvent.SyncRequested(id, c.delaySeconds(), steps, state.drMode(), System.currentTimeMillis()))
                .thenRun(s -> start(id, c.replyTo()));
    }

    private Effect<PairEvent, PairState> onStopSync(PairState state, StopSync c) {
        if (state.runbookInProgress()) {
            Runbook rb = state.runbook();
            if (rb.operation() == Operation.STOPSYNC) {
                waiters.computeIfAbsent(rb.id(), k -> new ArrayList<>()).add(c.replyTo());
                return Effect().none();
            }
            return busy(c.replyTo(), rb);
        }
        var refusal = ModeRules.refusal(pair.id(), state.drMode(), Operation.STOPSYNC);
        if (refusal.isPresent()) {
            return refuse(c.replyTo(), Reply.Why.WRONG_MODE, refusal.get());
        }
        List<RunbookStep> steps = pair.dr().shards().keySet().stream()
                .map(shard -> new RunbookStep(RunbookStep.Kind.STOP_LINK, shard)).toList();
        String id = "stopsync-" + UUID.randomUUID().toString().substring(0, 8);
        return Effect().persist(new PairEvent.StopSyncRequested(id, steps, state.drMode(), System.currentTimeMillis()))
                .thenRun(s -> start(id, c.replyTo()));
    }

    private void start(String runbookId, ActorRef<Reply> replyTo) {
        waiters.computeIfAbsent(runbookId, k -> new ArrayList<>()).add(replyTo);
        ctx.getSelf().tell(new RunStep(runbookId, 0));
    }

    private Effect<PairEvent, PairState> onRunStep(PairState state, RunStep m) {
        Runbook rb = state.runbook();
        if (rb == null || !rb.id().equals(m.runbookId()) || rb.next() != m.step()) {
            return Effect().none(); // stale: the runbook moved on or ended
        }
        return Effect().persist(new PairEvent.StepStarted(rb.id(), rb.next(), rb.current().describe()))
                .thenRun(s -> ctx.pipeToSelf(execute(rb), (outcome, error) -> new StepFinished(rb.id(), rb.next(),
                        outcome != null ? outcome : new StepOutcome.Failed(String.valueOf(error.getMessage())))));
    }

    private CompletionStage<StepOutcome> execute(Runbook rb) {
        RunbookStep step = rb.current();
        return switch (step.kind()) {
            case PREFLIGHT -> preflight();
            case ENSURE_LINK -> askStep(NodeKey.primary(pair.id(), Site.DR, step.shard()),
                    replyTo -> new NodeAgent.EnsureLink(productionPrimary(step.shard()), rb.delaySeconds(), replyTo));
            case STOP_LINK -> askStep(NodeKey.primary(pair.id(), Site.DR, step.shard()), NodeAgent.StopLink::new);
        };
    }

    private Effect<PairEvent, PairState> onStepFinished(PairState state, StepFinished m) {
        Runbook rb = state.runbook();
        if (rb == null || !rb.id().equals(m.runbookId()) || rb.next() != m.step()) {
            return Effect().none();
        }
        if (m.outcome() instanceof StepOutcome.Failed f) {
            List<String> rollback = rb.operation() == Operation.SYNC && rb.fromMode() != Mode.SYNC
                    ? state.shardsLinkedBy(rb) : List.of();
            String reason = f.reason() + (rollback.isEmpty() ? "" : " (links of " + String.join(", ", rollback)
                    + " started by this sync were stopped again)");
            return Effect().persist(new PairEvent.RunbookFailed(rb.id(), rb.next(), reason, rollback))
                    .thenRun(s -> {
                        rollback.forEach(shard -> askStep(NodeKey.primary(pair.id(), Site.DR, shard), NodeAgent.StopLink::new)
                                .thenAccept(o -> ctx.getLog().info("cluster {}: rollback of {}: {}", pair.id(), shard, o)));
                        answer(rb.id(), new Reply.Refused(Reply.Why.FAILED, reason));
                    });
        }
        String detail = ((StepOutcome.Ok) m.outcome()).detail();
        RunbookStep step = rb.current();
        List<PairEvent> events = new ArrayList<>();
        events.add(switch (step.kind()) {
            case PREFLIGHT -> new PairEvent.PreflightPassed(rb.id());
            case ENSURE_LINK -> new PairEvent.ShardLinkConfigured(rb.id(), step.shard(), rb.delaySeconds(), detail);
            case STOP_LINK -> new PairEvent.ShardLinkStopped(rb.id(), step.shard());
        });
        if (rb.isLastStep()) {
            events.add(switch (rb.operation()) {
                case SYNC -> new PairEvent.SyncStarted(rb.id(), rb.delaySeconds());
                case STOPSYNC -> new PairEvent.SyncStopped(rb.id());
            });
        }
        return Effect().persist(events).thenRun(s -> {
            events.forEach(e -> Failpoints.crashAfter(e.getClass().getSimpleName()
                    + (step.shard().isEmpty() ? "" : ":" + step.shard())));
            if (s.runbookInProgress()) {
                ctx.getSelf().tell(new RunStep(rb.id(), s.runbook().next()));
            } else {
                answer(rb.id(), new Reply.Done(doneMessage(rb), s));
            }
        });
    }

    private String doneMessage(Runbook rb) {
        return switch (rb.operation()) {
            case SYNC -> "DR cluster " + pair.id() + " is in sync with production cluster " + pair.id() + ", delay "
                    + rb.delaySeconds() + " s, on " + rb.steps().size() + " steps.";
            case STOPSYNC -> "DR cluster " + pair.id() + " stopped syncing; relay logs are kept.";
        };
    }

    /** Nothing changes before every shard of both sites answers with the settings drsp needs. */
    private CompletionStage<StepOutcome> preflight() {
        List<CompletableFuture<String>> problems = new ArrayList<>();
        Map<String, CompletableFuture<NodeInspection>> byShardDr = new HashMap<>();
        Map<String, CompletableFuture<NodeInspection>> byShardProd = new HashMap<>();
        for (Site site : List.of(Site.PRODUCTION, Site.DR)) {
            for (String shard : pair.at(site).shards().keySet()) {
                NodeKey key = NodeKey.primary(pair.id(), site, shard);
                CompletableFuture<NodeInspection> inspection = inspect(key);
                (site == Site.DR ? byShardDr : byShardProd).put(shard, inspection);
                problems.add(inspection.thenApply(i -> !i.reachable()
                        ? key.describe() + " (" + i.endpoint() + ") is unreachable: " + i.error()
                        : i.settingViolations().isEmpty() ? null
                        : key.describe() + " (" + i.endpoint() + "): " + String.join(", ", i.settingViolations())));
            }
        }
        for (String shard : pair.dr().shards().keySet()) {
            problems.add(byShardDr.get(shard).thenCombine(byShardProd.get(shard), (dr, prod) -> Divergence.check(shard, dr, prod)));
        }
        return CompletableFuture.allOf(problems.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<String> found = problems.stream().map(CompletableFuture::join).filter(p -> p != null).toList();
            return found.isEmpty() ? new StepOutcome.Ok("all shards reachable with the required settings")
                    : new StepOutcome.Failed(String.join("; ", found) + "; nothing was changed.");
        });
    }

    private CompletableFuture<NodeInspection> inspect(NodeKey key) {
        ActorRef<NodeAgent.Command> agent = agents.get(key);
        String endpoint = Topology.endpoint(pair, key).toString();
        if (agent == null) {
            return CompletableFuture.completedFuture(NodeInspection.unreachable(key, endpoint, noAgent(key)));
        }
        return AskPattern.<NodeAgent.Command, NodeInspection>ask(agent, NodeAgent.Inspect::new, stepTimeout,
                        ctx.getSystem().scheduler()).toCompletableFuture()
                .exceptionally(e -> NodeInspection.unreachable(key, endpoint, "its agent did not answer within "
                        + stepTimeout.toSeconds() + " s"));
    }

    private CompletionStage<StepOutcome> askStep(NodeKey key,
                                                 Function<ActorRef<NodeAgent.StepResult>, NodeAgent.Command> message) {
        ActorRef<NodeAgent.Command> agent = agents.get(key);
        if (agent == null) {
            return CompletableFuture.completedFuture(new StepOutcome.Failed(key.describe() + ": " + noAgent(key)));
        }
        return AskPattern.ask(agent, message::apply, stepTimeout, ctx.getSystem().scheduler())
                .<StepOutcome>thenApply(r -> r instanceof NodeAgent.StepResult.Done d
                        ? new StepOutcome.Ok(d.detail()) : new StepOutcome.Failed(((NodeAgent.StepResult.Failed) r).reason()))
                .exceptionally(e -> new StepOutcome.Failed(key.describe() + " (" + Topology.endpoint(pair, key)
                        + ") did not answer within " + stepTimeout.toSeconds() + " s"
                        + (e.getCause() instanceof TimeoutException ? "" : ": " + e.getMessage())));
    }

    private String noAgent(NodeKey key) {
        return "no drsp agent has registered for it (start one with 'drsp agent --node " + key + "' or check the controller log)";
    }

    private Endpoint productionPrimary(String shard) {
        return pair.production().shard(shard).primary();
    }

    private void answer(String runbookId, Reply reply) {
        List<ActorRef<Reply>> list = waiters.remove(runbookId);
        if (list != null) {
            list.forEach(r -> r.tell(reply));
        }
    }

    private Effect<PairEvent, PairState> busy(ActorRef<Reply> replyTo, Runbook rb) {
        return refuse(replyTo, Reply.Why.BUSY, "DR cluster " + pair.id() + " is running " + rb.progress()
                + "; wait for it to finish (drsp status " + pair.id() + ").");
    }

    private Effect<PairEvent, PairState> refuse(ActorRef<Reply> replyTo, Reply.Why why, String reason) {
        replyTo.tell(new Reply.Refused(why, reason));
        return Effect().none();
    }
}
