package io.drsp.controller;

import io.drsp.agent.NodeInspection;
import io.drsp.agent.NodeKey;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Each member's last inspection, so that {@code drsp status} answers within a bound while some agents are slow (a
 * loaded host, a member busy with a runbook step, 50 members on a 2-core machine). Every status still asks every member
 * for a new look; a member whose look has not come back within {@code budget} is shown from its last one, which
 * carries its own time ({@link NodeInspection#observedAtMicros()}), and its new look serves the next status.
 *
 * <p>Across a change drsp made ({@code notBeforeMicros}: the end of the last runbook, or the start of the running one)
 * the two kinds of status differ. An <em>exact</em> one (the CLI's: a script's {@code drsp recover; drsp status} must
 * never see a member as it was before the recovery) reuses only looks asked for since, and waits for a member without
 * one however long its agent takes. A <em>bounded</em> one (the API's default: monitoring that polls) reuses any look
 * and flags those from before the change. Neither reuses a look older than {@code maxAge}.
 */
final class LastLooks {
    /** Leaves the rest of a one-second answer to the entity's state, the JSON and the HTTP round trip. */
    static final Duration BUDGET = Duration.ofMillis(500);
    static final Duration MAX_AGE = Duration.ofSeconds(30);

    private record Look(NodeInspection inspection, long askedAtMicros) {
    }

    /**
     * @param byNode           every member's inspection
     * @param late             the members shown from an earlier look, because their new one was not back in time
     * @param beforeLastChange those of them whose look was asked for before the last change drsp made
     */
    record Looks(Map<NodeKey, NodeInspection> byNode, Set<NodeKey> late, Set<NodeKey> beforeLastChange) {
    }

    private final Map<NodeKey, Look> last = new ConcurrentHashMap<>();
    private final Duration budget;
    private final Duration maxAge;

    LastLooks(Duration budget, Duration maxAge) {
        this.budget = budget;
        this.maxAge = maxAge;
    }

    CompletableFuture<Looks> collect(Collection<NodeKey> members, Function<NodeKey, CompletableFuture<NodeInspection>> look,
                                     long notBeforeMicros, boolean exact) {
        long asked = NodeInspection.nowMicros();
        Map<NodeKey, CompletableFuture<NodeInspection>> fresh = new LinkedHashMap<>();
        for (NodeKey key : members) {
            CompletableFuture<NodeInspection> f = look.apply(key);
            fresh.put(key, f);
            f.thenAccept(i -> last.merge(key, new Look(i, asked), (old, now) -> now.askedAtMicros() >= old.askedAtMicros() ? now : old));
        }
        CompletableFuture<Boolean> allBack = CompletableFuture.allOf(fresh.values().toArray(CompletableFuture[]::new))
                .handle((v, e) -> Boolean.TRUE)
                .completeOnTimeout(Boolean.FALSE, budget.toMillis(), TimeUnit.MILLISECONDS);
        return allBack.thenCompose(inTime -> {
            long now = NodeInspection.nowMicros();
            Map<NodeKey, CompletableFuture<NodeInspection>> answers = new LinkedHashMap<>();
            Set<NodeKey> late = new TreeSet<>(java.util.Comparator.comparing(NodeKey::toString));
            Set<NodeKey> beforeChange = new TreeSet<>(java.util.Comparator.comparing(NodeKey::toString));
            fresh.forEach((key, f) -> {
                Look old = last.get(key);
                if (!f.isDone() && old != null && old.askedAtMicros() < asked && (!exact || old.askedAtMicros() >= notBeforeMicros)
                        && now - old.askedAtMicros() <= maxAge.toNanos() / 1000) {
                    answers.put(key, CompletableFuture.completedFuture(old.inspection()));
                    late.add(key);
                    if (old.askedAtMicros() < notBeforeMicros) {
                        beforeChange.add(key);
                    }
                } else {
                    answers.put(key, f);
                }
            });
            return CompletableFuture.allOf(answers.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
                Map<NodeKey, NodeInspection> byNode = new LinkedHashMap<>();
                answers.forEach((k, f) -> byNode.put(k, f.join()));
                return new Looks(byNode, late, beforeChange);
            });
        });
    }
}
