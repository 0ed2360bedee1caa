package io.drsp.agent.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.drsp.agent.NodeInspection;
import io.drsp.agent.NodeKey;
import io.drsp.agent.NodeOps;
import io.drsp.core.config.Endpoint;
import io.drsp.agent.TestAccounts;
import io.drsp.core.config.UserRef;
import io.drsp.core.gtid.Gtid;
import io.drsp.core.gtid.GtidSet;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Status's relay backlog in bytes equals what the unapplied transactions occupy, counted independently from the
 * production binlog's own event positions (SHOW BINLOG EVENTS), before and after part of the backlog is applied.
 */
class RelayBacklogTest {
    private static ReplicationPair pair;
    private static NodeOps ops;

    @BeforeAll
    static void start() throws Exception {
        pair = ReplicationPair.start("relay-backlog", 231, Map.of(), Map.of());
        Workload.createTable(pair.source);
        UserRef admin = TestAccounts.withPasswordFile("admin", pair.dr.credentials().adminUser(),
                pair.dr.credentials().adminPassword(), Path.of("target/relay/relay-backlog.secret").toAbsolutePath());
        ops = new NodeOps(NodeKey.parse("1/dr/s1"), Endpoint.parse(pair.dr.endpoint()), admin, admin, java.util.Optional.empty());
    }

    @AfterAll
    static void stop() {
        if (ops != null) {
            ops.close();
        }
        if (pair != null) {
            pair.close();
        }
    }

    @Test
    void backlogBytesAreTheUnappliedTransactionsBytes() throws Exception {
        Workload.mixed(pair.source, 3, 60, 7);
        pair.awaitRetrieved();
        assertNull(link().backlogBytes(), "before the relay index is built, status must not guess");

        ops.refreshRelayIndex();
        assertBacklogMatchesBinlog();

        // New relay log since the last refresh is read by status itself.
        Workload.small(pair.source, 25);
        pair.awaitRetrieved();
        assertBacklogMatchesBinlog();

        // Apply part of it: the applied transactions leave the backlog, their relay files stay (relay_log_purge off
        // is what drsp runs with), so MySQL's Relay_Log_Space no longer says the backlog.
        GtidSet all = pair.sourceExecuted();
        String uuid = all.uuids().iterator().next();
        GtidSet half = GtidSet.of(uuid, 1, all.size() / 2);
        ReplicationPair.exec(pair.dr, "STOP REPLICA SQL_THREAD", "SET GLOBAL relay_log_purge = OFF",
                "CHANGE REPLICATION SOURCE TO SOURCE_DELAY = 0", "START REPLICA SQL_THREAD UNTIL SQL_AFTER_GTIDS = '" + half + "'");
        awaitExecuted(half);
        NodeInspection.LinkView after = assertBacklogMatchesBinlog();
        assertEquals(all.subtract(half).size(), after.backlogTransactions());
    }

    private static NodeInspection.LinkView link() {
        NodeInspection inspection = ops.inspect();
        assertNotNull(inspection.link(), "DR shard has a link: " + inspection);
        return inspection.link();
    }

    private static NodeInspection.LinkView assertBacklogMatchesBinlog() throws Exception {
        NodeInspection.LinkView link = link();
        GtidSet backlog = GtidSet.parse(link.retrievedGtids()).subtract(GtidSet.parse(link.executedGtids()));
        Map<Gtid, Long> sizes = transactionSizesFromSourceBinlog();
        long expected = 0;
        long counted = 0;
        for (Map.Entry<Gtid, Long> e : sizes.entrySet()) {
            if (backlog.contains(e.getKey())) {
                expected += e.getValue();
                counted++;
            }
        }
        assertEquals(backlog.size(), counted, "every backlog transaction found in production's binlog");
        assertEquals(expected, link.backlogBytes(), "backlog " + backlog.toCompactString());
        return link;
    }

    /** Per transaction: from its GTID event's position to the end of the event that commits it, in production's binlog. */
    private static Map<Gtid, Long> transactionSizesFromSourceBinlog() throws Exception {
        Map<Gtid, Long> sizes = new HashMap<>();
        try (Connection c = pair.source.connect(); Statement st = c.createStatement()) {
            List<String> files = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SHOW BINARY LOGS")) {
                while (rs.next()) {
                    files.add(rs.getString(1));
                }
            }
            for (String file : files) {
                Gtid open = null;
                long start = 0;
                try (ResultSet rs = st.executeQuery("SHOW BINLOG EVENTS IN '" + file + "'")) {
                    while (rs.next()) {
                        String type = rs.getString("Event_type");
                        String info = rs.getString("Info");
                        if (type.equals("Gtid")) {
                            open = Gtid.parse(info.substring(info.indexOf('\'') + 1, info.lastIndexOf('\'')));
                            start = rs.getLong("Pos");
                        } else if (open != null && (type.equals("Xid") || (type.equals("Query") && !info.equals("BEGIN")))) {
                            sizes.put(open, rs.getLong("End_log_pos") - start);
                            open = null;
                        }
                    }
                }
            }
        }
        return sizes;
    }

    private static void awaitExecuted(GtidSet want) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (!GtidSet.parse(ReplicationPair.query(pair.dr, "SELECT @@GLOBAL.gtid_executed")).containsAll(want)) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("DR did not apply " + want + " within 60 s");
            }
            Thread.sleep(50); // poll interval; the deadline bounds the wait
        }
    }
}
