package io.drsp.agent;

import io.drsp.agent.relay.RelayIndex;
import io.drsp.core.gtid.GtidSet;
import java.util.List;

/** A DR shard's answer to a recovery target, computed from its relay index alone: no I/O, the same for agent and tests. */
public final class RelayCut {
    /** XA statements per answer, about 100 bytes each: a page stays well inside the remoting frame (reference.conf). */
    static final int XA_PAGE = 20_000;

    private RelayCut() {
    }

    /**
     * The answer to {@code request} from a relay index and what MySQL says of the shard now. Without I/O, so that the
     * planner's tests compute the cuts it judges from a relay log they wrote, the way an agent does.
     *
     * @param executed          the shard's {@code gtid_executed}
     * @param lastAppliedMicros production's commit time of the last transaction the shard applied
     */
    public static ShardCut answer(RelayIndex relayIndex, CutRequest request, String node, String serverUuid, GtidSet executed,
                                  Long lastAppliedMicros, boolean applierRunning) {
        GtidSet retrieved = relayIndex.retrieved();
        GtidSet cut = switch (request.kind()) {
            case CutRequest.TIME -> relayIndex.committedAtOrBefore(request.timeMicros());
            case CutRequest.ALL -> retrieved;
            case CutRequest.GTIDS -> GtidSet.parse(request.gtids()).intersect(retrieved);
            case CutRequest.PREFIX -> relayIndex.unappliedPrefix(request.prefix(), executed);
            default -> throw new IllegalArgumentException("unknown target kind " + request.kind());
        };
        io.drsp.agent.relay.XaView xa = relayIndex.xaView(cut, executed, java.util.Set.copyOf(request.xaGtrids()));
        List<io.drsp.agent.relay.XaView.Statement> all = xa.statements();
        List<String> page = all.subList(Math.min(request.xaFrom(), all.size()), Math.min(request.xaFrom() + XA_PAGE, all.size()))
                .stream().map(x -> XaLine.of(x).encode()).toList();
        Long cutLast = relayIndex.transactionsIn(cut).stream().mapToLong(t -> t.originalCommitMicros()).boxed()
                .max(Long::compare).orElse(null);
        io.drsp.agent.relay.ReplayClosure reach = relayIndex.replayClosure(cut, executed);
        return new ShardCut(node, serverUuid, executed.toString(), retrieved.toString(), cut.toString(), cutLast,
                boxed(relayIndex.firstCommitMicros()), boxed(relayIndex.lastCommitMicros()), lastAppliedMicros,
                relayIndex.bytesOf(cut.subtract(executed)), reach.wouldApply().toString(),
                reach.firstOutside() == null ? null : reach.firstOutside().toString(), reach.prefix().toString(),
                applierRunning, null, xa.timeCut(), page, all.size());
    }

    private static Long boxed(java.util.OptionalLong v) {
        return v.isPresent() ? v.getAsLong() : null;
    }
}
