package io.drsp.agent;

import io.drsp.core.config.Endpoint;
import io.drsp.core.config.Site;
import io.drsp.core.gtid.GtidSet;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The one actor that touches one MySQL instance. It registers with the Receptionist under its {@link NodeKey}, so the
 * controller finds it whether it runs in the controller's JVM or on the database host. JDBC blocks, so every
 * operation runs on the dedicated {@code drsp.blocking-dispatcher} (looks on {@code drsp.inspect-dispatcher}), never
 * on the actor's own thread.
 */
public final class NodeAgent {

    /** What an agent can be asked. Replies go straight to {@code replyTo}. */
    public sealed interface Command extends AgentMessage {
    }

    /**
     * A command that may change MySQL. The controller sends it inside {@link UnderEpoch}, and the agent runs it only
     * while that epoch is current (see {@link EpochMark}); the check sits in one place, before any handler.
     * Named in JSON, because it crosses JVMs as a field of {@link UnderEpoch} (EpochJsonTest keeps the list whole).
     */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "mutation")
    @JsonSubTypes({
        @JsonSubTypes.Type(value = EnsureLink.class, name = "EnsureLink"),
        @JsonSubTypes.Type(value = StopLink.class, name = "StopLink"),
        @JsonSubTypes.Type(value = DropLink.class, name = "DropLink"),
        @JsonSubTypes.Type(value = SetReadOnly.class, name = "SetReadOnly"),
        @JsonSubTypes.Type(value = StartReplay.class, name = "StartReplay"),
        @JsonSubTypes.Type(value = CompleteXa.class, name = "CompleteXa"),
        @JsonSubTypes.Type(value = ResolvePrepared.class, name = "ResolvePrepared"),
        @JsonSubTypes.Type(value = CloseForWrites.class, name = "CloseForWrites"),
        @JsonSubTypes.Type(value = PurgeTo.class, name = "PurgeTo"),
        @JsonSubTypes.Type(value = StartJob.class, name = "StartJob")
    })
    public sealed interface Mutation extends Command permits StepMutation, StartJob {
        /** Answers the sender that the command was refused and did nothing. */
        void refuse(String node, String reason);

        /** Whether it needs an epoch at all: a background job that only reads (an archive, a checksum) does not. */
        default boolean changesMysql() {
            return true;
        }
    }

    /** A mutation answered with a {@link StepResult}. */
    public sealed interface StepMutation extends Mutation {
        ActorRef<StepResult> replyTo();

        @Override
        default void refuse(String node, String reason) {
            replyTo().tell(new StepResult.Failed(node, reason));
        }
    }

    /** {@code command}, sent by the owner that took the pair over under {@code epoch}. */
    public record UnderEpoch(TakeoverEpoch epoch, Mutation command) implements Command {
    }

    /** Look at the instance: settings, GTIDs, read-only, link. */
    public record Inspect(ActorRef<NodeInspection> replyTo) implements Command {
    }

    /** Look at the applier only (GTIDs, link): what a replay is watched with, several times a second. */
    public record InspectApplier(ActorRef<NodeInspection> replyTo) implements Command {
    }

    /** Make this DR shard replicate from {@code source} with {@code delaySeconds}; idempotent. */
    public record EnsureLink(Endpoint source, int delaySeconds, ActorRef<StepResult> replyTo) implements StepMutation {
    }

    /** Stop both replication threads, keeping the relay log. */
    public record StopLink(ActorRef<StepResult> replyTo) implements StepMutation {
    }

    /** Stop replicating and discard the link and its relay log (switchback). */
    public record DropLink(ActorRef<StepResult> replyTo) implements StepMutation {
    }

    /** Turn super_read_only on, or read_only and super_read_only off. */
    public record SetReadOnly(boolean readOnly, ActorRef<StepResult> replyTo) implements StepMutation {
    }

    /** Apply the relay log up to exactly {@code targetGtids} (the whole set the shard must have), delay lifted. */
    public record StartReplay(String targetGtids, ActorRef<StepResult> replyTo) implements StepMutation {
    }

    /** Apply planned XA COMMITs and ROLLBACKs ({@link XaLine}s) under production's GTIDs, after a replay. */
    public record CompleteXa(List<String> completions, ActorRef<StepResult> replyTo) implements StepMutation {
    }

    /** Prepared XA branches, and the decisions in the binlog from the snapshot point's position on. */
    public record LookPrepared(String binlogFile, long binlogPosition, ActorRef<PreparedLook> replyTo) implements Command {
    }

    /** Commit or roll back prepared branches, as stopservice --resolve-prepared or laststamp decided. */
    public record ResolvePrepared(List<XaDecision> decisions, ActorRef<StepResult> replyTo) implements StepMutation {
    }

    /** What this DR shard's relay index says about a recovery target. */
    public record ResolveCut(CutRequest request, ActorRef<ShardCut> replyTo) implements Command {
    }

    /** Read this member's GTID set and binlog position for a snapshot point. */
    public record TakeSnapshot(ActorRef<SnapshotResult> replyTo) implements Command {
    }

    /** Wait (bounded) for open transactions to end, then make the instance super read-only. */
    /** {@code leavePrepared}: production's fence; XA branches still prepared at the bound are left for laststamp. */
    public record CloseForWrites(int boundSeconds, boolean leavePrepared, ActorRef<StepResult> replyTo) implements StepMutation {
    }

    /** Start a background job, or join it when it is the one already running; answers where the agent's job stands. */
    public record StartJob(AgentJob job, ActorRef<JobReport> replyTo) implements Mutation {
        @Override
        public void refuse(String node, String reason) {
            replyTo.tell(JobReport.failed(node, job, reason));
        }

        @Override
        public boolean changesMysql() {
            return job.changesMysql();
        }
    }

    /** Where the agent's background job stands. */
    public record GetJob(ActorRef<JobReport> replyTo) implements Command {
    }

    /** Drop the flashback ledger and make this member's GTID set exactly {@code snapshotGtids} (drill's purge). */
    public record PurgeTo(String snapshotGtids, ActorRef<StepResult> replyTo) implements StepMutation {
    }

    /** A snapshot, or why it could not be taken. */
    public record SnapshotResult(MemberSnapshot snapshot, String error) implements AgentMessage {
    }

    /**
     * Background work an agent repeats on a timer; the chore itself is the tick. At most one run of each is under way
     * (a slow production must not pile up heartbeat writes; a first build of a large relay log outlasts its interval),
     * and a failure is logged when it starts and when it ends, not every tick.
     */
    private enum Chore implements Command {
        HEARTBEAT("heartbeat not written"),
        // Not fatal: a recovery cut reads the relay log itself and reports what is wrong with it.
        RELAY_INDEX("cannot index the relay log");

        final String failure;

        Chore(String failure) {
            this.failure = failure;
        }
    }

    /** A full look is back: it answers every Inspect that arrived before it started. */
    private record Looked(List<ActorRef<NodeInspection>> askers, NodeInspection inspection) implements Command {
    }

    /** A chore's run ended; {@code error} is null when it succeeded. Handled on the actor's thread. */
    private record ChoreDone(Chore chore, String error) implements Command {
    }

    /** How an operation ended, in a sentence that names the shard. */
    public sealed interface StepResult extends AgentMessage {
        String node();

        record Done(String node, String detail) implements StepResult {
        }

        record Failed(String node, String reason) implements StepResult {
        }
    }

    public static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(1);
    /** How often a DR primary's agent reads new relay log into its index; each refresh reads only what was added. */
    public static final Duration RELAY_INDEX_INTERVAL = Duration.ofSeconds(10);

    public static ServiceKey<Command> serviceKey(NodeKey key) {
        return ServiceKey.create(Command.class, "drsp-node-" + key);
    }

    /** Production shard primaries also write the heartbeat every second while they run. */
    public static Behavior<Command> create(NodeOps ops) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            ctx.getSystem().receptionist().tell(Receptionist.register(serviceKey(ops.key()), ctx.getSelf()));
            boolean heartbeat = ops.key().site() == Site.PRODUCTION && ops.key().isPrimary();
            if (heartbeat) {
                timers.startTimerWithFixedDelay(Chore.HEARTBEAT, HEARTBEAT_INTERVAL);
            }
            if (ops.key().site() == Site.DR && ops.key().isPrimary()) {
                ctx.getSelf().tell(Chore.RELAY_INDEX); // warm the index now, not at the first recovery
                timers.startTimerWithFixedDelay(Chore.RELAY_INDEX, RELAY_INDEX_INTERVAL);
            }
            return new NodeAgent(ctx, ops).behavior();
        }));
    }

    private final ActorContext<Command> ctx;
    private final NodeOps ops;
    private final Executor blocking;
    /** Looks only: a runbook's steps and the chores, queued on {@code blocking}, must not hold up a status. */
    private final Executor inspecting;
    private final DrillOps drill;
    private final XaOps xa;
    private final JobRunner jobs;
    private final EpochMark epochs;
    // Only touched on the actor's thread: completions come back as messages.
    private final List<ActorRef<NodeInspection>> askedToLook = new java.util.ArrayList<>();
    private boolean looking;
    private final java.util.EnumSet<Chore> choresRunning = java.util.EnumSet.noneOf(Chore.class);
    private final java.util.EnumSet<Chore> choresFailing = java.util.EnumSet.noneOf(Chore.class);

    private NodeAgent(ActorContext<Command> ctx, NodeOps ops) {
        this.ctx = ctx;
        this.ops = ops;
        this.blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig("drsp.blocking-dispatcher"));
        this.inspecting = ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig("drsp.inspect-dispatcher"));
        this.drill = ops.drill();
        this.xa = ops.xa();
        this.jobs = new JobRunner(ops.key().toString(), blocking, new JobDispatch(drill, ops.laststamp()));
        this.epochs = EpochMarks.get(ctx.getSystem()).of(ops.key().cluster());
    }

    private Behavior<Command> behavior() {
        return Behaviors.receive(Command.class)
                .onMessage(Inspect.class, m -> {
                    askedToLook.add(m.replyTo());
                    if (!looking) {
                        startLook();
                    }
                    return Behaviors.same();
                })
                .onMessage(Looked.class, m -> {
                    m.askers().forEach(a -> a.tell(m.inspection()));
                    looking = false;
                    if (!askedToLook.isEmpty()) {
                        startLook();
                    }
                    return Behaviors.same();
                })
                .onMessage(InspectApplier.class, m -> {
                    CompletableFuture.supplyAsync(ops::inspectApplier, inspecting).thenAccept(m.replyTo()::tell);
                    return Behaviors.same();
                })
                .onMessage(UnderEpoch.class, this::underEpoch)
                .onMessage(Mutation.class, m -> m.changesMysql() ? refuse(m, epochs.admit(null).orElseThrow()) : mutate(m))
                .onMessage(LookPrepared.class, m -> {
                    CompletableFuture.supplyAsync(() -> xa.look(m.binlogFile(), m.binlogPosition()), blocking)
                            .thenAccept(m.replyTo()::tell);
                    return Behaviors.same();
                })
                .onMessage(GetJob.class, m -> {
                    m.replyTo().tell(jobs.report());
                    return Behaviors.same();
                })
                .onMessage(ResolveCut.class, m -> {
                    CompletableFuture.supplyAsync(() -> ops.cut(m.request()), blocking).thenAccept(m.replyTo()::tell);
                    return Behaviors.same();
                })
                .onMessage(TakeSnapshot.class, m -> {
                    CompletableFuture.supplyAsync(ops::snapshot, blocking).whenComplete((snap, error) -> m.replyTo().tell(
                            error == null ? new SnapshotResult(snap, null) : new SnapshotResult(null, rootMessage(error))));
                    return Behaviors.same();
                })
                .onMessage(Chore.class, this::startChore)
                .onMessage(ChoreDone.class, this::choreDone)
                .onSignal(PostStop.class, s -> {
                    ops.close();
                    return Behaviors.same();
                })
                .build();
    }

    /**
     * Status calls, the metrics collection and the consistent-point watch all ask for looks; one look at a time
     * answers every ask that came before it started (never one that started earlier: the asker may just have changed
     * the member), so a slow member is not asked twice over and a burst of asks costs at most two looks.
     */
    private void startLook() {
        List<ActorRef<NodeInspection>> askers = List.copyOf(askedToLook);
        askedToLook.clear();
        looking = true;
        ctx.pipeToSelf(CompletableFuture.supplyAsync(ops::inspect, inspecting), (look, error) -> new Looked(askers,
                look != null ? look : NodeInspection.unreachable(ops.key(), ops.endpoint().toString(), rootMessage(error))));
    }

    /** The one gate of every mutation: under an older epoch than this agent has seen, nothing runs. */
    private Behavior<Command> underEpoch(UnderEpoch m) {
        var refusal = epochs.admit(m.epoch());
        return refusal.isPresent() ? refuse(m.command(), refusal.get()) : mutate(m.command());
    }

    private Behavior<Command> refuse(Mutation m, String reason) {
        ctx.getLog().warn("{}: {} {}", ops.key().describe(), m.getClass().getSimpleName(), reason);
        m.refuse(ops.key().toString(), reason);
        return Behaviors.same();
    }

    private Behavior<Command> mutate(Mutation m) {
        if (m instanceof StartJob j) {
            j.replyTo().tell(jobs.start(j.job()));
            return Behaviors.same();
        }
        StepMutation s = (StepMutation) m;
        return step(operation(s), s.replyTo());
    }

    private Supplier<String> operation(StepMutation m) {
        if (m instanceof EnsureLink c) {
            return () -> ops.ensureLink(c.source(), c.delaySeconds());
        } else if (m instanceof StopLink) {
            return ops::stopLink;
        } else if (m instanceof DropLink) {
            return ops::dropLink;
        } else if (m instanceof SetReadOnly c) {
            return () -> ops.setReadOnly(c.readOnly());
        } else if (m instanceof StartReplay c) {
            return () -> ops.startReplay(GtidSet.parse(c.targetGtids()));
        } else if (m instanceof CompleteXa c) {
            return () -> xa.complete(c.completions().stream().map(XaLine::decode).toList());
        } else if (m instanceof ResolvePrepared c) {
            return () -> xa.resolve(c.decisions());
        } else if (m instanceof CloseForWrites c) {
            return () -> ops.closeForWrites(Duration.ofSeconds(c.boundSeconds()), c.leavePrepared());
        } else if (m instanceof PurgeTo c) {
            return () -> drill.purgeTo(GtidSet.parse(c.snapshotGtids()));
        }
        throw new IllegalArgumentException("no operation for " + m.getClass().getName());
    }

    private Behavior<Command> step(Supplier<String> operation, ActorRef<StepResult> replyTo) {
        String node = ops.key().toString();
        CompletableFuture.supplyAsync(operation, blocking).whenComplete((detail, error) -> replyTo.tell(error == null
                ? new StepResult.Done(node, detail)
                : new StepResult.Failed(node, rootMessage(error))));
        return Behaviors.same();
    }

    private Behavior<Command> startChore(Chore chore) {
        if (!choresRunning.add(chore)) {
            return Behaviors.same();
        }
        Runnable work = chore == Chore.HEARTBEAT ? ops::writeHeartbeat : ops::refreshRelayIndex;
        ctx.pipeToSelf(CompletableFuture.runAsync(work, blocking),
                (ok, error) -> new ChoreDone(chore, error == null ? null : rootMessage(error)));
        return Behaviors.same();
    }

    private Behavior<Command> choreDone(ChoreDone m) {
        choresRunning.remove(m.chore());
        if (m.error() != null && choresFailing.add(m.chore())) {
            // NodeOps's own messages may already say what failed and where.
            ctx.getLog().warn("{}", m.error().contains(m.chore().failure) ? m.error()
                    : ops.key().describe() + ": " + m.chore().failure + ": " + m.error());
        } else if (m.error() == null && choresFailing.remove(m.chore())) {
            ctx.getLog().info("{}: {} no more", ops.key().describe(), m.chore().failure);
        }
        return Behaviors.same();
    }

    /** The sentence of a failure, past the wrappers a future adds; also how the controller reports an agent's failures. */
    public static String rootMessage(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException || c.getMessage() == null) && c.getCause() != null) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }
}
