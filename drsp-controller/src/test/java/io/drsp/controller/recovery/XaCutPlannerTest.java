package io.drsp.controller.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.agent.relay.XaPhase;
import io.drsp.controller.recovery.XaCutPlanner.Completion;
import io.drsp.controller.recovery.XaCutPlanner.Result;
import io.drsp.controller.recovery.XaCutPlanner.ShardRelay;
import io.drsp.controller.recovery.XaCutPlanner.Xid;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every rule of the XA-consistent cut, on relay logs this test writes as production would have (no MySQL), and a
 * randomized check of the invariants against a model of what MySQL's applier and the completions leave on each shard.
 */
class XaCutPlannerTest {

    /** A shard's relay log as a list of transactions in relay order; the first {@code applied} are applied already. */
    static final class Relay {
        final String shard;
        final String uuid;
        final List<Tx> txs = new ArrayList<>();
        int applied;

        Relay(String shard, String uuid) {
            this.shard = shard;
            this.uuid = uuid;
        }

        Relay local(long micros) {
            txs.add(new Tx(uuid + ":" + (txs.size() + 1), micros, null, null));
            return this;
        }

        Relay xa(long micros, String gtrid, XaPhase phase) {
            txs.add(new Tx(uuid + ":" + (txs.size() + 1), micros, new Xid(gtrid, shard, 1), phase));
            return this;
        }

        String gtidOf(String gtrid, XaPhase phase) {
            return txs.stream().filter(t -> t.xid != null && t.xid.gtrid().equals(gtrid) && t.phase == phase).findFirst().orElseThrow().gtid;
        }

        /** What the agent answers: the time cut counted in relay order (the prefix up to the last one at or before T). */
        ShardRelay at(long t) {
            long cut = 0;
            for (int i = applied; i < txs.size() && txs.get(i).micros <= t; i++) {
                cut++;
            }
            List<XaCutPlanner.XaStatement> xa = new ArrayList<>();
            for (int i = 0; i < txs.size(); i++) {
                Tx x = txs.get(i);
                if (x.xid != null) {
                    boolean done = i < applied;
                    xa.add(new XaCutPlanner.XaStatement(x.gtid, done ? -1 : i - applied, x.micros, x.xid, x.phase, done));
                }
            }
            return new ShardRelay(cut, xa);
        }
    }

    record Tx(String gtid, long micros, Xid xid, XaPhase phase) {
    }

    static Map<String, ShardRelay> at(long t, Relay... relays) {
        Map<String, ShardRelay> m = new LinkedHashMap<>();
        for (Relay r : relays) {
            m.put(r.shard, r.at(t));
        }
        return m;
    }

    @Test
    void withoutXaEveryShardStopsAtItsTimeCut() {
        Relay s1 = new Relay("s1", "u1").local(10).local(20).local(30);
        Relay s2 = new Relay("s2", "u2").local(15).local(25);
        Result.Consistent c = assertInstanceOf(Result.Consistent.class, XaCutPlanner.plan(22, at(22, s1, s2)));
        assertEquals(2, c.shards().get("s1").replay());
        assertEquals(1, c.shards().get("s2").replay());
        assertTrue(c.shards().get("s1").completions().isEmpty() && c.shards().get("s2").hidden().isEmpty());
    }

    @Test
    void aTransactionCommittedAtTIsCompletedWhereItsCommitLiesBeyondTheCut() {
        Relay s1 = new Relay("s1", "u1").xa(10, "g", XaPhase.PREPARE).xa(20, "g", XaPhase.COMMIT).local(30);
        Relay s2 = new Relay("s2", "u2").xa(11, "g", XaPhase.PREPARE).local(19).xa(24, "g", XaPhase.COMMIT);
        Result.Consistent c = assertInstanceOf(Result.Consistent.class, XaCutPlanner.plan(22, at(22, s1, s2)));
        assertEquals(2, c.shards().get("s1").replay());
        assertTrue(c.shards().get("s1").completions().isEmpty());
        assertEquals(2, c.shards().get("s2").replay());
        assertEquals(List.of(new Completion(s2.gtidOf("g", XaPhase.COMMIT), new Xid("g", "s2", 1), XaPhase.COMMIT)),
                c.shards().get("s2").completions());
    }

    @Test
    void aTransactionNotCommittedAtTIsHiddenByStoppingBeforeItsPrepares() {
        Relay s1 = new Relay("s1", "u1").local(5).xa(10, "g", XaPhase.PREPARE).local(12).xa(25, "g", XaPhase.COMMIT);
        Relay s2 = new Relay("s2", "u2").xa(11, "g", XaPhase.PREPARE).local(13).xa(26, "g", XaPhase.COMMIT);
        Result.Consistent c = assertInstanceOf(Result.Consistent.class, XaCutPlanner.plan(20, at(20, s1, s2)));
        assertEquals(1, c.shards().get("s1").replay(), "s1 stops before its prepare, leaving out the local one after it");
        assertEquals(0, c.shards().get("s2").replay());
        assertEquals(List.of("g"), c.shards().get("s1").hidden());
        assertEquals(List.of("g"), c.shards().get("s2").hidden());
    }

    @Test
    void aTransactionRolledBackLaterIsCompletedByItsRollbackInsteadOfMovingTheCut() {
        Relay s1 = new Relay("s1", "u1").xa(10, "g", XaPhase.PREPARE).local(12).xa(25, "g", XaPhase.ROLLBACK);
        Relay s2 = new Relay("s2", "u2").xa(11, "g", XaPhase.PREPARE).xa(26, "g", XaPhase.ROLLBACK);
        Result.Consistent c = assertInstanceOf(Result.Consistent.class, XaCutPlanner.plan(20, at(20, s1, s2)));
        assertEquals(2, c.shards().get("s1").replay());
        assertEquals(List.of(new Completion(s1.gtidOf("g", XaPhase.ROLLBACK), new Xid("g", "s1", 1), XaPhase.ROLLBACK)),
                c.shards().get("s1").completions());
        assertEquals(XaPhase.ROLLBACK, c.shards().get("s2").completions().get(0).phase());
    }

    @Test
    void aCommitNotRetrievedMovesTheTargetBackBeforeTheTransactionsFirstCommit() {
        Relay s1 = new Relay("s1", "u1").xa(10, "g", XaPhase.PREPARE).xa(15, "g", XaPhase.COMMIT);
        Relay s2 = new Relay("s2", "u2").xa(11, "g", XaPhase.PREPARE).local(30); // its XA COMMIT not retrieved yet
        Result.MoveBack m = assertInstanceOf(Result.MoveBack.class, XaCutPlanner.plan(20, at(20, s1, s2)));
        assertEquals(15, m.firstCommitMicros());
        assertEquals("s2", m.shard());
        assertTrue(m.why().contains("has not retrieved its XA COMMIT"), m.why());
        Result.Consistent c = assertInstanceOf(Result.Consistent.class, XaCutPlanner.plan(14, at(14, s1, s2)));
        assertEquals(0, c.shards().get("s1").replay());
        assertEquals(0, c.shards().get("s2").replay());
    }

    @Test
    void aPrepareBeyondItsShardsCutOnAnotherClockMovesTheTargetBack() {
        Relay s1 = new Relay("s1", "u1").xa(10, "g", XaPhase.PREPARE).xa(15, "g", XaPhase.COMMIT);
        Relay s2 = new Relay("s2", "u2").local(18).xa(21, "g", XaPhase.PREPARE).xa(22, "g", XaPhase.COMMIT); // s2's clock is ahead
        Result.MoveBack m = assertInstanceOf(Result.MoveBack.class, XaCutPlanner.plan(20, at(20, s1, s2)));
        assertEquals(15, m.firstCommitMicros());
        assertTrue(m.why().contains("beyond that shard's cut"), m.why());
    }

    @Test
    void hidingOneTransactionCanLeaveOutACommittedOnesPrepareAndSoMoveTheTargetBack() {
        Relay s1 = new Relay("s1", "u1").xa(10, "h", XaPhase.PREPARE).xa(11, "g", XaPhase.PREPARE).xa(12, "g", XaPhase.COMMIT)
                .xa(30, "h", XaPhase.COMMIT);
        Relay s2 = new Relay("s2", "u2").xa(9, "h", XaPhase.PREPARE).xa(11, "g", XaPhase.PREPARE).xa(13, "g", XaPhase.COMMIT)
                .xa(31, "h", XaPhase.COMMIT);
        Result.MoveBack m = assertInstanceOf(Result.MoveBack.class, XaCutPlanner.plan(20, at(20, s1, s2)));
        assertEquals("g", m.gtrid());
        assertEquals(12, m.firstCommitMicros());
    }

    @Test
    void anAppliedPrepareThatIsNotCommittedAtTIsRefusedNamingItsCommit() {
        Relay s1 = new Relay("s1", "u1").xa(10, "g", XaPhase.PREPARE).local(12).xa(25, "g", XaPhase.COMMIT);
        s1.applied = 1;
        Relay s2 = new Relay("s2", "u2").xa(11, "g", XaPhase.PREPARE).xa(26, "g", XaPhase.COMMIT);
        Result.Refused r = assertInstanceOf(Result.Refused.class, XaCutPlanner.plan(20, at(20, s1, s2)));
        assertTrue(r.sentence().contains("dr shard s1 has already applied the XA PREPARE of global transaction 'g'")
                && r.sentence().contains("production committed it at 25"), r.sentence());
        Result.Consistent c = assertInstanceOf(Result.Consistent.class, XaCutPlanner.plan(25, at(25, s1, s2)));
        assertEquals(2, c.shards().get("s1").replay());
    }

    @Test
    void anAppliedPrepareCommittedAtTIsCompleted() {
        Relay s1 = new Relay("s1", "u1").xa(10, "g", XaPhase.PREPARE).xa(15, "g", XaPhase.COMMIT);
        Relay s2 = new Relay("s2", "u2").xa(11, "g", XaPhase.PREPARE).local(14).xa(25, "g", XaPhase.COMMIT);
        s2.applied = 1; // delayed sync stopped between its prepare and its commit
        Result.Consistent c = assertInstanceOf(Result.Consistent.class, XaCutPlanner.plan(20, at(20, s1, s2)));
        assertEquals(1, c.shards().get("s2").replay());
        assertEquals(List.of(new Completion(s2.gtidOf("g", XaPhase.COMMIT), new Xid("g", "s2", 1), XaPhase.COMMIT)),
                c.shards().get("s2").completions());
    }

    @Test
    void aOnePhaseCommitIsLocalAndNeverInDoubt() {
        Relay s1 = new Relay("s1", "u1").xa(10, "one", XaPhase.ONE_PHASE).local(30);
        Result.Consistent c = assertInstanceOf(Result.Consistent.class, XaCutPlanner.plan(20, at(20, s1)));
        assertEquals(1, c.shards().get("s1").replay());
        assertTrue(c.shards().get("s1").completions().isEmpty());
    }

    /**
     * Random production histories over 2-4 shards: local transactions, cross-shard XA transactions committed or rolled
     * back (branches decided in any order, each shard with its own clock skew), coordinators that crash and leave
     * branches undecided, and DR relay logs cut off at random places. For random targets, T moves back as the planner
     * says until it is consistent, and the model of what the applier and the completions leave must hold: no branch
     * prepared, every global transaction committed on all its participants or visible on none, only production's
     * GTIDs, and every cut a prefix no longer than the time cut.
     */
    @Test
    void randomHistoriesAlwaysEndConsistent() {
        long seed = Long.getLong("drsp.seed", System.nanoTime());
        Random r = new Random(seed);
        int consistent = 0;
        int movedBack = 0;
        int commitsCompleted = 0;
        int rollbacksCompleted = 0;
        int hidden = 0;
        for (int round = 0; round < 400; round++) {
            int n = 2 + r.nextInt(3);
            List<Relay> relays = new ArrayList<>();
            long[] skew = new long[n];
            for (int s = 0; s < n; s++) {
                relays.add(new Relay("s" + (s + 1), "u" + (s + 1)));
                skew[s] = r.nextInt(5) - 2;
            }
            long clock = 100;
            Map<String, Set<Integer>> open = new LinkedHashMap<>();
            Map<String, Set<String>> participants = new HashMap<>();
            Map<String, Boolean> decideCommit = new HashMap<>();
            for (int step = 0; step < 40; step++) {
                clock += 1 + r.nextInt(3);
                int kind = r.nextInt(10);
                if (kind < 3) {
                    int s = r.nextInt(n);
                    relays.get(s).local(clock + skew[s]);
                } else if (kind < 6) {
                    String g = "g" + round + "-" + step;
                    Set<Integer> parts = new TreeSet<>();
                    while (parts.size() < 2) {
                        parts.add(r.nextInt(n));
                    }
                    for (int s : parts) {
                        relays.get(s).xa(clock + skew[s], g, XaPhase.PREPARE);
                    }
                    open.put(g, parts);
                    participants.put(g, new TreeSet<>(parts.stream().map(x -> "s" + (x + 1)).toList()));
                    decideCommit.put(g, r.nextInt(4) > 0);
                } else if (!open.isEmpty()) {
                    // decide one branch of an open transaction (the others later, or never: a crashed coordinator)
                    String g = List.copyOf(open.keySet()).get(r.nextInt(open.size()));
                    Set<Integer> parts = open.get(g);
                    int s = List.copyOf(parts).get(r.nextInt(parts.size()));
                    relays.get(s).xa(clock + skew[s], g, decideCommit.get(g) ? XaPhase.COMMIT : XaPhase.ROLLBACK);
                    parts.remove(s);
                    if (parts.isEmpty()) {
                        open.remove(g);
                    }
                }
            }
            // DR has retrieved a random prefix of each relay log; the window ends at the earliest last retrieved time,
            // less the clock skew production's hosts may have between them (4 here)
            long windowEnd = Long.MAX_VALUE;
            for (Relay rl : relays) {
                int keep = rl.txs.size() - r.nextInt(Math.max(1, rl.txs.size() / 4));
                rl.txs.subList(keep, rl.txs.size()).clear();
                windowEnd = Math.min(windowEnd, rl.txs.isEmpty() ? 100 : rl.txs.get(rl.txs.size() - 1).micros);
            }
            if (windowEnd - 4 < 100) {
                continue;
            }
            long target = 100 + r.nextInt((int) (windowEnd - 4 - 100 + 1));
            Result res = XaCutPlanner.plan(target, at(target, relays.toArray(Relay[]::new)));
            long t = target;
            int moves = 0;
            while (res instanceof Result.MoveBack m) {
                assertTrue(m.firstCommitMicros() <= t, "seed " + seed + ": moved forward");
                t = m.firstCommitMicros() - 1;
                res = XaCutPlanner.plan(t, at(t, relays.toArray(Relay[]::new)));
                assertTrue(++moves < 200, "seed " + seed + ": did not converge");
            }
            Result.Consistent c = assertInstanceOf(Result.Consistent.class, res, "seed " + seed);
            consistent++;
            movedBack += moves > 0 ? 1 : 0;
            for (XaCutPlanner.ShardPlan p : c.shards().values()) {
                commitsCompleted += (int) p.completions().stream().filter(k -> k.phase() == XaPhase.COMMIT).count();
                rollbacksCompleted += (int) p.completions().stream().filter(k -> k.phase() == XaPhase.ROLLBACK).count();
                hidden += p.hidden().size();
            }
            assertModelHolds(seed, t, relays, participants, c);
        }
        assertTrue(consistent > 300, "most rounds had a window: " + consistent);
        // every rule was exercised, or the invariants above prove little
        assertTrue(movedBack > 10 && commitsCompleted > 10 && rollbacksCompleted > 10 && hidden > 10, "seed " + seed + ": moved back "
                + movedBack + ", commits completed " + commitsCompleted + ", rollbacks " + rollbacksCompleted + ", hidden " + hidden);
        System.out.println("XaCutPlannerTest: seed " + seed + ", " + consistent + " histories, moved back " + movedBack
                + ", commits completed " + commitsCompleted + ", rollbacks completed " + rollbacksCompleted + ", hidden " + hidden);
    }

    private static void assertModelHolds(long seed, long t, List<Relay> relays, Map<String, Set<String>> participants,
                                         Result.Consistent c) {
        Map<String, Map<String, String>> stateByGtrid = new HashMap<>();
        for (Relay rl : relays) {
            XaCutPlanner.ShardPlan p = c.shards().get(rl.shard);
            assertTrue(p.replay() <= rl.at(t).timeCut(), "seed " + seed + ": " + rl.shard + " replays past its time cut");
            Map<String, String> state = new HashMap<>();
            Set<String> executed = new TreeSet<>();
            for (int i = 0; i < p.replay(); i++) {
                Tx x = rl.txs.get(i);
                executed.add(x.gtid);
                if (x.xid != null) {
                    state.put(x.xid.gtrid(), x.phase == XaPhase.PREPARE ? "prepared" : x.phase == XaPhase.ROLLBACK ? "none" : "committed");
                }
            }
            for (Completion k : p.completions()) {
                assertTrue(rl.txs.stream().anyMatch(x -> x.gtid.equals(k.gtid()) && x.phase == k.phase()),
                        "seed " + seed + ": a completion under a GTID production did not write it with");
                assertTrue(executed.add(k.gtid()), "seed " + seed + ": completed twice");
                assertEquals("prepared", state.get(k.xid().gtrid()), "seed " + seed + ": completes a branch not prepared");
                state.put(k.xid().gtrid(), k.phase() == XaPhase.COMMIT ? "committed" : "none");
            }
            state.forEach((g, s) -> {
                assertTrue(!s.equals("prepared"), "seed " + seed + ": " + g + " left prepared on " + rl.shard);
                stateByGtrid.computeIfAbsent(g, k -> new HashMap<>()).put(rl.shard, s);
            });
        }
        // every true participant, including one whose relay log does not reach the branch
        participants.forEach((g, shards) -> shards.forEach(s ->
                stateByGtrid.computeIfAbsent(g, k -> new HashMap<>()).putIfAbsent(s, "none")));
        stateByGtrid.forEach((g, byShard) -> assertTrue(!byShard.containsValue("committed") || !byShard.containsValue("none"),
                "seed " + seed + ": " + g + " is committed on some shards only: " + byShard + " at " + t));
    }
}
