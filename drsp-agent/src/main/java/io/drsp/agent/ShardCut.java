package io.drsp.agent;

import java.util.List;

/**
 * What a DR shard's relay index says about a recovery target: GTID sets as MySQL prints them, times in microseconds
 * since the epoch of production's clock. {@code cut} is the retrieved transactions the target selects; the planner
 * decides from these alone, without asking anything else.
 *
 * <p>{@code wouldApply}, {@code firstOutsideCut} and {@code cutPrefix} describe the cut in relay order (see
 * {@link io.drsp.agent.relay.ReplayClosure}): what replaying to it would really apply, the first transaction that
 * would be applied without being in the cut (null when the cut is a prefix of the unapplied relay log), and the
 * longest prefix the cut holds. {@code applierRunning}: whether the shard's applier is running now.
 *
 * <p>{@code cutLength}: how many unapplied transactions in relay order lie before the first one outside the cut;
 * {@code xa}: the XA statements the planner needs, as {@link XaLine}s (see
 * {@link io.drsp.agent.relay.RelayIndex#xaView(io.drsp.core.gtid.GtidSet, io.drsp.core.gtid.GtidSet, java.util.Set)}),
 * from the request's {@code xaFrom} on, at most a page; {@code xaTotal}: how many there are in all.
 */
public record ShardCut(String node, String serverUuid, String executed, String retrieved, String cut, Long cutLastCommitMicros,
                       Long firstRetrievedMicros, Long lastRetrievedMicros, Long lastAppliedMicros, long bytesToReplay,
                       String wouldApply, String firstOutsideCut, String cutPrefix,
                       boolean applierRunning, String error, long cutLength, List<String> xa, int xaTotal)
        implements AgentMessage {

    public ShardCut {
        xa = xa == null ? List.of() : List.copyOf(xa);
    }

    /** A cut with no XA statement in its relay log. */
    public ShardCut(String node, String serverUuid, String executed, String retrieved, String cut, Long cutLastCommitMicros,
                    Long firstRetrievedMicros, Long lastRetrievedMicros, Long lastAppliedMicros, long bytesToReplay,
                    String wouldApply, String firstOutsideCut, String cutPrefix,
                    boolean applierRunning, String error) {
        this(node, serverUuid, executed, retrieved, cut, cutLastCommitMicros, firstRetrievedMicros, lastRetrievedMicros,
                lastAppliedMicros, bytesToReplay, wouldApply, firstOutsideCut, cutPrefix, applierRunning,
                error, 0, List.of(), 0);
    }

    /** This answer with every page of XA statements in it. */
    public ShardCut withXa(List<String> all) {
        return new ShardCut(node, serverUuid, executed, retrieved, cut, cutLastCommitMicros, firstRetrievedMicros,
                lastRetrievedMicros, lastAppliedMicros, bytesToReplay, wouldApply, firstOutsideCut, cutPrefix,
                applierRunning, error, cutLength, all, all.size());
    }

    public static ShardCut failed(NodeKey key, String error) {
        return new ShardCut(key.toString(), null, null, null, null, null, null, null, null, 0, null, null, null, false, error);
    }

    public List<XaLine> xaLines() {
        return xa.stream().map(XaLine::decode).toList();
    }
}
