package io.drsp.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.agent.NodeInspection;
import io.drsp.agent.NodeKey;
import io.drsp.core.config.Site;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class LastLooksTest {
    private static final NodeKey FAST = NodeKey.primary("1", Site.DR, "s1");
    private static final NodeKey SLOW = NodeKey.primary("1", Site.DR, "s2");
    private static final Duration BUDGET = Duration.ofMillis(100);

    /** Answers each member's look from what the test decides: done at once, or a future the test completes later. */
    private static final class Agents {
        final Map<NodeKey, CompletableFuture<NodeInspection>> pending = new HashMap<>();
        Set<NodeKey> slow = Set.of();
        String round = "";

        CompletableFuture<NodeInspection> look(NodeKey key) {
            NodeInspection answer = NodeInspection.unreachable(key, "ep", "look " + round);
            if (slow.contains(key)) {
                CompletableFuture<NodeInspection> f = new CompletableFuture<>();
                pending.put(key, f);
                return f;
            }
            return CompletableFuture.completedFuture(answer);
        }

        void answer(NodeKey key) {
            pending.remove(key).complete(NodeInspection.unreachable(key, "ep", "look " + round + " (late)"));
        }
    }

    private static String seen(LastLooks.Looks looks, NodeKey key) {
        return looks.byNode().get(key).error();
    }

    @Test
    void everyMemberBackInTimeIsShownFresh() throws Exception {
        LastLooks looks = new LastLooks(BUDGET, Duration.ofSeconds(30));
        Agents agents = new Agents();
        agents.round = "1";
        LastLooks.Looks l = looks.collect(List.of(FAST, SLOW), agents::look, 0, true).get(5, TimeUnit.SECONDS);
        assertEquals("look 1", seen(l, FAST));
        assertEquals("look 1", seen(l, SLOW));
        assertTrue(l.late().isEmpty());
    }

    @Test
    void aSlowMemberIsShownFromItsLastLookAndNamed() throws Exception {
        LastLooks looks = new LastLooks(BUDGET, Duration.ofSeconds(30));
        Agents agents = new Agents();
        agents.round = "1";
        looks.collect(List.of(FAST, SLOW), agents::look, 0, true).get(5, TimeUnit.SECONDS);

        agents.round = "2";
        agents.slow = Set.of(SLOW);
        LastLooks.Looks l = looks.collect(List.of(FAST, SLOW), agents::look, 0, true).get(5, TimeUnit.SECONDS);
        assertEquals("look 2", seen(l, FAST));
        assertEquals("look 1", seen(l, SLOW), "the slow member's last look, not a wait");
        assertEquals(Set.of(SLOW), l.late());

        // Its late answer serves the next status when that one is slow again.
        agents.answer(SLOW);
        agents.round = "3";
        l = looks.collect(List.of(FAST, SLOW), agents::look, 0, true).get(5, TimeUnit.SECONDS);
        assertEquals("look 2 (late)", seen(l, SLOW));
        assertEquals(Set.of(SLOW), l.late());
    }

    @Test
    void aLookAskedBeforeAChangeIsNeverShownAfterIt() throws Exception {
        LastLooks looks = new LastLooks(BUDGET, Duration.ofSeconds(30));
        Agents agents = new Agents();
        long runbookEnded = lookThenChange(looks, agents, true);
        CompletableFuture<LastLooks.Looks> status = looks.collect(List.of(FAST, SLOW), agents::look, runbookEnded, true);
        assertThrows(TimeoutException.class, () -> status.get(BUDGET.toMillis() * 3, TimeUnit.MILLISECONDS),
                "look 1 was asked for before the change: the status waits for the new look");
        agents.answer(SLOW);
        LastLooks.Looks l = status.get(5, TimeUnit.SECONDS);
        assertEquals("look 2 (late)", seen(l, SLOW));
        assertFalse(l.late().contains(SLOW));
    }

    @Test
    void aBoundedStatusShowsALookFromBeforeAChangeAndFlagsIt() throws Exception {
        LastLooks looks = new LastLooks(BUDGET, Duration.ofSeconds(30));
        Agents agents = new Agents();
        long runbookEnded = lookThenChange(looks, agents, false);
        LastLooks.Looks l = looks.collect(List.of(FAST, SLOW), agents::look, runbookEnded, false).get(5, TimeUnit.SECONDS);
        assertEquals("look 1", seen(l, SLOW), "not waited for");
        assertEquals(Set.of(SLOW), l.late());
        assertEquals(Set.of(SLOW), l.beforeLastChange(), "and said to be from before the change");
        assertEquals("look 2", seen(l, FAST));

        agents.answer(SLOW);
        agents.round = "3";
        l = looks.collect(List.of(FAST, SLOW), agents::look, runbookEnded, false).get(5, TimeUnit.SECONDS);
        assertEquals("look 2 (late)", seen(l, SLOW));
        assertEquals(Set.of(SLOW), l.late());
        assertTrue(l.beforeLastChange().isEmpty(), "look 2 was asked for after the change");
    }

    @Test
    void withoutAnyEarlierLookOrWithATooOldOneTheStatusWaits() throws Exception {
        Agents agents = new Agents();
        agents.slow = Set.of(SLOW);
        CompletableFuture<LastLooks.Looks> first = new LastLooks(BUDGET, Duration.ofSeconds(30))
                .collect(List.of(FAST, SLOW), agents::look, 0, true);
        assertThrows(TimeoutException.class, () -> first.get(BUDGET.toMillis() * 3, TimeUnit.MILLISECONDS));
        agents.answer(SLOW);
        assertEquals("look  (late)", seen(first.get(5, TimeUnit.SECONDS), SLOW));

        LastLooks noReuse = new LastLooks(BUDGET, Duration.ZERO);
        agents.slow = Set.of();
        agents.round = "1";
        noReuse.collect(List.of(FAST, SLOW), agents::look, 0, true).get(5, TimeUnit.SECONDS);
        long asked = NodeInspection.nowMicros() + 1;
        waitPast(asked);
        agents.slow = Set.of(SLOW);
        CompletableFuture<LastLooks.Looks> later = noReuse.collect(List.of(FAST, SLOW), agents::look, 0, true);
        assertThrows(TimeoutException.class, () -> later.get(BUDGET.toMillis() * 3, TimeUnit.MILLISECONDS),
                "a look older than the maximum age is not shown");
        agents.answer(SLOW);
        assertTrue(later.get(5, TimeUnit.SECONDS).late().isEmpty());
    }

    /** Round 1 looks at both members, then a change ends (its time returned), and round 2 finds SLOW slow. */
    private static long lookThenChange(LastLooks looks, Agents agents, boolean exact) throws Exception {
        agents.round = "1";
        looks.collect(List.of(FAST, SLOW), agents::look, 0, exact).get(5, TimeUnit.SECONDS);
        long changed = NodeInspection.nowMicros() + 1;
        waitPast(changed);
        agents.round = "2";
        agents.slow = Set.of(SLOW);
        return changed;
    }

    /** The clock is in microseconds: make sure it has moved past {@code micros}. */
    private static void waitPast(long micros) {
        while (NodeInspection.nowMicros() <= micros) {
            Thread.onSpinWait();
        }
    }
}
