package io.drsp.controller;

import io.drsp.controller.PairProtocol.AwaitRunbook;
import io.drsp.controller.PairProtocol.Reply;
import io.drsp.controller.PairProtocol.Requested;
import io.drsp.controller.PairProtocol.WaitExpired;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Who follows which runbook: each is answered how it ended, or that it still runs once its wait has passed, so
 * every HTTP request about a runbook stays short however long it runs. Not journaled: after a restart the CLI asks
 * again with the runbook's id, and a command sent again with its request id finds the runbook it started.
 */
final class RunbookWaiters {
    /** How long a command that starts a runbook waits for its end before answering that it runs. */
    static final Duration FIRST_ANSWER_WITHIN = Duration.ofSeconds(2);
    /** The longest one request following a runbook waits: HTTP requests stay short, however long the runbook. */
    static final Duration MAX_WAIT = Duration.ofSeconds(30);

    private final Map<String, List<ActorRef<Reply>>> waiting = new HashMap<>();
    private final String cluster;
    private final Runbooks runbooks;
    /** Sends the entity a message after a while: each wait's expiry. */
    private final BiConsumer<Duration, WaitExpired> later;

    RunbookWaiters(String cluster, Runbooks runbooks, BiConsumer<Duration, WaitExpired> later) {
        this.cluster = cluster;
        this.runbooks = runbooks;
        this.later = later;
    }

    /** Answers {@code replyTo} when the runbook ends, or with Running after {@code wait}, whichever comes first. */
    void await(String runbookId, ActorRef<Reply> replyTo, Duration wait) {
        waiting.computeIfAbsent(runbookId, k -> new ArrayList<>()).add(replyTo);
        later.accept(wait, new WaitExpired(runbookId, replyTo));
    }

    void follow(PairState state, AwaitRunbook c) {
        Runbook running = state.runbook();
        if (running != null && running.id().equals(c.runbookId())) {
            await(running.id(), c.replyTo(), c.atMost().compareTo(MAX_WAIT) > 0 ? MAX_WAIT
                    : c.atMost().isNegative() ? Duration.ZERO : c.atMost());
            return;
        }
        Runbook finished = state.finishedRunbook();
        if (finished != null && finished.id().equals(c.runbookId())) {
            c.replyTo().tell(howItEnded(state, finished));
            return;
        }
        c.replyTo().tell(new Reply.Refused(Reply.Why.BAD_INPUT, "cluster " + cluster + " has no runbook " + c.runbookId()
                + " in progress or just ended (" + (running != null ? "running: " + running.id() : finished != null
                ? "last: " + finished.id() : "none yet") + "); see drsp status " + cluster + "."));
    }

    /** A command sent again with its request id: joins or answers the runbook it started; false when it started none. */
    boolean answeredByItsRunbook(PairState state, Requested m) {
        String ending = "-" + m.requestId();
        Runbook current = state.runbook();
        if (current != null && current.id().endsWith(ending)) {
            await(current.id(), m.replyTo(), FIRST_ANSWER_WITHIN);
            return true;
        }
        Runbook finished = state.finishedRunbook();
        if (finished != null && finished.id().endsWith(ending)) {
            m.replyTo().tell(howItEnded(state, finished));
            return true;
        }
        return false;
    }

    /** How the last runbook ended: its failure, or what it did. */
    private Reply howItEnded(PairState state, Runbook finished) {
        return state.lastError() != null ? new Reply.Refused(Reply.Why.FAILED, state.lastError())
                : new Reply.Done(runbooks.of(finished).doneMessage(finished, state), state, state.plan());
    }

    /** A wait has passed: the one still waiting learns the runbook runs on. */
    void expired(PairState state, WaitExpired m) {
        List<ActorRef<Reply>> list = waiting.get(m.runbookId());
        if (list == null || !list.remove(m.replyTo())) {
            return;
        }
        if (list.isEmpty()) {
            waiting.remove(m.runbookId());
        }
        Runbook rb = state.runbook();
        m.replyTo().tell(new Reply.Running(m.runbookId(), rb != null && rb.id().equals(m.runbookId()) ? rb.progress() : ""));
    }

    /** Answers everyone following {@code runbookId}. */
    void answer(String runbookId, Reply reply) {
        List<ActorRef<Reply>> list = waiting.remove(runbookId);
        if (list != null) {
            list.forEach(r -> r.tell(reply));
        }
    }

    /** Everyone, whatever they follow: the entity stops driving the pair. */
    void answerAll(Reply reply) {
        new ArrayList<>(waiting.keySet()).forEach(id -> answer(id, reply));
    }
}
