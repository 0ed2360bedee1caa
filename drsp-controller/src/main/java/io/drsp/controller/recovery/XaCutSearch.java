package io.drsp.controller.recovery;

import io.drsp.agent.CutRequest;
import io.drsp.agent.ShardCut;
import io.drsp.agent.XaLine;
import io.drsp.agent.relay.XaPhase;
import io.drsp.controller.recovery.XaCutPlanner;
import io.drsp.controller.recovery.XaResolution;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/**
 * Finds the cluster-wide consistent cuts for a recovery target (DESIGN §7) by asking the DR shards' relay indexes:
 * <ol>
 *   <li>every shard's cut and unapplied XA statements;</li>
 *   <li>again, with the applied statements of every gtrid one shard holds in doubt, since whether another shard
 *       already committed it decides what this one does;</li>
 *   <li>{@link XaCutPlanner} on those. When a committed transaction cannot be completed, the target time moves back
 *       before its first commit and the search starts again there, at most {@value #MAX_MOVES} times;</li>
 *   <li>a shard whose cut the planner moved back is asked for that prefix of its relay log as a GTID set.</li>
 * </ol>
 * What it finds goes to {@link RecoveryPlanner}, which checks it like any cut. The I/O is the agents'; every decision
 * is the planner's.
 */
public final class XaCutSearch {
    static final int MAX_MOVES = 50;

    /** The cuts to plan with, what XA resolution did, or the sentence that refuses the target. */
    public record Found(Map<String, ShardCut> cuts, XaResolution xa, String refusal) {
    }

    /**
     * One shard's whole answer with its XA statements decoded: a search reads them up to four times (gtrids, the
     * planner's input, the resolution, a refusal), and an answer may carry tens of thousands.
     */
    private record Answer(ShardCut cut, List<XaLine> xa) {
        static Answer of(ShardCut cut) {
            return new Answer(cut, cut.xaLines());
        }
    }

    private final String cluster;
    private final List<String> shards;
    private final BiFunction<String, CutRequest, CompletableFuture<ShardCut>> agent;
    private final ZoneId zone;

    public XaCutSearch(String cluster, List<String> shards, BiFunction<String, CutRequest, CompletableFuture<ShardCut>> agent, ZoneId zone) {
        this.cluster = cluster;
        this.shards = List.copyOf(shards);
        this.agent = agent;
        this.zone = zone;
    }

    /** One shard's answer with all its XA statements: a large relay backlog answers in pages. */
    private CompletableFuture<Answer> ask(String shard, CutRequest request) {
        return whole(shard, request, agent.apply(shard, request));
    }

    /** The same from a first page already asked for. */
    private CompletableFuture<Answer> whole(String shard, CutRequest request, CompletableFuture<ShardCut> firstPage) {
        return firstPage.thenCompose(first -> first.error() != null || first.xa().size() >= first.xaTotal()
                ? CompletableFuture.completedFuture(first) : rest(shard, request, first, new ArrayList<>(first.xa())))
                .thenApply(Answer::of);
    }

    private CompletableFuture<ShardCut> rest(String shard, CutRequest request, ShardCut first, List<String> lines) {
        return agent.apply(shard, request.page(lines.size())).thenCompose(next -> {
            if (next.error() != null) {
                return CompletableFuture.completedFuture(next);
            }
            if (next.xaTotal() != first.xaTotal() || next.cutLength() != first.cutLength() || next.xa().isEmpty()) {
                return CompletableFuture.completedFuture(ShardCut.failed(io.drsp.agent.NodeKey.primary(cluster,
                        io.drsp.core.config.Site.DR, shard), "its relay log changed while drsp read its XA statements"
                        + " page by page; run the command again"));
            }
            lines.addAll(next.xa());
            return lines.size() >= first.xaTotal() ? CompletableFuture.completedFuture(first.withXa(lines))
                    : rest(shard, request, first, lines);
        });
    }

    public CompletableFuture<Found> run(TargetSpec target) {
        if (CutRequest.ALL.equals(target.kind())) {
            return allRetrieved(target);
        }
        // a time: committed is what was committed by then; a GTID set: committed is what the set holds
        Long t = CutRequest.TIME.equals(target.kind()) ? target.timeMicros() : null;
        return attempt(target, target.request(), t, new ArrayList<>(), null, null);
    }

    /**
     * All retrieved relay log, made consistent at the end of the recoverable window: the latest time every shard has
     * retrieved (or applied) up to. A shard's receiver can stop later than another's, and what it retrieved after
     * the other stopped may hold the branches of global transactions of which the other shard has no trace at all,
     * not even a prepare; judged "committed" by the later shard's commit alone, they were replayed there and torn
     * (the soak found 12 such transfers, money lost, after a relaytime --all under traffic). Judged at the window's
     * end, such a transaction is not committed yet, so no shard shows it; what each shard retrieved besides stays in
     * its cut up to its first hidden branch. Shards with no XA statement in their relay log are left out of the
     * window: a participant that has applied every XA statement it retrieved is not seen either (a limit).
     */
    private CompletableFuture<Found> allRetrieved(TargetSpec target) {
        Map<String, CompletableFuture<ShardCut>> heads = new LinkedHashMap<>();
        shards.forEach(s -> heads.put(s, agent.apply(s, target.request())));
        return CompletableFuture.allOf(heads.values().toArray(CompletableFuture[]::new)).thenCompose(v -> {
            Map<String, ShardCut> cuts = new LinkedHashMap<>();
            heads.forEach((shard, f) -> cuts.put(shard, f.join()));
            if (cuts.values().stream().anyMatch(c -> c.error() != null)) {
                return CompletableFuture.completedFuture(new Found(cuts, XaResolution.none(), null));
            }
            // Only shards with XA statements in their relay log take part in global transactions as far as DR can
            // see: a shard without any (a meta shard) may have written nothing for long, and its last retrieved
            // commit would drag the point back for nothing.
            Map<String, ShardCut> participants = new LinkedHashMap<>();
            cuts.forEach((shard, c) -> {
                if (c.xaTotal() > 0) {
                    participants.put(shard, c);
                }
            });
            Long end = participants.isEmpty() ? null : RecoveryPlanner.window(participants).end();
            // The first pages are the first round's answers: the relay logs are not read twice for them.
            Map<String, CompletableFuture<Answer>> first = new LinkedHashMap<>();
            heads.forEach((shard, f) -> first.put(shard, whole(shard, target.request(), f)));
            return attempt(target, target.request(), end == null ? Long.MAX_VALUE : end, new ArrayList<>(), null, join(first));
        });
    }

    /** @param asked the first round's answers when already asked for; null to ask */
    private CompletableFuture<Found> attempt(TargetSpec target, CutRequest request, Long t, List<String> moves,
                                             Map<String, Long> firstCutLengths, CompletableFuture<Map<String, Answer>> asked) {
        return (asked != null ? asked : askAll(request)).thenCompose(first -> {
            if (failed(first)) {
                return CompletableFuture.completedFuture(new Found(shardCuts(first), XaResolution.none(), null));
            }
            Set<String> gtrids = new TreeSet<>();
            first.values().forEach(a -> a.xa().forEach(x -> gtrids.add(x.xa().gtrid())));
            CompletableFuture<Map<String, Answer>> second = gtrids.isEmpty() ? CompletableFuture.completedFuture(first)
                    : askAll(request.withXaGtrids(gtrids));
            return second.thenCompose(cuts -> {
                if (failed(cuts)) {
                    return CompletableFuture.completedFuture(new Found(shardCuts(cuts), XaResolution.none(), null));
                }
                Map<String, Long> lengths = firstCutLengths != null ? firstCutLengths : cutLengths(cuts);
                XaCutPlanner.Result result = XaCutPlanner.plan(t, relays(cuts));
                if (result instanceof XaCutPlanner.Result.Refused r) {
                    return refused(cuts, r.sentence());
                }
                if (result instanceof XaCutPlanner.Result.MoveBack m) {
                    if (t == null) {
                        return refused(cuts, splitsSentence(target, m.gtrid(), cuts, m.why()));
                    }
                    long earlier = m.firstCommitMicros() - 1;
                    moves.add("global transaction '" + m.gtrid() + "' was committed at " + RecoveryPlanner.format(m.firstCommitMicros(), zone)
                            + " but cannot be completed on DR: " + m.why() + "; the point moves to just before it");
                    Long windowStart = RecoveryPlanner.window(shardCuts(cuts)).start();
                    if (moves.size() > MAX_MOVES || windowStart != null && earlier < windowStart) {
                        return refused(cuts, "no cluster-wide consistent point lies at or before " + target.describe()
                                + " within the recoverable window of cluster " + cluster + ": " + moves.get(moves.size() - 1)
                                + ", which is before what the DR shards have already applied.");
                    }
                    return attempt(target, new CutRequest(CutRequest.TIME, earlier, null), earlier, moves, lengths, null);
                }
                XaCutPlanner.Result.Consistent c = (XaCutPlanner.Result.Consistent) result;
                if (t == null) {
                    for (var e : c.shards().entrySet()) {
                        if (!e.getValue().completions().isEmpty() || !e.getValue().hidden().isEmpty()) {
                            String gtrid = !e.getValue().hidden().isEmpty() ? e.getValue().hidden().get(0)
                                    : e.getValue().completions().get(0).xid().gtrid();
                            return refused(cuts, splitsSentence(target, gtrid, cuts, "its branch on dr shard " + e.getKey()
                                    + " would be left prepared"));
                        }
                    }
                }
                return narrowed(cuts, c).thenApply(narrowedCuts -> new Found(shardCuts(narrowedCuts),
                        resolution(target, t, moves, c, cuts, lengths), null));
            });
        });
    }

    /** Shards whose cut the planner moved back are asked for that prefix, so the plan replays exactly it. */
    private CompletableFuture<Map<String, Answer>> narrowed(Map<String, Answer> cuts, XaCutPlanner.Result.Consistent c) {
        Map<String, CompletableFuture<Answer>> asks = new LinkedHashMap<>();
        cuts.forEach((shard, answer) -> {
            long replay = c.shards().get(shard).replay();
            asks.put(shard, replay < answer.cut().cutLength() ? ask(shard, CutRequest.prefix(replay))
                    : CompletableFuture.completedFuture(answer));
        });
        return join(asks);
    }

    private XaResolution resolution(TargetSpec target, Long t, List<String> moves, XaCutPlanner.Result.Consistent c,
                                    Map<String, Answer> cuts, Map<String, Long> firstLengths) {
        boolean timed = CutRequest.TIME.equals(target.kind());
        Long consistent = moves.isEmpty() ? null : t;
        Map<String, XaResolution.Shard> out = new LinkedHashMap<>();
        for (var e : c.shards().entrySet()) {
            String shard = e.getKey();
            XaCutPlanner.ShardPlan p = e.getValue();
            Map<String, XaLine> byGtid = new HashMap<>();
            cuts.get(shard).xa().forEach(x -> byGtid.put(x.gtid(), x));
            List<String> completions = p.completions().stream().map(x -> byGtid.get(x.gtid()).encode()).toList();
            long leftOut = Math.max(0, firstLengths.getOrDefault(shard, p.replay()) - p.replay());
            long behind = 0;
            if (timed && leftOut > 0) {
                // The first transaction left out: the earliest hidden prepare here, or else the moved-back point's end.
                long firstOut = p.hidden().stream().flatMap(g -> byGtid.values().stream()
                                .filter(x -> x.xa().gtrid().equals(g) && x.xa().phase() == XaPhase.PREPARE && !x.applied()))
                        .mapToLong(XaLine::commitMicros).min().orElse(t + 1);
                behind = Math.max(0, target.timeMicros() - Math.min(firstOut, t + 1));
            }
            out.put(shard, new XaResolution.Shard(completions, p.hidden(), leftOut, behind));
        }
        return new XaResolution(consistent, moves, out);
    }

    private String splitsSentence(TargetSpec target, String gtrid, Map<String, Answer> cuts, String why) {
        Set<String> on = new TreeSet<>();
        List<String> toAdd = new ArrayList<>();
        long firstCommit = Long.MAX_VALUE;
        for (var e : cuts.entrySet()) {
            for (XaLine x : e.getValue().xa()) {
                if (x.xa().gtrid().equals(gtrid)) {
                    on.add(e.getKey());
                    if (!x.applied() && x.ordinal() >= e.getValue().cut().cutLength()) {
                        toAdd.add(x.gtid());
                    }
                    if (x.xa().phase() == XaPhase.COMMIT) {
                        firstCommit = Math.min(firstCommit, x.commitMicros());
                    }
                }
            }
        }
        String before = firstCommit == Long.MAX_VALUE ? "a time target before its first commit"
                : "relaytime " + cluster + " --time '" + RecoveryPlanner.format(firstCommit - 1, zone) + "', just before its first"
                + " commit, which drsp makes consistent";
        return "the GTID set splits global transaction '" + gtrid + "' across shards " + String.join(", ", on) + " (" + why
                + "); a consistent target takes all of its branches"
                + (toAdd.isEmpty() ? "" : " (add " + String.join(",", toAdd) + ", and every transaction before them in relay order)")
                + " or none of them: " + before + ".";
    }

    private static CompletableFuture<Found> refused(Map<String, Answer> cuts, String sentence) {
        return CompletableFuture.completedFuture(new Found(shardCuts(cuts), XaResolution.none(), sentence));
    }

    private CompletableFuture<Map<String, Answer>> askAll(CutRequest request) {
        Map<String, CompletableFuture<Answer>> asks = new LinkedHashMap<>();
        shards.forEach(s -> asks.put(s, ask(s, request)));
        return join(asks);
    }

    private static CompletableFuture<Map<String, Answer>> join(Map<String, CompletableFuture<Answer>> asks) {
        return CompletableFuture.allOf(asks.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<String, Answer> out = new LinkedHashMap<>();
            asks.forEach((k, f) -> out.put(k, f.join()));
            return out;
        });
    }

    private static boolean failed(Map<String, Answer> cuts) {
        return cuts.values().stream().anyMatch(a -> a.cut().error() != null);
    }

    private static Map<String, ShardCut> shardCuts(Map<String, Answer> answers) {
        Map<String, ShardCut> out = new LinkedHashMap<>();
        answers.forEach((shard, a) -> out.put(shard, a.cut()));
        return out;
    }

    private static Map<String, Long> cutLengths(Map<String, Answer> cuts) {
        Map<String, Long> out = new HashMap<>();
        cuts.forEach((k, a) -> out.put(k, a.cut().cutLength()));
        return out;
    }

    /** The planner's input: each shard's cut length and its XA statements. */
    private static Map<String, XaCutPlanner.ShardRelay> relays(Map<String, Answer> cuts) {
        Map<String, XaCutPlanner.ShardRelay> out = new LinkedHashMap<>();
        cuts.forEach((shard, a) -> out.put(shard, new XaCutPlanner.ShardRelay(a.cut().cutLength(), a.xa().stream()
                .map(x -> new XaCutPlanner.XaStatement(x.gtid(), x.ordinal(), x.commitMicros(),
                        new XaCutPlanner.Xid(x.xa().gtrid(), x.xa().bqual(), x.xa().formatId()), x.xa().phase(), x.applied()))
                .toList())));
        return out;
    }
}
