package io.drsp.flashback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.core.gtid.GtidSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Order, identity, selection, filters, dry run, files and divergence, on one server. */
class FlashbackBehaviourTest {
    static Db db;

    @BeforeAll
    static void start() throws Exception {
        db = Db.start("fb-behaviour", 103, Map.of());
        db.exec("CREATE DATABASE b", "CREATE DATABASE other");
    }

    @AfterAll
    static void stop() throws Exception {
        db.close();
    }

    private static GtidSet flashbackAllSince(GtidSet snapshot) throws Exception {
        FlashbackApplier.Result r = Flashback.run(FlashbackRequest.onServer(db.settings(), new Selection.AllExcept(snapshot)), null);
        return r.reversed();
    }

    @Test
    void primaryKeyShiftComesBackInReverseRowOrder() throws Exception {
        db.exec("CREATE TABLE b.shift (id INT PRIMARY KEY, v VARCHAR(10))",
                "INSERT INTO b.shift VALUES (1,'a'),(2,'b'),(3,'c'),(4,'d'),(5,'e')");
        List<String> before = db.dump("b.shift");
        GtidSet snapshot = db.executed();
        db.exec("UPDATE b.shift SET id = id + 1 ORDER BY id DESC");
        db.exec("UPDATE b.shift SET id = id - 1 ORDER BY id ASC"); // and back down, within another transaction
        db.exec("UPDATE b.shift SET id = id + 1 ORDER BY id DESC");
        flashbackAllSince(snapshot);
        assertEquals(before, db.dump("b.shift"));
    }

    @Test
    void duplicateRowsOfAKeylessTableComeBackWithTheirMultiplicity() throws Exception {
        db.exec("CREATE TABLE b.dups (a INT, b VARCHAR(5), c BLOB)",
                "INSERT INTO b.dups VALUES (1,'x',NULL),(1,'x',NULL),(1,'x',NULL),(1,'X',NULL),(NULL,NULL,NULL),(NULL,NULL,NULL),(2,'y',X'00')");
        List<String> before = db.dump("b.dups");
        String sum = db.checksum("b.dups");
        GtidSet snapshot = db.executed();
        db.exec("DELETE FROM b.dups WHERE a = 1 AND b = 'x' LIMIT 2"); // 'x' = 'X' under the collation: LIMIT decides
        db.exec("UPDATE b.dups SET a = 7 WHERE a IS NULL LIMIT 1");
        db.exec("INSERT INTO b.dups VALUES (1,'x',NULL),(2,'y',X'00')");
        db.exec("UPDATE b.dups SET c = X'0000' WHERE a = 2");
        db.exec("DELETE FROM b.dups WHERE b = 'X'");
        flashbackAllSince(snapshot);
        assertEquals(before, db.dump("b.dups"));
        assertEquals(sum, db.checksum("b.dups"));
    }

    @Test
    void oneLargeTransactionSpanningManyEventsIsUndoneInOrder() throws Exception {
        db.exec("CREATE TABLE b.big (id INT PRIMARY KEY, k INT, pad VARCHAR(100), KEY (k))");
        db.exec("SET SESSION cte_max_recursion_depth = 100000", "INSERT INTO b.big WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 3000) "
                + "SELECT n, n % 97, REPEAT('p', n % 100) FROM s");
        List<String> before = db.dump("b.big");
        GtidSet snapshot = db.executed();
        db.exec("BEGIN",
                "UPDATE b.big SET id = id + 10000 ORDER BY id DESC",
                "DELETE FROM b.big WHERE k = 3",
                "INSERT INTO b.big SELECT id - 10000, k, 'again' FROM b.big WHERE k = 5",
                "UPDATE b.big SET pad = CONCAT(pad, '!') WHERE k < 50",
                "COMMIT");
        List<FlashbackProgress> progress = new ArrayList<>();
        Flashback.run(FlashbackRequest.onServer(db.settings(), new Selection.AllExcept(snapshot)), progress::add);
        assertEquals(before, db.dump("b.big"));
        FlashbackProgress last = progress.get(progress.size() - 1);
        assertEquals(last.rowsTotal(), last.rowsDone());
        assertEquals(1, last.transactionsDone());
    }

    @Test
    void explicitGtidsTimeRangesAndTableFiltersSelectOnlyWhatTheySay() throws Exception {
        db.exec("CREATE TABLE b.sel (id INT PRIMARY KEY, v INT)", "CREATE TABLE other.sel (id INT PRIMARY KEY, v INT)",
                "INSERT INTO b.sel VALUES (1, 0), (2, 0)", "INSERT INTO other.sel VALUES (1, 0)");
        GtidSet s0 = db.executed();
        db.exec("UPDATE b.sel SET v = 1 WHERE id = 1");
        GtidSet s1 = db.executed();
        db.exec("UPDATE b.sel SET v = 2 WHERE id = 2");
        GtidSet s2 = db.executed();
        Instant afterSecond = Instant.now();
        waitForClockToPass(afterSecond);
        db.exec("BEGIN", "UPDATE b.sel SET v = 3 WHERE id = 1", "UPDATE other.sel SET v = 3", "COMMIT");

        // explicit set: only the middle transaction
        Flashback.run(FlashbackRequest.onServer(db.settings(), new Selection.Only(s2.subtract(s1))), null);
        assertEquals(List.of("1:3", "2:0"), db.column("SELECT CONCAT(id, ':', v) FROM b.sel ORDER BY id"));

        // a table filter: the last transaction only in other.sel
        GtidSet last = db.executed().subtract(s2);
        try (FlashbackPlan plan = Flashback.plan(new FlashbackRequest(new BinlogInput.FromServer(db.settings()),
                new Selection.TimeRange(afterSecond, null), new TableFilter(Set.of(), Set.of(TableName.parse("other.sel"))),
                null, null, null))) {
            assertEquals(last, plan.selected(), "the time range selects the last transaction only");
            assertEquals(Set.of(TableName.parse("other.sel")), plan.rowsByTable().keySet());
            Flashback.apply(plan, null);
        }
        assertEquals(List.of("1:0"), db.column("SELECT CONCAT(id, ':', v) FROM other.sel"));
        assertEquals(List.of("1:3", "2:0"), db.column("SELECT CONCAT(id, ':', v) FROM b.sel ORDER BY id"));
        // everything since s0, but only database b: other.sel is already back
        Flashback.run(new FlashbackRequest(new BinlogInput.FromServer(db.settings()), new Selection.AllExcept(s0),
                new TableFilter(Set.of("b"), Set.of()), null, null, null), null);
        assertEquals(List.of("1:0", "2:0"), db.column("SELECT CONCAT(id, ':', v) FROM b.sel ORDER BY id"));
    }

    private static void waitForClockToPass(Instant t) {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (!Instant.now().isAfter(t.plusMillis(2)) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }

    @Test
    void dryRunWritesReverseAndForwardSqlAndChangesNothing(@TempDir Path dir) throws Exception {
        db.exec("CREATE TABLE b.dry (id INT PRIMARY KEY, s VARCHAR(20))", "INSERT INTO b.dry VALUES (1, 'one'), (2, 'two')");
        GtidSet snapshot = db.executed();
        db.exec("UPDATE b.dry SET s = 'uno' WHERE id = 1", "DELETE FROM b.dry WHERE id = 2", "INSERT INTO b.dry VALUES (3, 'tres')");
        List<String> after = db.dump("b.dry");
        GtidSet executed = db.executed();
        FlashbackRequest request = FlashbackRequest.onServer(db.settings(), new Selection.AllExcept(snapshot))
                .withOptions(new FlashbackApplier.Options(false, dir, 100, 1 << 20, true));
        FlashbackApplier.Result result = Flashback.run(request, null);
        assertEquals(after, db.dump("b.dry"));
        assertEquals(executed, db.executed());
        String reverse = Files.readString(result.reverseSql());
        String forward = Files.readString(result.forwardSql());
        assertTrue(reverse.contains("delete from `b`.`dry`") && reverse.contains("insert into `b`.`dry`"), reverse);
        assertTrue(reverse.indexOf("delete from `b`.`dry`") < reverse.indexOf("insert into `b`.`dry`"), "newest first: " + reverse);
        assertTrue(forward.indexOf("update `b`.`dry`") < forward.indexOf("insert into `b`.`dry`"), "oldest first: " + forward);
        // the reverse script itself restores the data when run through a client
        try (var st = db.conn.createStatement()) {
            for (String sql : reverse.split(";\n")) {
                String s = sql.lines().filter(l -> !l.startsWith("--")).reduce("", (a, b) -> a + "\n" + b).strip();
                if (!s.isEmpty()) {
                    st.execute(s);
                }
            }
        }
        assertEquals(List.of("1:one", "2:two"), db.column("SELECT CONCAT(id, ':', s) FROM b.dry ORDER BY id"));
        db.exec("SET SESSION sql_mode = DEFAULT", "SET SESSION time_zone = DEFAULT", "SET SESSION sql_log_bin = 1");
    }

    @Test
    void readsBinlogFilesAsWellAsTheServer() throws Exception {
        db.exec("CREATE TABLE b.files (id INT PRIMARY KEY, v INT)", "INSERT INTO b.files VALUES (1, 1)", "FLUSH BINARY LOGS");
        GtidSet snapshot = db.executed();
        db.exec("UPDATE b.files SET v = 2", "INSERT INTO b.files VALUES (2, 2)", "FLUSH BINARY LOGS");
        List<Path> files;
        try (Stream<Path> s = Files.list(db.instance.dataDir())) {
            files = s.filter(p -> p.getFileName().toString().matches("binlog\\.\\d+")).sorted().toList();
        }
        Flashback.run(new FlashbackRequest(new BinlogInput.FromFiles(files), new Selection.AllExcept(snapshot), null,
                db.settings(), null, null), null);
        assertEquals(List.of("1:1"), db.column("SELECT CONCAT(id, ':', v) FROM b.files"));
    }

    @Test
    void aRowChangedAfterTheRangeStopsTheRunAndRollsBackThatTransaction() throws Exception {
        db.exec("CREATE TABLE b.div (id INT PRIMARY KEY, v INT)", "INSERT INTO b.div VALUES (1, 0), (2, 0)");
        GtidSet s0 = db.executed();
        db.exec("UPDATE b.div SET v = 1");          // the range to undo: both rows
        GtidSet s1 = db.executed();
        List<List<String>> before = new java.util.ArrayList<>();
        FlashbackFailed failed = assertThrows(FlashbackFailed.class, () -> Db.runWithWriteBetweenPlanAndApply(
                FlashbackRequest.onServer(db.settings(), new Selection.Only(s1.subtract(s0))), () -> {
                    db.exec("UPDATE b.div SET v = 9 WHERE id = 2"); // after the check: not undone, and in the way
                    before.add(db.dump("b.div"));
                }));
        assertTrue(failed.getMessage().matches("(?s).*matched \\d+ rows instead of \\d+.*"), failed.getMessage());
        assertEquals(before.get(0), db.dump("b.div"), "the failed transaction's reverse was rolled back");
        assertTrue(failed.reversed().isEmpty());
    }

    @Test
    void onUpdateTimestampsKeepTheirValueWhenTheRangeLeftThemAlone() throws Exception {
        db.exec("CREATE TABLE b.stamp (id INT PRIMARY KEY, v INT, "
                        + "ts TIMESTAMP(6) NOT NULL DEFAULT '2001-02-03 04:05:06' ON UPDATE CURRENT_TIMESTAMP(6), "
                        + "dt DATETIME NOT NULL DEFAULT '2001-02-03 04:05:06' ON UPDATE CURRENT_TIMESTAMP)",
                "INSERT INTO b.stamp (id, v) VALUES (1, 0), (2, 0), (3, 0)");
        List<String> before = db.dump("b.stamp");
        GtidSet snapshot = db.executed();
        db.exec("UPDATE b.stamp SET v = v + 1, ts = ts, dt = dt"); // three rows in one event, the stamps unchanged
        flashbackAllSince(snapshot);
        assertEquals(before, db.dump("b.stamp"));
    }

    @Test
    void aDivergenceIsReportedRatherThanTheErrorItCausesLaterInTheSameTransaction() throws Exception {
        db.exec("CREATE TABLE b.first (id INT PRIMARY KEY, v INT)", "INSERT INTO b.first VALUES (1, 0), (5, 0)");
        GtidSet s0 = db.executed();
        db.exec("BEGIN", "DELETE FROM b.first WHERE id = 5", "UPDATE b.first SET v = 1 WHERE id = 1", "COMMIT");
        GtidSet s1 = db.executed();
        List<List<String>> before = new java.util.ArrayList<>();
        FlashbackFailed failed = assertThrows(FlashbackFailed.class, () -> Db.runWithWriteBetweenPlanAndApply(
                FlashbackRequest.onServer(db.settings(), new Selection.Only(s1.subtract(s0))), () -> {
                    // after the check: its reverse UPDATE now matches nothing, and its reverse INSERT, run after it, collides
                    db.exec("UPDATE b.first SET v = 9 WHERE id = 1", "INSERT INTO b.first VALUES (5, 7)");
                    before.add(db.dump("b.first"));
                }));
        assertTrue(failed.getMessage().contains("matched 0 rows instead of 1"), failed.getMessage());
        assertEquals(before.get(0), db.dump("b.first"));
    }

    @Test
    void aRowInsertedInTheRangeAndChangedAfterItStopsTheMultiRowDelete() throws Exception {
        db.exec("CREATE TABLE b.divins (id INT PRIMARY KEY, v INT, s VARCHAR(10))", "INSERT INTO b.divins VALUES (1, 0, 'keep')");
        GtidSet s0 = db.executed();
        db.exec("INSERT INTO b.divins VALUES (2, 0, 'a'), (3, 0, 'b'), (4, NULL, 'c')"); // one reverse DELETE of 3 rows
        GtidSet s1 = db.executed();
        List<List<String>> before = new java.util.ArrayList<>();
        FlashbackFailed failed = assertThrows(FlashbackFailed.class, () -> Db.runWithWriteBetweenPlanAndApply(
                FlashbackRequest.onServer(db.settings(), new Selection.Only(s1.subtract(s0))), () -> {
                    db.exec("UPDATE b.divins SET s = 'B' WHERE id = 3"); // after the check: only the letter case differs
                    before.add(db.dump("b.divins"));
                }));
        assertTrue(failed.getMessage().contains("matched 2 rows instead of 3"), failed.getMessage());
        assertEquals(before.get(0), db.dump("b.divins"), "the failed transaction's reverse was rolled back");

        db.exec("UPDATE b.divins SET s = 'b' WHERE id = 3");
        Flashback.run(FlashbackRequest.onServer(db.settings(), new Selection.Only(s1.subtract(s0))), null);
        assertEquals(List.of("1:0:keep"), db.column("SELECT CONCAT_WS(':', id, v, s) FROM b.divins"));
    }
}
