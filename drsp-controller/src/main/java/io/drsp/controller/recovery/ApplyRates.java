package io.drsp.controller.recovery;

import io.drsp.controller.json.ControllerJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How fast each DR shard replayed in its last few recoveries: the transactions a replay applied over the time it
 * took, measured by the controller's replay watcher and journaled with the replay step's event, so a controller restart
 * keeps them. They are what the RTO estimate and {@code recover --dry-run} price a backlog at.
 *
 * <p>Only whole replays count: an applier following production at a delay applies at production's pace, not its own
 * (the bench saw 81 to 98 trx/s against 2,000 to 3,800 in a replay), so nothing is sampled outside the REPLAY step.
 * A replay shorter than {@link #MEASURED_SECONDS} is timed to within the watcher's 250 ms poll, so its rate is only a
 * lower bound; it is used only when no shard has a better one.
 */
public record ApplyRates(Map<String, List<Replay>> recent) implements ControllerJson {
    /** How many replays per shard are kept; the median of them is used. */
    static final int KEPT = 3;
    /** A replay at least this long is timed well enough (poll ±0.125 s) to stand for the shard's rate. */
    static final double MEASURED_SECONDS = 1.0;

    public static final ApplyRates NONE = new ApplyRates(Map.of());

    /** One shard's replay: how many transactions it applied and in how many seconds. */
    public record Replay(long transactions, double seconds) {
        double rate() {
            return transactions / seconds;
        }

        boolean measured() {
            return seconds >= MEASURED_SECONDS;
        }
    }

    public ApplyRates {
        Map<String, List<Replay>> copy = new TreeMap<>();
        (recent == null ? Map.<String, List<Replay>>of() : recent).forEach((k, v) -> copy.put(k, List.copyOf(v)));
        recent = Map.copyOf(copy);
    }

    /** These rates with one more recovery's replays, keeping the newest {@link #KEPT} per shard. */
    public ApplyRates with(Map<String, Replay> replays) {
        Map<String, List<Replay>> out = new TreeMap<>(recent);
        replays.forEach((shard, r) -> {
            if (r.transactions() <= 0 || r.seconds() <= 0) {
                return; // nothing to replay, or done before the first look: says nothing of a rate
            }
            List<Replay> l = new ArrayList<>(out.getOrDefault(shard, List.of()));
            l.add(r);
            out.put(shard, List.copyOf(l.subList(Math.max(0, l.size() - KEPT), l.size())));
        });
        return new ApplyRates(out);
    }

    /**
     * The rate to price this shard's backlog at, in transactions a second; null when no shard was ever measured.
     * In order: the median of its own well-timed replays; else the slowest well-timed shard's (a shard whose replays
     * are all short, such as a meta shard holding only heartbeats, borrows, rather than turning a lower bound into an
     * hour-long estimate at a long delay); else the median of its own short replays; else the slowest of anyone's.
     */
    public Double rateFor(String shard) {
        Double own = median(recent.getOrDefault(shard, List.of()), true);
        if (own != null) {
            return own;
        }
        Double borrowed = slowest(true);
        if (borrowed != null) {
            return borrowed;
        }
        Double ownShort = median(recent.getOrDefault(shard, List.of()), false);
        return ownShort != null ? ownShort : slowest(false);
    }

    private Double slowest(boolean measuredOnly) {
        Double worst = null;
        for (List<Replay> l : recent.values()) {
            Double m = median(l, measuredOnly);
            if (m != null && (worst == null || m < worst)) {
                worst = m;
            }
        }
        return worst;
    }

    private static Double median(List<Replay> replays, boolean measuredOnly) {
        double[] rates = replays.stream().filter(r -> !measuredOnly || r.measured()).mapToDouble(Replay::rate).sorted().toArray();
        if (rates.length == 0) {
            return null;
        }
        int mid = rates.length / 2;
        return rates.length % 2 == 1 ? rates[mid] : (rates[mid - 1] + rates[mid]) / 2;
    }

    /** The plan with every shard's backlog priced at {@link #rateFor}. */
    public RecoveryPlan price(RecoveryPlan plan) {
        return new RecoveryPlan(plan.target(), plan.shards().stream().map(s -> s.withApplyRate(rateFor(s.shard()))).toList(),
                plan.clusterTimeMicros(), plan.xaMoves());
    }
}
