package io.drsp.controller.recovery;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.drsp.controller.json.ControllerJson;
import java.util.List;

/**
 * Where each DR shard must stand after a recovery: the GTID set its replay stops at, the XA branches it then
 * completes, what that means to replay, and the production time the cluster will stand for ({@code clusterTimeMicros}).
 * {@code xaMoves}: why the target time was moved back to a cluster-wide consistent point, one sentence per move.
 */
public record RecoveryPlan(TargetSpec target, List<ShardPlan> shards, Long clusterTimeMicros, List<String> xaMoves)
        implements ControllerJson {
    public RecoveryPlan {
        shards = List.copyOf(shards);
        xaMoves = xaMoves == null ? List.of() : List.copyOf(xaMoves);
    }

    public RecoveryPlan(TargetSpec target, List<ShardPlan> shards, Long clusterTimeMicros) {
        this(target, shards, clusterTimeMicros, List.of());
    }

    /**
     * @param targetGtids         what the replay in relay order stops at
     * @param xaCompletions       XA COMMITs and ROLLBACKs applied after the replay under production's GTIDs, as
     *                            {@link io.drsp.agent.XaLine}s
     * @param xaHidden            gtrids whose prepare the cut stops before, since they are not committed at the target
     * @param leftOutTransactions transactions a plain cut at the target would replay and this one does not
     * @param behindTargetMicros  how far before the target the first transaction left out was committed
     */
    public record ShardPlan(String shard, String targetGtids, String executedAtPlan, long transactionsToReplay,
                            long bytesToReplay, Long lastCommitMicros, Double applyRatePerSecond, List<String> xaCompletions,
                            List<String> xaHidden, long leftOutTransactions, long behindTargetMicros) {
        public ShardPlan {
            xaCompletions = xaCompletions == null ? List.of() : List.copyOf(xaCompletions);
            xaHidden = xaHidden == null ? List.of() : List.copyOf(xaHidden);
        }

        public ShardPlan(String shard, String targetGtids, String executedAtPlan, long transactionsToReplay,
                         long bytesToReplay, Long lastCommitMicros, Double applyRatePerSecond) {
            this(shard, targetGtids, executedAtPlan, transactionsToReplay, bytesToReplay, lastCommitMicros, applyRatePerSecond,
                    List.of(), List.of(), 0, 0);
        }

        /** This plan priced at another apply rate. */
        public ShardPlan withApplyRate(Double rate) {
            return new ShardPlan(shard, targetGtids, executedAtPlan, transactionsToReplay, bytesToReplay, lastCommitMicros, rate,
                    xaCompletions, xaHidden, leftOutTransactions, behindTargetMicros);
        }

        /** Where the shard stands once its XA branches are completed too: what the recovery point must equal. */
        public io.drsp.core.gtid.GtidSet expectedGtids() {
            io.drsp.core.gtid.GtidSet out = io.drsp.core.gtid.GtidSet.parse(targetGtids);
            for (String line : xaCompletions) {
                out = out.union(io.drsp.core.gtid.GtidSet.parse(io.drsp.agent.XaLine.decode(line).gtid()));
            }
            return out;
        }

        /**
         * Seconds at the apply rate its last replays measured ({@link ApplyRates}); null when none was measured yet. Written out for the
         * CLI's dry-run table (it is not a component, so without the annotation it was never sent), never read back.
         */
        @JsonProperty(value = "estimatedSeconds", access = JsonProperty.Access.READ_ONLY)
        public Double estimatedSeconds() {
            return applyRatePerSecond == null || applyRatePerSecond <= 0 ? null : transactionsToReplay / applyRatePerSecond;
        }
    }

    /**
     * What making the cuts consistent across shards did, one sentence each: every move of the target time, then per
     * shard how far its cut lies before the target and which global transactions it completes or leaves out.
     */
    @JsonProperty(value = "xaSummary", access = JsonProperty.Access.READ_ONLY)
    public List<String> xaSummary() {
        List<String> out = new java.util.ArrayList<>();
        xaMoves.forEach(m -> out.add("moved back: " + m + "."));
        for (ShardPlan s : shards) {
            if (s.xaCompletions().isEmpty() && s.xaHidden().isEmpty() && s.leftOutTransactions() == 0) {
                continue;
            }
            StringBuilder b = new StringBuilder(s.shard()).append(": ");
            b.append(s.leftOutTransactions() == 0 ? "cut at the target"
                    : "cut " + s.leftOutTransactions() + " transactions (" + String.format(java.util.Locale.ROOT, "%.3f",
                    s.behindTargetMicros() / 1e6) + " s) before the target");
            if (!s.xaCompletions().isEmpty()) {
                b.append("; completes ").append(s.xaCompletions().stream().map(io.drsp.agent.XaLine::decode)
                        .map(x -> (x.xa().phase() == io.drsp.agent.relay.XaPhase.ROLLBACK ? "XA ROLLBACK '" : "XA COMMIT '")
                                + x.xa().gtrid() + "' (" + x.gtid() + ")").collect(java.util.stream.Collectors.joining(", ")));
            }
            if (!s.xaHidden().isEmpty()) {
                b.append("; leaves out '").append(String.join("', '", s.xaHidden())).append("', not committed at the target");
            }
            out.add(b.toString());
        }
        return out;
    }

    public ShardPlan shard(String name) {
        return shards.stream().filter(s -> s.shard().equals(name)).findFirst().orElseThrow();
    }
}
