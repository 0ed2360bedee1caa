package io.drsp.flashback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.drsp.core.gtid.Gtid;
import io.drsp.core.gtid.GtidSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A run cut short by divergence leaves in the ledger exactly the transactions it committed, so flashing back
 * "selected minus ledger" after the cause is fixed finishes the job: nothing undone twice, nothing left out.
 */
class LedgerResumeTest {
    static final String LEDGER = "drsp_flashback.reversed";
    static final List<String> TABLES = List.of("l.acct", "l.item", "l.journal");
    /** Touched by the middle transaction alone, so changing it makes exactly that transaction's reverse diverge. */
    static final int MARKED_ACCT = 1000;

    static Db db;

    @BeforeAll
    static void start() throws Exception {
        db = Db.start("fb-ledger", 106, Map.of());
        db.exec("CREATE DATABASE l", "CREATE DATABASE drsp_flashback",
                "CREATE TABLE " + LEDGER + " (source_gtid VARCHAR(100) PRIMARY KEY)",
                "CREATE TABLE l.acct (id INT PRIMARY KEY, balance DECIMAL(12,2) NOT NULL, note VARCHAR(30))",
                "CREATE TABLE l.item (id INT PRIMARY KEY, sku VARCHAR(20) NOT NULL, qty INT NOT NULL, UNIQUE KEY (sku), KEY (qty))",
                "CREATE TABLE l.journal (at INT, msg VARCHAR(40))");
        for (int i = 1; i <= 60; i++) {
            db.exec("INSERT INTO l.acct VALUES (" + i + ", " + (i * 10) + ".50, 'a" + i + "')",
                    "INSERT INTO l.item VALUES (" + i + ", 'sku-" + i + "', " + (i % 9) + ")",
                    "INSERT INTO l.journal VALUES (" + (i % 5) + ", 'seed')");
        }
        db.exec("INSERT INTO l.acct VALUES (" + MARKED_ACCT + ", 0.00, 'untouched')");
    }

    @AfterAll
    static void stop() throws Exception {
        if (db != null) {
            db.close();
        }
    }

    @Test
    void aRunStoppedByDivergenceIsContinuedExactlyFromTheLedger() throws Exception {
        GtidSet snapshot = db.executed();
        Map<String, String> checksumsBefore = checksums();
        Map<String, List<String>> dumpsBefore = dumps();

        Random r = new Random(7);
        GtidSet beforeMiddle = null;
        GtidSet uptoMiddle = null;
        for (int step = 0; step < 300; step++) {
            if (step == 150) {
                beforeMiddle = db.executed();
                db.exec("BEGIN", "UPDATE l.acct SET note = 'middle', balance = 1.00 WHERE id = " + MARKED_ACCT,
                        "INSERT INTO l.journal VALUES (150, 'middle')", "COMMIT");
                uptoMiddle = db.executed();
            } else {
                workloadStep(r, step);
            }
        }
        GtidSet selected = db.executed().subtract(snapshot);
        Gtid middle = single(uptoMiddle.subtract(beforeMiddle));
        // changed after the pre-flight check by a session not being undone: the middle transaction's reverse matches 0 rows
        FlashbackApplier.Options options = new FlashbackApplier.Options(false, null, 20, 1 << 20, true, 1).withLedger(LEDGER);
        FlashbackFailed failed = assertThrows(FlashbackFailed.class, () -> Db.runWithWriteBetweenPlanAndApply(
                FlashbackRequest.onServer(db.settings(), new Selection.AllExcept(snapshot)).withOptions(options), () ->
                        db.exec("SET SESSION sql_log_bin = 0", "UPDATE l.acct SET note = 'changed' WHERE id = " + MARKED_ACCT,
                                "SET SESSION sql_log_bin = 1")));
        assertEquals(middle, Gtid.parse(failed.failedGtid()));
        assertEquals(selected.subtract(uptoMiddle), failed.reversed(), "one worker: exactly the newer ones are done");
        assertEquals(uptoMiddle.subtract(snapshot), failed.remaining());
        assertEquals(failed.reversed(), ledger());
        assertEquals(failed.reversed().size(), ledgerRows());
        assertEquals("changed", db.one("SELECT note FROM l.acct WHERE id = " + MARKED_ACCT), "the failed reverse was rolled back");

        db.exec("SET SESSION sql_log_bin = 0", "UPDATE l.acct SET note = 'middle' WHERE id = " + MARKED_ACCT,
                "SET SESSION sql_log_bin = 1");
        FlashbackApplier.Result rest = flashback(new Selection.Only(selected.subtract(ledger())));
        assertEquals(failed.remaining(), rest.reversed());

        assertEquals(checksumsBefore, checksums());
        assertEquals(dumpsBefore, dumps());
        assertEquals(selected, ledger());
        assertEquals(selected.size(), ledgerRows(), "each selected GTID is in the ledger exactly once");
    }

    private static Gtid single(GtidSet set) {
        assertEquals(1, set.size(), set.toCompactString());
        String uuid = set.uuids().first();
        return new Gtid(uuid, set.intervals(uuid).get(0).first());
    }

    private static FlashbackApplier.Result flashback(Selection selection) throws Exception {
        FlashbackApplier.Options options = new FlashbackApplier.Options(false, null, 20, 1 << 20, true, 1).withLedger(LEDGER);
        return Flashback.run(FlashbackRequest.onServer(db.settings(), selection).withOptions(options), null);
    }

    /** One autocommitted or explicit transaction on the workload tables; never the marked account. */
    private static void workloadStep(Random r, int step) throws Exception {
        int a = 1 + r.nextInt(60);
        int b = 1 + r.nextInt(60);
        switch (r.nextInt(6)) {
            case 0 -> db.exec("UPDATE l.acct SET balance = balance + " + r.nextInt(100) + ".25 WHERE id IN (" + a + ", " + b + ")");
            case 1 -> db.exec("BEGIN",
                    "UPDATE l.acct SET balance = balance - 1, note = 'order " + step + "' WHERE id = " + a,
                    "INSERT INTO l.item VALUES (" + (1000 + step) + ", 'new-" + step + "', " + r.nextInt(9) + ")",
                    "INSERT INTO l.journal VALUES (" + step + ", 'order')",
                    "COMMIT");
            case 2 -> db.exec("DELETE FROM l.item WHERE id >= " + a + " ORDER BY id LIMIT 1");
            case 3 -> db.exec("UPDATE l.item SET qty = qty + 1, sku = CONCAT(sku, '+') WHERE id % 7 = " + (a % 7)
                    + " AND LENGTH(sku) < 19");
            case 4 -> db.exec("INSERT INTO l.journal VALUES (" + (step % 5) + ", 'step " + step + "'), (" + a + ", NULL)");
            default -> db.exec("DELETE FROM l.journal WHERE at = " + (a % 5) + " LIMIT 1");
        }
    }

    private static GtidSet ledger() throws Exception {
        GtidSet.Builder b = GtidSet.builder();
        for (String g : db.column("SELECT source_gtid FROM " + LEDGER)) {
            b.add(Gtid.parse(g));
        }
        return b.build();
    }

    private static long ledgerRows() throws Exception {
        return Long.parseLong(db.one("SELECT COUNT(*) FROM " + LEDGER));
    }

    private static Map<String, String> checksums() throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        for (String t : TABLES) {
            m.put(t, db.checksum(t));
        }
        return m;
    }

    private static Map<String, List<String>> dumps() throws Exception {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (String t : TABLES) {
            m.put(t, db.dump(t));
        }
        return m;
    }
}
