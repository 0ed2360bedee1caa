package io.drsp.agent.relay;

import io.drsp.core.gtid.Gtid;
import java.util.List;

/**
 * What the XA-consistent recovery planner needs of one DR shard for a target time, from its relay index alone.
 *
 * @param timeCut    how many unapplied transactions, from the start of the relay log in relay order, a replay to the
 *                   time replays: up to the first unapplied one production committed after it
 * @param statements every XA statement of the relay log, applied or not, in relay order
 */
public record XaView(long timeCut, List<Statement> statements) {
    public XaView {
        statements = List.copyOf(statements);
    }

    /**
     * One XA statement.
     *
     * @param ordinal its place among the unapplied transactions in relay order (0 = next to apply); -1 when applied
     */
    public record Statement(Gtid gtid, long ordinal, long commitMicros, XaInfo xa, boolean applied) {
    }
}
