package io.drsp.controller.recovery;

import io.drsp.agent.relay.XaPhase;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Makes per-shard cuts at a time T globally consistent for cross-shard XA transactions. Pure: it sees only what each
 * DR shard's relay index says (its cut at T, counted in relay order, and its XA statements), never a clock or a server.
 *
 * <p>The rules (DESIGN §7): a global transaction (every branch shares its gtrid) is <em>committed at T</em> when
 * production committed any of its branches at or before T, the coordinator having decided. Then:
 * <ul>
 *   <li>committed at T: every branch must end committed. A branch whose {@code XA PREPARE} lies within its shard's cut
 *       and whose {@code XA COMMIT} lies beyond it is <em>completed</em>: that one {@code XA COMMIT} is applied out of
 *       relay order under production's own GTID, so no errant GTID appears and sync later skips it. A branch that
 *       cannot be completed (its shard never retrieved the commit, or its prepare lies beyond the cut) moves T back
 *       to before the transaction's first commit: {@link Result.MoveBack}.</li>
 *   <li>not committed at T: no branch may be visible or left prepared. A prepare within the cut whose
 *       {@code XA ROLLBACK} was retrieved is completed by that rollback; any other stops its shard's cut just before
 *       the prepare (MySQL applies in relay order, so a cut is always a prefix), which may in turn leave out further
 *       branches of that shard; this repeats until nothing changes.</li>
 * </ul>
 * A branch already applied on DR cannot be hidden any more: if its transaction is not committed at T and production
 * has not rolled it back, T is refused, naming the gtrid and what would be accepted.
 *
 * <p>Participants of a global transaction are the shards whose relay log holds one of its branches. A shard whose relay
 * log does not reach a branch at all (production shards need not share a clock) is not seen as a participant; the
 * recoverable window, which ends at the earliest last-retrieved time, keeps that from happening within it. So T is
 * never past the window's end: all retrieved relay log is judged at the window's end, its cuts reaching past T.
 */
public final class XaCutPlanner {

    /** An XA branch's identity on one shard: gtrid, bqual and format id, as MySQL's XID. */
    public record Xid(String gtrid, String bqual, long formatId) {
        public Xid {
            Objects.requireNonNull(gtrid, "gtrid");
            Objects.requireNonNull(bqual, "bqual");
        }
    }

    /**
     * One XA statement in a DR shard's relay log.
     *
     * @param ordinal      its place among the shard's unapplied transactions in relay order (0 = next to apply); -1 when
     *                     {@code applied}
     * @param commitMicros production's {@code original_commit_timestamp} of the statement
     */
    public record XaStatement(String gtid, long ordinal, long commitMicros, Xid xid, XaPhase phase, boolean applied) {
        public XaStatement {
            Objects.requireNonNull(gtid, "gtid");
            Objects.requireNonNull(xid, "xid");
            Objects.requireNonNull(phase, "phase");
            if (applied != (ordinal < 0)) {
                throw new IllegalArgumentException("an applied statement has ordinal -1, an unapplied one its relay place: " + gtid);
            }
        }
    }

    /**
     * What one DR shard says for a target time.
     *
     * @param timeCut how many unapplied transactions, from the start of the relay log, the time cut replays
     * @param xa      every XA statement of its relay log, applied or not
     */
    public record ShardRelay(long timeCut, List<XaStatement> xa) {
        public ShardRelay {
            xa = List.copyOf(xa);
        }

        /** Its XA PREPAREs, in the order given. */
        List<XaStatement> prepares() {
            return xa.stream().filter(x -> x.phase() == XaPhase.PREPARE).toList();
        }

        /** Per branch, its XA COMMIT or XA ROLLBACK, where retrieved: looked up once, not per prepare. */
        Map<Xid, XaStatement> decisions() {
            Map<Xid, XaStatement> out = new HashMap<>();
            for (XaStatement x : xa) {
                if (x.phase() == XaPhase.COMMIT || x.phase() == XaPhase.ROLLBACK) {
                    out.putIfAbsent(x.xid(), x);
                }
            }
            return out;
        }
    }

    /** An XA statement to apply out of relay order on a shard, under production's GTID for it. */
    public record Completion(String gtid, Xid xid, XaPhase phase) {
    }

    /**
     * One shard's consistent cut.
     *
     * @param replay      how many unapplied transactions to replay in relay order (at most the time cut)
     * @param completions XA COMMITs and ROLLBACKs to apply after the replay, out of relay order
     * @param hidden      gtrids this shard's cut was moved back to leave out (not committed at T)
     */
    public record ShardPlan(long replay, List<Completion> completions, List<String> hidden) {
        public ShardPlan {
            completions = List.copyOf(completions);
            hidden = List.copyOf(hidden);
        }
    }

    /** The outcome for one T: consistent cuts, a T to try instead, or a refusal. */
    public sealed interface Result {
        /** Per shard, in the order given. */
        record Consistent(Map<String, ShardPlan> shards) implements Result {
        }

        /**
         * No consistent cut exists at T: {@code gtrid}, committed at T, cannot be completed on {@code shard}. Every
         * T before {@code firstCommitMicros} leaves it out; plan again at {@code firstCommitMicros - 1}.
         */
        record MoveBack(long firstCommitMicros, String gtrid, String shard, String why) implements Result {
        }

        /** One sentence; nothing earlier or at T would do either. */
        record Refused(String sentence) implements Result {
        }
    }

    private XaCutPlanner() {
    }

    public static Result plan(long targetMicros, Map<String, ShardRelay> shards) {
        return plan((Long) targetMicros, shards);
    }

    /**
     * @param targetMicros the target time; null for a GTID-set target, where a transaction is committed at the target
     *                     when one of its XA COMMITs is in a cut
     */
    public static Result plan(Long targetMicros, Map<String, ShardRelay> shards) {
        // per gtrid: whether committed at T, and its first commit anywhere (what T moves back before)
        Map<String, Long> firstCommit = new HashMap<>();
        Map<String, Boolean> committed = new HashMap<>();
        for (String name : shards.keySet()) {
            for (XaStatement x : shards.get(name).xa()) {
                if (x.phase() == XaPhase.COMMIT || x.phase() == XaPhase.ONE_PHASE) {
                    firstCommit.merge(x.xid().gtrid(), x.commitMicros(), Math::min);
                    if (x.applied() || (targetMicros == null ? x.ordinal() < shards.get(name).timeCut()
                            : x.commitMicros() <= targetMicros)) {
                        committed.put(x.xid().gtrid(), true);
                    }
                }
            }
        }
        Map<String, Long> cut = new LinkedHashMap<>();
        Map<String, TreeSet<String>> hidden = new LinkedHashMap<>();
        shards.forEach((name, s) -> {
            cut.put(name, s.timeCut());
            hidden.put(name, new TreeSet<>());
        });

        Map<String, List<XaStatement>> prepares = new HashMap<>();
        Map<String, Map<Xid, XaStatement>> decisions = new HashMap<>();
        shards.forEach((name, s) -> {
            prepares.put(name, s.prepares());
            decisions.put(name, s.decisions());
        });

        // Hide what is not committed at T, moving cuts back, until nothing changes (cuts only shrink, so this ends).
        boolean changed = true;
        while (changed) {
            changed = false;
            for (var e : shards.entrySet()) {
                String shard = e.getKey();
                for (XaStatement p : prepares.get(shard)) {
                    if (!inCut(p, cut.get(shard)) || committed.getOrDefault(p.xid().gtrid(), false)) {
                        continue;
                    }
                    Optional<XaStatement> decision = Optional.ofNullable(decisions.get(shard).get(p.xid()));
                    // A rollback within the cut or after it ends the branch. A commit within the cut of a transaction
                    // not committed at T happens only when the cut reaches past T (all retrieved relay log, judged at
                    // the window's end): it would show the transaction on this shard alone, so it is hidden too.
                    if (decision.isPresent() && decision.get().phase() == XaPhase.ROLLBACK) {
                        continue;
                    }
                    if (p.applied()) {
                        String when = decision.map(d -> "production committed it at " + d.commitMicros()
                                + " µs, after the target; a target at or after that would include it").orElse(
                                "production has not decided it in what dr shard " + shard + " retrieved; resolve it on"
                                        + " production (XA COMMIT or XA ROLLBACK), or wait until its decision is retrieved");
                        return new Result.Refused("dr shard " + shard + " has already applied the XA PREPARE of global"
                                + " transaction '" + p.xid().gtrid() + "' (" + p.gtid() + "), which is not committed at the"
                                + " target, and an applied branch cannot be hidden again: " + when + ".");
                    }
                    cut.put(shard, p.ordinal());
                    hidden.get(shard).add(p.xid().gtrid());
                    changed = true;
                }
            }
        }

        // Complete what is committed at T; a branch that cannot be completed moves T back.
        Map<String, ShardPlan> plans = new LinkedHashMap<>();
        Optional<Result.MoveBack> moveBack = Optional.empty();
        for (var e : shards.entrySet()) {
            String shard = e.getKey();
            long c = cut.get(shard);
            List<Completion> completions = new ArrayList<>();
            for (XaStatement p : prepares.get(shard)) {
                Optional<XaStatement> decision = Optional.ofNullable(decisions.get(shard).get(p.xid()));
                if (decision.isPresent() && inCut(decision.get(), c)) {
                    continue;
                }
                String gtrid = p.xid().gtrid();
                boolean isCommitted = committed.getOrDefault(gtrid, false);
                if (isCommitted) {
                    String why = !inCut(p, c)
                            ? "its branch on dr shard " + shard + " was prepared (" + p.gtid() + ") beyond that shard's cut"
                            : decision.isEmpty()
                            ? "dr shard " + shard + " has its branch prepared (" + p.gtid() + ") but has not retrieved its XA COMMIT"
                            : decision.get().phase() == XaPhase.ROLLBACK
                            ? "production rolled back its branch on shard " + shard + " (" + decision.get().gtid() + ") although"
                                    + " another branch committed"
                            : null;
                    if (why != null) {
                        Result.MoveBack m = new Result.MoveBack(firstCommit.get(gtrid), gtrid, shard, why);
                        if (moveBack.isEmpty() || m.firstCommitMicros() < moveBack.get().firstCommitMicros()) {
                            moveBack = Optional.of(m);
                        }
                        continue;
                    }
                    completions.add(new Completion(decision.get().gtid(), p.xid(), XaPhase.COMMIT));
                } else if (inCut(p, c)) {
                    // left in the cut only when its rollback was retrieved (see above)
                    completions.add(new Completion(decision.orElseThrow().gtid(), p.xid(), XaPhase.ROLLBACK));
                }
            }
            completions.sort(Comparator.comparing(Completion::gtid));
            plans.put(shard, new ShardPlan(c, completions, List.copyOf(hidden.get(shard))));
        }
        if (moveBack.isPresent()) {
            return moveBack.get();
        }
        return new Result.Consistent(plans);
    }

    private static boolean inCut(XaStatement x, long cut) {
        return x.applied() || x.ordinal() < cut;
    }

    /** Per gtrid, the shards whose relay logs hold one of its branches: for dry runs and refusals. */
    public static Map<String, TreeSet<String>> participants(Map<String, ShardRelay> shards) {
        Map<String, TreeSet<String>> out = new TreeMap<>();
        shards.forEach((name, s) -> s.xa().forEach(x -> out.computeIfAbsent(x.xid().gtrid(), g -> new TreeSet<>()).add(name)));
        return out;
    }
}
