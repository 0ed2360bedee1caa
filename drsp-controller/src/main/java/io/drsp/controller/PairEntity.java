package io.drsp.controller;

import io.drsp.agent.NodeAgent;
import io.drsp.agent.NodeInspection;
import io.drsp.agent.NodeKey;
import io.drsp.agent.TakeoverEpoch;
import io.drsp.agent.Topology;
import io.drsp.controller.PairProtocol.*;
import io.drsp.controller.metrics.JournalMetrics;
import io.drsp.controller.recovery.RecoveryPlan;
import io.drsp.core.config.ClusterPair;
import io.drsp.core.config.Site;
import io.drsp.core.config.SiteSettings;
import io.drsp.core.fault.Failpoints;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerBuilder;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One cluster pair: its modes and the runbooks that change them. Every runbook step is journaled before it runs
 * ({@link PairEvent.StepStarted}) and after (its completion events), and every step is idempotent, so a controller
 * killed at any moment replays its journal and runs the interrupted step again. What each operation admits, runs,
 * says and takes back is its {@link RunbookDefinition}'s; this class wires them, takes the pair over, checks it still
 * owns it before each step, and runs the step loop.
 */
public final class PairEntity extends EventSourcedBehavior<PairProtocol.Command, PairEvent, PairState> {

    /** How soon a step whose ownership check could not read the control database checks again. */
    static final Duration RECHECK_AFTER = Duration.ofSeconds(2);

    private final ActorContext<Command> ctx;
    private final ClusterPair pair;
    private final AgentDirectory agents = AgentDirectory.live();
    private final RunbookWaiters waiters;
    private final RunbookUndo undos;
    private final ProgressBoard progress = new ProgressBoard();
    /** Not journaled: replaying the journal at start sets it to then, which only makes status wait for new looks. */
    private long changedOutsideRunbookMicros;
    private final AgentCalls calls;
    private final RunbookSteps steps;
    private final Runbooks runbooks;
    private final RelaytimeOperation relaytime;
    private final DrillPlanOperation drillPlan;
    private final DbproxyOperation dbproxy;
    private final JournalWatch journal;
    private final HeldEpoch held;
    /** Set once this incarnation's takeover is journaled; until then commands wait in the stash. */
    private boolean tookOver;
    private CommandHandler<Command, PairEvent, PairState> handler;
    /** The id of the {@link Requested} command being handled, for the id of the runbook it starts; null otherwise. */
    private String requestId;
    private boolean checkFailing;

    /**
     * @param journal reads the pair's journal for a later owner's writes, before each step
     * @param held    the epoch this entity held before its supervisor restarted it; create one per entity, outside
     *                the supervision, so a restart after a failure does not take the pair back from a later owner
     */
    static Behavior<Command> create(ClusterPair pair, Map<Site, SiteSettings> sites, ZoneId zone, Duration stepTimeout,
                                    Path archiveRoot, JournalWatch journal, HeldEpoch held) {
        return Behaviors.setup(ctx -> new PairEntity(ctx, pair, sites, zone, stepTimeout, archiveRoot, journal, held));
    }

    public static PersistenceId persistenceId(String clusterId) {
        return PersistenceId.ofUniqueId("pair-" + clusterId);
    }

    private PairEntity(ActorContext<Command> ctx, ClusterPair pair, Map<Site, SiteSettings> sites, ZoneId zone, Duration stepTimeout,
                       Path archiveRoot, JournalWatch journal, HeldEpoch held) {
        // A journal write or read that fails restarts the entity after a pause, as other failures do (Pekko's default
        // stops it for good): a control database that blinked must not leave the pair undriven. When the write failed
        // because a later owner holds the sequence number, the restart finds that owner's takeover and stops.
        super(persistenceId(pair.id()), SupervisorStrategy.restartWithBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2));
        this.ctx = ctx;
        this.journal = journal;
        this.held = held;
        this.pair = pair;
        this.calls = new AgentCalls(pair, agents, stepTimeout, ctx.getSystem().scheduler());
        this.steps = new RunbookSteps(calls, sites, zone, archiveRoot, p -> ctx.getSelf().tell(new Progressed(p)));
        RunbookDefinition.Context context = new RunbookDefinition.Context(pair, steps, zone);
        this.runbooks = new Runbooks(context);
        this.waiters = new RunbookWaiters(pair.id(), runbooks, (after, m) -> ctx.scheduleOnce(after, ctx.getSelf(), m));
        this.undos = new RunbookUndo(pair.id(), runbooks, steps, calls);
        this.relaytime = new RelaytimeOperation(context);
        this.drillPlan = new DrillPlanOperation(context);
        this.dbproxy = new DbproxyOperation(context);
        AgentDirectory.subscribe(pair, ctx.getSystem(), ctx.messageAdapter(Receptionist.Listing.class, AgentsListed::new));
    }

    @Override
    public PairState emptyState() {
        return PairState.initial();
    }

    @Override
    public CommandHandler<Command, PairEvent, PairState> commandHandler() {
        CommandHandlerBuilder<Command, PairEvent, PairState> b = newCommandHandlerBuilder();
        // Nothing runs, not even a status answer, before this incarnation's takeover is journaled.
        b.forState(s -> !tookOver)
                .onCommand(TakeOver.class, (s, c) -> onTakeOver(s))
                .onCommand(AgentsListed.class, this::onAgentsListed)
                .onAnyCommand(() -> Effect().stash());
        b.forState(PairState::runbookInProgress)
                .onCommand(c -> c instanceof RunbookCommand r && !r.call().dryRun(), (s, c) -> joinOrBusy(s, (RunbookCommand) c))
                .onCommand(RunStep.class, (s, m) -> isCurrent(s, m.runbookId(), m.step()) ? ownerChecked(m) : Effect().none())
                .onCommand(StepFinished.class, (s, m) -> isCurrent(s, m.runbookId(), m.step()) ? ownerChecked(m) : Effect().none());
        b.forAnyState()
                .onCommand(RunbookCommand.class, this::onRunbookCommand)
                .onCommand(SetTarget.class, this::onSetTarget)
                .onCommand(TargetChecked.class, this::onTargetChecked)
                .onCommand(PlanDrill.class, this::onPlanDrill)
                .onCommand(Dbproxy.class, this::onDbproxy)
                .onCommand(HookFinished.class, this::onHookFinished)
                .onCommand(GetState.class, (s, c) -> reply(c.replyTo(), s))
                .onCommand(GetAgents.class, (s, c) -> reply(c.replyTo(), agents.copy()))
                .onCommand(GetStatusBasis.class, (s, c) -> reply(c.replyTo(), new StatusBasis(s, agents.copy(), progress.view(),
                        s.runbook() == null ? changedOutsideRunbookMicros
                                : Math.max(changedOutsideRunbookMicros, s.runbook().startedAtMillis() * 1000))))
                .onCommand(AwaitRunbook.class, (s, c) -> none(() -> waiters.follow(s, c)))
                .onCommand(Requested.class, this::onRequested)
                .onCommand(WaitExpired.class, (s, c) -> none(() -> waiters.expired(s, c)))
                .onCommand(Progressed.class, (s, c) -> none(() -> progress.record(c.progress())))
                .onCommand(AgentsListed.class, this::onAgentsListed)
                .onCommand(RunStep.class, () -> Effect().none()) // stale: the runbook ended
                .onCommand(StepFinished.class, () -> Effect().none())
                .onCommand(UndoFinished.class, this::onUndoFinished)
                .onCommand(ResumeUndo.class, (s, c) -> ownerChecked(c))
                .onCommand(OwnerChecked.class, this::onOwnerChecked)
                .onCommand(Recheck.class, (s, c) -> ownerChecked(c.next()))
                .onCommand(TakeOver.class, () -> Effect().none());
        handler = b.build();
        return handler;
    }

    /**
     * A restarted controller reads the newest snapshot and the events after it, not years of journal. Events are
     * never deleted: the journal is the record of every step taken on a bank's DR copy. Tests take snapshots more
     * often ({@code -Ddrsp.snapshot-every}) so that their restarts go through one.
     */
    @Override
    public RetentionCriteria retentionCriteria() {
        return RetentionCriteria.snapshotEvery(Math.max(1, Integer.getInteger("drsp.snapshot-every", 100)), 2);
    }

    @Override
    public EventHandler<PairState, PairEvent> eventHandler() {
        return newEventHandlerBuilder().forAnyState().onAnyEvent((s, e) -> {
            PairState next = s.apply(e);
            if (next.runbook() == null) {
                // A runbook's end, an undo's step: the members may differ from any look asked for before now.
                changedOutsideRunbookMicros = NodeInspection.nowMicros();
            }
            return next;
        });
    }

    @Override
    public SignalHandler<PairState> signalHandler() {
        // A signal handler cannot persist: the takeover is journaled by the first command, and the stash holds the rest.
        return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), state -> {
            // A recovery after a journal failure restarts the entity in this same object: it must take the pair over
            // again (or find it has been), and send nothing meanwhile.
            tookOver = false;
            calls.takenOverUnder(null);
            ctx.getSelf().tell(TakeOver.INSTANCE);
        }).build();
    }

    /**
     * Journals this controller's takeover of the pair under the next epoch, then resumes what the journal left in
     * progress: only a current owner may. A restart after a failure whose journal shows another owner's takeover
     * since this entity's own (its writes failed because that owner took the sequence numbers) takes nothing back.
     */
    private Effect<PairEvent, PairState> onTakeOver(PairState state) {
        long before = held.epoch();
        if (before > 0 && state.epoch() != before) {
            return stopDriving(before, "a later owner (epoch " + state.epoch() + ", " + state.owner() + ")");
        }
        String owner = ctx.getSystem().address().toString();
        return Effect().persist(new PairEvent.OwnerTookOver(state.epoch() + 1, owner, NodeInspection.nowMicros())).thenRun(s -> {
            held.held(s.epoch());
            calls.takenOverUnder(new TakeoverEpoch(s.epoch(), s.owner()));
            tookOver = true;
            ctx.getLog().info("cluster {}: took over under epoch {} (owner {})", pair.id(), s.epoch(), s.owner());
            // What the journal left in progress goes on, after the stashed commands and the agents' listings.
            if (s.pendingUndo() != null) {
                ctx.getLog().info("cluster {}: finishing the undo of {} on {} after restart", pair.id(),
                        s.pendingUndo().runbookId(), s.pendingUndo().shards());
                ctx.getSelf().tell(ResumeUndo.INSTANCE);
            }
            if (s.runbookInProgress()) {
                ctx.getLog().info("cluster {}: resuming {} after restart", pair.id(), s.runbook().progress());
                ctx.getSelf().tell(new RunStep(s.runbook().id(), s.runbook().next()));
            }
        }).thenUnstashAll();
    }

    /**
     * Asks the journal whether a later owner has written since this entity's last event, then goes on with
     * {@code next} only if none has: an owner that was paused while another took over runs no further step, even
     * where the agents forgot the newer epoch (restarted) or never saw it.
     */
    private Effect<PairEvent, PairState> ownerChecked(Command next) {
        ctx.pipeToSelf(journal.after(persistenceId().id(), lastSequenceNumber(ctx)), (rows, error) -> new OwnerChecked(next, rows,
                error == null ? null : NodeAgent.rootMessage(error)));
        return Effect().none();
    }

    private Effect<PairEvent, PairState> onOwnerChecked(PairState state, OwnerChecked m) {
        if (m.error() != null) {
            if (!checkFailing) {
                ctx.getLog().warn("cluster {}: cannot check that no later owner has taken the pair over ({}); its next step waits,"
                        + " checking again every {} s", pair.id(), m.error(), RECHECK_AFTER.toSeconds());
                checkFailing = true;
            }
            ctx.scheduleOnce(RECHECK_AFTER, ctx.getSelf(), new Recheck(m.next()));
            return Effect().none();
        }
        if (checkFailing) {
            ctx.getLog().info("cluster {}: the ownership check reads the control database again", pair.id());
            checkFailing = false;
        }
        // Rows up to what this entity has written by now are its own, written while the check was under way.
        LaterWrites later = LaterWrites.judge(m.rows(), lastSequenceNumber(ctx));
        if (later.superseded()) {
            return stopDriving(state.epoch(), later.describeOwner());
        }
        if (m.next() instanceof RunStep r) {
            return runStep(state, r);
        } else if (m.next() instanceof StepFinished f) {
            return stepFinished(state, f);
        } else if (m.next() instanceof HookCleared h) {
            return runHook(h.command());
        } else if (m.next() instanceof ResumeUndo) {
            return runUndo(state);
        }
        throw new IllegalStateException("no ownership-checked action for " + m.next());
    }

    /** Another controller drives the pair now: this one answers whoever waits, runs nothing more, and stops. */
    private Effect<PairEvent, PairState> stopDriving(long epoch, String successor) {
        ctx.getLog().warn("cluster {}: epoch {} superseded by {}; this controller stops driving it", pair.id(), epoch, successor);
        waiters.answerAll(new Reply.Refused(Reply.Why.FAILED, "cluster " + pair.id() + " is driven by " + successor
                + " now; this controller (epoch " + epoch + ") stopped driving it and changes nothing more."));
        return Effect().stop();
    }

    private Effect<PairEvent, PairState> onAgentsListed(PairState state, AgentsListed m) {
        agents.listed(pair, m.listing()).ifPresent(ctx.getLog()::error);
        return Effect().none();
    }

    /** A runbook command, judged by its operation: refused, its dry run answered, or the runbook journaled and started. */
    private Effect<PairEvent, PairState> onRunbookCommand(PairState state, RunbookCommand c) {
        RunbookCall call = c.call();
        RunbookDefinition def = runbooks.of(call.operation(), call.site());
        Optional<Admission.Refusal> refusal = def.validate(state, call.request())
                .or(() -> call.dryRun() ? def.admitDryRun(state, call.request()) : def.admit(state, call.request()));
        if (refusal.isPresent()) {
            return refuse(c.replyTo(), refusal.get());
        }
        if (call.dryRun()) {
            return none(() -> def.dryRun(state, call.request()).thenAccept(c.replyTo()::tell));
        }
        String id = def.runbookId(requestId != null ? requestId : shortId());
        List<RunbookStep> plan = def.steps(state, call.request());
        return Effect().persist(def.requested(id, call.request(), plan, state, System.currentTimeMillis())).thenRun(s -> {
            waiters.await(id, c.replyTo(), RunbookWaiters.FIRST_ANSWER_WITHIN);
            ctx.getSelf().tell(new RunStep(id, 0));
        });
    }

    /** While a runbook runs, the same command again joins it; any other is refused as busy. */
    private Effect<PairEvent, PairState> joinOrBusy(PairState state, RunbookCommand c) {
        RunbookDefinition def = runbooks.of(c.call().operation(), c.call().site());
        return unlessRefused(def.validate(state, c.call().request()), c.replyTo(), () -> {
            if (!def.joins(state.runbook(), c.call().request())) {
                return refuse(c.replyTo(), Admission.busy(pair.id(), state.runbook()));
            }
            waiters.await(state.runbook().id(), c.replyTo(), RunbookWaiters.FIRST_ANSWER_WITHIN);
            return Effect().none();
        });
    }

    private Effect<PairEvent, PairState> onSetTarget(PairState state, SetTarget c) {
        return unlessRefused(relaytime.admit(state), c.replyTo(), () -> none(() -> ctx.pipeToSelf(relaytime.check(state, c.target()),
                (result, error) -> new TargetChecked(c.target(), result, c.replyTo()))));
    }

    private Effect<PairEvent, PairState> onTargetChecked(PairState state, TargetChecked m) {
        return unlessRefused(relaytime.admitChecked(state, m.result()), m.replyTo(), () -> {
            RecoveryPlan plan = m.result().plan().orElseThrow();
            return Effect().persist(relaytime.event("relaytime-" + shortId(), m.target()))
                    .thenRun(s -> m.replyTo().tell(new Reply.Done(relaytime.doneMessage(m.target(), plan), s, plan)));
        });
    }

    private Effect<PairEvent, PairState> onPlanDrill(PairState state, PlanDrill c) {
        return unlessRefused(drillPlan.admit(state, c.resumeDelaySeconds()), c.replyTo(), () -> Effect()
                .persist(drillPlan.event("drill-" + shortId(), c.to(), c.resumeDelaySeconds()))
                .thenRun(s -> c.replyTo().tell(new Reply.Done(drillPlan.doneMessage(c.to(), c.resumeDelaySeconds()), s, null))));
    }

    private Effect<PairEvent, PairState> onDbproxy(PairState state, Dbproxy c) {
        return unlessRefused(dbproxy.admit(state, c.site(), c.start()), c.replyTo(), () -> c.dryRun()
                ? reply(c.replyTo(), dbproxy.dryRun(state, c.site(), c.start())) : ownerChecked(new HookCleared(c)));
    }

    private Effect<PairEvent, PairState> runHook(Dbproxy c) {
        ctx.pipeToSelf(steps.hook("dbproxy-" + shortId(), c.site(), DbproxyOperation.hook(c.start()),
                DbproxyOperation.modeFor(c.site(), c.start())), (outcome, error) -> new HookFinished(c,
                outcome != null ? outcome : new StepOutcome.Failed(String.valueOf(error.getMessage()))));
        return Effect().none();
    }

    private Effect<PairEvent, PairState> onHookFinished(PairState state, HookFinished m) {
        Dbproxy c = m.command();
        if (m.outcome() instanceof StepOutcome.Failed f) {
            return refuse(c.replyTo(), new Admission.Refusal(Reply.Why.FAILED, dbproxy.failed(c.site(), c.start(), f.reason())));
        }
        return Effect().persist(((StepOutcome.Ok) m.outcome()).events())
                .thenRun(s -> c.replyTo().tell(new Reply.Done(dbproxy.doneMessage(c.site(), c.start()), s, null)));
    }

    /** Whether {@code step} of {@code runbookId} is the one to run now: otherwise the message is stale. */
    private static boolean isCurrent(PairState state, String runbookId, int step) {
        Runbook rb = state.runbook();
        return rb != null && rb.id().equals(runbookId) && rb.next() == step;
    }

    /** Every step is checked against the journal first (see {@link #ownerChecked}), then journaled, then run. */
    private Effect<PairEvent, PairState> runStep(PairState state, RunStep m) {
        if (!isCurrent(state, m.runbookId(), m.step())) {
            return Effect().none(); // stale: the runbook moved on while its owner was checked
        }
        Runbook rb = state.runbook();
        progress.clear();
        long writing = System.nanoTime();
        return Effect().persist(new PairEvent.StepStarted(rb.id(), rb.next(), rb.current().describe())).thenRun(s -> {
            JournalMetrics.written(writing);
            Failpoints.crashAfter("StepStarted:" + rb.current().kind() + (rb.current().shard().isEmpty() ? "" : ":" + rb.current().shard()));
            ctx.pipeToSelf(steps.execute(rb, s), (outcome, error) -> new StepFinished(rb.id(), rb.next(),
                    outcome != null ? outcome : new StepOutcome.Failed(String.valueOf(error.getMessage()))));
        });
    }

    /**
     * A step's end is checked too: an owner paused during a step learns on waking that it was superseded and stops,
     * rather than journaling over the new owner's events (the write would fail on their sequence numbers).
     */
    private Effect<PairEvent, PairState> stepFinished(PairState state, StepFinished m) {
        if (!isCurrent(state, m.runbookId(), m.step())) {
            return Effect().none();
        }
        Runbook rb = state.runbook();
        RunbookDefinition def = runbooks.of(rb);
        if (m.outcome() instanceof StepOutcome.Failed f) {
            return persistFailure(def.failure(state, rb, f.reason()));
        }
        RunbookStep step = rb.current();
        List<PairEvent> events = new ArrayList<>(((StepOutcome.Ok) m.outcome()).events());
        events.addAll(def.afterStep(rb));
        if (rb.isLastStep()) {
            events.addAll(def.completion(rb));
        }
        long writing = System.nanoTime();
        return Effect().persist(events).thenRun(s -> {
            JournalMetrics.written(writing);
            events.forEach(e -> Failpoints.crashAfter(e.getClass().getSimpleName() + (step.shard().isEmpty() ? "" : ":" + step.shard())));
            if (s.runbookInProgress()) {
                ctx.getSelf().tell(new RunStep(rb.id(), s.runbook().next()));
            } else {
                waiters.answer(rb.id(), new Reply.Done(def.doneMessage(rb, s), s, s.plan()));
            }
        });
    }

    /** Journals the failure, then takes back what it names, answering once that is done. */
    private Effect<PairEvent, PairState> persistFailure(PairEvent.RunbookFailed failure) {
        return Effect().persist(failure).thenRun(s -> {
            Failpoints.crashAfter("RunbookFailed");
            Reply refused = new Reply.Refused(Reply.Why.FAILED, failure.reason());
            if (s.pendingUndo() != null && s.pendingUndo().runbookId().equals(failure.runbookId())) {
                // The sentence says the change was taken back: it is sent once it has been.
                undos.holdAnswer(failure.runbookId(), refused);
                ctx.getSelf().tell(ResumeUndo.INSTANCE);
            } else {
                waiters.answer(failure.runbookId(), refused);
            }
        });
    }

    /** Takes back, entry by entry, what a failed runbook changed; each entry done is journaled, so a restart resumes. */
    private Effect<PairEvent, PairState> runUndo(PairState s) {
        PendingUndo undo = s.pendingUndo();
        if (undo != null) {
            undos.start(undo).forEach((entry, f) -> ctx.pipeToSelf(f, (r, error) -> new UndoFinished(undo.runbookId(), entry, r)));
        }
        return Effect().none();
    }

    private Effect<PairEvent, PairState> onUndoFinished(PairState state, UndoFinished m) {
        PendingUndo undo = state.pendingUndo();
        if (undo == null || !undo.runbookId().equals(m.runbookId()) || !undo.shards().contains(m.shard())) {
            return Effect().none(); // already journaled (a retry's second answer)
        }
        if (m.result() instanceof NodeAgent.StepResult.Failed f) {
            ctx.getLog().warn("cluster {}: undoing {} on {} failed, retried at the next command or restart: {}", pair.id(),
                    m.runbookId(), RunbookUndo.describe(m.shard()), f.reason());
            Optional.ofNullable(undos.failed(m.runbookId(), m.shard(), f.reason())).ifPresent(r -> waiters.answer(m.runbookId(), r));
            return Effect().none();
        }
        ctx.getLog().info("cluster {}: undid {} on {}", pair.id(), m.runbookId(), RunbookUndo.describe(m.shard()));
        return Effect().persist(new PairEvent.UndoCompleted(m.runbookId(), m.shard())).thenRun(s -> {
            if (s.pendingUndo() == null) {
                Optional.ofNullable(undos.done(m.runbookId())).ifPresent(r -> waiters.answer(m.runbookId(), r));
            }
        });
    }

    private Effect<PairEvent, PairState> onRequested(PairState state, Requested m) {
        if (waiters.answeredByItsRunbook(state, m)) {
            return Effect().none();
        }
        requestId = m.requestId();
        try {
            return handler.apply(state, m.command());
        } finally {
            requestId = null;
        }
    }

    private Effect<PairEvent, PairState> unlessRefused(Optional<Admission.Refusal> refusal, ActorRef<Reply> replyTo,
                                                       java.util.function.Supplier<Effect<PairEvent, PairState>> otherwise) {
        return refusal.isPresent() ? refuse(replyTo, refusal.get()) : otherwise.get();
    }

    /** Refuses; a refusal for a pending undo is also the DBA's retry of that undo (an agent that was down). */
    private Effect<PairEvent, PairState> refuse(ActorRef<Reply> replyTo, Admission.Refusal refusal) {
        if (refusal.retriesUndo()) {
            ctx.getSelf().tell(ResumeUndo.INSTANCE);
        }
        return reply(replyTo, refusal.reply());
    }

    private Effect<PairEvent, PairState> none(Runnable sideEffect) {
        sideEffect.run();
        return Effect().none();
    }

    private <T> Effect<PairEvent, PairState> reply(ActorRef<T> replyTo, T answer) {
        replyTo.tell(answer);
        return Effect().none();
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
