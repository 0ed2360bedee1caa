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
        m.put("s1", new ShardCut("1/dr/s1", DR_A, A + ":1-10", A + ":1-50", cutS1, lastS1, 50L, 500L, 100L, 1000, 10.0, null));
        m.put("s2", new ShardCut("1/dr/s2", "dddddddd-0000-0000-0000-00000000000b", B + ":1-5", B + ":1-30", cutS2, lastS2, 60L, 400L,
                120L, 2000, null, null));
        return m;
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

    static TargetSpec gtids(String s) {
        return new TargetSpec(CutRequest.GTIDS, null, s, s);
    }

    static String refusal(TargetSpec t, Map<String, ShardCut> c) {
        return RecoveryPlanner.plan("1", t, c, Map.of(), UTC).refusal().orElseThrow();
    }
}
