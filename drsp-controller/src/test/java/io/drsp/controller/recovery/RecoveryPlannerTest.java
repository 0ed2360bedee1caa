package io.drsp.controller.recovery;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.agent.CutRequest;
import io.drsp.agent.RelayCut;
import io.drsp.agent.ShardCut;
import io.drsp.agent.relay.RelayIndex;
import io.drsp.core.gtid.Gtid;
import io.drsp.core.gtid.GtidSet;
import java.io.IOException;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The planner's rules, without MySQL: window, time bounds, GTID targets, and the per-shard arithmetic. The relay-order
 * refusals judge cuts that the agent's code computes from relay logs the test writes, so what they check is the whole
 * path from relay order and commit times to the sentence, not only its wording.
 */
class RecoveryPlannerTest {
    static final String A = "aaaaaaaa-0000-0000-0000-000000000001";
    static final String B = "bbbbbbbb-0000-0000-0000-000000000002";
    static final String DR_A = "dddddddd-0000-0000-0000-00000000000a";
    static final ZoneId UTC = ZoneId.of("UTC");

    /** Where the relay-order tests write the DR shards' relay logs. */
    @TempDir
    Path relayLogs;

    /** s1: applied A:1-10 (up to t=100), retrieved A:1-50 (up to t=500); s2: applied B:1-5 (t=120), retrieved B:1-30 (t=400). */
    static Map<String, ShardCut> cuts(String cutS1, String cutS2, Long lastS1, Long lastS2) {
        Map<String, ShardCut> m = new LinkedHashMap<>();
        m.put("s1", prefixCut("1/dr/s1", DR_A, A + ":1-10", A + ":1-50", cutS1, lastS1, 50L, 500L, 100L, 1000));
        m.put("s2", prefixCut("1/dr/s2", "dddddddd-0000-0000-0000-00000000000b", B + ":1-5", B + ":1-30", cutS2, lastS2, 60L, 400L,
                120L, 2000));
        return m;
    }

    /** A cut that is a prefix of the relay log (gno order is relay order here): it would apply exactly itself. */
    static ShardCut prefixCut(String node, String uuid, String executed, String retrieved, String cut, Long cutLast, Long first,
                              Long last, Long applied, long bytes) {
        String would = GtidSet.parse(cut).subtract(GtidSet.parse(executed)).toString();
        return new ShardCut(node, uuid, executed, retrieved, cut, cutLast, first, last, applied, bytes, would, null, would,
                false, null);
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
        assertEquals(null, plan.shard("s1").estimatedSeconds(), "no replay measured yet: no guess");
        assertEquals(null, plan.shard("s2").estimatedSeconds(), "no replay measured yet: no guess");
        // s1's last replay applied 100 transactions in 10 s; s2 never replayed, so it borrows the slowest measured rate.
        plan = ApplyRates.NONE.with(Map.of("s1", new ApplyRates.Replay(100, 10.0))).price(plan);
        assertEquals(2.0, plan.shard("s1").estimatedSeconds(), 1e-9, "20 transactions at 10/s");
        assertEquals(1.5, plan.shard("s2").estimatedSeconds(), 1e-9, "15 transactions at s1's 10/s");
        // What the CLI's dry-run table reads: the API writes the plan with a plain ObjectMapper.
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(plan);
        for (com.fasterxml.jackson.databind.JsonNode shard : json.path("shards")) {
            if (shard.path("shard").asText().equals("s1")) {
                assertEquals(2.0, shard.path("estimatedSeconds").asDouble(), 1e-9, json.toString());
            } else {
                assertEquals(1.5, shard.path("estimatedSeconds").asDouble(), 1e-9, json.toString());
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

    /**
     * s1's relay log holds A:1-50 and s2's B:1-30, in gno order unless a test says otherwise; s1 applied A:1-10 and s2
     * B:1-5. Production committed A:g at 10g µs and B:g at 15g µs.
     */
    static List<RelayLogFile.Trx> relayS1() {
        List<RelayLogFile.Trx> relay = new ArrayList<>();
        for (int g = 1; g <= 50; g++) {
            relay.add(new RelayLogFile.Trx(A, g, 10L * g));
        }
        return relay;
    }

    static List<RelayLogFile.Trx> relayS2() {
        List<RelayLogFile.Trx> relay = new ArrayList<>();
        for (int g = 1; g <= 30; g++) {
            relay.add(new RelayLogFile.Trx(B, g, 15L * g));
        }
        return relay;
    }

    /** Each shard's answer to {@code target} as its agent computes it from the relay log the test wrote. */
    Map<String, ShardCut> cutsFromRelayLogs(TargetSpec target, List<RelayLogFile.Trx> s1, List<RelayLogFile.Trx> s2)
            throws IOException {
        Map<String, ShardCut> m = new LinkedHashMap<>();
        m.put("s1", agentCut("s1", DR_A, s1, GtidSet.parse(A + ":1-10"), target.request()));
        m.put("s2", agentCut("s2", "dddddddd-0000-0000-0000-00000000000b", s2, GtidSet.parse(B + ":1-5"), target.request()));
        return m;
    }

    private ShardCut agentCut(String shard, String drUuid, List<RelayLogFile.Trx> relay, GtidSet executed, CutRequest request)
            throws IOException {
        RelayIndex index = RelayIndex.open(RelayLogFile.write(relayLogs.resolve(shard), relay));
        assertEquals(relay.size(), index.size(), "every transaction written is indexed");
        // What MySQL reports as the last applied transaction's production commit time: the last applied in relay order.
        Long lastApplied = null;
        for (RelayLogFile.Trx t : relay) {
            if (executed.contains(new Gtid(t.uuid(), t.gno()))) {
                lastApplied = t.commitMicros();
            }
        }
        return RelayCut.answer(index, request, "1/dr/" + shard, drUuid, executed, lastApplied, false);
    }

    @Test
    void aGtidSetWithAHoleInTheUnappliedRelayLogIsRefusedNamingTheFirstTransactionItWouldOvershootWith() throws IOException {
        // s1 applied A:1-10 and retrieved A:1-50; the set leaves A:21-29 out, which the applier would run through.
        TargetSpec holed = gtids(A + ":1-20:30-40," + B + ":1-10");
        Map<String, ShardCut> c = cutsFromRelayLogs(holed, relayS1(), relayS2());
        String r = refusal(holed, c);
        assertEquals("the GTID set is not a prefix of dr shard s1's relay log beyond what it has applied: MySQL applies the relay"
                + " log in order, so replaying to it would also apply " + A + ":21 (and 8 more transactions it leaves out); for s1 a"
                + " target must take every retrieved transaction before its last one, such as " + A + ":1-20 (stopping before "
                + A + ":21) or " + A + ":1-40.", r);
        TargetSpec prefix = gtids(A + ":1-20," + B + ":1-10");
        var ok = RecoveryPlanner.plan("1", prefix, cutsFromRelayLogs(prefix, relayS1(), relayS2()), Map.of(), UTC);
        assertTrue(ok.plan().isPresent(), "the prefix it suggests is accepted: " + ok.refusal());
        assertEquals(GtidSet.parse(A + ":1-20"), GtidSet.parse(ok.plan().get().shard("s1").targetGtids()));
    }

    @Test
    void aTimeWhoseCutIsNotARelayOrderPrefixIsRefusedWithTheEquivalentGtidTarget() throws IOException {
        // Production's clock stepped back on s1: A:26, committed after t=300, sits before A:27-30 committed before it.
        List<RelayLogFile.Trx> stepped = relayS1();
        stepped.set(25, new RelayLogFile.Trx(A, 26, 305));
        TargetSpec t300 = time(300);
        Map<String, ShardCut> c = cutsFromRelayLogs(t300, stepped, relayS2());
        String r = refusal(t300, c);
        assertEquals("time t=300 is not a prefix of dr shard s1's relay log: production's clock went back, so " + A + ":26,"
                + " committed after that time, comes in relay order before transactions committed at or before it and MySQL would"
                + " apply it too; the equivalent target that stops just before it is relaytime 1 --gtid '" + A + ":1-25," + B
                + ":1-20'.", r);
        TargetSpec suggested = gtids(A + ":1-25," + B + ":1-20");
        var ok = RecoveryPlanner.plan("1", suggested, cutsFromRelayLogs(suggested, stepped, relayS2()), Map.of(), UTC);
        assertTrue(ok.plan().isPresent(), "and that target is accepted: " + ok.refusal());
        assertEquals(GtidSet.parse(A + ":1-25"), GtidSet.parse(ok.plan().get().shard("s1").targetGtids()));
        assertTrue(RecoveryPlanner.plan("1", time(250), cutsFromRelayLogs(time(250), stepped, relayS2()), Map.of(), UTC)
                .plan().isPresent(), "a time before the step is a prefix of the relay log");
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
                s2.wouldApply(), null, s2.cutPrefix(), true, null));
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
