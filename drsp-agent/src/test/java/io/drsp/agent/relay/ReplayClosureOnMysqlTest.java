package io.drsp.agent.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.core.gtid.GtidSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link ReplayClosureTest} models what MySQL's applier does with an {@code UNTIL SQL_AFTER_GTIDS} target that has a
 * hole; here the model meets a real applier once: the DR shard must end exactly where the relay index said it would,
 * the hole applied too.
 */
class ReplayClosureOnMysqlTest {
    static ReplicationPair pair;

    @BeforeAll
    static void start() {
        pair = ReplicationPair.start("replay-closure", 243, Map.of(), Map.of());
        ReplicationPair.exec(pair.dr, "STOP REPLICA SQL_THREAD", "CHANGE REPLICATION SOURCE TO SOURCE_DELAY = 0");
    }

    @AfterAll
    static void stop() {
        if (pair != null) {
            pair.close();
        }
    }

    @Test
    void theRealApplierStopsWhereTheModelSaysWithTheHoleApplied() throws Exception {
        Workload.createTable(pair.source);
        Workload.small(pair.source, 30);
        GtidSet retrieved = pair.awaitRetrieved();
        GtidSet applied = GtidSet.parse(ReplicationPair.query(pair.dr, "SELECT @@GLOBAL.gtid_executed"));
        GtidSet unapplied = retrieved.subtract(applied);
        assertTrue(unapplied.size() >= 31, unapplied.toString());
        // a cut with a hole: the first ten unapplied, then a gap of five, then five more
        RelayIndex index = RelayIndex.open(pair.relayIndexFile());
        GtidSet first10 = index.unappliedPrefix(10, applied);
        GtidSet first15 = index.unappliedPrefix(15, applied);
        GtidSet cut = first10.union(index.unappliedPrefix(20, applied).subtract(first15));
        ReplayClosure model = index.replayClosure(cut, applied);
        assertEquals(index.unappliedPrefix(20, applied), model.wouldApply(), "the model: everything up to the cut's last one");

        ReplicationPair.exec(pair.dr, "START REPLICA SQL_THREAD UNTIL SQL_AFTER_GTIDS = '" + applied.union(cut) + "'");
        Instant end = Instant.now().plus(Duration.ofSeconds(60));
        while (!"No".equals(ReplicationPair.query(pair.dr,
                "SELECT IF(SERVICE_STATE = 'ON', 'Yes', 'No') FROM performance_schema.replication_applier_status"))) {
            assertTrue(Instant.now().isBefore(end), "the applier did not stop at its UNTIL within 60 s");
            Thread.sleep(50); // poll interval; the deadline above bounds the wait
        }
        GtidSet executed = GtidSet.parse(ReplicationPair.query(pair.dr, "SELECT @@GLOBAL.gtid_executed"));
        assertEquals(applied.union(model.wouldApply()), executed, "MySQL applied what the model said, hole included");
    }
}
