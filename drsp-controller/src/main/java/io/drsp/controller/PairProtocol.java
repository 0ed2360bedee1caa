package io.drsp.controller;

import io.drsp.agent.NodeAgent;
import io.drsp.controller.recovery.RecoveryPlan;
import io.drsp.controller.recovery.RecoveryPlanner;
import io.drsp.controller.recovery.TargetSpec;
import io.drsp.controller.switchback.LaststampPlan;
import io.drsp.core.config.Site;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * What a {@link PairEntity} is told and answers: the commands a DBA's CLI sends through the API (public), the
 * messages the entity sends itself (package-private), and its replies.
 */
public final class PairProtocol {
    private PairProtocol() {
    }

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

    record AgentsListed(Receptionist.Listing listing) implements Command {
    }

    record RunStep(String runbookId, int step) implements Command {
    }

    record StepFinished(String runbookId, int step, StepOutcome outcome) implements Command {
    }

    record TargetChecked(TargetSpec target, RecoveryPlanner.Result result, ActorRef<Reply> replyTo) implements Command {
    }

    record Progressed(StepProgress.Sighting progress) implements Command {
    }

    record WaitExpired(String runbookId, ActorRef<Reply> replyTo) implements Command {
    }

    record HookFinished(Dbproxy command, StepOutcome outcome) implements Command {
    }

    record UndoFinished(String runbookId, String shard, NodeAgent.StepResult result) implements Command {
    }

    enum ResumeUndo implements Command {
        INSTANCE
    }

    /** Journal the takeover: the first command after recovery; every other command waits in the stash until it is done. */
    enum TakeOver implements Command {
        INSTANCE
    }

    /** The journal's answer to "has a later owner written since?", asked before {@code next} acts; {@code error}: no answer. */
    record OwnerChecked(Command next, List<LaterWrites.Row> rows, String error) implements Command {
    }

    record Recheck(Command next) implements Command {
    }

    /** A hand-run proxy hook that passed its mode checks, to run once ownership is checked. */
    record HookCleared(Dbproxy command) implements Command {
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
}
