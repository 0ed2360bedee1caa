package io.drsp.agent.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.core.gtid.GtidSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the XA-consistent recovery (XaCutPlanner) relies on, shown on a real source and DR shard: a branch the DR's
 * applier left prepared is completed by its own {@code XA COMMIT}, run by drsp under production's GTID for it, out of
 * relay order and with {@code super_read_only} on; the DR's GTID set stays a subset of production's; running the
 * completion again changes nothing (a GTID already executed is skipped); and when sync resumes the applier skips it
 * and goes on to equal production.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class XaCompletionTest {
    static ReplicationPair pair;

    @BeforeAll
    static void start() {
        pair = ReplicationPair.start("xa-completion", 241, Map.of(), Map.of());
        ReplicationPair.exec(pair.dr, "STOP REPLICA SQL_THREAD", "CHANGE REPLICATION SOURCE TO SOURCE_DELAY = 0");
        Workload.createTable(pair.source);
    }

    @AfterAll
    static void stop() {
        if (pair != null) {
            pair.close();
        }
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void aBranchLeftPreparedIsCompletedUnderProductionsGtidExactlyOnceAndSyncSkipsIt() {
        GtidSet before = pair.sourceExecuted();
        String prepare = gtidOf("XA START 'transfer-1','s1'", "INSERT INTO relaytest.t (k, c) VALUES (7, 'xa')",
                "XA END 'transfer-1','s1'", "XA PREPARE 'transfer-1','s1'");
        String commit = gtidOf("XA COMMIT 'transfer-1','s1'");
        String after = gtidOf("INSERT INTO relaytest.t (k, c) VALUES (8, 'after')");
        GtidSet production = pair.awaitRetrieved();

        // The DR applies up to the prepare only, as a cut between the branch's two transactions would.
        GtidSet cut = before.union(GtidSet.parse(prepare));
        ReplicationPair.exec(pair.dr, "SET GLOBAL super_read_only = ON",
                "START REPLICA SQL_THREAD UNTIL SQL_AFTER_GTIDS = '" + cut + "'");
        await(() -> drExecuted().containsAll(cut), "the DR applied the prepare");
        assertEquals(cut, drExecuted());
        assertEquals("transfer-1s1", column(pair.dr, "XA RECOVER", "data"), "prepared on DR");
        assertEquals("0", ReplicationPair.query(pair.dr, "SELECT COUNT(*) FROM relaytest.t WHERE k = 7"));

        for (int run = 0; run < 2; run++) {
            ReplicationPair.exec(pair.dr, "SET SESSION gtid_next = '" + commit + "'", "XA COMMIT 'transfer-1','s1'",
                    "SET SESSION gtid_next = AUTOMATIC");
            assertEquals(cut.union(GtidSet.parse(commit)), drExecuted(), "run " + run + ": production's GTID, nothing of the DR's own");
            assertEquals("1", ReplicationPair.query(pair.dr, "SELECT COUNT(*) FROM relaytest.t WHERE k = 7"), "run " + run);
            assertEquals(null, column(pair.dr, "XA RECOVER", "data"), "run " + run + ": nothing prepared");
        }
        assertEquals("ON", ReplicationPair.query(pair.dr, "SELECT IF(@@super_read_only, 'ON', 'OFF')"));
        assertTrue(production.containsAll(drExecuted()), "no errant GTID");

        ReplicationPair.exec(pair.dr, "START REPLICA SQL_THREAD");
        await(() -> drExecuted().equals(production), "sync resumed to production's GTID set");
        assertEquals("0", ReplicationPair.query(pair.dr, "SELECT COUNT(*) FROM performance_schema"
                + ".replication_applier_status_by_worker WHERE LAST_ERROR_NUMBER <> 0"), "the applier skipped the completed commit");
        assertTrue(drExecuted().containsAll(GtidSet.parse(after)));
        assertEquals(column(pair.source, "CHECKSUM TABLE relaytest.t EXTENDED", "Checksum"),
                column(pair.dr, "CHECKSUM TABLE relaytest.t EXTENDED", "Checksum"));
    }

    /** A named column of the first row a statement returns, or null when it returns none. */
    private static String column(io.drsp.sandbox.MysqlInstance db, String sql, String name) {
        try (java.sql.Connection c = db.connect(); java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(name) : null;
        } catch (java.sql.SQLException e) {
            throw new AssertionError(sql, e);
        }
    }

    /** The planner's view from the relay index: the time cut counted in relay order, every XA statement placed. */
    @Test
    @org.junit.jupiter.api.Order(2)
    void theRelayIndexPlacesEveryXaStatementAmongTheUnappliedTransactions() {
        ReplicationPair.exec(pair.dr, "STOP REPLICA SQL_THREAD");
        GtidSet applied = pair.awaitRetrieved();
        await(() -> drExecuted().containsAll(applied), "the DR applied everything so far");
        String prepare = gtidOf("XA START 'transfer-2','s1'", "INSERT INTO relaytest.t (k, c) VALUES (9, 'xa')",
                "XA END 'transfer-2','s1'", "XA PREPARE 'transfer-2','s1'");
        String local = gtidOf("INSERT INTO relaytest.t (k, c) VALUES (10, 'local')");
        String commit = gtidOf("XA COMMIT 'transfer-2','s1'");
        pair.awaitRetrieved();
        RelayIndex index = RelayIndex.open(pair.relayIndexFile());
        GtidSet executed = drExecuted();
        long localMicros = index.transactionsIn(GtidSet.parse(local)).get(0).originalCommitMicros();
        long commitMicros = index.transactionsIn(GtidSet.parse(commit)).get(0).originalCommitMicros();
        org.junit.jupiter.api.Assumptions.assumeTrue(commitMicros > localMicros, "the commit came a microsecond later");
        XaView view = index.xaView(localMicros, executed);
        assertEquals(2, view.timeCut(), "the prepare and the local insert");
        List<XaView.Statement> unapplied = view.statements().stream().filter(x -> !x.applied()).toList();
        assertEquals(List.of(prepare + ":0:PREPARE", commit + ":2:COMMIT"), unapplied.stream()
                .map(x -> x.gtid() + ":" + x.ordinal() + ":" + x.xa().phase()).toList());
        assertTrue(view.statements().stream().noneMatch(x -> x.applied()),
                "the first test's branch, applied and decided, is not listed unless asked for: " + view.statements());
        XaView asked = index.xaView(index.committedAtOrBefore(localMicros), executed, java.util.Set.of("transfer-1"));
        assertEquals(List.of("PREPARE", "COMMIT"), asked.statements().stream().filter(x -> x.applied())
                .map(x -> x.xa().phase().name()).toList(), "asked for by its gtrid, both its applied statements are listed");
        assertEquals(view.statements().size() + 2, asked.statements().size());
        assertEquals(GtidSet.parse(prepare).union(GtidSet.parse(local)), index.unappliedPrefix(view.timeCut(), executed));
        assertEquals(3, index.xaView(commitMicros, executed).timeCut());
        ReplicationPair.exec(pair.dr, "START REPLICA SQL_THREAD");
    }

    private static GtidSet drExecuted() {
        return GtidSet.parse(ReplicationPair.query(pair.dr, "SELECT @@GLOBAL.gtid_executed"));
    }

    /** Runs statements on the source as one session and returns the one GTID they were given. */
    private static String gtidOf(String... sql) {
        GtidSet b = pair.sourceExecuted();
        ReplicationPair.exec(pair.source, sql);
        GtidSet added = pair.sourceExecuted().subtract(b);
        assertEquals(1, added.size(), String.join("; ", sql));
        return added.toCompactString();
    }

    private static void await(BooleanSupplier condition, String what) {
        Instant end = Instant.now().plus(Duration.ofSeconds(60));
        while (!condition.getAsBoolean()) {
            assertTrue(Instant.now().isBefore(end), "not within 60 s: " + what);
            try {
                Thread.sleep(50); // poll interval; the deadline above bounds the wait
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
