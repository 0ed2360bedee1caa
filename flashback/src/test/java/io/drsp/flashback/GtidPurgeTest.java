package io.drsp.flashback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.core.gtid.GtidSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The drill's end: flashback with sql_log_bin off, then purge back to the snapshot point. */
class GtidPurgeTest {
    static Db db;

    @BeforeAll
    static void start() throws Exception {
        db = Db.start("fb-purge", 105, Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        db.close();
    }

    @Test
    void flashbackThenPurgeReturnsDataAndGtidExecutedToTheSnapshotPoint() throws Exception {
        db.exec("CREATE DATABASE p", "CREATE TABLE p.acct (id INT PRIMARY KEY, balance DECIMAL(20,2))",
                "INSERT INTO p.acct VALUES (1, 100.00), (2, 50.00)");
        GtidSet snapshot = db.executed();
        List<String> before = db.dump("p.acct");
        db.exec("UPDATE p.acct SET balance = balance - 10 WHERE id = 1", "UPDATE p.acct SET balance = balance + 10 WHERE id = 2",
                "INSERT INTO p.acct VALUES (3, 1.00)");
        try {
            // As a drill's flashback runs on a DR shard: read_only on, so applications cannot write, and super_read_only
            // lifted for drsp, whose user has CONNECTION_ADMIN.
            db.exec("SET GLOBAL read_only = ON", "SET GLOBAL super_read_only = OFF");
            Flashback.run(FlashbackRequest.onServer(db.settings(), new Selection.AllExcept(snapshot))
                    .withOptions(new FlashbackApplier.Options(false, null, 100, 1 << 20, true)), null);
            assertEquals("1", db.one("SELECT @@GLOBAL.read_only"), "the flashback ran with read_only on");
            // A shard in FLASHED_BACK is super_read_only again: purge lifts it for its own work and restores it.
            db.exec("SET GLOBAL super_read_only = ON");
            assertEquals(before, db.dump("p.acct"));
            assertTrue(db.executed().containsAll(snapshot) && !db.executed().equals(snapshot), "service GTIDs are still there");
            GtidPurge.purgeTo(db.conn, snapshot);
            assertEquals(snapshot, db.executed());
            assertEquals("1", db.one("SELECT @@GLOBAL.super_read_only"), "super_read_only restored");
            assertEquals(before, db.dump("p.acct"));
        } finally {
            db.exec("SET GLOBAL super_read_only = OFF", "SET GLOBAL read_only = OFF");
        }
    }

    @Test
    void refusesToClaimTransactionsTheServerDoesNotHold() throws Exception {
        GtidSet executed = db.executed();
        GtidSet more = executed.union(GtidSet.of("3e11fa47-71ca-11e1-9e33-c80aa9429562", 1, 5));
        GtidPurge.PurgeRefused e = assertThrows(GtidPurge.PurgeRefused.class, () -> GtidPurge.purgeTo(db.conn, more));
        assertTrue(e.getMessage().contains("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5"), e.getMessage());
        assertEquals(executed, db.executed());
    }
}
