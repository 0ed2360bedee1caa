package io.drsp.controller;

import io.drsp.agent.NodeAgent;
import io.drsp.agent.NodeInspection;
import io.drsp.agent.NodeKey;
import io.drsp.agent.TakeoverEpoch;
import io.drsp.agent.Topology;
import io.drsp.controller.metrics.JournalMetrics;
import io.drsp.controller.recovery.RecoveryPlan;
import io.drsp.controller.recovery.RecoveryPlanner;
import io.drsp.controller.recovery.TargetSpec;
import io.drsp.controller.switchback.LaststampPlan;
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
import java.util.regex.Pattern;
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
public final class PairEntity extends EventSourcedBehavior<PairEntity.Command, PairEvent, PairState> {

    public sealed interface Command {
    }

    /** A command that starts a runbook, or asks for its dry run: which operation, at which site, with what. */
    sealed interface RunbookCommand extends Command {
        RunbookCall call();

        ActorRef<Reply> replyTo();
    }

    record RunbookCall(Operation operation, Site site, RunbookDefinition.Request request, boolean dryRun) {
        static RunbookCall dr(Operation operation, boolean dryRun) {
            return new RunbookCall(operation, Site.DR, RunbookDefinition.Request.NONE, dryRun);
        }
    }

    public record Sync(int delaySeconds, ActorRef<Reply> replyTo) implements RunbookCommand {
        public RunbookCall call() {
            return new RunbookCall(Operation.SYNC, Site.DR, RunbookDefinition.Request.delay(delaySeconds), false);
        }
    }

    public record StopSync(ActorRef<Reply> replyTo) implements RunbookCommand {
        public RunbookCall call() {
            return RunbookCall.dr(Operation.STOPSYNC, false);
        }
    }

    /** {@code relaytime}: check the target against every shard's relay index and record it. */
    public record SetTarget(TargetSpec target, ActorRef<Reply> replyTo) implements Command {
    }

    public record Recover(boolean dryRun, ActorRef<Reply> replyTo) implements RunbookCommand {
        public RunbookCall call() {
            return RunbookCall.dr(Operation.RECOVER, dryRun);
        }
    }

    /** {@code site} production: give a fenced production its applications back (the undo of its stopservice). */
    public record Service(Site site, ActorRef<Reply> replyTo) implements RunbookCommand {
        public RunbookCall call() {
            return new RunbookCall(Operation.SERVICE, site, RunbookDefinition.Request.NONE, false);
        }
    }

    /**
     * @param resolvePrepared commit each XA branch left prepared whose global transaction committed on a DR shard, roll
     *                        back the rest, before closing the shards (else prepared branches make it wait, then refuse)
     * @param dryRun          print what --resolve-prepared would do, change nothing; on production, what the fence would do
     * @param site            production fences production (switchback step 1) with the same steps DR leaves service by
     */
    public record StopService(boolean resolvePrepared, boolean dryRun, Site site, ActorRef<Reply> replyTo) implements RunbookCommand {
        public RunbookCall call() {
            return new RunbookCall(Operation.STOPSERVICE, site, new RunbookDefinition.Request(null, resolvePrepared, null, null), dryRun);
        }
    }

    /** End a drill's service: undo what it wrote since the snapshot point (dry run: check and archive only). */
    public record Flashback(boolean dryRun, ActorRef<Reply> replyTo) implements RunbookCommand {
        public RunbookCall call() {
            return RunbookCall.dr(Operation.FLASHBACK, dryRun);
        }
    }

    /** After a flashback: give every DR member exactly the snapshot point's GTID set again. */
    public record Purge(boolean dryRun, ActorRef<Reply> replyTo) implements RunbookCommand {
        public RunbookCall call() {
            return RunbookCall.dr(Operation.PURGE, dryRun);
        }
    }

    /** {@code drill --to}: remember the drill's target and the delay its end resumes sync with. */
    public record PlanDrill(String to, int resumeDelaySeconds, ActorRef<Reply> replyTo) implements Command {
    }

    /**
     * Switchback steps 2 and 3: roll a fenced production back to the DR cluster's recovery point, archiving first.
     *
     * @param timeMicros the time typed with {@code --time}, or null for the recovery point's own
     */
    public record Laststamp(boolean dryRun, Long timeMicros, String timeAsTyped, ActorRef<Reply> replyTo) implements RunbookCommand {
        public RunbookCall call() {
            return new RunbookCall(Operation.LASTSTAMP, Site.PRODUCTION, new RunbookDefinition.Request(null, false, timeMicros,
                    timeAsTyped), dryRun);
        }
    }

    /** The whole switchback (DESIGN §6); {@code delaySeconds}: DR's delay at the end, null for the cluster's. */
    public record Switchback(boolean dryRun, Integer delaySeconds, ActorRef<Reply> replyTo) implements RunbookCommand {
        public RunbookCall call() {
            return new RunbookCall(Operation.SWITCHBACK, Site.DR, RunbookDefinition.Request.delay(delaySeconds), dryRun);
        }
    }

    /** {@code dbproxy --site S --start|--stop}: one site's proxy hook by hand, journaled like a runbook's hook. */
    public record Dbproxy(Site site, boolean start, boolean dryRun, ActorRef<Reply> replyTo) implements Command {
    }

    public record GetState(ActorRef<PairState> replyTo) implements Command {
    }

    /** The agents of this pair that have registered, for status collection. */
    public record GetAgents(ActorRef<AgentDirectory> replyTo) implements Command {
    }

    /** What a status is made of besides the members' looks, all as of one moment. */
    public record GetStatusBasis(ActorRef<StatusBasis> replyTo) implements Command {
    }

    /**
     * @param looksNotBeforeMicros a member's look asked for before this may show it as it was before a change drsp
     *                             made: the end of the last runbook (or undo), or the start of the running one
     */
    public record StatusBasis(PairState state, AgentDirectory agents, Map<String, StepProgress> progress,
                              long looksNotBeforeMicros) {
    }

    /**
     * Follow a runbook: answers how it ended, at once if it has, else when it ends or with {@link Reply.Running} once
     * {@code atMost} has passed. A recovery runs for hours; every HTTP request about it stays short.
     */
    public record AwaitRunbook(String runbookId, Duration atMost, ActorRef<Reply> replyTo) implements Command {
    }

    /**
     * A command sent with the id its client gave it (the CLI makes one per invocation). The runbook it starts carries
     * that id, so the same command sent again after its answer was lost (its controller died or paused, another took
     * the pair over) is answered by that runbook, joined while it runs or with how it ended, rather than judged anew
     * against the modes it left.
     */
    public record Requested(String requestId, ActorRef<Reply> replyTo, Command command) implements Command {
        public Requested {
            if (!REQUEST_ID.matcher(requestId).matches()) {
                throw new IllegalArgumentException("a request id is 8 to 32 lowercase letters and digits, got \"" + requestId + "\"");
            }
        }
    }

    /** What a request id may be: it ends a runbook's id, which names archive directories and log lines. */
    public static final Pattern REQUEST_ID = Pattern.compile("[a-z0-9]{8,32}");

    private record AgentsListed(Receptionist.Listing listing) implements Command {
    }

    private record RunStep(String runbookId, int step) implements Command {
    }

    private record StepFinished(String runbookId, int step, StepOutcome outcome) implements Command {
    }

    private record TargetChecked(TargetSpec target, RecoveryPlanner.Result result, ActorRef<Reply> replyTo) implements Command {
    }

    private record Progressed(StepProgress.Sighting progress) implements Command {
    }

    private record WaitExpired(String runbookId, ActorRef<Reply> replyTo) implements Command {
    }

    private record HookFinished(Dbproxy command, StepOutcome outcome) implements Command {
    }

    private record UndoFinished(String runbookId, String shard, NodeAgent.StepResult result) implements Command {
    }

    private enum ResumeUndo implements Command {
        INSTANCE
    }

    /** Journal the takeover: the first command after recovery; every other command waits in the stash until it is done. */
    private enum TakeOver implements Command {
        INSTANCE
    }

    /** The journal's answer to "has a later owner written since?", asked before {@code next} acts; {@code error}: no answer. */
    private record OwnerChecked(Command next, List<LaterWrites.Row> rows, String error) implements Command {
    }

    private record Recheck(Command next) implements Command {
    }

    /** A hand-run proxy hook that passed its mode checks, to run once ownership is checked. */
    private record HookCleared(Dbproxy command) implements Command {
    }

    /** How a command ended, for the HTTP layer to turn into a status code. */
    public sealed interface Reply {
        /** {@code laststamp}: the laststamp plan, when the command was laststamp's dry run. */
        record Done(String message, PairState state, RecoveryPlan plan, LaststampPlan laststamp) implements Reply {
            public Done(String message, PairState state, RecoveryPlan plan) {
                this(message, state, plan, null);
            }
        }

        /** The runbook goes on; follow it with {@link AwaitRunbook}. */
        record Running(String runbookId, String progress) implements Reply {
        }

        record Refused(Why why, String reason) implements Reply {
        }

        enum Why { WRONG_MODE, BUSY, BAD_INPUT, FAILED }
    }

    /** How long a command that starts a runbook waits for its end before answering that it runs. */
    static final Duration FIRST_ANSWER_WITHIN = Duration.ofSeconds(2);
    /** The longest one request following a runbook waits: HTTP requests stay short, however long the runbook. */
    static final Duration MAX_WAIT = Duration.ofSeconds(30);
    /** How soon a step whose ownership check could not read the control database checks again. */
    static final Duration RECHECK_AFTER = Duration.ofSeconds(2);

    private final ActorContext<Command> ctx;
    private final ClusterPair pair;
    private final Map<ServiceKey<NodeAgent.Command>, NodeKey> watched = new HashMap<>();
    private final AgentDirectory agents = AgentDirectory.live();
    private final RunbookWaiters waiters = new RunbookWaiters();
    /** The refusal of a failed runbook, held until what it changed has been taken back. */
    private final Map<String, Reply> answersAfterUndo = new HashMap<>();
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
        this.relaytime = new RelaytimeOperation(context);
        this.drillPlan = new DrillPlanOperation(context);
        this.dbproxy = new DbproxyOperation(context);
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
                .onCommand(AwaitRunbook.class, this::onAwaitRunbook)
                .onCommand(Requested.class, this::onRequested)
                .onCommand(WaitExpired.class, this::onWaitExpired)
                .onCommand(Progressed.class, (s, c) -> {
                    progress.record(c.progress());
                    return Effect().none();
                })
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
        @SuppressWarnings("unchecked")
        ServiceKey<NodeAgent.Command> sk = (ServiceKey<NodeAgent.Command>) m.listing().getKey();
        NodeKey key = watched.get(sk);
        if (key != null) {
            agents.listed(key, m.listing().getServiceInstances(sk)).ifPresent(ctx.getLog()::error);
        }
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
            def.dryRun(state, call.request()).thenAccept(c.replyTo()::tell);
            return Effect().none();
        }
        String id = def.runbookId(requestId != null ? requestId : shortId());
        List<RunbookStep> plan = def.steps(state, call.request());
        return Effect().persist(def.requested(id, call.request(), plan, state, System.currentTimeMillis())).thenRun(s -> {
            await(id, c.replyTo(), FIRST_ANSWER_WITHIN);
            ctx.getSelf().tell(new RunStep(id, 0));
        });
    }

    /** While a runbook runs, the same command again joins it; any other is refused as busy. */
    private Effect<PairEvent, PairState> joinOrBusy(PairState state, RunbookCommand c) {
        RunbookCall call = c.call();
        RunbookDefinition def = runbooks.of(call.operation(), call.site());
        Optional<Admission.Refusal> invalid = def.validate(state, call.request());
        if (invalid.isPresent()) {
            return refuse(c.replyTo(), invalid.get());
        }
        if (def.joins(state.runbook(), call.request())) {
            await(state.runbook().id(), c.replyTo(), FIRST_ANSWER_WITHIN);
            return Effect().none();
        }
        return refuse(c.replyTo(), Admission.busy(pair.id(), state.runbook()));
    }

    private Effect<PairEvent, PairState> onSetTarget(PairState state, SetTarget c) {
        Optional<Admission.Refusal> refusal = relaytime.admit(state);
        if (refusal.isPresent()) {
            return refuse(c.replyTo(), refusal.get());
        }
        ctx.pipeToSelf(relaytime.check(state, c.target()), (result, error) -> new TargetChecked(c.target(), result, c.replyTo()));
        return Effect().none();
    }

    private Effect<PairEvent, PairState> onTargetChecked(PairState state, TargetChecked m) {
        Optional<Admission.Refusal> refusal = relaytime.admitChecked(state, m.result());
        if (refusal.isPresent()) {
            return refuse(m.replyTo(), refusal.get());
        }
        RecoveryPlan plan = m.result().plan().orElseThrow();
        return Effect().persist(relaytime.event("relaytime-" + shortId(), m.target()))
                .thenRun(s -> m.replyTo().tell(new Reply.Done(relaytime.doneMessage(m.target(), plan), s, plan)));
    }

    private Effect<PairEvent, PairState> onPlanDrill(PairState state, PlanDrill c) {
        Optional<Admission.Refusal> refusal = drillPlan.admit(state, c.resumeDelaySeconds());
        if (refusal.isPresent()) {
            return refuse(c.replyTo(), refusal.get());
        }
        return Effect().persist(drillPlan.event("drill-" + shortId(), c.to(), c.resumeDelaySeconds()))
                .thenRun(s -> c.replyTo().tell(new Reply.Done(drillPlan.doneMessage(c.to(), c.resumeDelaySeconds()), s, null)));
    }

    private Effect<PairEvent, PairState> onDbproxy(PairState state, Dbproxy c) {
        Optional<Admission.Refusal> refusal = dbproxy.admit(state, c.site(), c.start());
        if (refusal.isPresent()) {
            return refuse(c.replyTo(), refusal.get());
        }
        return c.dryRun() ? reply(c.replyTo(), dbproxy.dryRun(state, c.site(), c.start())) : ownerChecked(new HookCleared(c));
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
                answersAfterUndo.put(failure.runbookId(), refused);
                ctx.getSelf().tell(ResumeUndo.INSTANCE);
            } else {
                waiters.answer(failure.runbookId(), refused);
            }
        });
    }

    /** Takes back, shard by shard, what a failed runbook changed; each shard done is journaled, so a restart resumes. */
    private Effect<PairEvent, PairState> runUndo(PairState s) {
        PendingUndo undo = s.pendingUndo();
        if (undo == null) {
            return Effect().none();
        }
        for (String shard : undo.shards()) {
            if (PendingUndo.isProxy(shard)) {
                ctx.pipeToSelf(steps.startProxyAgain(undo.site()), (r, error) -> new UndoFinished(undo.runbookId(), shard,
                        r != null ? r : new NodeAgent.StepResult.Failed(undo.site().configKey() + " proxy", String.valueOf(error))));
                continue;
            }
            NodeKey key = NodeKey.primary(pair.id(), undo.site(), shard);
            ctx.pipeToSelf(calls.step(key, runbooks.of(undo).undoStep(undo, shard)), (r, error) -> new UndoFinished(undo.runbookId(),
                    shard, r != null ? r : new NodeAgent.StepResult.Failed(key.toString(), String.valueOf(error))));
        }
        return Effect().none();
    }

    private Effect<PairEvent, PairState> onUndoFinished(PairState state, UndoFinished m) {
        PendingUndo undo = state.pendingUndo();
        if (undo == null || !undo.runbookId().equals(m.runbookId()) || !undo.shards().contains(m.shard())) {
            return Effect().none(); // already journaled (a retry's second answer)
        }
        String what = PendingUndo.isProxy(m.shard()) ? "its proxy" : m.shard();
        if (m.result() instanceof NodeAgent.StepResult.Failed f) {
            ctx.getLog().warn("cluster {}: undoing {} on {} failed, retried at the next command or restart: {}", pair.id(),
                    m.runbookId(), what, f.reason());
            if (answersAfterUndo.remove(m.runbookId()) instanceof Reply.Refused r) {
                waiters.answer(m.runbookId(), new Reply.Refused(r.why(), r.reason() + " Taking it back failed on " + what + " ("
                        + f.reason() + "); the next command retries it."));
            }
            return Effect().none();
        }
        ctx.getLog().info("cluster {}: undid {} on {}", pair.id(), m.runbookId(), what);
        return Effect().persist(new PairEvent.UndoCompleted(m.runbookId(), m.shard())).thenRun(s -> {
            if (s.pendingUndo() == null) {
                Reply waiting = answersAfterUndo.remove(m.runbookId());
                if (waiting != null) {
                    waiters.answer(m.runbookId(), waiting);
                }
            }
        });
    }

    /** Answers {@code replyTo} when the runbook ends, or with Running after {@code wait}, whichever comes first. */
    private void await(String runbookId, ActorRef<Reply> replyTo, Duration wait) {
        waiters.add(runbookId, replyTo);
        ctx.scheduleOnce(wait, ctx.getSelf(), new WaitExpired(runbookId, replyTo));
    }

    private Effect<PairEvent, PairState> onAwaitRunbook(PairState state, AwaitRunbook c) {
        Runbook running = state.runbook();
        if (running != null && running.id().equals(c.runbookId())) {
            Duration wait = c.atMost().compareTo(MAX_WAIT) > 0 ? MAX_WAIT : c.atMost().isNegative() ? Duration.ZERO : c.atMost();
            await(running.id(), c.replyTo(), wait);
            return Effect().none();
        }
        Runbook finished = state.finishedRunbook();
        if (finished != null && finished.id().equals(c.runbookId())) {
            return reply(c.replyTo(), howItEnded(state, finished));
        }
        return refuse(c.replyTo(), new Admission.Refusal(Reply.Why.BAD_INPUT, "cluster " + pair.id() + " has no runbook "
                + c.runbookId() + " in progress or just ended (" + (running != null ? "running: " + running.id() : finished != null
                ? "last: " + finished.id() : "none yet") + "); see drsp status " + pair.id() + "."));
    }

    /** How the last runbook ended: its failure, or what it did. */
    private Reply howItEnded(PairState state, Runbook finished) {
        return state.lastError() != null ? new Reply.Refused(Reply.Why.FAILED, state.lastError())
                : new Reply.Done(runbooks.of(finished).doneMessage(finished, state), state, state.plan());
    }

    private Effect<PairEvent, PairState> onRequested(PairState state, Requested m) {
        String ending = "-" + m.requestId();
        Runbook current = state.runbook();
        if (current != null && current.id().endsWith(ending)) {
            await(current.id(), m.replyTo(), FIRST_ANSWER_WITHIN);
            return Effect().none();
        }
        Runbook finished = state.finishedRunbook();
        if (finished != null && finished.id().endsWith(ending)) {
            return reply(m.replyTo(), howItEnded(state, finished));
        }
        requestId = m.requestId();
        try {
            return handler.apply(state, m.command());
        } finally {
            requestId = null;
        }
    }

    private Effect<PairEvent, PairState> onWaitExpired(PairState state, WaitExpired m) {
        if (waiters.expired(m.runbookId(), m.replyTo())) {
            Runbook rb = state.runbook();
            m.replyTo().tell(new Reply.Running(m.runbookId(), rb != null && rb.id().equals(m.runbookId()) ? rb.progress() : ""));
        }
        return Effect().none();
    }

    /** Refuses; a refusal for a pending undo is also the DBA's retry of that undo (an agent that was down). */
    private Effect<PairEvent, PairState> refuse(ActorRef<Reply> replyTo, Admission.Refusal refusal) {
        if (refusal.retriesUndo()) {
            ctx.getSelf().tell(ResumeUndo.INSTANCE);
        }
        return reply(replyTo, refusal.reply());
    }

    private <T> Effect<PairEvent, PairState> reply(ActorRef<T> replyTo, T answer) {
        replyTo.tell(answer);
        return Effect().none();
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
