package io.drsp.flashback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.core.gtid.GtidSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * XA branches undone exactly, as a drill with cross-shard transfers needs: a branch's rows are in its XA PREPARE
 * transaction and take effect at its XA COMMIT (undone), or never, at its XA ROLLBACK (nothing to undo); a one-phase
 * commit is an ordinary transaction. A branch still prepared, or prepared before the range, is refused.
 */
class XaFlashbackTest {
    static Db db;

    @BeforeAll
    static void start() throws Exception {
        db = Db.start("fb-xa", 108, Map.of());
        db.exec("CREATE DATABASE x", "CREATE TABLE x.acct (id INT PRIMARY KEY, balance DECIMAL(20,2), note VARCHAR(20))",
                "INSERT INTO x.acct VALUES (1, 100.00, 'a'), (2, 50.00, 'b'), (3, 7.00, 'c')");
    }

    @AfterAll
    static void stop() throws Exception {
        db.close();
    }

    @Test
    void committedBranchesAreUndoneRolledBackOnesLeftAndUndecidedOnesRefused() throws Exception {
        GtidSet snapshot = db.executed();
        List<String> before = db.dump("x.acct");
        String sumBefore = db.checksum("x.acct");
        db.exec("XA START 'transfer-1','s1'", "UPDATE x.acct SET balance = balance - 10 WHERE id = 1",
                "INSERT INTO x.acct VALUES (10, 10.00, 'in')", "XA END 'transfer-1','s1'", "XA PREPARE 'transfer-1','s1'");
        db.exec("UPDATE x.acct SET note = 'local' WHERE id = 3"); // between a prepare and its commit, on other rows
        db.exec("XA COMMIT 'transfer-1','s1'");
        db.exec("XA START 'transfer-2','s1'", "UPDATE x.acct SET balance = 0 WHERE id = 2", "XA END 'transfer-2','s1'",
                "XA PREPARE 'transfer-2','s1'", "XA ROLLBACK 'transfer-2','s1'");
        db.exec("XA START 'one'", "DELETE FROM x.acct WHERE id = 3", "XA END 'one'", "XA COMMIT 'one' ONE PHASE");
        db.exec("XA START 'open-1','s1',7", "UPDATE x.acct SET note = 'open' WHERE id = 2", "XA END 'open-1','s1',7",
                "XA PREPARE 'open-1','s1',7");

        // the branch still prepared is refused, naming its XID; nothing changes
        GtidSet executed = db.executed();
        try (FlashbackPlan plan = Flashback.plan(FlashbackRequest.onServer(db.settings(), new Selection.AllExcept(snapshot)))) {
            assertTrue(plan.isRefused(), plan::toString);
            assertEquals(1, plan.refusals().size(), plan.refusals().toString());
            assertTrue(plan.refusals().get(0).reason().contains("XA branch " + hex("open-1") + "," + hex("s1") + ",7 was prepared")
                    && plan.refusals().get(0).reason().contains("still prepared"), plan.refusals().toString());
        }
        assertEquals(executed, db.executed());

        db.exec("XA ROLLBACK 'open-1','s1',7");
        try (FlashbackPlan plan = Flashback.plan(FlashbackRequest.onServer(db.settings(), new Selection.AllExcept(snapshot)))) {
            assertFalse(plan.isRefused(), plan::toString);
            // transfer-1 (2 rows), the local update (1 row) and the one-phase delete (1 row); no rolled-back branch
            assertEquals(4, plan.rows(), plan.toString());
            Flashback.apply(plan, null);
        }
        assertEquals(before, db.dump("x.acct"), "every committed branch undone, nothing of the rolled-back ones");
        assertEquals(sumBefore, db.checksum("x.acct"));
    }

    @Test
    void aCommitWhosePrepareLiesBeforeTheRangeIsRefused() throws Exception {
        db.exec("XA START 'early','s1'", "UPDATE x.acct SET note = 'early' WHERE id = 1", "XA END 'early','s1'",
                "XA PREPARE 'early','s1'");
        GtidSet snapshot = db.executed();
        db.exec("XA COMMIT 'early','s1'");
        try (FlashbackPlan plan = Flashback.plan(FlashbackRequest.onServer(db.settings(), new Selection.AllExcept(snapshot)))) {
            assertTrue(plan.isRefused(), plan::toString);
            assertTrue(plan.refusals().toString().contains("XA COMMIT of a branch prepared before the range"), plan.refusals().toString());
        }
        db.exec("UPDATE x.acct SET note = 'a' WHERE id = 1");
    }

    private static String hex(String s) {
        return java.util.HexFormat.of().formatHex(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
