package io.drsp.controller;

import io.drsp.controller.PairEntity.Reply;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Who follows which runbook: each is answered how it ended, or that it still runs once its wait has passed, so
 * every HTTP request about a runbook stays short however long it runs. Not journaled: after a restart the CLI asks
 * again with the runbook's id.
 */
final class RunbookWaiters {
    private final Map<String, List<ActorRef<Reply>>> waiting = new HashMap<>();

    void add(String runbookId, ActorRef<Reply> replyTo) {
        waiting.computeIfAbsent(runbookId, k -> new ArrayList<>()).add(replyTo);
    }

    /** Answers everyone following {@code runbookId}. */
    void answer(String runbookId, Reply reply) {
        List<ActorRef<Reply>> list = waiting.remove(runbookId);
        if (list != null) {
            list.forEach(r -> r.tell(reply));
        }
    }

    /** {@code replyTo}'s wait has passed: true if it was still waiting (it is then answered by the caller). */
    boolean expired(String runbookId, ActorRef<Reply> replyTo) {
        List<ActorRef<Reply>> list = waiting.get(runbookId);
        if (list == null || !list.remove(replyTo)) {
            return false;
        }
        if (list.isEmpty()) {
            waiting.remove(runbookId);
        }
        return true;
    }

    /** Everyone, whatever they follow: the entity stops driving the pair. */
    void answerAll(Reply reply) {
        new ArrayList<>(waiting.keySet()).forEach(id -> answer(id, reply));
    }
}
