package io.drsp.flashback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.core.gtid.GtidSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Parallel apply against a scheduler bug: many small transactions hammering the same few rows (primary-key
 * shifts {@code id = id + 1}, UNIQUE key swaps across transactions, keys deleted and reused, case-insensitive
 * unique strings, keyless rows, foreign keys) must come back exactly with 4 workers; and a failure must report
 * exactly what was committed, so that rerunning the remainder finishes the job.
 */
class ParallelApplyTest {
    static Db db;
    static final List<String> TABLES = List.of("p.hot", "p.ci", "p.keyless", "p.parent", "p.child", "p.cold");

    @BeforeAll
    static void start() throws Exception {
        db = Db.start("fb-parallel", 104, Map.of());
        db.exec("CREATE DATABASE p",
                "CREATE TABLE p.hot (id INT PRIMARY KEY, uk INT NOT NULL, v INT, UNIQUE KEY (uk))",
                "CREATE TABLE p.ci (id INT PRIMARY KEY, name VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci, "
                        + "UNIQUE KEY (name))",
                "CREATE TABLE p.keyless (a INT, b VARCHAR(5))",
                "CREATE TABLE p.parent (id INT PRIMARY KEY, v INT)",
                "CREATE TABLE p.child (id INT PRIMARY KEY, parent INT NOT NULL, FOREIGN KEY (parent) REFERENCES p.parent (id))",
                "CREATE TABLE p.cold (id INT PRIMARY KEY, v INT)");
    }

    @AfterAll
    static void stop() throws Exception {
        if (db != null) {
            db.close();
        }
    }

    private static Map<String, List<String>> dumps() throws Exception {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (String t : TABLES) {
            m.put(t, db.dump(t));
            m.put(t + " checksum", List.of(db.checksum(t)));
        }
        return m;
    }

    private void reset(Random r) throws Exception {
        db.exec("SET SESSION foreign_key_checks = 0");
        for (String t : TABLES) {
            db.exec("DELETE FROM " + t);
        }
        db.exec("SET SESSION foreign_key_checks = 1");
        for (int i = 1; i <= 8; i++) {
            db.exec("INSERT INTO p.hot VALUES (" + i + ", " + (i * 10) + ", " + r.nextInt(100) + ")",
                    "INSERT INTO p.ci VALUES (" + i + ", 'n" + i + "')",
                    "INSERT INTO p.keyless VALUES (" + (i % 3) + ", 'k')",
                    "INSERT INTO p.parent VALUES (" + i + ", 0)",
                    "INSERT INTO p.cold VALUES (" + i + ", 0)");
        }
    }

    @Test
    void hammeredRowsComeBackExactlyWithFourWorkers() throws Exception {
        int rounds = Integer.getInteger("drsp.flashback.parallelRounds", 12);
        long base = System.nanoTime();
        for (int round = 0; round < rounds; round++) {
            long seed = base + round;
            try {
                round(seed);
            } catch (Throwable t) {
                throw new AssertionError("parallel round " + round + " failed; seed " + seed + ": " + t.getMessage(), t);
            }
        }
    }

    private void round(long seed) throws Exception {
        Random r = new Random(seed);
        reset(r);
        GtidSet snapshot = db.executed();
        Map<String, List<String>> before = dumps();
        for (int t = 0; t < 150; t++) {
            int a = 1 + r.nextInt(8);
            int b = 1 + r.nextInt(8);
            try {
                workloadStep(r, t, a, b);
            } catch (java.sql.SQLException e) {
                db.exec("ROLLBACK"); // a random step may hit a duplicate key: it then wrote nothing
            }
        }
        FlashbackRequest request = FlashbackRequest.onServer(db.settings(), new Selection.AllExcept(snapshot))
                .withOptions(new FlashbackApplier.Options(r.nextBoolean(), null, 1 + r.nextInt(50), 1 << 20, r.nextBoolean(), 4));
        FlashbackApplier.Result result = Flashback.run(request, null);
        assertEquals(before, dumps());
        assertFalse(result.reversed().isEmpty());
    }

    private int nextChild = 1;

    /** One random transaction (or a few, where a conflict needs several) on the hammered tables. */
    private void workloadStep(Random r, int t, int a, int b) throws Exception {
        switch (r.nextInt(10)) {
            case 0 -> db.exec("UPDATE p.hot SET id = id + 1 WHERE id >= " + a + " ORDER BY id DESC");
            case 1 -> db.exec("UPDATE p.hot SET id = id - 1 WHERE id >= " + a + " AND id - 1 NOT IN (SELECT id FROM "
                    + "(SELECT id FROM p.hot) x) ORDER BY id ASC LIMIT 1");
            case 2 -> {
                // a UNIQUE swap spread over three transactions: each one conflicts with the next only by uk
                String ua = db.one("SELECT uk FROM p.hot ORDER BY id LIMIT " + (a - 1) % 4 + ", 1");
                String ub = db.one("SELECT uk FROM p.hot ORDER BY id DESC LIMIT " + (b - 1) % 4 + ", 1");
                if (ua != null && ub != null && !ua.equals(ub)) {
                    db.exec("UPDATE p.hot SET uk = -1 WHERE uk = " + ua);
                    db.exec("UPDATE p.hot SET uk = " + ua + " WHERE uk = " + ub);
                    db.exec("UPDATE p.hot SET uk = " + ub + " WHERE uk = -1");
                }
            }
            case 3 -> {
                // a UNIQUE value freed by one transaction and taken by another row in the next
                String m = db.one("SELECT MIN(uk) FROM p.hot");
                db.exec("DELETE FROM p.hot WHERE uk = " + m);
                db.exec("UPDATE p.hot SET uk = " + m + " ORDER BY id DESC LIMIT 1");
                db.exec("INSERT INTO p.hot SELECT MAX(id) + 1, " + (-1000 - t) + ", " + r.nextInt(9) + " FROM p.hot");
            }
            case 4 -> db.exec("UPDATE p.hot SET v = v + 1 WHERE id IN (" + a + ", " + b + ")");
            case 5 -> db.exec("UPDATE p.ci SET name = " + TypeMatrixTest.pick(r, "'N" + a + "'", "'n" + a + " '", "'x" + t + "'")
                    + " WHERE id = " + a);
            case 6 -> {
                if (a == b) {
                    db.exec("BEGIN", "DELETE FROM p.ci WHERE id = " + a, "INSERT INTO p.ci VALUES (" + a + ", 'Ñ" + a + "')",
                            "COMMIT");
                } else {
                    // another row takes b's old name, in other letter case: equal under the collation
                    String old = db.one("SELECT name FROM p.ci WHERE id = " + b);
                    db.exec("UPDATE p.ci SET name = 'free" + t + "' WHERE id = " + b);
                    db.exec("UPDATE p.ci SET name = UPPER('" + old + "') WHERE id = " + a);
                }
            }
            case 7 -> db.exec("UPDATE p.keyless SET a = a + 1 WHERE a = " + (a % 4) + " LIMIT 1",
                    "INSERT INTO p.keyless VALUES (" + (b % 3) + ", 'k')");
            case 8 -> {
                if (r.nextBoolean()) {
                    db.exec("INSERT INTO p.child VALUES (" + nextChild++ + ", " + a + ")");
                } else {
                    db.exec("DELETE FROM p.child WHERE parent = " + a);
                    db.exec("BEGIN", "DELETE FROM p.parent WHERE id = " + a,
                            "INSERT INTO p.parent VALUES (" + a + ", " + t + ")", "COMMIT");
                }
            }
            default -> db.exec("UPDATE p.cold SET v = v + 1 WHERE id = " + a);
        }
    }

    @Test
    void aFailureReportsExactlyWhatWasCommittedAndTheRestCanBeRerun() throws Exception {
        db.exec("CREATE TABLE p.div (id INT PRIMARY KEY, v INT)");
        for (int i = 1; i <= 40; i++) {
            db.exec("INSERT INTO p.div VALUES (" + i + ", 0)");
        }
        GtidSet s0 = db.executed();
        List<String> before = db.dump("p.div");
        db.exec("UPDATE p.div SET v = 1 WHERE id = 20"); // older, on the same row: depends on the failing one
        GtidSet older = db.executed().subtract(s0);
        for (int i = 1; i <= 40; i++) {
            db.exec("UPDATE p.div SET v = v + 10 WHERE id = " + i); // 40 independent transactions
        }
        GtidSet s1 = db.executed();
        FlashbackRequest request = FlashbackRequest.onServer(db.settings(), new Selection.Only(s1.subtract(s0)))
                .withOptions(new FlashbackApplier.Options(false, null, 100, 1 << 20, true, 4));
        FlashbackFailed failed = assertThrows(FlashbackFailed.class, () -> Db.runWithWriteBetweenPlanAndApply(request, () ->
                db.exec("SET SESSION sql_log_bin = 0", "UPDATE p.div SET v = 99 WHERE id = 20", "SET SESSION sql_log_bin = 1")));
        GtidSet selected = s1.subtract(s0);
        assertEquals(selected, failed.reversed().union(failed.remaining()));
        assertTrue(failed.reversed().intersect(failed.remaining()).isEmpty());
        assertTrue(failed.remaining().containsAll(older), "the older transaction on the failed row must not be undone");
        assertTrue(failed.remaining().contains(io.drsp.core.gtid.Gtid.parse(failed.failedGtid())));
        // what "reversed" says is exactly what the table shows: undone rows are back at 0 (id 20 aside)
        long undone = Long.parseLong(db.one("SELECT COUNT(*) FROM p.div WHERE id <> 20 AND v = 0"));
        assertEquals(failed.reversed().size(), undone);
        assertEquals("99", db.one("SELECT v FROM p.div WHERE id = 20"));

        db.exec("SET SESSION sql_log_bin = 0", "UPDATE p.div SET v = 11 WHERE id = 20", "SET SESSION sql_log_bin = 1");
        Flashback.run(FlashbackRequest.onServer(db.settings(), new Selection.Only(failed.remaining()))
                .withOptions(new FlashbackApplier.Options(false, null, 100, 1 << 20, true, 4)), null);
        assertEquals(before, db.dump("p.div"));
    }
}
