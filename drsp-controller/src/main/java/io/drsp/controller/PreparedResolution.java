package io.drsp.controller;

import io.drsp.agent.PreparedLook;
import io.drsp.agent.XaDecision;
import io.drsp.agent.relay.XaInfo;
import io.drsp.agent.relay.XaPhase;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code stopservice --resolve-prepared} does with the XA branches left prepared on DR in service, decided as a
 * transaction manager's recovery decides: a global transaction is committed where any of its branches was committed
 * (on any DR shard, by its binlog since the snapshot point), and rolled back everywhere else. Pure: the looks come
 * from the agents.
 *
 * @param decisions per shard, a commit or a rollback of each branch prepared there
 * @param lines     the same for a DBA, one per branch
 */
record PreparedResolution(Map<String, List<XaDecision>> decisions, List<String> lines) {

    static PreparedResolution decide(Map<String, PreparedLook> looks) {
        Set<String> committed = new HashSet<>(); // gtrids in hex, as XIDs print them
        looks.values().forEach(l -> l.decided().forEach(d -> {
            if (d.verb() == XaDecision.Verb.COMMIT) {
                committed.add(gtridOf(d.xid()));
            }
        }));
        Map<String, List<XaDecision>> decisions = new LinkedHashMap<>();
        List<String> lines = new ArrayList<>();
        looks.forEach((shard, look) -> {
            for (String xid : look.prepared()) {
                boolean commit = committed.contains(gtridOf(xid));
                decisions.computeIfAbsent(shard, s -> new ArrayList<>()).add(commit ? XaDecision.commit(xid) : XaDecision.rollback(xid));
                XaInfo x = XaInfo.fromSqlXid(xid, XaPhase.PREPARE);
                lines.add(shard + ": XA " + (commit ? "COMMIT" : "ROLLBACK") + " '" + x.gtrid() + "','" + x.bqual() + "',"
                        + x.formatId() + (commit ? " (another branch of it was committed)" : " (no branch of it was committed)"));
            }
        });
        return new PreparedResolution(decisions, lines);
    }

    private static String gtridOf(String sqlXid) {
        return sqlXid.substring(0, sqlXid.indexOf(','));
    }
}
