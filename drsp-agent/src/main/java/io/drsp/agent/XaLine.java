package io.drsp.agent;

import io.drsp.agent.relay.XaInfo;
import io.drsp.agent.relay.XaPhase;
import io.drsp.agent.relay.XaView;

/**
 * One XA statement of a DR shard's relay log as an agent sends it to the planner: one line of text, because a cut's
 * answer may carry tens of thousands of them and the remoting frame is bounded.
 * Format: {@code <gtid> <ordinal> <original commit µs> <PHASE> <XID as MySQL prints it>}; ordinal -1 when applied.
 */
public record XaLine(String gtid, long ordinal, long commitMicros, XaInfo xa) {

    public boolean applied() {
        return ordinal < 0;
    }

    public static XaLine of(XaView.Statement s) {
        return new XaLine(s.gtid().toString(), s.ordinal(), s.commitMicros(), s.xa());
    }

    public String encode() {
        return gtid + " " + ordinal + " " + commitMicros + " " + xa.phase().name() + " " + xa.sqlXid();
    }

    public static XaLine decode(String line) {
        String[] f = line.split(" ", 5);
        if (f.length != 5) {
            throw new IllegalArgumentException("not an XA line: " + line);
        }
        return new XaLine(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), XaInfo.fromSqlXid(f[4], XaPhase.valueOf(f[3])));
    }
}
