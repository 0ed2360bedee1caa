package io.drsp.controller;

import io.drsp.core.config.Site;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The one chain every command's admission goes through, in the order a DBA reads the refusal: a runbook in the
 * way, a failed runbook's change still being taken back, each site's mode ({@link ModeRules}), then what the
 * operation itself needs. The first link that refuses ends the chain; nothing has changed by then.
 */
final class Admission {
    /** A command refused before it changed anything; {@code retriesUndo}: the refusal is a pending undo's, retried now. */
    record Refusal(PairProtocol.Reply.Why why, String sentence, boolean retriesUndo) {
        Refusal(PairProtocol.Reply.Why why, String sentence) {
            this(why, sentence, false);
        }

        PairProtocol.Reply.Refused reply() {
            return new PairProtocol.Reply.Refused(why, sentence);
        }
    }

    private final String cluster;
    private final PairState state;
    private Refusal refusal;

    private Admission(String cluster, PairState state) {
        this.cluster = cluster;
        this.state = state;
    }

    static Admission of(String cluster, PairState state) {
        return new Admission(cluster, state);
    }

    /** Refused while any runbook runs (dry runs, and commands that are not runbooks). */
    Admission notBusy() {
        if (refusal == null && state.runbookInProgress()) {
            refusal = busy(cluster, state.runbook());
        }
        return this;
    }

    /** Refused while a failed runbook's change is still being taken back; the refusal retries that undo. */
    Admission noUndoPending() {
        if (refusal == null && state.pendingUndo() != null) {
            PendingUndo undo = state.pendingUndo();
            refusal = new Refusal(PairProtocol.Reply.Why.FAILED, "cluster " + cluster + " is still taking back what the failed "
                    + undo.runbookId() + " changed on " + undo.describeTargets()
                    + " (retried now); run the command again once it is done.", true);
        }
        return this;
    }

    Admission drMode(Operation op) {
        return require(() -> ModeRules.refusal(cluster, state.drMode(), op)
                .map(s -> new Refusal(PairProtocol.Reply.Why.WRONG_MODE, s)).orElse(null));
    }

    Admission productionMode(Operation op, boolean dryRun) {
        return require(() -> ModeRules.refusal(cluster, state.productionMode(), op, dryRun)
                .map(s -> new Refusal(PairProtocol.Reply.Why.WRONG_MODE, s)).orElse(null));
    }

    /** Refused with {@code why} and the sentence {@code sentence} gives when {@code refused} holds. */
    Admission unless(boolean refused, PairProtocol.Reply.Why why, Supplier<String> sentence) {
        return require(() -> refused ? new Refusal(why, sentence.get()) : null);
    }

    /** A link of the operation's own: the refusal it returns, or null. */
    Admission require(Supplier<Refusal> link) {
        if (refusal == null) {
            refusal = link.get();
        }
        return this;
    }

    Optional<Refusal> refusal() {
        return Optional.ofNullable(refusal);
    }

    static Refusal busy(String cluster, Runbook rb) {
        return new Refusal(PairProtocol.Reply.Why.BUSY, (rb.site() == Site.PRODUCTION ? "production" : "DR") + " cluster " + cluster
                + " is running " + rb.progress() + "; wait for it to finish (drsp status " + cluster + ").");
    }

    static Refusal badDelay(int delaySeconds) {
        return new Refusal(PairProtocol.Reply.Why.BAD_INPUT, "delay must be 0 or more seconds, got " + delaySeconds + ".");
    }

}
