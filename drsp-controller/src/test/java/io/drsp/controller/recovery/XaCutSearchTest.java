package io.drsp.controller.recovery;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.agent.CutRequest;
import io.drsp.agent.ShardCut;
import io.drsp.agent.XaLine;
import io.drsp.agent.relay.XaInfo;
import io.drsp.agent.relay.XaPhase;
import io.drsp.core.gtid.GtidSet;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The search's rounds, moves and refusals against relay logs written here, each answered as an agent would from
 * its relay index: a cut's length in relay order and its unapplied XA statements (nothing is applied in these).
 */
class XaCutSearchTest {
    static final String U1 = "11111111-1111-1111-1111-111111111111";
    static final String U2 = "22222222-2222-2222-2222-222222222222";
    /** A page as small as 2 statements, so every search here reads its answers in pages. */
    static final int PAGE = 2;

    /** One relay-log transaction: production's commit time and, for XA, its statement. */
    record Tx(String gtid, long micros, XaInfo xa) {
    }

    static final class Relay {
        final String uuid;
        final List<Tx> txs = new ArrayList<>();

        Relay(String uuid) {
            this.uuid = uuid;
        }

        Relay tx(long micros) {
            txs.add(new Tx(uuid + ":" + (txs.size() + 1), micros, null));
            return this;
        }

        Relay xa(long micros, String gtrid, XaPhase phase) {
            txs.add(new Tx(uuid + ":" + (txs.size() + 1), micros, new XaInfo(gtrid, uuid.substring(0, 2), 1, phase)));
            return this;
        }

        /** What an agent answers: the cut, its length in relay order, every (unapplied) XA statement. */
        ShardCut answer(CutRequest r) {
            long length = 0;
            while (length < txs.size() && switch (r.kind()) {
                case CutRequest.TIME -> txs.get((int) length).micros() <= r.timeMicros();
                case CutRequest.PREFIX -> length < r.prefix();
                case CutRequest.GTIDS -> GtidSet.parse(r.gtids()).containsAll(GtidSet.parse(txs.get((int) length).gtid()));
                default -> true;
            }) {
                length++;
            }
            GtidSet cut = GtidSet.empty();
            for (int i = 0; i < length; i++) {
                cut = cut.union(GtidSet.parse(txs.get(i).gtid()));
            }
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < txs.size(); i++) {
                Tx t = txs.get(i);
                if (t.xa() != null) {
                    lines.add(new XaLine(t.gtid(), i, t.micros(), t.xa()).encode());
                }
            }
            GtidSet all = GtidSet.parse(uuid + ":1-" + txs.size());
            return new ShardCut("1/dr/x", "dr-" + uuid, "", all.toString(), cut.toString(), null, txs.get(0).micros(),
                    txs.get(txs.size() - 1).micros(), null, 0, cut.toString(), null, cut.toString(), false, null, length, lines.subList(Math.min(r.xaFrom(), lines.size()), Math.min(r.xaFrom() + PAGE, lines.size())),
                    lines.size());
        }
    }

    private static XaCutSearch.Found search(TargetSpec target, Map<String, Relay> relays, List<CutRequest> asked) {
        XaCutSearch s = new XaCutSearch("1", List.copyOf(relays.keySet()), (shard, r) -> {
            asked.add(r);
            return CompletableFuture.completedFuture(relays.get(shard).answer(r));
        }, ZoneId.of("UTC"));
        return s.run(target).join();
    }

    private static Map<String, Relay> shards(Relay s1, Relay s2) {
        Map<String, Relay> m = new LinkedHashMap<>();
        m.put("s1", s1);
        m.put("s2", s2);
        return m;
    }

    @Test
    void aCommitRetrievedOnOneShardOnlyMovesTheTargetBeforeItAndTheOtherShardIsAskedForThatPrefix() {
        // g committed on s1 at 30; s2 prepared it at 12 but its receiver stopped before the commit
        Relay s1 = new Relay(U1).tx(10).xa(11, "g", XaPhase.PREPARE).tx(20).xa(30, "g", XaPhase.COMMIT).tx(40);
        Relay s2 = new Relay(U2).tx(10).xa(12, "g", XaPhase.PREPARE).tx(45);
        List<CutRequest> asked = new ArrayList<>();
        XaCutSearch.Found f = search(new TargetSpec(CutRequest.TIME, 40L, null, "40"), shards(s1, s2), asked);
        assertNull(f.refusal());
        assertEquals(29L, f.xa().consistentMicros(), "the point moved to just before g's first commit");
        assertEquals(1, f.xa().moves().size());
        assertTrue(f.xa().moves().get(0).contains("'g'") && f.xa().moves().get(0).contains("has not retrieved its XA COMMIT"),
                f.xa().moves().toString());
        // At 29 g is not committed: s1 stops before its prepare, s2 too; both were asked for exactly that prefix.
        assertEquals(GtidSet.parse(U1 + ":1"), GtidSet.parse(f.cuts().get("s1").cut()));
        assertEquals(GtidSet.parse(U2 + ":1"), GtidSet.parse(f.cuts().get("s2").cut()));
        assertEquals(List.of("g"), f.xa().shard("s1").hidden());
        assertEquals(2, asked.stream().filter(r -> r.kind().equals(CutRequest.PREFIX) && r.prefix() == 1).count());
        assertTrue(asked.stream().anyMatch(r -> r.xaGtrids().contains("g")), "the second round asks for g's applied statements");
        assertEquals(4, f.xa().shard("s1").leftOut(), "of what a cut at 40 replays, s1 keeps only its first transaction");
    }

    @Test
    void allRetrievedIsJudgedAtTheWindowsEndSoABranchTheOtherShardNeverSawIsNotReplayed() {
        // s1's receiver stopped at 20; s2's ran on and retrieved h, prepared and committed at 22 and 23, of which s1
        // has no trace at all: judged by s2's commit alone h was "committed" and replayed on s2 only (torn).
        Relay s1 = new Relay(U1).tx(10).xa(11, "g", XaPhase.PREPARE).xa(20, "g", XaPhase.COMMIT);
        Relay s2 = new Relay(U2).tx(10).xa(12, "g", XaPhase.PREPARE).xa(21, "g", XaPhase.COMMIT)
                .xa(22, "h", XaPhase.PREPARE).xa(23, "h", XaPhase.COMMIT).tx(24);
        XaCutSearch.Found f = search(new TargetSpec(CutRequest.ALL, null, null, "all retrieved relay log"), shards(s1, s2),
                new ArrayList<>());
        assertNull(f.refusal());
        assertEquals(GtidSet.parse(U1 + ":1-3"), GtidSet.parse(f.cuts().get("s1").cut()), "s1: all it retrieved");
        assertEquals(GtidSet.parse(U2 + ":1-3"), GtidSet.parse(f.cuts().get("s2").cut()),
                "s2: g, committed at the window's end on s1, yes; h, not committed by 20, and what follows its prepare, no");
        assertEquals(List.of("h"), f.xa().shard("s2").hidden());
        assertEquals(3, f.xa().shard("s2").leftOut(), "h's prepare and commit are left out, and the transaction after them");
    }

    @Test
    void aGtidTargetThatSplitsAGlobalTransactionIsRefusedNamingItItsShardsAndWhatToAdd() {
        Relay s1 = new Relay(U1).tx(10).xa(11, "g", XaPhase.PREPARE).xa(30, "g", XaPhase.COMMIT);
        Relay s2 = new Relay(U2).tx(10).xa(12, "g", XaPhase.PREPARE).xa(31, "g", XaPhase.COMMIT);
        XaCutSearch.Found f = search(new TargetSpec(CutRequest.GTIDS, null, U1 + ":1-3," + U2 + ":1-2", "x"), shards(s1, s2),
                new ArrayList<>());
        assertTrue(f.refusal() != null && f.refusal().contains("splits global transaction 'g' across shards s1, s2")
                && f.refusal().contains("add " + U2 + ":3")
                && f.refusal().contains("relaytime 1 --time '1970-01-01 00:00:00.000029'"), String.valueOf(f.refusal()));
    }

    @Test
    void aGtidTargetTakingEveryBranchOrNoneIsAccepted() {
        Relay s1 = new Relay(U1).tx(10).xa(11, "g", XaPhase.PREPARE).xa(30, "g", XaPhase.COMMIT);
        Relay s2 = new Relay(U2).tx(10).xa(12, "g", XaPhase.PREPARE).xa(31, "g", XaPhase.COMMIT);
        assertNull(search(new TargetSpec(CutRequest.GTIDS, null, U1 + ":1-3," + U2 + ":1-3", "x"), shards(s1, s2),
                new ArrayList<>()).refusal());
        assertNull(search(new TargetSpec(CutRequest.GTIDS, null, U1 + ":1," + U2 + ":1", "x"), shards(s1, s2),
                new ArrayList<>()).refusal());
    }
}
