package io.drsp.controller;

import io.drsp.agent.NodeAgent;
import io.drsp.controller.PairProtocol.Reply;
import io.drsp.core.config.ClusterPair;
import io.drsp.core.config.Site;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One runbook operation in one place: its admission, its steps from the state, the entry that starts it in the
 * journal, the events of its end, its done message, what it takes back when it fails, and its dry run. The entity
 * only runs the loop: it asks the operation, journals around each step, and answers. A new operation is a new
 * subclass registered in {@link Runbooks}.
 */
abstract class RunbookDefinition {
    /**
     * What a command asked for beyond its operation: the delay (null: the cluster's), --resolve-prepared, and a
     * time typed with --time (laststamp) with how it was typed.
     */
    record Request(Integer delaySeconds, boolean resolvePrepared, Long timeMicros, String timeAsTyped) {
        static final Request NONE = new Request(null, false, null, null);

        static Request delay(Integer seconds) {
            return new Request(seconds, false, null, null);
        }
    }

    /** The services an operation uses: the pair, its steps (through agents and hooks) and the zone times are typed in. */
    record Context(ClusterPair pair, RunbookSteps steps, ZoneId zone) {
    }

    protected final ClusterPair pair;
    protected final String cluster;
    protected final RunbookSteps steps;
    protected final ZoneId zone;

    RunbookDefinition(Context context) {
        this.pair = context.pair();
        this.cluster = context.pair().id();
        this.steps = context.steps();
        this.zone = context.zone();
    }

    abstract Operation operation();

    /** The site whose mode the runbook changes. */
    Site site() {
        return Site.DR;
    }

    /** The command's own input, checked before anything else, whatever runs. */
    Optional<Admission.Refusal> validate(PairState state, Request request) {
        Integer delay = request.delaySeconds();
        return delay != null && delay < 0 ? Optional.of(Admission.badDelay(delay)) : Optional.empty();
    }

    /** Whether the runbook in progress is this same command again, which then joins it instead of being refused. */
    boolean joins(Runbook running, Request request) {
        return running.operation() == operation() && running.site() == site();
    }

    /**
     * Everything that must hold to start, but a runbook in the way (the entity joins or refuses that first): by
     * default no undo pending and DR's mode; operations with more to check add links to the same chain.
     */
    Optional<Admission.Refusal> admit(PairState state, Request request) {
        return Admission.of(cluster, state).noUndoPending().drMode(operation()).refusal();
    }

    abstract List<RunbookStep> steps(PairState state, Request request);

    String runbookId(String suffix) {
        return operation().command() + (site() == Site.PRODUCTION ? "-production-" : "-") + suffix;
    }

    abstract PairEvent.RunbookRequested requested(String id, Request request, List<RunbookStep> steps, PairState state, long atMillis);

    /** Events beyond the step's own that record step {@code rb.next()} done. */
    List<PairEvent> afterStep(Runbook rb) {
        return List.of();
    }

    /** Events after the last step's own that end the runbook; none where that step records the end itself. */
    abstract List<PairEvent> completion(Runbook rb);

    abstract String doneMessage(Runbook rb, PairState state);

    /** The failure to journal: the reason and what will be taken back (the undo it leaves pending, if any). */
    PairEvent.RunbookFailed failure(PairState state, Runbook rb, String reason) {
        return new PairEvent.RunbookFailed(rb.id(), rb.next(), reason, List.of());
    }

    /** What takes {@code shard} back to where the failed runbook found it; only operations whose failures undo. */
    Function<ActorRef<NodeAgent.StepResult>, NodeAgent.StepMutation> undoStep(PendingUndo undo, String shard) {
        throw new IllegalStateException(operation().command() + " leaves nothing to take back");
    }

    /** A dry run needs what the real run needs, and no runbook in the way. */
    Optional<Admission.Refusal> admitDryRun(PairState state, Request request) {
        return Admission.of(cluster, state).notBusy().require(() -> admit(state, request).orElse(null)).refusal();
    }

    /** What the runbook would do from here, read from the members; changes nothing. */
    CompletableFuture<Reply> dryRun(PairState state, Request request) {
        return CompletableFuture.completedFuture(new Reply.Refused(Reply.Why.BAD_INPUT, operation().command() + " has no dry run."));
    }

    /** {@code f}'s answer, or its error as the refusal of a dry run that changed nothing. */
    static CompletableFuture<Reply> dryRunAnswer(CompletableFuture<Reply> f, String prefix) {
        return f.exceptionally(e -> new Reply.Refused(Reply.Why.FAILED, prefix
                + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage())));
    }

    /** Steps of {@code kind}, one per shard of {@code site}, in the configuration's order. */
    protected List<RunbookStep> perShard(RunbookStep.Kind kind, Site site) {
        return (site == Site.DR ? pair.dr() : pair.production()).shards().keySet().stream()
                .map(sh -> new RunbookStep(kind, sh, site)).toList();
    }

    protected List<String> productionShards() {
        return List.copyOf(pair.production().shards().keySet());
    }
}
