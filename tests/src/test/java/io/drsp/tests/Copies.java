package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.Sandbox;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Whether a DR member is an exact copy of its production shard: the check every scenario ends with. */
final class Copies {
    private Copies() {
    }

    /** CHECKSUM TABLE of every user table, as drsp computes them; {@code withoutLedger} hides the flashback ledger. */
    static Map<String, Long> checksums(Sandbox.Member m, boolean withoutLedger) throws SQLException {
        Map<String, Long> sums = new TreeMap<>();
        List<String> tables = new ArrayList<>();
        try (Connection c = m.instance().connect(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT CONCAT('`', TABLE_SCHEMA, '`.`', TABLE_NAME, '`') FROM information_schema.TABLES"
                    + " WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN ('mysql', 'sys', 'performance_schema', 'information_schema')")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String t : tables) {
                if (withoutLedger && t.startsWith("`drsp_flashback`")) {
                    continue;
                }
                try (ResultSet rs = st.executeQuery("CHECKSUM TABLE " + t + " EXTENDED")) {
                    rs.next();
                    sums.put(t, rs.getLong(2));
                }
            }
        }
        return sums;
    }

    /** Polls until every member has applied what its production shard had written. */
    static void awaitApplied(List<Sandbox.Member> members, Map<String, GtidSet> written, Duration deadline) {
        Await.until(deadline, () -> {
            for (Sandbox.Member m : members) {
                if (!Db.executed(m).containsAll(written.get(m.shard()))) {
                    return false;
                }
            }
            return true;
        }, "every DR member applied what production wrote");
    }

    /**
     * No errant GTID (nothing DR has that production lacks) and every table equal to production's. The heartbeat
     * table is left out: production keeps writing it while the comparison runs.
     */
    static void assertEqualsProduction(Sandbox sandbox, Sandbox.Member m, String context) throws SQLException {
        GtidSet errant = Db.executed(m).subtract(Db.executed(sandbox.production(m.shard())));
        assertTrue(errant.isEmpty(), m.name() + " has errant GTIDs " + errant + " (" + context + ")");
        Map<String, Long> prod = checksums(sandbox.production(m.shard()), false);
        prod.keySet().removeIf(t -> t.startsWith("`drsp_heartbeat`"));
        Map<String, Long> dr = checksums(m, false);
        dr.keySet().removeIf(t -> t.startsWith("`drsp_heartbeat`"));
        assertEquals(prod, dr, m.name() + " equals production (" + context + ")");
    }
}
