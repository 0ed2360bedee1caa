package io.drsp.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.agent.CutRequest;
import io.drsp.agent.ShardCut;
import io.drsp.core.gtid.GtidSet;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The planner's rules, without MySQL: window, time bounds, GTID targets, and the per-shard arithmetic. */
class RecoveryPlannerTest {
    static final String A = "aaaaaaaa-0000-0000-0000-000000000001";
    static final String B = "bbbbbbbb-0000-0000-0000-000000000002";
    static final String DR_A = "dddddddd-0000-0000-0000-00000000000a";
    static final ZoneId UTC = ZoneId.of("UTC");

    /** s1: applied A:1-10 (up to t=100), retrieved A:1-50 (up to t=500); s2: applied B:1-5 (t=120), retrieved B:1-30 (t=400). */
    static Map<String, ShardCut> cuts(String cutS1, String cutS2, Long lastS1, Long lastS2) {
        Map<String, ShardCut> m = new LinkedHashMap<>();
        m.put("s1", prefixCut("1/dr/s1", DR_A, A + ":1-10", A + ":1-50", cutS1, lastS1, 50L, 500L, 100L, 1000, 10.0));
        m.put("s2", prefixCut("1/dr/s2", "dddddddd-0000-0000-0000-00000000000b", B + ":1-5", B + ":1-30", cutS2, lastS2, 60L, 400L,
                120L, 2000, null));
        return m;
    }

    /** A cut that is a prefix of the relay log (gno order is relay order here): it would apply exactly itself. */
    static ShardCut prefixCut(String node, String uuid, String executed, String retrieved, String cut, Long cutLast, Long first,
                              Long last, Long applied, long bytes, Double rate) {
        String would = GtidSet.parse(cut).subtract(GtidSet.parse(executed)).toString();
        return new ShardCut(node, uuid, executed, retrieved, cut, cutLast, first, last, applied, bytes, rate, would, null, would,
                false, null);
    }

    /** s1's cut as its agent reports it when replaying would also apply {@code outside} (a hole in relay order). */
    static Map<String, ShardCut> withHoleInS1(Map<String, ShardCut> cuts, String wouldApply, String firstOutside, String prefix) {
        ShardCut c = cuts.get("s1");
        cuts.put("s1", new ShardCut(c.node(), c.serverUuid(), c.executed(), c.retrieved(), c.cut(), c.cutLastCommitMicros(),
                c.firstRetrievedMicros(), c.lastRetrievedMicros(), c.lastAppliedMicros(), c.bytesToReplay(), c.applyRatePerSecond(),
                wouldApply, firstOutside, prefix, false, null));
        return cuts;
    }

    static TargetSpec time(long micros) {
        return new TargetSpec(CutRequest.TIME, micros, null, "t=" + micros);
    }

    @Test
    void windowRunsFromTheLatestAppliedToTheEarliestRetrieved() {
        RecoveryPlanner.Window w = RecoveryPlanner.window(cuts("", "", null, null));
        assertEquals(120L, w.start(), "no shard can go back before what it applied");
        assertEquals(400L, w.end(), "every shard must have retrieved up to the target");
    }

    @Test
    void aTimeOutsideTheWindowIsRefusedWithTheWindow() {
        for (long t : new long[] {119, 401}) {
            var r = RecoveryPlanner.plan("1", time(t), cuts("", "", null, null), Map.of(), UTC);
            assertTrue(r.plan().isEmpty());
            assertTrue(r.refusal().orElseThrow().contains("outside the recoverable window of cluster 1, which is from 1970-01-01 00:00:00.000120 to 1970-01-01 00:00:00.000400 UTC"),
                    r.refusal().get());
        }
    }

    @Test
    void aTimeInsideThePlansEachShardsWholeTargetSet() {
        var r = RecoveryPlanner.plan("1", time(300), cuts(A + ":1-30", B + ":1-20", 290L, 280L), Map.of(), UTC);
        RecoveryPlan plan = r.plan().orElseThrow();
        assertEquals(GtidSet.parse(A + ":1-30"), GtidSet.parse(plan.shard("s1").targetGtids()));
        assertEquals(20, plan.shard("s1").transactionsToReplay());
        assertEquals(15, plan.shard("s2").transactionsToReplay());
        assertEquals(300L, plan.clusterTimeMicros(), "a time target is the cluster's time");
        assertEquals(2.0, plan.shard("s1").estimatedSeconds(), 1e-9, "20 transactions at 10/s");
        assertEquals(null, plan.shard("s2").estimatedSeconds(), "no apply rate measured: no guess");
        // What the CLI's dry-run table reads: the API writes the plan with a plain ObjectMapper.
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(plan);
        for (com.fasterxml.jackson.databind.JsonNode shard : json.path("shards")) {
            if (shard.path("shard").asText().equals("s1")) {
                assertEquals(2.0, shard.path("estimatedSeconds").asDouble(), 1e-9, json.toString());
            } else {
                assertTrue(shard.path("estimatedSeconds").isNull(), json.toString());
            }
        }
    }

    @Test
    void aGtidTargetMustNameKnownSourcesOfEveryShardWithinWhatWasRetrievedAndNotBehind() {
        Map<String, ShardCut> c = cuts(A + ":1-20", B + ":1-10", 200L, 200L);
        assertTrue(refusal(gtids("cccccccc-0000-0000-0000-000000000003:1-4"), c).contains("not a production source of cluster 1"));
        assertTrue(refusal(gtids(A + ":1-20"), c).contains("names no transaction of shard s2"));
        assertTrue(refusal(gtids(A + ":1-60," + B + ":1-10"), c).contains("beyond what dr shard s1 has retrieved (" + A + ":51-60"));
        assertTrue(refusal(gtids(A + ":1-20," + B + ":1-3"), c).contains("behind what dr shard s2 has already applied (" + B + ":4-5"));
        assertTrue(refusal(gtids(DR_A + ":1-2," + A + ":1-20," + B + ":1-10"), c).contains("not a production source"),
                "the DR shard's own writes are never a target");
        var ok = RecoveryPlanner.plan("1", gtids(A + ":1-20," + B + ":1-10"), c, Map.of(), UTC);
        assertEquals(10 + 5, ok.plan().orElseThrow().shards().stream().mapToLong(RecoveryPlan.ShardPlan::transactionsToReplay).sum());
    }

    @Test
    void anAgentErrorRefusesNamingTheShard() {
        Map<String, ShardCut> c = cuts("", "", null, null);
        c.put("s2", ShardCut.failed(io.drsp.agent.NodeKey.parse("1/dr/s2"), "dr shard s2 (127.0.0.1:1) is unreachable"));
        assertTrue(refusal(time(300), c).startsWith("dr shard s2 cannot be planned: dr shard s2 (127.0.0.1:1) is unreachable"));
    }

    @Test
    void aGtidSetWithAHoleInTheUnappliedRelayLogIsRefusedNamingTheFirstTransactionItWouldOvershootWith() {
        // s1 applied A:1-10 and retrieved A:1-50; the set leaves A:21-29 out, which the applier would run through.
        Map<String, ShardCut> c = withHoleInS1(cuts(A + ":1-20:30-40", B + ":1-10", 400L, 200L), A + ":11-40", A + ":21", A + ":11-20");
        String r = refusal(gtids(A + ":1-20:30-40," + B + ":1-10"), c);
        assertEquals("the GTID set is not a prefix of dr shard s1's relay log beyond what it has applied: MySQL applies the relay"
                + " log in order, so replaying to it would also apply " + A + ":21 (and 8 more transactions it leaves out); for s1 a"
                + " target must take every retrieved transaction before its last one, such as " + A + ":1-20 (stopping before "
                + A + ":21) or " + A + ":1-40.", r);
        var ok = RecoveryPlanner.plan("1", gtids(A + ":1-20," + B + ":1-10"),
                cuts(A + ":1-20", B + ":1-10", 200L, 200L), Map.of(), UTC);
        assertTrue(ok.plan().isPresent(), "the prefix it suggests is accepted: " + ok.refusal());
    }

    @Test
    void aTimeWhoseCutIsNotARelayOrderPrefixIsRefusedWithTheEquivalentGtidTarget() {
        // Production's clock stepped back on s1: A:26, committed after t=300, sits before A:27-30 committed before it.
        Map<String, ShardCut> c = withHoleInS1(cuts(A + ":1-25:27-30", B + ":1-20", 290L, 280L), A + ":11-30", A + ":26", A + ":11-25");
        String r = refusal(time(300), c);
        assertEquals("time t=300 is not a prefix of dr shard s1's relay log: production's clock went back, so " + A + ":26,"
                + " committed after that time, comes in relay order before transactions committed at or before it and MySQL would"
                + " apply it too; the equivalent target that stops just before it is relaytime 1 --gtid '" + A + ":1-25," + B
                + ":1-20'.", r);
        assertTrue(RecoveryPlanner.plan("1", gtids(A + ":1-25," + B + ":1-20"), cuts(A + ":1-25", B + ":1-20", 250L, 280L),
                Map.of(), UTC).plan().isPresent(), "and that target is accepted");
    }

    @Test
    void aGapInWhatIsAlreadyAppliedIsRefusedAsBehindNotAsAHole() {
        // The target's gap A:5-8 lies in what s1 has applied already: the applier would not overshoot, but it cannot undo.
        var r = RecoveryPlanner.plan("1", gtids(A + ":1-4:9-30," + B + ":1-10"), cuts(A + ":1-4:11-30", B + ":1-10", 200L, 200L),
                Map.of(), UTC);
        assertTrue(r.refusal().orElse("").contains("behind what dr shard s1 has already applied (" + A + ":5-8"),
                "a gap in what is applied is refused as behind, not as a hole: " + r.refusal());
    }

    @Test
    void aNewTargetIsRefusedWhileAnApplierStillRuns() {
        Map<String, ShardCut> c = cuts(A + ":1-30", B + ":1-20", 290L, 280L);
        ShardCut s2 = c.get("s2");
        c.put("s2", new ShardCut(s2.node(), s2.serverUuid(), s2.executed(), s2.retrieved(), s2.cut(), s2.cutLastCommitMicros(),
                s2.firstRetrievedMicros(), s2.lastRetrievedMicros(), s2.lastAppliedMicros(), s2.bytesToReplay(),
                s2.applyRatePerSecond(), s2.wouldApply(), null, s2.cutPrefix(), true, null));
        assertEquals("dr shard s2's applier is still running (towards the previous target), so what it has applied keeps moving;"
                + " run stopsync 1 to stop every applier (the target is kept), then relaytime again.",
                RecoveryPlanner.planNewTarget("1", time(300), c, Map.of(), UTC).refusal().orElseThrow());
        assertTrue(RecoveryPlanner.plan("1", time(300), c, Map.of(), UTC).plan().isPresent(),
                "a recover retried while a shard still replays towards its own target is planned");
    }

    static TargetSpec gtids(String s) {
        return new TargetSpec(CutRequest.GTIDS, null, s, s);
    }

    static String refusal(TargetSpec t, Map<String, ShardCut> c) {
        return RecoveryPlanner.plan("1", t, c, Map.of(), UTC).refusal().orElseThrow();
    }
}
