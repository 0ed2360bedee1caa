package io.drsp.controller;

import io.drsp.agent.NodeAgent;
import io.drsp.agent.NodeKey;
import io.drsp.controller.PairProtocol.Reply;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Taking back what a failed runbook changed, entry by entry (a shard, or the site's proxy): what each entry's undo
 * is, by the operation it is undone as, and the failure's answer, held until the undo is done, since its sentence
 * says the change was taken back. The entity journals each entry done, so a restart resumes the rest.
 */
final class RunbookUndo {
    private final String cluster;
    private final Runbooks runbooks;
    private final RunbookSteps steps;
    private final AgentCalls calls;
    private final Map<String, Reply> answersAfterUndo = new HashMap<>();

    RunbookUndo(String cluster, Runbooks runbooks, RunbookSteps steps, AgentCalls calls) {
        this.cluster = cluster;
        this.runbooks = runbooks;
        this.steps = steps;
        this.calls = calls;
    }

    /** The failure's answer, sent once everything is taken back (or taking it back failed). */
    void holdAnswer(String runbookId, Reply answer) {
        answersAfterUndo.put(runbookId, answer);
    }

    /** Each entry's undo, started now; an entry that cannot be started is a failed one, retried later. */
    Map<String, CompletableFuture<NodeAgent.StepResult>> start(PendingUndo undo) {
        Map<String, CompletableFuture<NodeAgent.StepResult>> started = new LinkedHashMap<>();
        for (String entry : undo.shards()) {
            String who = PendingUndo.isProxy(entry) ? undo.site().configKey() + " proxy"
                    : NodeKey.primary(cluster, undo.site(), entry).toString();
            CompletableFuture<NodeAgent.StepResult> f = PendingUndo.isProxy(entry) ? steps.startProxyAgain(undo.site())
                    : calls.step(NodeKey.primary(cluster, undo.site(), entry), runbooks.of(undo).undoStep(undo, entry));
            started.put(entry, f.exceptionally(error -> new NodeAgent.StepResult.Failed(who, String.valueOf(error))));
        }
        return started;
    }

    static String describe(String entry) {
        return PendingUndo.isProxy(entry) ? "its proxy" : entry;
    }

    /** Taking {@code entry} back failed: the failure's answer, saying so, if one is held. */
    Reply failed(String runbookId, String entry, String reason) {
        return answersAfterUndo.remove(runbookId) instanceof Reply.Refused r ? new Reply.Refused(r.why(), r.reason()
                + " Taking it back failed on " + describe(entry) + " (" + reason + "); the next command retries it.") : null;
    }

    /** Everything is taken back: the failure's answer, if one is held. */
    Reply done(String runbookId) {
        return answersAfterUndo.remove(runbookId);
    }
}
