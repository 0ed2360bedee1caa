package io.drsp.agent;

import java.util.List;

/**
 * A recovery target as sent to agents: {@code kind} TIME (with {@code timeMicros}), ALL, GTIDS (with {@code gtids}),
 * or PREFIX (with {@code prefix}: the first that many unapplied transactions in relay order, a cut the XA planner
 * moved back). {@code xaGtrids}: global transactions whose applied XA statements the answer must carry too, because
 * another shard holds them in doubt. {@code xaFrom}: the first XA statement to send (a large answer comes in pages).
 */
public record CutRequest(String kind, Long timeMicros, String gtids, Long prefix, List<String> xaGtrids, int xaFrom)
        implements AgentMessage {
    public static final String TIME = "TIME";
    public static final String ALL = "ALL";
    public static final String GTIDS = "GTIDS";
    public static final String PREFIX = "PREFIX";

    public CutRequest {
        xaGtrids = xaGtrids == null ? List.of() : List.copyOf(xaGtrids);
    }

    public CutRequest(String kind, Long timeMicros, String gtids) {
        this(kind, timeMicros, gtids, null, List.of(), 0);
    }

    public static CutRequest prefix(long transactions) {
        return new CutRequest(PREFIX, null, null, transactions, List.of(), 0);
    }

    public CutRequest withXaGtrids(java.util.Collection<String> gtrids) {
        return new CutRequest(kind, timeMicros, gtids, prefix, List.copyOf(gtrids), xaFrom);
    }

    /** The same cut, its XA statements from the {@code from}-th on. */
    public CutRequest page(int from) {
        return new CutRequest(kind, timeMicros, gtids, prefix, xaGtrids, from);
    }
}
