package io.drsp.controller.recovery;

import java.util.List;
import java.util.Map;

/**
 * What making a recovery cut consistent across shards did (DESIGN §7), for the plan and the recovery point.
 *
 * @param consistentMicros the production time the cluster stands for once cuts were moved back (null: not moved)
 * @param moves            why the target time was moved back, one sentence per move, in order
 * @param shards           per shard: what it completes and leaves out
 */
public record XaResolution(Long consistentMicros, List<String> moves, Map<String, Shard> shards) {
    public XaResolution {
        moves = List.copyOf(moves);
        shards = Map.copyOf(shards);
    }

    public static XaResolution none() {
        return new XaResolution(null, List.of(), Map.of());
    }

    public Shard shard(String name) {
        return shards.getOrDefault(name, Shard.NONE);
    }

    /**
     * @param completions      XA COMMITs and ROLLBACKs applied after the replay, as {@link io.drsp.agent.XaLine}s
     * @param hidden           gtrids whose prepare this shard's cut stops before
     * @param leftOut          transactions the time cut at the target would replay and this cut does not
     * @param behindTargetMicros how far before the target the first transaction left out was committed (0: none)
     */
    public record Shard(List<String> completions, List<String> hidden, long leftOut, long behindTargetMicros) {
        static final Shard NONE = new Shard(List.of(), List.of(), 0, 0);

        public Shard {
            completions = List.copyOf(completions);
            hidden = List.copyOf(hidden);
        }
    }
}
