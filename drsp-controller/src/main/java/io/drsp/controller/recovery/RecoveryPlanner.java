package io.drsp.controller.recovery;

import io.drsp.agent.CutRequest;
import io.drsp.agent.ShardCut;
import io.drsp.controller.recovery.XaResolution;
import io.drsp.core.gtid.GtidSet;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns a recovery target and what each DR shard's relay index says into a per-shard plan, or into the one sentence
 * that refuses it. Pure: no I/O, so every rule here is tested without MySQL.
 *
 * <p>The recoverable window of a cluster starts at the latest "last applied" production time of its shards (no shard
 * can go back) and ends at the earliest "last retrieved" one (every shard must have reached the target). A target
 * outside it is refused with the window, in the cluster's time zone.
 */
public final class RecoveryPlanner {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    /** A plan, or the refusal. Exactly one is present. */
    public record Result(Optional<RecoveryPlan> plan, Optional<String> refusal) {
        public static Result refused(String sentence) {
            return new Result(Optional.empty(), Optional.of(sentence));
        }
    }

    private RecoveryPlanner() {
    }

    /**
     * @param cuts            per shard (in shard order), what its agent answered for this target
     * @param productionUuids per shard, the production primary's server uuid when it was reachable (else absent)
     */
    public static Result plan(String cluster, TargetSpec target, Map<String, ShardCut> cuts, Map<String, String> productionUuids,
                              ZoneId zone) {
        return plan(cluster, target, cuts, productionUuids, zone, XaResolution.none());
    }

    /** @param xa what {@link XaCutSearch} did to make the cuts consistent across shards */
    public static Result plan(String cluster, TargetSpec target, Map<String, ShardCut> cuts, Map<String, String> productionUuids,
                              ZoneId zone, XaResolution xa) {
        Optional<String> unplannable = agentErrors(cuts);
        if (unplannable.isPresent()) {
            return Result.refused(unplannable.get());
        }
        Window window = window(cuts);
        if (target.kind().equals(CutRequest.TIME)) {
            long t = target.timeMicros();
            if (window.start != null && t < window.start || window.end == null || t > window.end) {
                return Result.refused("time " + target.asTyped() + " is outside the recoverable window of cluster " + cluster
                        + ", which is " + window.describe(zone) + ".");
            }
        }
        Map<String, Set<String>> sources = sources(cuts, productionUuids);
        if (target.kind().equals(CutRequest.GTIDS)) {
            Optional<String> refusal = checkGtidTarget(cluster, target.gtidSet(), cuts, sources);
            if (refusal.isPresent()) {
                return Result.refused(refusal.get());
            }
        }
        Optional<String> overshoot = checkRelayOrder(cluster, target, cuts, sources);
        if (overshoot.isPresent()) {
            return Result.refused(overshoot.get());
        }
        List<RecoveryPlan.ShardPlan> shards = new ArrayList<>();
        Long clusterTime = null;
        for (var e : cuts.entrySet()) {
            ShardCut c = e.getValue();
            GtidSet executed = GtidSet.parse(c.executed());
            GtidSet targetSet = executed.union(GtidSet.parse(c.cut()));
            GtidSet toReplay = targetSet.subtract(executed);
            Long last = max(c.cutLastCommitMicros(), c.lastAppliedMicros());
            XaResolution.Shard x = xa.shard(e.getKey());
            shards.add(new RecoveryPlan.ShardPlan(e.getKey(), targetSet.toString(), executed.toString(), toReplay.size(),
                    c.bytesToReplay(), last, null, x.completions(), x.hidden(), x.leftOut(), x.behindTargetMicros()));
            if (last != null) {
                clusterTime = clusterTime == null ? last : Math.min(clusterTime, last);
            }
        }
        if (target.kind().equals(CutRequest.TIME)) {
            clusterTime = target.timeMicros();
        }
        if (xa.consistentMicros() != null) {
            clusterTime = xa.consistentMicros();
        }
        return new Result(Optional.of(new RecoveryPlan(target, shards, clusterTime, xa.moves())), Optional.empty());
    }

    /**
     * {@code relaytime}: {@link #plan}, refused while any shard's applier runs. After a failed recover the other
     * shards' appliers go on towards the previous target; a new target checked against what they have applied now
     * could be overtaken before the next recover starts, and what is applied cannot be undone.
     */
    public static Result planNewTarget(String cluster, TargetSpec target, Map<String, ShardCut> cuts,
                                       Map<String, String> productionUuids, ZoneId zone) {
        return planNewTarget(cluster, target, cuts, productionUuids, zone, XaResolution.none());
    }

    public static Result planNewTarget(String cluster, TargetSpec target, Map<String, ShardCut> cuts,
                                       Map<String, String> productionUuids, ZoneId zone, XaResolution xa) {
        Optional<String> unplannable = agentErrors(cuts);
        if (unplannable.isPresent()) {
            return Result.refused(unplannable.get());
        }
        for (var e : cuts.entrySet()) {
            if (e.getValue().applierRunning()) {
                return Result.refused("dr shard " + e.getKey() + "'s applier is still running (towards the previous target),"
                        + " so what it has applied keeps moving; run stopsync " + cluster + " to stop every applier (the target"
                        + " is kept), then relaytime again.");
            }
        }
        return plan(cluster, target, cuts, productionUuids, zone, xa);
    }

    private static Optional<String> agentErrors(Map<String, ShardCut> cuts) {
        for (var e : cuts.entrySet()) {
            if (e.getValue().error() != null) {
                return Optional.of("dr shard " + e.getKey() + " cannot be planned: " + e.getValue().error() + "; nothing was changed.");
            }
        }
        return Optional.empty();
    }

    /** Per shard, the production server uuids its relay log and GTID set come from (never the DR shard's own). */
    private static Map<String, Set<String>> sources(Map<String, ShardCut> cuts, Map<String, String> productionUuids) {
        Map<String, Set<String>> sources = new LinkedHashMap<>();
        for (var e : cuts.entrySet()) {
            ShardCut c = e.getValue();
            Set<String> uuids = new TreeSet<>(GtidSet.parse(c.executed()).union(GtidSet.parse(c.retrieved())).uuids());
            uuids.remove(c.serverUuid()); // the DR shard's own writes are never a production source
            if (productionUuids.get(e.getKey()) != null) {
                uuids.add(productionUuids.get(e.getKey()));
            }
            sources.put(e.getKey(), uuids);
        }
        return sources;
    }

    private static Optional<String> checkGtidTarget(String cluster, GtidSet given, Map<String, ShardCut> cuts,
                                                    Map<String, Set<String>> sources) {
        Set<String> all = new TreeSet<>();
        sources.values().forEach(all::addAll);
        for (String uuid : given.uuids()) {
            if (!all.contains(uuid)) {
                return Optional.of("the GTID set names " + uuid + ", which is not a production source of cluster " + cluster
                        + " (its sources: " + String.join(", ", all) + ").");
            }
        }
        for (var e : cuts.entrySet()) {
            String shard = e.getKey();
            ShardCut c = e.getValue();
            GtidSet part = restrict(given, sources.get(shard));
            if (part.isEmpty()) {
                return Optional.of("the GTID set names no transaction of shard " + shard + " (source "
                        + String.join(", ", sources.get(shard)) + "); a GTID target must name every shard's source.");
            }
            GtidSet executed = GtidSet.parse(c.executed());
            GtidSet beyond = part.subtract(executed.union(GtidSet.parse(c.retrieved())));
            if (!beyond.isEmpty()) {
                return Optional.of("the GTID set goes beyond what dr shard " + shard + " has retrieved (" + beyond.toCompactString()
                        + " is not in its relay log).");
            }
            GtidSet behind = restrict(executed, sources.get(shard)).subtract(part);
            if (!behind.isEmpty()) {
                return Optional.of("the GTID set is behind what dr shard " + shard + " has already applied ("
                        + behind.toCompactString() + " would have to be undone).");
            }
        }
        return Optional.empty();
    }

    /**
     * A cut must be a prefix of its shard's relay log beyond what is applied. MySQL's applier goes in relay order and
     * {@code UNTIL SQL_AFTER_GTIDS} stops only once every transaction of the set is applied, so a hole in the cut (a
     * GTID set with a gap, or a time target after production's clock stepped back) would be applied too and the
     * shard would end past its target, irreversibly.
     */
    private static Optional<String> checkRelayOrder(String cluster, TargetSpec target, Map<String, ShardCut> cuts,
                                                    Map<String, Set<String>> sources) {
        for (var e : cuts.entrySet()) {
            String shard = e.getKey();
            ShardCut c = e.getValue();
            if (c.wouldApply() == null) {
                return Optional.of("the agent of dr shard " + shard + " does not report the relay order of its cut (an older"
                        + " drsp agent), so drsp cannot tell whether replaying would stop exactly there; upgrade it first.");
            }
            GtidSet extra = GtidSet.parse(c.wouldApply()).subtract(GtidSet.parse(c.cut()));
            if (extra.isEmpty()) {
                continue;
            }
            String first = c.firstOutsideCut() != null ? c.firstOutsideCut() : extra.toCompactString();
            String more = extra.size() > 1 ? " (and " + (extra.size() - 1) + " more transactions it leaves out)" : "";
            if (target.kind().equals(CutRequest.TIME)) {
                return Optional.of("time " + target.asTyped() + " is not a prefix of dr shard " + shard + "'s relay log:"
                        + " production's clock went back, so " + first + ", committed after that time, comes in relay order"
                        + " before transactions committed at or before it and MySQL would apply it too" + more + "; the equivalent"
                        + " target that stops just before it is relaytime " + cluster + " --gtid '" + prefixTarget(cuts, sources)
                        + "'.");
            }
            GtidSet executed = GtidSet.parse(c.executed());
            GtidSet shorter = restrict(executed.union(GtidSet.parse(c.cutPrefix())), sources.get(shard));
            GtidSet longer = restrict(executed.union(GtidSet.parse(c.wouldApply())), sources.get(shard));
            return Optional.of("the GTID set is not a prefix of dr shard " + shard + "'s relay log beyond what it has applied:"
                    + " MySQL applies the relay log in order, so replaying to it would also apply " + first + more
                    + "; for " + shard + " a target must take every retrieved transaction before its last one, such as "
                    + shorter.toCompactString() + " (stopping before " + first + ") or " + longer.toCompactString() + ".");
        }
        return Optional.empty();
    }

    /** Every shard's source transactions up to where its cut stops being a prefix of its relay log. */
    private static String prefixTarget(Map<String, ShardCut> cuts, Map<String, Set<String>> sources) {
        GtidSet all = GtidSet.empty();
        for (var e : cuts.entrySet()) {
            ShardCut c = e.getValue();
            GtidSet reach = c.firstOutsideCut() == null ? GtidSet.parse(c.cut()) : GtidSet.parse(c.cutPrefix());
            all = all.union(restrict(GtidSet.parse(c.executed()).union(reach), sources.get(e.getKey())));
        }
        return all.toCompactString();
    }

    private static GtidSet restrict(GtidSet set, Set<String> uuids) {
        GtidSet out = GtidSet.empty();
        for (String u : uuids) {
            out = out.union(set.forUuid(u));
        }
        return out;
    }

    /** The recoverable window; {@code end} is null while some shard has retrieved nothing. */
    record Window(Long start, Long end) {
        String describe(ZoneId zone) {
            return "from " + (start == null ? "the beginning of the relay log" : format(start, zone)) + " to "
                    + (end == null ? "(nothing retrieved yet)" : format(end, zone)) + " " + zone.getId();
        }
    }

    static Window window(Map<String, ShardCut> cuts) {
        Long start = null;
        Long end = null;
        boolean endKnown = true;
        for (ShardCut c : cuts.values()) {
            start = max(start, c.lastAppliedMicros());
            Long shardEnd = max(c.lastRetrievedMicros(), c.lastAppliedMicros());
            if (shardEnd == null) {
                endKnown = false;
            } else {
                end = end == null ? shardEnd : Math.min(end, shardEnd);
            }
        }
        return new Window(start, endKnown ? end : null);
    }

    static String format(long micros, ZoneId zone) {
        return TIME.format(Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1000).atZone(zone));
    }

    private static Long max(Long a, Long b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return Math.max(a, b); // not a ternary: mixing Long and long there unboxes a null
    }
}
