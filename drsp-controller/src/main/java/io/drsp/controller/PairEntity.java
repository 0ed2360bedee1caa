package io.drsp.controller;

import io.drsp.agent.NodeAgent;
import io.drsp.agent.NodeKey;
import io.drsp.agent.Topology;
import io.drsp.controller.drill.DrillPlan;
import io.drsp.controller.recovery.RecoveryPlan;
import io.drsp.controller.recovery.RecoveryPlanner;
import io.drsp.controller.recovery.RecoveryPoint;
import io.drsp.controller.recovery.TargetSpec;
import io.drsp.controller.switchback.LaststampPlan;
import io.drsp.core.config.ClusterPair;
import io.drsp.core.config.Site;
import io.drsp.core.config.SiteSettings;
import io.drsp.core.fault.Failpoints;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One cluster pair: its modes and the runbooks that change them. Every runbook step is journaled before it runs
 * ({@link PairEvent.StepStarted}) and after (its completion events), and every step is idempotent, so a controller
 * killed at any moment replays its journal and runs the interrupted step again.
 */
public final class PairEntity extends EventSourcedBehavior<PairEntity.Command, PairEvent, PairState> {

    public sealed interface Command {
    }

    public record Sync(int delaySeconds, ActorRef<Reply> replyTo) implements Command {
    }

    public record StopSync(ActorRef<Reply> replyTo) implements Command {
    }

    /** {@code relaytime}: check the target against every shard's relay index and record it. */
    public record SetTarget(TargetSpec target, ActorRef<Reply> replyTo) implements Command {
    }

    public record Recover(boolean dryRun, ActorRef<Reply> replyTo) implements Command {
    }

    /** {@code site} production: give a fenced production its applications back (the undo of its stopservice). */
    public record Service(Site site, ActorRef<Reply> replyTo) implements Command {
    }

    /**
     * @param resolvePrepared commit each XA branch left prepared whose global transaction committed on a DR shard, roll
     *                        back the rest, before closing the shards (else prepared branches make it wait, then refuse)
     * @param dryRun          print what --resolve-prepared would do, change nothing; on production, what the fence would do
     * @param site            production fences production (switchback step 1) with the same steps DR leaves service by
     */
    public record StopService(boolean resolvePrepared, boolean dryRun, Site site, ActorRef<Reply> replyTo) implements Command {
    }

    /** End a drill's service: undo what it wrote since the snapshot point (dry run: check and archive only). */
    public record Flashback(boolean dryRun, ActorRef<Reply> replyTo) implements Command {
    }

    /** After a flashback: give every DR member exactly the snapshot point's GTID set again. */
    public record Purge(boolean dryRun, ActorRef<Reply> replyTo) implements Command {
    }

    /** {@code drill --to}: remember the drill's target and the delay its end resumes sync with. */
    public record PlanDrill(String to, int resumeDelaySeconds, ActorRef<Reply> replyTo) implements Command {
    }

    /**
     * Switchback steps 2 and 3: roll a fenced production back to the DR cluster's recovery point, archiving first.
     * Its dry run plans per production shard from production's binary logs, changing nothing.
     *
     * @param timeMicros the time typed with {@code --time}, or null for the recovery point's own
     */
    public record Laststamp(boolean dryRun, Long timeMicros, String timeAsTyped, ActorRef<Reply> replyTo) implements Command {
    }

    /**
     * The whole switchback (DESIGN §6), from wherever both sites stand on its path.
     *
     * @param delaySeconds the delay DR follows production with at the end; null for the cluster's delay
     */
    public record Switchback(boolean dryRun, Integer delaySeconds, ActorRef<Reply> replyTo) implements Command {
    }

    public record GetState(ActorRef<PairState> replyTo) implements Command {
    }

    /** The agents of this pair that have registered, for status collection. */
    public record GetAgents(ActorRef<AgentDirectory> replyTo) implements Command {
    }

    /**
     * What a status is made of besides the members' looks, all as of one moment (the running step's progress is not
     * journaled: it is recomputed from the members).
     */
    public record GetStatusBasis(ActorRef<StatusBasis> replyTo) implements Command {
    }

    /**
     * @param looksNotBeforeMicros a member's look asked for before this may show it as it was before a change drsp
     *                             made: the end of the last runbook (or undo), or the start of the running one
     */
    public record StatusBasis(PairState state, AgentDirectory agents, Map<String, StepProgress> progress,
                              long looksNotBeforeMicros) {
    }

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

    /**
     * Follow a runbook: answers how it ended, at once if it has, else when it ends or with {@link Reply.Running} once
     * {@code atMost} has passed. A recovery runs for hours; every HTTP request about it stays short.
     */
    public record AwaitRunbook(String runbookId, Duration atMost, ActorRef<Reply> replyTo) implements Command {
    }

    private record WaitExpired(String runbookId, ActorRef<Reply> replyTo) implements Command {
    }

    /**
     * A command sent with the id its client gave it (the CLI makes one per invocation). The runbook it starts carries
     * that id, so the same command sent again after its answer was lost (its controller died or paused, another took
     * the pair over) is answered by that runbook, joined while it runs or with how it ended, rather than judged anew
     * against the modes it left: a stopservice that ended would otherwise be refused as not applying to
     * SERVICE_STOPPED, and the runbook script that sent it would stop on a command that did its work.
     */
    public record Requested(String requestId, ActorRef<Reply> replyTo, Command command) implements Command {
        public Requested {
            if (!REQUEST_ID.matcher(requestId).matches()) {
                throw new IllegalArgumentException("a request id is 8 to 32 lowercase letters and digits, got \"" + requestId + "\"");
            }
        }
    }

    /** What a request id may be: it ends a runbook's id, which names archive directories and log lines. */
    public static final java.util.regex.Pattern REQUEST_ID = java.util.regex.Pattern.compile("[a-z0-9]{8,32}");

    /**
     * {@code dbproxy --site S --start|--stop}: run one site's proxy hook by hand, as start_stop_service.sh does in a
     * switchback run step by step. Journaled like a runbook's hook.
     */
    public record Dbproxy(Site site, boolean start, boolean dryRun, ActorRef<Reply> replyTo) implements Command {
    }

    private record HookFinished(String id, Site site, String hook, StepOutcome outcome, ActorRef<Reply> replyTo) implements Command {
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

    /**
     * The journal's answer to "has a later owner written since?", asked before {@code next} acts on MySQL or a proxy;
     * {@code error} when the control database did not answer.
     */
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
    private final Map<String, List<ActorRef<Reply>>> waiters = new HashMap<>();
    /** The refusal of a failed runbook, held until what it changed has been taken back. */
    private final Map<String, Reply> answersAfterUndo = new HashMap<>();
    private final Map<String, long[]> progress = new LinkedHashMap<>(); // label -> {done, total, doneAtStart, startMillis}
    /** Not journaled: replaying the journal at start sets it to then, which only makes status wait for new looks. */
    private long changedOutsideRunbookMicros;
    private final Map<String, StepProgress.Sighting> lastSighting = new LinkedHashMap<>();
    private final AgentCalls calls;
    private final RunbookSteps steps;
    private final ZoneId zone;
    private final JournalWatch journal;
    private final HeldEpoch held;
    /** Set once this incarnation's takeover is journaled; until then commands wait in the stash. */
    private boolean tookOver;
    private CommandHandler<Command, PairEvent, PairState> running;
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
        super(persistenceId(pair.id()), org.apache.pekko.actor.typed.SupervisorStrategy.restartWithBackoff(
                Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2));
        this.ctx = ctx;
        this.journal = journal;
        this.held = held;
        this.pair = pair;
        this.zone = zone;
        this.calls = new AgentCalls(pair, agents, stepTimeout, ctx.getSystem().scheduler());
        this.steps = new RunbookSteps(calls, sites, zone, archiveRoot, p -> ctx.getSelf().tell(new Progressed(p)));
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
        running = runningHandler();
        return (state, command) -> {
            if (command instanceof TakeOver) {
                return onTakeOver(state);
            }
            if (!tookOver && !(command instanceof AgentsListed)) {
                return Effect().stash(); // nothing runs, not even a status answer, before the takeover is journaled
            }
            return running.apply(state, command);
        };
    }

    private CommandHandler<Command, PairEvent, PairState> runningHandler() {
        return newCommandHandlerBuilder().forAnyState()
                .onCommand(Sync.class, this::onSync)
                .onCommand(StopSync.class, (s, c) -> runbook(s, c.replyTo(), Operation.STOPSYNC, 0))
                .onCommand(SetTarget.class, this::onSetTarget)
                .onCommand(TargetChecked.class, this::onTargetChecked)
                .onCommand(Recover.class, this::onRecover)
                .onCommand(Service.class, (s, c) -> c.site() == Site.PRODUCTION
                        ? runbook(s, c.replyTo(), Operation.SERVICE, 0, false, Site.PRODUCTION)
                        : runbook(s, c.replyTo(), Operation.SERVICE, 0))
                .onCommand(StopService.class, this::onStopService)
                .onCommand(PlanDrill.class, this::onPlanDrill)
                .onCommand(Flashback.class, (s, c) -> c.dryRun() ? flashbackDryRun(s, c.replyTo()) : runbook(s, c.replyTo(), Operation.FLASHBACK, 0))
                .onCommand(Purge.class, (s, c) -> c.dryRun() ? purgeDryRun(s, c.replyTo()) : runbook(s, c.replyTo(), Operation.PURGE, 0))
                .onCommand(Laststamp.class, this::onLaststamp)
                .onCommand(Switchback.class, this::onSwitchback)
                .onCommand(Dbproxy.class, this::onDbproxy)
                .onCommand(HookFinished.class, this::onHookFinished)
                .onCommand(GetState.class, (s, c) -> {
                    c.replyTo().tell(s);
                    return Effect().none();
                })
                .onCommand(GetAgents.class, (s, c) -> {
                    c.replyTo().tell(agents.copy());
                    return Effect().none();
                })
                .onCommand(GetStatusBasis.class, (s, c) -> {
                    long notBefore = s.runbook() == null ? changedOutsideRunbookMicros
                            : Math.max(changedOutsideRunbookMicros, s.runbook().startedAtMillis() * 1000);
                    c.replyTo().tell(new StatusBasis(s, agents.copy(), progressView(), notBefore));
                    return Effect().none();
                })
                .onCommand(AwaitRunbook.class, this::onAwaitRunbook)
                .onCommand(Requested.class, this::onRequested)
                .onCommand(WaitExpired.class, this::onWaitExpired)
                .onCommand(Progressed.class, (s, c) -> {
                    recordProgress(c.progress());
                    return Effect().none();
                })
                .onCommand(AgentsListed.class, this::onAgentsListed)
                .onCommand(RunStep.class, this::onRunStep)
                .onCommand(StepFinished.class, this::onStepFinished)
                .onCommand(UndoFinished.class, this::onUndoFinished)
                .onCommand(ResumeUndo.class, (s, c) -> ownerChecked(c))
                .onCommand(OwnerChecked.class, this::onOwnerChecked)
                .onCommand(Recheck.class, (s, c) -> ownerChecked(c.next()))
                .build();
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
                changedOutsideRunbookMicros = io.drsp.agent.NodeInspection.nowMicros();
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
        if (tookOver) {
            return Effect().none();
        }
        long before = held.epoch();
        if (before > 0 && state.epoch() != before) {
            return stopDriving(state, before, "a later owner (epoch " + state.epoch() + ", " + state.owner() + ")");
        }
        String owner = ctx.getSystem().address().toString();
        PairEvent.OwnerTookOver takeover = new PairEvent.OwnerTookOver(state.epoch() + 1, owner, io.drsp.agent.NodeInspection.nowMicros());
        return Effect().persist(takeover).thenRun(s -> {
            held.held(s.epoch());
            calls.takenOverUnder(new io.drsp.agent.TakeoverEpoch(s.epoch(), s.owner()));
            tookOver = true;
            ctx.getLog().info("cluster {}: took over under epoch {} (owner {})", pair.id(), s.epoch(), s.owner());
            resume(s);
        }).thenUnstashAll();
    }

    /** What the journal left in progress goes on, after the stashed commands and the agents' listings. */
    private void resume(PairState state) {
        if (state.pendingUndo() != null) {
            ctx.getLog().info("cluster {}: finishing the undo of {} on {} after restart", pair.id(),
                    state.pendingUndo().runbookId(), state.pendingUndo().shards());
            ctx.getSelf().tell(ResumeUndo.INSTANCE);
        }
        if (state.runbookInProgress()) {
            ctx.getLog().info("cluster {}: resuming {} after restart", pair.id(), state.runbook().progress());
            ctx.getSelf().tell(new RunStep(state.runbook().id(), state.runbook().next()));
        }
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
            return stopDriving(state, state.epoch(), later.describeOwner());
        }
        if (m.next() instanceof RunStep r) {
            return runStep(state, r);
        } else if (m.next() instanceof StepFinished f) {
            return stepFinished(state, f);
        } else if (m.next() instanceof HookCleared h) {
            return runHook(h.command());
        } else if (m.next() instanceof ResumeUndo) {
            runUndo(state);
            return Effect().none();
        }
        throw new IllegalStateException("no ownership-checked action for " + m.next());
    }

    /** Another controller drives the pair now: this one answers whoever waits, runs nothing more, and stops. */
    private Effect<PairEvent, PairState> stopDriving(PairState state, long epoch, String successor) {
        ctx.getLog().warn("cluster {}: epoch {} superseded by {}; this controller stops driving it", pair.id(), epoch, successor);
        Reply gone = new Reply.Refused(Reply.Why.FAILED, "cluster " + pair.id() + " is driven by " + successor
                + " now; this controller (epoch " + epoch + ") stopped driving it and changes nothing more.");
        new ArrayList<>(waiters.keySet()).forEach(id -> answer(id, gone));
        return Effect().stop();
    }

    private Effect<PairEvent, PairState> onAgentsListed(PairState state, AgentsListed m) {
        @SuppressWarnings("unchecked")
        ServiceKey<NodeAgent.Command> sk = (ServiceKey<NodeAgent.Command>) m.listing().getKey();
        NodeKey key = watched.get(sk);
        if (key == null) {
            return Effect().none();
        }
        var instances = m.listing().getServiceInstances(sk);
        if (instances.size() > 1) {
            // Two processes driving one MySQL instance (a forgotten agent, a host started twice): acting through
            // either could undo what the other does, so neither is used until one is stopped.
            String where = instances.stream().map(r -> r.path().address().toString()).sorted()
                    .collect(java.util.stream.Collectors.joining(" and "));
            agents.agents().remove(key);
            agents.conflicts().put(key, where);
            ctx.getLog().error("{}: {} agents registered ({}); commands needing it are refused until one is stopped",
                    key.describe(), instances.size(), where);
        } else {
            agents.conflicts().remove(key);
            instances.stream().findFirst().ifPresentOrElse(ref -> agents.agents().put(key, ref), () -> agents.agents().remove(key));
        }
        return Effect().none();
    }

    private Effect<PairEvent, PairState> onSync(PairState state, Sync c) {
        if (c.delaySeconds() < 0) {
            return refuse(c.replyTo(), Reply.Why.BAD_INPUT, "delay must be 0 or more seconds, got " + c.delaySeconds() + ".");
        }
        return runbook(state, c.replyTo(), Operation.SYNC, c.delaySeconds());
    }

    private Effect<PairEvent, PairState> onRecover(PairState state, Recover c) {
        if (!c.dryRun()) {
            return runbook(state, c.replyTo(), Operation.RECOVER, 0);
        }
        var refusal = admissible(state, Operation.RECOVER);
        if (refusal != null) {
            return refusal.apply(c.replyTo());
        }
        steps.plan(state.target(), state.applyRates()).whenComplete((result, error) -> c.replyTo().tell(error != null
                ? new Reply.Refused(Reply.Why.FAILED, String.valueOf(error.getMessage()))
                : result.refusal().<Reply>map(r -> new Reply.Refused(Reply.Why.BAD_INPUT, r))
                .orElseGet(() -> new Reply.Done("dry run: nothing was changed.", state, result.plan().orElseThrow()))));
        return Effect().none();
    }

    private Effect<PairEvent, PairState> onSetTarget(PairState state, SetTarget c) {
        if (state.runbookInProgress()) {
            return busy(c.replyTo(), state.runbook());
        }
        var refusal = ModeRules.refusal(pair.id(), state.drMode(), Operation.RELAYTIME);
        if (refusal.isPresent()) {
            return refuse(c.replyTo(), Reply.Why.WRONG_MODE, refusal.get());
        }
        ctx.pipeToSelf(steps.planNewTarget(c.target(), state.applyRates()), (result, error) -> new TargetChecked(c.target(), error == null ? result
                : RecoveryPlanner.Result.refused("the target could not be checked: " + error.getMessage()), c.replyTo()));
        return Effect().none();
    }

    private Effect<PairEvent, PairState> onTargetChecked(PairState state, TargetChecked m) {
        if (m.result().refusal().isPresent()) {
            return refuse(m.replyTo(), Reply.Why.BAD_INPUT, m.result().refusal().get());
        }
        if (state.runbookInProgress() || !ModeRules.allows(state.drMode(), Operation.RELAYTIME)) {
            return refuse(m.replyTo(), Reply.Why.BUSY, "cluster " + pair.id() + " changed while the target was checked; run relaytime again.");
        }
        RecoveryPlan plan = m.result().plan().orElseThrow();
        return Effect().persist(new PairEvent.RecoveryTargetSet("relaytime-" + shortId(), m.target()))
                .thenRun(s -> m.replyTo().tell(new Reply.Done("recovery target of cluster " + pair.id() + " set to "
                        + m.target().describe() + "; run recover to replay " + plan.shards().stream()
                        .mapToLong(RecoveryPlan.ShardPlan::transactionsToReplay).sum() + " transactions.", s, plan)));
    }

    /** Refuses while a failed runbook's change is still being taken back, or returns null. */
    private java.util.function.Function<ActorRef<Reply>, Effect<PairEvent, PairState>> undoPending(PairState state) {
        if (state.pendingUndo() != null) {
            PendingUndo undo = state.pendingUndo();
            ctx.getSelf().tell(ResumeUndo.INSTANCE); // a command is also the DBA's retry of an undo that failed (an agent that was down)
            return r -> refuse(r, Reply.Why.FAILED, "cluster " + pair.id() + " is still taking back what the failed "
                    + undo.runbookId() + " changed on " + undo.shards().stream().map(sh -> sh.isEmpty() ? "its proxy" : sh)
                    .collect(java.util.stream.Collectors.joining(", ")) + " (retried now); run the command again once it is done.");
        }
        return null;
    }

    /** Production's side: only production's mode decides (DR's may be anything, see ModeRules), and no undo pending. */
    private java.util.function.Function<ActorRef<Reply>, Effect<PairEvent, PairState>> productionAdmissible(PairState state,
                                                                                                            Operation op) {
        var pending = undoPending(state);
        if (pending != null) {
            return pending;
        }
        var refusal = ModeRules.refusal(pair.id(), state.productionMode(), op, false);
        if (refusal.isEmpty() && op == Operation.SERVICE && state.rollback() != null) {
            // Half rolled back, production's data is neither its own nor the point's: only finishing the rollback is safe.
            refusal = java.util.Optional.of("production cluster " + pair.id() + "'s rollback by " + state.rollback().runbookId()
                    + " has begun (" + state.rollback().transactions() + " transactions archived); finish it with switchback "
                    + pair.id() + " before production serves.");
        }
        return refusal.<java.util.function.Function<ActorRef<Reply>, Effect<PairEvent, PairState>>>map(
                sentence -> r -> refuse(r, Reply.Why.WRONG_MODE, sentence)).orElse(null);
    }

    /** Refuses, or returns null when {@code op} may start now. */
    private java.util.function.Function<ActorRef<Reply>, Effect<PairEvent, PairState>> admissible(PairState state, Operation op) {
        var pending = undoPending(state);
        if (pending != null) {
            return pending;
        }
        var refusal = ModeRules.refusal(pair.id(), state.drMode(), op);
        if (refusal.isPresent()) {
            return r -> refuse(r, Reply.Why.WRONG_MODE, refusal.get());
        }
        if (op == Operation.RECOVER && state.target() == null) {
            return r -> refuse(r, Reply.Why.BAD_INPUT, "no recovery target is set for cluster " + pair.id()
                    + "; run relaytime first (a time, --all, or --gtid).");
        }
        if ((op == Operation.FLASHBACK || op == Operation.PURGE) && state.currentSnapshot() == null) {
            return r -> refuse(r, Reply.Why.BAD_INPUT, "cluster " + pair.id() + " has no snapshot point to return to"
                    + " (service records one); restore it from a backup instead.");
        }
        if (op == Operation.SERVICE && state.rollback() != null) {
            return r -> refuse(r, Reply.Why.WRONG_MODE, "switchback " + state.rollback().runbookId() + " has rolled production"
                    + " cluster " + pair.id() + " back; DR must not serve again beside it: finish with switchback " + pair.id() + ".");
        }
        if (op == Operation.SERVICE && state.drill() != null) {
            return r -> refuse(r, Reply.Why.WRONG_MODE, "the flashback of cluster " + pair.id() + "'s drill has begun ("
                    + state.drill().transactions() + " transactions archived); finish it with flashback before serving again.");
        }
        return null;
    }

    private Effect<PairEvent, PairState> onPlanDrill(PairState state, PlanDrill c) {
        if (c.resumeDelaySeconds() < 0) {
            return refuse(c.replyTo(), Reply.Why.BAD_INPUT, "delay must be 0 or more seconds, got " + c.resumeDelaySeconds() + ".");
        }
        var refusal = ModeRules.refusal(pair.id(), state.drMode(), Operation.DRILL);
        if (refusal.isPresent()) {
            return refuse(c.replyTo(), Reply.Why.WRONG_MODE, refusal.get());
        }
        DrillPlan plan = new DrillPlan(c.to(), c.resumeDelaySeconds(), System.currentTimeMillis());
        return Effect().persist(new PairEvent.DrillPlanned("drill-" + shortId(), plan))
                .thenRun(s -> c.replyTo().tell(new Reply.Done("drill of cluster " + pair.id() + " planned: recover to "
                        + (c.to().isEmpty() ? "all relay log" : c.to()) + ", then resume sync with delay " + c.resumeDelaySeconds()
                        + " s at its end.", s, null)));
    }

    private Effect<PairEvent, PairState> flashbackDryRun(PairState state, ActorRef<Reply> replyTo) {
        var refusal = dryRunAdmissible(state, Operation.FLASHBACK);
        if (refusal != null) {
            return refusal.apply(replyTo);
        }
        SnapshotPoint snap = state.currentSnapshot();
        steps.drill().preflight("dry-run", snap).thenCombine(steps.drill().archive(snap, true), (pre, archive) -> {
            StringBuilder b = new StringBuilder("dry run, nothing was changed. ");
            if (pre instanceof StepOutcome.Failed f) {
                b.append(f.reason()).append(' ');
            }
            if (archive.archive() == null) {
                b.append(String.join(" ", archive.refusals()));
            } else {
                b.append("flashback to snapshot point ").append(snap.id()).append(" would undo ")
                        .append(archive.archive().transactions()).append(" transactions, ").append(archive.archive().rows())
                        .append(" row changes:");
                archive.archive().shards().forEach((shard, a) -> b.append("\n  ").append(shard).append(": ").append(a.transactions())
                        .append(" transactions, ").append(a.rows()).append(" rows; forward and reverse SQL in ").append(a.archiveDir()));
            }
            return (Reply) (pre instanceof StepOutcome.Ok && archive.archive() != null
                    ? new Reply.Done(b.toString(), state, null) : new Reply.Refused(Reply.Why.FAILED, b.toString().trim()));
        }).exceptionally(e -> new Reply.Refused(Reply.Why.FAILED, String.valueOf(e.getMessage()))).thenAccept(replyTo::tell);
        return Effect().none();
    }

    private Effect<PairEvent, PairState> onStopService(PairState state, StopService c) {
        if (c.site() != Site.PRODUCTION) {
            return c.dryRun() ? stopServiceDryRun(state, c.replyTo()) : runbook(state, c.replyTo(), Operation.STOPSERVICE, 0,
                    c.resolvePrepared());
        }
        if (c.resolvePrepared()) {
            // DR decides its in-doubt branches from the transactions production committed; production's own are its
            // live coordinator's to decide, and the fence names each one it finds.
            return refuse(c.replyTo(), Reply.Why.BAD_INPUT, "--resolve-prepared decides the XA branches DR holds prepared;"
                    + " production's are its coordinator's to end (XA COMMIT or XA ROLLBACK), and stopservice --site production"
                    + " names each one that stops it.");
        }
        return c.dryRun() ? fenceDryRun(state, c.replyTo())
                : runbook(state, c.replyTo(), Operation.STOPSERVICE, 0, false, Site.PRODUCTION);
    }

    /** What fencing production would do, shard by shard, read from each primary now; changes nothing. */
    private Effect<PairEvent, PairState> fenceDryRun(PairState state, ActorRef<Reply> replyTo) {
        if (state.runbookInProgress()) {
            return busy(replyTo, state.runbook());
        }
        var refusal = productionAdmissible(state, Operation.STOPSERVICE);
        if (refusal != null) {
            return refusal.apply(replyTo);
        }
        Map<String, java.util.concurrent.CompletableFuture<io.drsp.agent.NodeInspection>> looks = steps.inspectPrimaries(Site.PRODUCTION);
        java.util.concurrent.CompletableFuture.allOf(looks.values().toArray(java.util.concurrent.CompletableFuture[]::new)).thenApply(v -> {
            List<String> down = new ArrayList<>();
            StringBuilder b = new StringBuilder("dry run, nothing was changed. stopservice --site production would fence"
                    + " production cluster " + pair.id() + ":\n  run the production site's stop_dbproxy hook ("
                    + steps.hookScript(Site.PRODUCTION, "stop_dbproxy") + ")");
            looks.forEach((shard, f) -> {
                io.drsp.agent.NodeInspection i = f.join();
                if (!i.reachable()) {
                    down.add("production shard " + shard + " (" + i.endpoint() + ") is unreachable: " + i.error());
                    return;
                }
                b.append("\n  ").append(shard).append(" (").append(i.endpoint()).append("): wait up to ")
                        .append(pair.service().drainTimeoutSeconds()).append(" s for open transactions to end, then super_read_only ON")
                        .append(i.superReadOnly() ? " (already ON)" : " (now OFF)");
                if (i.xaPrepared() != null && i.xaPrepared() > 0) {
                    b.append("; ").append(i.xaPrepared()).append(" XA branch(es) prepared now: left for laststamp to decide"
                            + " unless their coordinator ends them within the wait");
                }
            });
            return (Reply) (down.isEmpty() ? new Reply.Done(b.toString(), state, null)
                    : new Reply.Refused(Reply.Why.FAILED, "dry run, nothing was changed; stopservice --site production would"
                    + " be refused: " + String.join("; ", down) + "."));
        }).exceptionally(e -> new Reply.Refused(Reply.Why.FAILED, "dry run, nothing was changed: " + e.getMessage()))
                .thenAccept(replyTo::tell);
        return Effect().none();
    }

    private Effect<PairEvent, PairState> stopServiceDryRun(PairState state, ActorRef<Reply> replyTo) {
        var refusal = dryRunAdmissible(state, Operation.STOPSERVICE);
        if (refusal != null) {
            return refusal.apply(replyTo);
        }
        steps.decidePrepared(state.currentSnapshot()).thenApply(plan -> (Reply) new Reply.Done(plan.lines().isEmpty()
                ? "dry run, nothing was changed: no XA branch is prepared on a DR shard."
                : "dry run, nothing was changed. stopservice --resolve-prepared would resolve " + plan.lines().size()
                + " prepared XA branches:\n  " + String.join("\n  ", plan.lines()), state, null))
                .exceptionally(e -> new Reply.Refused(Reply.Why.FAILED, "dry run: " + (e.getCause() != null
                        ? e.getCause().getMessage() : e.getMessage())))
                .thenAccept(replyTo::tell);
        return Effect().none();
    }

    private Effect<PairEvent, PairState> purgeDryRun(PairState state, ActorRef<Reply> replyTo) {
        var refusal = dryRunAdmissible(state, Operation.PURGE);
        if (refusal != null) {
            return refusal.apply(replyTo);
        }
        SnapshotPoint snap = state.currentSnapshot();
        steps.drill().purgePreflight("dry-run", snap).thenApply(pre -> {
            if (pre instanceof StepOutcome.Failed f) {
                return (Reply) new Reply.Refused(Reply.Why.FAILED, "dry run: " + f.reason());
            }
            StringBuilder b = new StringBuilder("dry run, nothing was changed. purge would give every member of each shard"
                    + " exactly its snapshot point " + snap.id() + ":");
            for (String shard : pair.dr().shards().keySet()) {
                b.append("\n  ").append(shard).append(": ")
                        .append(DrillSteps.snapshotOf(snap, NodeKey.primary(pair.id(), Site.DR, shard)).toCompactString());
            }
            return new Reply.Done(b.toString(), state, null);
        }).exceptionally(e -> new Reply.Refused(Reply.Why.FAILED, String.valueOf(e.getMessage()))).thenAccept(replyTo::tell);
        return Effect().none();
    }

    private Effect<PairEvent, PairState> onLaststamp(PairState state, Laststamp c) {
        RecoveryPoint point = state.recoveryPoint();
        if (c.timeMicros() != null && point != null && !c.timeMicros().equals(point.clusterTimeMicros())) {
            return refuse(c.replyTo(), Reply.Why.BAD_INPUT, "laststamp rolls production back only to the DR cluster's recovery"
                    + " point" + (point.clusterTimeMicros() == null ? " (" + point.target() + ")" : ", production time "
                    + Instant.ofEpochSecond(0, point.clusterTimeMicros() * 1000).atZone(zone) + " (" + point.target() + ")")
                    + ", not to " + c.timeAsTyped() + ": other times are not supported yet; leave --time out.");
        }
        if (!c.dryRun()) {
            return runbook(state, c.replyTo(), Operation.LASTSTAMP, 0, false, Site.PRODUCTION);
        }
        if (state.runbookInProgress()) {
            return busy(c.replyTo(), state.runbook());
        }
        var refusal = ModeRules.refusal(pair.id(), state.drMode(), Operation.LASTSTAMP)
                .or(() -> ModeRules.refusal(pair.id(), state.productionMode(), Operation.LASTSTAMP, true));
        if (refusal.isPresent()) {
            return refuse(c.replyTo(), Reply.Why.WRONG_MODE, refusal.get());
        }
        if (point == null) {
            return refuse(c.replyTo(), Reply.Why.WRONG_MODE, noPoint());
        }
        if (state.rollback() != null) {
            return refuse(c.replyTo(), Reply.Why.WRONG_MODE, "production cluster " + pair.id() + "'s rollback has begun ("
                    + state.rollback().transactions() + " transactions archived by " + state.rollback().runbookId()
                    + "); its plan is that archive, and switchback " + pair.id() + " finishes it.");
        }
        steps.switchback().planLaststamp(point).thenApply(r -> (Reply) (r.plan() == null
                ? new Reply.Refused(Reply.Why.FAILED, "dry run, nothing was changed; laststamp would be refused: "
                        + String.join(" ", r.refusals()))
                : new Reply.Done("laststamp would roll production cluster " + pair.id() + " back to the recovery point ("
                        + point.target() + "), undoing " + r.plan().transactions() + " transactions, " + r.plan().rows()
                        + " row changes.", state, null, r.plan())))
                .exceptionally(e -> new Reply.Refused(Reply.Why.FAILED, "dry run, nothing was changed: "
                        + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage())))
                .thenAccept(c.replyTo()::tell);
        return Effect().none();
    }

    private String noPoint() {
        return "DR cluster " + pair.id() + " has no recovery point to roll production back to; it must have been"
                + " recovered before it served.";
    }

    /** What switchback needs beyond both sites' modes: a point to roll back to, and the checksums of its snapshot. */
    private String switchbackRefusal(PairState state, Operation op) {
        if (state.recoveryPoint() == null) {
            return noPoint();
        }
        if (state.currentSnapshot() == null) {
            return "DR cluster " + pair.id() + " has no snapshot point (service records one), so a rolled-back production"
                    + " could not be checked against it; " + op.command() + " needs DR to have entered service with drsp.";
        }
        if (op == Operation.SWITCHBACK && state.productionMode() == ProductionMode.SERVICE && state.rollback() != null
                && state.drMode() != Mode.SERVICE_STOPPED) {
            return "production cluster " + pair.id() + " serves again after " + state.rollback().runbookId() + ", and DR is in mode "
                    + state.drMode() + "; stop DR's service (stopservice " + pair.id() + ") before switchback makes it follow production.";
        }
        return null;
    }

    private Effect<PairEvent, PairState> onSwitchback(PairState state, Switchback c) {
        if (c.delaySeconds() != null && c.delaySeconds() < 0) {
            return refuse(c.replyTo(), Reply.Why.BAD_INPUT, "delay must be 0 or more seconds, got " + c.delaySeconds() + ".");
        }
        if (!state.runbookInProgress()) { // else joined or refused as busy below
            var refusal = switchbackAdmissible(state, Operation.SWITCHBACK, false);
            if (refusal != null) {
                return refusal.apply(c.replyTo());
            }
        }
        int delay = c.delaySeconds() != null ? c.delaySeconds() : state.delaySeconds() != null ? state.delaySeconds() : -1;
        if (delay < 0) {
            return refuse(c.replyTo(), Reply.Why.BAD_INPUT, "cluster " + pair.id() + " has no delay to resume sync with;"
                    + " give one with --delay SECONDS.");
        }
        if (!c.dryRun()) {
            return runbook(state, c.replyTo(), Operation.SWITCHBACK, delay);
        }
        var refusal = switchbackAdmissible(state, Operation.SWITCHBACK, true);
        if (refusal != null) {
            return refusal.apply(c.replyTo());
        }
        List<RunbookStep> plan = SwitchbackRunbook.steps(List.copyOf(pair.production().shards().keySet()), state.productionMode(),
                state.drMode(), state.rollback() != null);
        StringBuilder b = new StringBuilder("dry run, nothing was changed. switchback of cluster " + pair.id() + " from production "
                + state.productionMode() + " and DR " + state.drMode() + " would run " + plan.size() + " steps, ending with DR"
                + " following production with delay " + delay + " s:");
        for (int i = 0; i < plan.size(); i++) {
            b.append("\n  ").append(i + 1).append(". ").append(plan.get(i).describe());
        }
        RecoveryPoint point = state.recoveryPoint();
        if (state.rollback() != null || !(plan.get(0).kind() == RunbookStep.Kind.SWITCHBACK_PREFLIGHT)) {
            c.replyTo().tell(new Reply.Done(b.toString(), state, null));
            return Effect().none();
        }
        steps.switchback().preflight("dry-run", point, false).thenCombine(steps.switchback().planLaststamp(point), (pre, r) -> (Reply)
                (pre instanceof StepOutcome.Failed f ? new Reply.Refused(Reply.Why.FAILED, "dry run, " + f.reason())
                        : new Reply.Done(b + "\nlaststamp would roll production back to the recovery point (" + point.target()
                        + "), undoing " + r.plan().transactions() + " transactions, " + r.plan().rows() + " row changes.", state,
                        null, r.plan())))
                .exceptionally(e -> new Reply.Refused(Reply.Why.FAILED, "dry run, nothing was changed: "
                        + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage())))
                .thenAccept(c.replyTo()::tell);
        return Effect().none();
    }

    /**
     * Stopping a site's proxy is always allowed (it only takes applications away, as a fence's first step does);
     * starting it only while that site serves, so applications are never sent to a read-only or rolled-back site.
     */
    private Effect<PairEvent, PairState> onDbproxy(PairState state, Dbproxy c) {
        if (state.runbookInProgress()) {
            return busy(c.replyTo(), state.runbook());
        }
        String siteName = c.site() == Site.DR ? "DR" : "production";
        boolean serves = c.site() == Site.DR ? state.drMode() == Mode.SERVICE : state.productionMode() == ProductionMode.SERVICE;
        if (c.start() && !serves) {
            return refuse(c.replyTo(), Reply.Why.WRONG_MODE, siteName + " cluster " + pair.id() + " is in mode "
                    + (c.site() == Site.DR ? state.drMode() : state.productionMode()) + ", not SERVICE, so its proxy must not send"
                    + " applications to it; " + (c.site() == Site.DR ? "service " + pair.id() : "service " + pair.id()
                    + " --site production or switchback " + pair.id()) + " starts it once it serves.");
        }
        String hook = c.start() ? "start_dbproxy" : "stop_dbproxy";
        String mode = c.start() ? "SERVICE" : c.site() == Site.DR ? "SERVICE_STOPPED" : "FENCED";
        if (c.dryRun()) {
            return refuseOrDone(c.replyTo(), new Reply.Done("dry run, nothing was changed: would run the " + siteName + " site's "
                    + hook + " hook (" + steps.hookScript(c.site(), hook) + ") with DRSP_MODE=" + mode + ".", state, null));
        }
        return ownerChecked(new HookCleared(c));
    }

    private Effect<PairEvent, PairState> runHook(Dbproxy c) {
        String hook = c.start() ? "start_dbproxy" : "stop_dbproxy";
        String mode = c.start() ? "SERVICE" : c.site() == Site.DR ? "SERVICE_STOPPED" : "FENCED";
        String id = "dbproxy-" + shortId();
        ctx.pipeToSelf(steps.hook(id, c.site(), hook, mode), (outcome, error) -> new HookFinished(id, c.site(), hook,
                outcome != null ? outcome : new StepOutcome.Failed(String.valueOf(error.getMessage())), c.replyTo()));
        return Effect().none();
    }

    private Effect<PairEvent, PairState> refuseOrDone(ActorRef<Reply> replyTo, Reply reply) {
        replyTo.tell(reply);
        return Effect().none();
    }

    private Effect<PairEvent, PairState> onHookFinished(PairState state, HookFinished m) {
        String siteName = m.site() == Site.DR ? "DR" : "production";
        if (m.outcome() instanceof StepOutcome.Failed f) {
            return refuse(m.replyTo(), Reply.Why.FAILED, "the " + siteName + " site's " + m.hook() + " hook failed: " + f.reason());
        }
        List<PairEvent> events = ((StepOutcome.Ok) m.outcome()).events();
        return Effect().persist(events).thenRun(s -> m.replyTo().tell(new Reply.Done("ran the " + siteName + " site's " + m.hook()
                + " hook of cluster " + pair.id() + ".", s, null)));
    }

    /** Both sites' modes (only production's for a real laststamp's own site), no undo pending, and a point. */
    private java.util.function.Function<ActorRef<Reply>, Effect<PairEvent, PairState>> switchbackAdmissible(PairState state,
                                                                                                            Operation op, boolean dryRun) {
        if (dryRun && state.runbookInProgress()) {
            return r -> busy(r, state.runbook());
        }
        var pending = undoPending(state);
        if (pending != null) {
            return pending;
        }
        var refusal = ModeRules.refusal(pair.id(), state.drMode(), op)
                .or(() -> ModeRules.refusal(pair.id(), state.productionMode(), op, false))
                .or(() -> java.util.Optional.ofNullable(switchbackRefusal(state, op)));
        return refusal.<java.util.function.Function<ActorRef<Reply>, Effect<PairEvent, PairState>>>map(
                sentence -> r -> refuse(r, Reply.Why.WRONG_MODE, sentence)).orElse(null);
    }

    /** A dry run needs what the real run needs, and no runbook in the way. */
    private java.util.function.Function<ActorRef<Reply>, Effect<PairEvent, PairState>> dryRunAdmissible(PairState state, Operation op) {
        if (state.runbookInProgress()) {
            return r -> busy(r, state.runbook());
        }
        return admissible(state, op);
    }

    /** Starts a runbook, joins an identical one in progress, or refuses. */
    private Effect<PairEvent, PairState> runbook(PairState state, ActorRef<Reply> replyTo, Operation op, int delay) {
        return runbook(state, replyTo, op, delay, false);
    }

    private Effect<PairEvent, PairState> runbook(PairState state, ActorRef<Reply> replyTo, Operation op, int delay,
                                                 boolean resolvePrepared) {
        return runbook(state, replyTo, op, delay, resolvePrepared, Site.DR);
    }

    /** {@code site}: whose mode the runbook changes; on production only service and stopservice exist. */
    private Effect<PairEvent, PairState> runbook(PairState state, ActorRef<Reply> replyTo, Operation op, int delay,
                                                 boolean resolvePrepared, Site site) {
        if (state.runbookInProgress()) {
            Runbook rb = state.runbook();
            if (rb.operation() == op && rb.site() == site && (op != Operation.SYNC || rb.delaySeconds() == delay)) {
                await(rb.id(), replyTo, FIRST_ANSWER_WITHIN); // the same command again: join it
                return Effect().none();
            }
            return busy(replyTo, rb);
        }
        var refusal = op == Operation.SWITCHBACK || op == Operation.LASTSTAMP ? switchbackAdmissible(state, op, false)
                : site == Site.PRODUCTION ? productionAdmissible(state, op) : admissible(state, op);
        if (refusal != null) {
            return refusal.apply(replyTo);
        }
        String id = op.command() + (site == Site.PRODUCTION && op != Operation.LASTSTAMP ? "-production-" : "-")
                + (requestId != null ? requestId : shortId());
        long now = System.currentTimeMillis();
        List<String> shards = List.copyOf(pair.production().shards().keySet());
        List<RunbookStep> plan = switch (op) {
            case SWITCHBACK -> SwitchbackRunbook.steps(shards, state.productionMode(), state.drMode(), state.rollback() != null);
            case LASTSTAMP -> {
                List<RunbookStep> l = new ArrayList<>(List.of(new RunbookStep(RunbookStep.Kind.SWITCHBACK_PREFLIGHT, "", Site.DR)));
                l.addAll(SwitchbackRunbook.laststamp(shards, state.rollback() != null));
                yield l;
            }
            default -> site == Site.PRODUCTION ? productionStepsOf(op) : stepsOf(op, state, resolvePrepared);
        };
        PairEvent.RunbookRequested requested = switch (op) {
            case SYNC -> new PairEvent.SyncRequested(id, delay, plan, state.drMode(), now);
            case STOPSYNC -> new PairEvent.StopSyncRequested(id, plan, state.drMode(), now);
            case RECOVER -> new PairEvent.RecoverRequested(id, plan, state.drMode(), now);
            case SERVICE -> new PairEvent.ServiceRequested(id, plan, state.drMode(), now, site);
            case STOPSERVICE -> new PairEvent.StopServiceRequested(id, plan, state.drMode(), now, site);
            case FLASHBACK -> new PairEvent.FlashbackRequested(id, plan, state.drMode(), now);
            case PURGE -> new PairEvent.PurgeRequested(id, plan, state.drMode(), now);
            case SWITCHBACK -> new PairEvent.SwitchbackRequested(id, delay, plan, state.drMode(), now);
            case LASTSTAMP -> new PairEvent.LaststampRequested(id, plan, state.drMode(), now);
            case RELAYTIME, DRILL -> throw new IllegalArgumentException(op.command() + " is not a runbook");
        };
        return Effect().persist(requested).thenRun(s -> {
            await(id, replyTo, FIRST_ANSWER_WITHIN);
            ctx.getSelf().tell(new RunStep(id, 0));
        });
    }

    /**
     * Production's fence and its undo: DR's stopservice and service steps at the production site, after a check that
     * every production primary answers, so that no hook runs and no shard changes when one cannot be reached.
     */
    private List<RunbookStep> productionStepsOf(Operation op) {
        List<RunbookStep> s = new ArrayList<>();
        List<String> shards = List.copyOf(pair.production().shards().keySet());
        s.add(new RunbookStep(RunbookStep.Kind.REACHABLE, "", Site.PRODUCTION));
        switch (op) {
            case STOPSERVICE -> {
                s.add(new RunbookStep(RunbookStep.Kind.STOP_DBPROXY, "", Site.PRODUCTION));
                shards.forEach(sh -> s.add(new RunbookStep(RunbookStep.Kind.CLOSE_SHARD, sh, Site.PRODUCTION)));
            }
            case SERVICE -> {
                shards.forEach(sh -> s.add(new RunbookStep(RunbookStep.Kind.OPEN_SHARD, sh, Site.PRODUCTION)));
                s.add(new RunbookStep(RunbookStep.Kind.START_DBPROXY, "", Site.PRODUCTION));
            }
            default -> throw new IllegalArgumentException(op.command() + " has no production runbook");
        }
        return s;
    }

    private List<RunbookStep> stepsOf(Operation op, PairState state, boolean resolvePrepared) {
        List<RunbookStep> s = new ArrayList<>();
        List<String> shards = List.copyOf(pair.dr().shards().keySet());
        switch (op) {
            case SYNC -> {
                s.add(new RunbookStep(RunbookStep.Kind.PREFLIGHT, ""));
                shards.forEach(sh -> s.add(new RunbookStep(RunbookStep.Kind.ENSURE_LINK, sh)));
            }
            case STOPSYNC -> shards.forEach(sh -> s.add(new RunbookStep(RunbookStep.Kind.STOP_LINK, sh)));
            case RECOVER -> {
                s.add(new RunbookStep(RunbookStep.Kind.PLAN_RECOVERY, ""));
                s.add(new RunbookStep(RunbookStep.Kind.REPLAY, ""));
                s.add(new RunbookStep(RunbookStep.Kind.COMPLETE_XA, ""));
                s.add(new RunbookStep(RunbookStep.Kind.RECORD_RECOVERY_POINT, ""));
            }
            case SERVICE -> {
                if (state.drMode() == Mode.RECOVERED) {
                    s.add(new RunbookStep(RunbookStep.Kind.SNAPSHOT, "")); // resuming a stopped service keeps its snapshot
                }
                shards.forEach(sh -> s.add(new RunbookStep(RunbookStep.Kind.OPEN_SHARD, sh)));
                s.add(new RunbookStep(RunbookStep.Kind.START_DBPROXY, ""));
            }
            case STOPSERVICE -> {
                s.add(new RunbookStep(RunbookStep.Kind.STOP_DBPROXY, ""));
                if (resolvePrepared) {
                    s.add(new RunbookStep(RunbookStep.Kind.RESOLVE_PREPARED, ""));
                }
                shards.forEach(sh -> s.add(new RunbookStep(RunbookStep.Kind.CLOSE_SHARD, sh)));
            }
            case FLASHBACK -> {
                s.add(new RunbookStep(RunbookStep.Kind.DRILL_PREFLIGHT, ""));
                if (state.drill() == null || !state.drill().snapshotId().equals(state.currentSnapshot().id())) {
                    // Archived once per drill: after a partial flashback the shards hold undo transactions too,
                    // which must never be taken for drill transactions.
                    s.add(new RunbookStep(RunbookStep.Kind.ARCHIVE_DRILL, ""));
                }
                s.add(new RunbookStep(RunbookStep.Kind.FLASHBACK, ""));
                s.add(new RunbookStep(RunbookStep.Kind.REPLICA_CATCH_UP, ""));
            }
            case PURGE -> {
                s.add(new RunbookStep(RunbookStep.Kind.PURGE_PREFLIGHT, ""));
                shards.forEach(sh -> s.add(new RunbookStep(RunbookStep.Kind.PURGE_SHARD, sh)));
                s.add(new RunbookStep(RunbookStep.Kind.VERIFY_SNAPSHOT, ""));
            }
            case RELAYTIME, DRILL, LASTSTAMP, SWITCHBACK -> throw new IllegalArgumentException(op.command() + " is not a DR runbook");
        }
        return s;
    }

    /** Whether {@code step} of {@code runbookId} is the one to run now: otherwise the message is stale. */
    private static boolean isCurrent(PairState state, String runbookId, int step) {
        Runbook rb = state.runbook();
        return rb != null && rb.id().equals(runbookId) && rb.next() == step;
    }

    /** Every step is checked against the journal first: a superseded owner runs none (see {@link #ownerChecked}). */
    private Effect<PairEvent, PairState> onRunStep(PairState state, RunStep m) {
        if (!isCurrent(state, m.runbookId(), m.step())) {
            return Effect().none(); // stale: the runbook moved on or ended
        }
        return ownerChecked(m);
    }

    private Effect<PairEvent, PairState> runStep(PairState state, RunStep m) {
        if (!isCurrent(state, m.runbookId(), m.step())) {
            return Effect().none(); // stale: the runbook moved on while its owner was checked
        }
        Runbook rb = state.runbook();
        progress.clear();
        lastSighting.clear();
        long writing = System.nanoTime();
        return Effect().persist(new PairEvent.StepStarted(rb.id(), rb.next(), rb.current().describe()))
                .thenRun(s -> {
                    io.drsp.controller.metrics.JournalMetrics.written(writing);
                    Failpoints.crashAfter("StepStarted:" + rb.current().kind()
                            + (rb.current().shard().isEmpty() ? "" : ":" + rb.current().shard()));
                    ctx.pipeToSelf(steps.execute(rb, s), (outcome, error) -> new StepFinished(rb.id(), rb.next(),
                            outcome != null ? outcome : new StepOutcome.Failed(String.valueOf(error.getMessage()))));
                });
    }

    /**
     * A step's end is checked too: an owner paused during a step learns on waking that it was superseded and stops,
     * rather than journaling over the new owner's events (the write would fail on their sequence numbers).
     */
    private Effect<PairEvent, PairState> onStepFinished(PairState state, StepFinished m) {
        if (!isCurrent(state, m.runbookId(), m.step())) {
            return Effect().none();
        }
        return ownerChecked(m);
    }

    private Effect<PairEvent, PairState> stepFinished(PairState state, StepFinished m) {
        if (!isCurrent(state, m.runbookId(), m.step())) {
            return Effect().none();
        }
        Runbook rb = state.runbook();
        if (m.outcome() instanceof StepOutcome.Failed f) {
            return fail(state, rb, f.reason());
        }
        RunbookStep step = rb.current();
        List<PairEvent> events = new ArrayList<>(((StepOutcome.Ok) m.outcome()).events());
        if (rb.operation() == Operation.SWITCHBACK || rb.operation() == Operation.LASTSTAMP) {
            SwitchbackRunbook.modesAfter(rb.id(), rb.steps(), rb.next()).ifPresent(events::add);
        }
        if (rb.isLastStep()) {
            switch (rb.operation()) {
                case SYNC -> events.add(new PairEvent.SyncStarted(rb.id(), rb.delaySeconds()));
                case STOPSYNC -> events.add(new PairEvent.SyncStopped(rb.id()));
                case SERVICE -> events.add(rb.site() == Site.PRODUCTION ? new PairEvent.ProductionServiceResumed(rb.id())
                        : new PairEvent.ServiceStarted(rb.id()));
                case STOPSERVICE -> events.add(rb.site() == Site.PRODUCTION ? new PairEvent.ProductionFenced(rb.id())
                        : new PairEvent.ServiceStopped(rb.id()));
                case FLASHBACK -> events.add(new PairEvent.FlashbackCompleted(rb.id()));
                case SWITCHBACK -> events.add(new PairEvent.SyncStarted(rb.id(), rb.delaySeconds()));
                case LASTSTAMP -> events.add(new PairEvent.RunbookCompleted(rb.id()));
                default -> { } // RECOVER and PURGE end with the point their last step records
            }
        }
        long writing = System.nanoTime();
        return Effect().persist(events).thenRun(s -> {
            io.drsp.controller.metrics.JournalMetrics.written(writing);
            events.forEach(e -> Failpoints.crashAfter(e.getClass().getSimpleName() + (step.shard().isEmpty() ? "" : ":" + step.shard())));
            if (s.runbookInProgress()) {
                ctx.getSelf().tell(new RunStep(rb.id(), s.runbook().next()));
            } else {
                answer(rb.id(), new Reply.Done(doneMessage(rb, s), s, s.plan()));
            }
        });
    }

    /**
     * Journals the failure and undoes what this runbook changed from a resting mode: links a sync started, shards a
     * service opened, shards a stopservice closed (it stays in SERVICE, so every shard must stay writable). A recover
     * is not undone: it stays RECOVERING and a retry continues from where each shard stands.
     */
    private Effect<PairEvent, PairState> fail(PairState state, Runbook rb, String reason) {
        List<String> rollback = new ArrayList<>(switch (rb.operation()) {
            case SYNC -> state.shardsLinkedBy(rb);
            case SERVICE -> state.stepsDoneBy(rb, RunbookStep.Kind.OPEN_SHARD);
            case STOPSERVICE -> state.stepsDoneBy(rb, RunbookStep.Kind.CLOSE_SHARD);
            default -> List.of();
        });
        if (rb.site() == Site.PRODUCTION && rb.operation() == Operation.STOPSERVICE
                && !state.stepsDoneBy(rb, RunbookStep.Kind.STOP_DBPROXY).isEmpty()) {
            // A failed fence leaves production serving, so its proxy must send the applications back to it: "" in the
            // undo is the site's proxy, started again by its start_dbproxy hook.
            rollback.add("");
        }
        if (rb.operation() == Operation.SWITCHBACK || rb.operation() == Operation.LASTSTAMP) {
            return failSwitchback(state, rb, reason);
        }
        String why = rb.site() == Site.PRODUCTION ? reason + productionRollback(rb, rollback) : reason + (rollback.isEmpty() ? "" : switch (rb.operation()) {
            case SYNC -> rb.fromMode() == Mode.SYNC
                    ? " (shards " + String.join(", ", rollback) + " were set back to the delay of " + state.delaySeconds()
                            + " s, so every shard keeps the cluster's delay)"
                    : " (links of " + String.join(", ", rollback) + " started by this sync were stopped again)";
            case STOPSERVICE -> " (shards " + String.join(", ", rollback) + " were made writable again: DR cluster " + pair.id()
                    + " stays in service)";
            default -> " (shards " + String.join(", ", rollback) + " were made read-only again)";
        });
        return persistFailure(new PairEvent.RunbookFailed(rb.id(), rb.next(), why, rollback));
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
                answer(failure.runbookId(), refused);
            }
        });
    }

    /**
     * A switchback that fails while fencing a site takes that fence back, as a failed stopservice does: production
     * keeps serving, or DR keeps serving while production keeps catching up. Anywhere else nothing is taken back:
     * each site stays in the mode its last finished phase left, and switchback run again continues from there.
     */
    private Effect<PairEvent, PairState> failSwitchback(PairState state, Runbook rb, String reason) {
        RunbookStep failed = rb.current();
        boolean fencing = failed.kind() == RunbookStep.Kind.REACHABLE || failed.kind() == RunbookStep.Kind.STOP_DBPROXY
                || failed.kind() == RunbookStep.Kind.CLOSE_SHARD;
        List<String> rollback = new ArrayList<>();
        if (fencing) {
            rollback.addAll(state.stepsDoneBy(rb, RunbookStep.Kind.CLOSE_SHARD, failed.site()));
            if (!state.stepsDoneBy(rb, RunbookStep.Kind.STOP_DBPROXY, failed.site()).isEmpty()) {
                rollback.add("");
            }
        }
        String site = failed.site() == Site.DR ? "DR" : "production";
        String undone = rollback.isEmpty() ? "" : " (" + site + "'s fence was taken back: " + (rollback.stream().anyMatch(x -> !x.isEmpty())
                ? "shards " + String.join(", ", rollback.stream().filter(x -> !x.isEmpty()).toList()) + " were made writable again" : "")
                + (rollback.contains("") ? (rollback.size() > 1 ? " and " : "") + "its start_dbproxy hook ran again" : "") + ")";
        String why = reason + undone + "; production cluster " + pair.id() + " stays " + state.productionMode() + ", DR stays "
                + state.drMode() + "; run " + rb.operation().command() + " " + pair.id() + " again to continue from there.";
        return persistFailure(new PairEvent.RunbookFailed(rb.id(), rb.next(), why, rollback, Operation.STOPSERVICE, failed.site()));
    }

    /** What a failed production runbook took back, and the mode production stays in. */
    private String productionRollback(Runbook rb, List<String> rollback) {
        List<String> shards = rollback.stream().filter(sh -> !sh.isEmpty()).toList();
        if (rb.operation() == Operation.STOPSERVICE) {
            return " (" + (shards.isEmpty() ? "no production shard had been made read-only" : "production shards "
                    + String.join(", ", shards) + " were made writable again") + (rollback.contains("")
                    ? " and its start_dbproxy hook ran again after stop_dbproxy" : "") + ": production cluster " + pair.id()
                    + " stays in service)";
        }
        return " (" + (shards.isEmpty() ? "" : "production shards " + String.join(", ", shards) + " were made read-only again: ")
                + "production cluster " + pair.id() + " stays fenced)";
    }

    /** Takes back, shard by shard, what a failed runbook changed; each shard done is journaled, so a restart resumes. */
    private void runUndo(PairState s) {
        PendingUndo undo = s.pendingUndo();
        if (undo == null) {
            return;
        }
        for (String shard : undo.shards()) {
            if (shard.isEmpty()) {
                ctx.pipeToSelf(steps.startProxyAgain(undo.site()), (r, error) -> new UndoFinished(undo.runbookId(), shard,
                        r != null ? r : new NodeAgent.StepResult.Failed(undo.site().configKey() + " proxy", String.valueOf(error))));
                continue;
            }
            NodeKey key = NodeKey.primary(pair.id(), undo.site(), shard);
            ctx.pipeToSelf(calls.step(key, undo(undo, shard)), (r, error) -> new UndoFinished(undo.runbookId(), shard,
                    r != null ? r : new NodeAgent.StepResult.Failed(key.toString(), String.valueOf(error))));
        }
    }

    private Effect<PairEvent, PairState> onUndoFinished(PairState state, UndoFinished m) {
        PendingUndo undo = state.pendingUndo();
        if (undo == null || !undo.runbookId().equals(m.runbookId()) || !undo.shards().contains(m.shard())) {
            return Effect().none(); // already journaled (a retry's second answer)
        }
        if (m.result() instanceof NodeAgent.StepResult.Failed f) {
            ctx.getLog().warn("cluster {}: undoing {} on {} failed, retried at the next command or restart: {}", pair.id(),
                    m.runbookId(), m.shard(), f.reason());
            Reply waiting = answersAfterUndo.remove(m.runbookId());
            if (waiting instanceof Reply.Refused r) {
                answer(m.runbookId(), new Reply.Refused(r.why(), r.reason() + " Taking it back failed on "
                        + (m.shard().isEmpty() ? "its proxy" : m.shard()) + " ("
                        + f.reason() + "); the next command retries it."));
            }
            return Effect().none();
        }
        ctx.getLog().info("cluster {}: undid {} on {}", pair.id(), m.runbookId(), m.shard());
        return Effect().persist(new PairEvent.UndoCompleted(m.runbookId(), m.shard())).thenRun(s -> {
            if (s.pendingUndo() == null) {
                Reply waiting = answersAfterUndo.remove(m.runbookId());
                if (waiting != null) {
                    answer(m.runbookId(), waiting);
                }
            }
        });
    }

    /** What takes {@code shard} back to where the failed runbook found it. */
    private Function<ActorRef<NodeAgent.StepResult>, NodeAgent.StepMutation> undo(PendingUndo undo, String shard) {
        if (undo.operation() == Operation.SYNC) {
            // A delay change in place is undone by the old delay: the link stays, a shard never stops following.
            return undo.fromMode() == Mode.SYNC && undo.restoreDelaySeconds() != null
                    ? r -> new NodeAgent.EnsureLink(pair.production().shard(shard).primary(), undo.restoreDelaySeconds(), r)
                    : NodeAgent.StopLink::new;
        }
        return r -> new NodeAgent.SetReadOnly(undo.operation() != Operation.STOPSERVICE, r);
    }

    private String doneMessage(Runbook rb, PairState s) {
        return switch (rb.operation()) {
            case SYNC -> "DR cluster " + pair.id() + " is in sync with production cluster " + pair.id() + ", delay "
                    + rb.delaySeconds() + " s, on " + rb.steps().size() + " steps.";
            case STOPSYNC -> "DR cluster " + pair.id() + " stopped syncing; relay logs are kept.";
            case RECOVER -> "DR cluster " + pair.id() + " recovered to " + s.recoveryPoint().target() + ".";
            case SERVICE -> rb.site() == Site.PRODUCTION ? "production cluster " + pair.id() + " serves again: every shard"
                    + " primary is writable and its start_dbproxy hook ran."
                    : "DR cluster " + pair.id() + " is in service" + (s.currentSnapshot() == null ? ""
                    : "; snapshot point " + s.currentSnapshot().id()) + ".";
            case STOPSERVICE -> rb.site() == Site.PRODUCTION ? "production cluster " + pair.id() + " is fenced: its stop_dbproxy"
                    + " hook ran and every shard primary is read-only (super_read_only ON); 'drsp laststamp " + pair.id()
                    + " --dry-run' shows what the switchback would roll back, 'drsp service " + pair.id() + " --site production'"
                    + " gives production its applications back."
                    : "DR cluster " + pair.id() + " stopped serving and is read-only.";
            case FLASHBACK -> "DR cluster " + pair.id() + " undid its drill (" + (s.drill() == null ? 0 : s.drill().transactions())
                    + " transactions, " + (s.drill() == null ? 0 : s.drill().rows()) + " row changes, archived under "
                    + (s.drill() == null || s.drill().shards().isEmpty() ? "var/archive" : java.nio.file.Path.of(s.drill().shards().values()
                    .iterator().next().archiveDir()).getParent()) + ") and every local replica replayed it; run purge next.";
            case PURGE -> "DR cluster " + pair.id() + " is back at snapshot point " + s.currentSnapshot().id()
                    + " on every member; run sync to resume.";
            case LASTSTAMP -> "production cluster " + pair.id() + " is rolled back to the recovery point (" + s.recoveryPoint().target()
                    + "): " + (s.rollback() == null ? 0 : s.rollback().transactions()) + " transactions flashed back, archived under "
                    + archiveOf(s) + "; every member is purged to the point. Run switchback " + pair.id() + " to continue.";
            case SWITCHBACK -> "switchback of cluster " + pair.id() + " is done: production serves (its start_dbproxy hook ran)"
                    + " and DR follows it with delay " + rb.delaySeconds() + " s; what production had written after the"
                    + " recovery point is archived under " + archiveOf(s) + ".";
            case RELAYTIME, DRILL -> "";
        };
    }

    /** The last switchback's archive directory, as the journal holds it. */
    private static String archiveOf(PairState s) {
        return s.lastRollbackArchive() == null ? "var/archive" : s.lastRollbackArchive();
    }

    private void recordProgress(StepProgress.Sighting p) {
        long[] prev = progress.get(p.label());
        long now = System.currentTimeMillis();
        progress.put(p.label(), prev == null ? new long[] {p.done(), p.total(), p.done(), now}
                : new long[] {p.done(), p.total(), prev[2], prev[3]});
        lastSighting.put(p.label(), p);
    }

    private Map<String, StepProgress> progressView() {
        Map<String, StepProgress> view = new LinkedHashMap<>();
        long now = System.currentTimeMillis();
        progress.forEach((label, p) -> {
            double seconds = Math.max(0.001, (now - p[3]) / 1000.0);
            double rate = (p[0] - p[2]) / seconds;
            java.util.OptionalDouble left = io.drsp.core.progress.Eta.secondsLeft(p[2], p[0], p[1], seconds);
            Double eta = left.isPresent() ? left.getAsDouble() : null;
            StepProgress.Sighting s = lastSighting.get(label);
            view.put(label, new StepProgress(s.activity(), s.unit(), p[0], p[1], rate, eta));
        });
        return view;
    }

    /** Answers {@code replyTo} when the runbook ends, or with Running after {@code wait}, whichever comes first. */
    private void await(String runbookId, ActorRef<Reply> replyTo, Duration wait) {
        waiters.computeIfAbsent(runbookId, k -> new ArrayList<>()).add(replyTo);
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
            c.replyTo().tell(howItEnded(state, finished));
            return Effect().none();
        }
        return refuse(c.replyTo(), Reply.Why.BAD_INPUT, "cluster " + pair.id() + " has no runbook " + c.runbookId()
                + " in progress or just ended (" + (running != null ? "running: " + running.id() : finished != null
                ? "last: " + finished.id() : "none yet") + "); see drsp status " + pair.id() + ".");
    }

    /** How the last runbook ended: its failure, or what it did. */
    private Reply howItEnded(PairState state, Runbook finished) {
        return state.lastError() != null ? new Reply.Refused(Reply.Why.FAILED, state.lastError())
                : new Reply.Done(doneMessage(finished, state), state, state.plan());
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
            m.replyTo().tell(howItEnded(state, finished));
            return Effect().none();
        }
        requestId = m.requestId();
        try {
            return running.apply(state, m.command());
        } finally {
            requestId = null;
        }
    }

    private Effect<PairEvent, PairState> onWaitExpired(PairState state, WaitExpired m) {
        List<ActorRef<Reply>> list = waiters.get(m.runbookId());
        if (list != null && list.remove(m.replyTo())) {
            if (list.isEmpty()) {
                waiters.remove(m.runbookId());
            }
            Runbook rb = state.runbook();
            m.replyTo().tell(new Reply.Running(m.runbookId(), rb != null && rb.id().equals(m.runbookId()) ? rb.progress() : ""));
        }
        return Effect().none();
    }

    private void answer(String runbookId, Reply reply) {
        List<ActorRef<Reply>> list = waiters.remove(runbookId);
        if (list != null) {
            list.forEach(r -> r.tell(reply));
        }
    }

    private Effect<PairEvent, PairState> busy(ActorRef<Reply> replyTo, Runbook rb) {
        return refuse(replyTo, Reply.Why.BUSY, (rb.site() == Site.PRODUCTION ? "production" : "DR") + " cluster " + pair.id()
                + " is running " + rb.progress()
                + "; wait for it to finish (drsp status " + pair.id() + ").");
    }

    private Effect<PairEvent, PairState> refuse(ActorRef<Reply> replyTo, Reply.Why why, String reason) {
        replyTo.tell(new Reply.Refused(why, reason));
        return Effect().none();
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
