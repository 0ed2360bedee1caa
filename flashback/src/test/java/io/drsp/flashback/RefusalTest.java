package io.drsp.flashback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.core.gtid.GtidSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every reason to refuse, each shown to apply nothing: the data and gtid_executed are what they were. Each
 * refusal names the offending transaction's GTID.
 */
class RefusalTest {
    static Db db;
    static int n;
    String t;

    @BeforeAll
    static void start() throws Exception {
        db = Db.start("fb-refusal", 104, Map.of());
        db.exec("CREATE DATABASE r");
    }

    @AfterAll
    static void stop() throws Exception {
        db.close();
    }

    @BeforeEach
    void table() throws Exception {
        t = "r.t" + (++n);
        db.exec("CREATE TABLE " + t + " (id INT PRIMARY KEY, v INT, b BLOB, j JSON)",
                "INSERT INTO " + t + " VALUES (1, 1, X'01', '{\"a\": 1}'), (2, 2, X'02', '[1]')");
    }

    /** Runs a flashback that must be refused; checks nothing changed; returns the refusals. */
    private static List<Refusal> refused(Selection selection) throws Exception {
        Map<String, List<String>> dumps = new LinkedHashMap<>();
        for (String table : db.column("SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'r'")) {
            dumps.put(table, db.dump(table));
        }
        GtidSet executed = db.executed();
        FlashbackRefused e = assertThrows(FlashbackRefused.class,
                () -> Flashback.run(FlashbackRequest.onServer(db.settings(), selection), null));
        assertEquals(executed, db.executed(), "gtid_executed changed");
        dumps.forEach((table, dump) -> {
            try {
                assertEquals(dump, db.dump(table), table + " changed");
            } catch (java.sql.SQLException ex) {
                throw new IllegalStateException(ex);
            }
        });
        return e.refusals();
    }

    /** Runs one statement and returns the GTID it was given. */
    private static String gtidOf(String... sql) throws Exception {
        GtidSet before = db.executed();
        db.exec(sql);
        GtidSet added = db.executed().subtract(before);
        assertEquals(1, added.size(), "expected one transaction from " + String.join("; ", sql));
        return added.toCompactString();
    }

    private static void assertRefusal(List<Refusal> refusals, String gtid, String reasonPart) {
        assertTrue(refusals.stream().anyMatch(r -> r.gtid() != null && r.gtid().equals(gtid) && r.reason().contains(reasonPart)),
                "no refusal of " + gtid + " mentioning \"" + reasonPart + "\" in " + refusals);
    }

    /** A row changed after the range: refused before anything is applied, naming the table, key, column, values, GTID. */
    @Test
    void rowChangedAfterTheRange() throws Exception {
        String update = gtidOf("UPDATE " + t + " SET v = 5 WHERE id = 1");
        String delete = gtidOf("DELETE FROM " + t + " WHERE id = 2");
        String insert = gtidOf("INSERT INTO " + t + " VALUES (3, 3, X'03', NULL)");
        GtidSet range = GtidSet.parse(update).union(GtidSet.parse(delete)).union(GtidSet.parse(insert));
        db.exec("UPDATE " + t + " SET v = 7 WHERE id = 1", "INSERT INTO " + t + " VALUES (2, 20, NULL, NULL)");
        List<Refusal> refusals = refused(new Selection.Only(range));
        assertRefusal(refusals, update, "row (id = 1) of " + t + " has v = '7' where 5 was expected");
        assertRefusal(refusals, delete, "row (id = 2) of " + t + " exists, but the range deleted it");
        assertEquals(2, refusals.size(), refusals::toString);
        // the dry run refuses the same way, writing nothing
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("fb-refused");
        try (FlashbackPlan plan = Flashback.plan(FlashbackRequest.onServer(db.settings(), new Selection.Only(range))
                .withOptions(FlashbackApplier.Options.defaults().withDryRun(dir)))) {
            assertEquals(refusals.toString(), plan.refusals().toString());
        }
        assertTrue(!java.nio.file.Files.exists(dir.resolve("reverse.sql")), "the refused dry run wrote reverse SQL");
    }

    /** Keyless tables are compared as multisets: one of two equal rows the range left is gone. */
    @Test
    void keylessRowGoneAfterTheRange() throws Exception {
        db.exec("CREATE TABLE " + t + "_nokey (a INT, s VARCHAR(10))");
        String insert = gtidOf("INSERT INTO " + t + "_nokey VALUES (1, 'x'), (1, 'x'), (2, 'y')");
        db.exec("DELETE FROM " + t + "_nokey WHERE a = 1 LIMIT 1");
        List<Refusal> refusals = refused(new Selection.Only(GtidSet.parse(insert)));
        assertRefusal(refusals, insert, "holds 1 rows equal to the image (a = 1, s = ");
        assertEquals(1, refusals.size(), refusals::toString);
    }

    @Test
    void ddlAndTruncateInTheRange() throws Exception {
        GtidSet snapshot = db.executed();
        db.exec("UPDATE " + t + " SET v = 10");
        String alter = gtidOf("ALTER TABLE " + t + " ADD COLUMN extra INT");
        db.exec("UPDATE " + t + " SET v = 11");
        String truncate = gtidOf("TRUNCATE TABLE " + t);
        List<Refusal> refusals = refused(new Selection.AllExcept(snapshot));
        assertRefusal(refusals, alter, "DDL");
        assertRefusal(refusals, truncate, "DDL or TRUNCATE");
        assertTrue(refusals.stream().anyMatch(r -> r.statement() != null && r.statement().startsWith("ALTER TABLE")), refusals.toString());
    }

    @Test
    void statementFormatDml() throws Exception {
        GtidSet snapshot = db.executed();
        String stmt = gtidOf("SET SESSION binlog_format = 'STATEMENT'", "UPDATE " + t + " SET v = v + 1");
        db.exec("SET SESSION binlog_format = 'ROW'");
        assertRefusal(refused(new Selection.AllExcept(snapshot)), stmt, "statement-format");
    }

    @Test
    void minimalAndNoblobRowImages() throws Exception {
        GtidSet snapshot = db.executed();
        String minimal = gtidOf("SET SESSION binlog_row_image = 'MINIMAL'", "UPDATE " + t + " SET v = v + 1");
        String noblob = gtidOf("SET SESSION binlog_row_image = 'NOBLOB'", "UPDATE " + t + " SET v = v + 1");
        db.exec("SET SESSION binlog_row_image = 'FULL'");
        List<Refusal> refusals = refused(new Selection.AllExcept(snapshot));
        assertRefusal(refusals, minimal, "binlog_row_image");
        assertRefusal(refusals, noblob, "binlog_row_image");
    }

    @Test
    void partialJsonUpdates() throws Exception {
        GtidSet snapshot = db.executed();
        String partial = gtidOf("SET SESSION binlog_row_value_options = 'PARTIAL_JSON'", "SET SESSION binlog_row_image = 'MINIMAL'",
                "UPDATE " + t + " SET j = JSON_SET(j, '$.a', 2) WHERE id = 1");
        db.exec("SET SESSION binlog_row_value_options = ''", "SET SESSION binlog_row_image = 'FULL'");
        assertRefusal(refused(new Selection.AllExcept(snapshot)), partial, "partial JSON");
    }

    @Test
    void missingColumnMetadata() throws Exception {
        GtidSet snapshot = db.executed();
        String minimal;
        try {
            minimal = gtidOf("SET GLOBAL binlog_row_metadata = 'MINIMAL'", "UPDATE " + t + " SET v = v + 1");
        } finally {
            db.exec("SET GLOBAL binlog_row_metadata = 'FULL'");
        }
        assertRefusal(refused(new Selection.AllExcept(snapshot)), minimal, "binlog_row_metadata");
    }

    @Test
    void tableDefinitionChangingBetweenSelectedTransactions() throws Exception {
        String first = gtidOf("UPDATE " + t + " SET v = 20");
        db.exec("ALTER TABLE " + t + " ADD COLUMN extra INT"); // not selected
        String second = gtidOf("UPDATE " + t + " SET v = 21");
        List<Refusal> refusals = refused(new Selection.Only(GtidSet.parse(first).union(GtidSet.parse(second))));
        assertRefusal(refusals, second, "changes definition");
    }

    @Test
    void tableChangedOnTheTargetAfterTheRange() throws Exception {
        String update = gtidOf("UPDATE " + t + " SET v = 30");
        db.exec("ALTER TABLE " + t + " DROP COLUMN j");
        List<Refusal> refusals = refused(new Selection.Only(GtidSet.parse(update)));
        assertTrue(refusals.stream().anyMatch(r -> r.reason().contains("definition changed after the range")), refusals.toString());
    }

    @Test
    void valuesThatCannotBeWrittenBackExactly() throws Exception {
        GtidSet snapshot = db.executed();
        // a JSON opaque BLOB: there is no SQL expression that rebuilds it byte for byte
        String opaque = gtidOf("UPDATE " + t + " SET j = JSON_ARRAY(CAST('ab' AS BINARY)) WHERE id = 2");
        assertRefusal(refused(new Selection.AllExcept(snapshot)), opaque, "cannot decode");
    }

    /** XA branches are undone (XaFlashbackTest); one still prepared cannot be, and is refused naming its prepare. */
    @Test
    void anXaBranchStillPreparedIsRefused() throws Exception {
        GtidSet snapshot = db.executed();
        String prepare = gtidOf("XA START 'x1'", "UPDATE " + t + " SET v = 40", "XA END 'x1'", "XA PREPARE 'x1'");
        try {
            List<Refusal> refusals = refused(new Selection.AllExcept(snapshot));
            assertRefusal(refusals, prepare, "is still prepared");
            assertEquals(1, refusals.size(), refusals.toString());
        } finally {
            db.exec("XA ROLLBACK 'x1'");
        }
    }

    @Test
    void everyOffendingTransactionIsListedAndGoodOnesDoNotHideThem() throws Exception {
        GtidSet snapshot = db.executed();
        db.exec("UPDATE " + t + " SET v = 50");
        String ddl = gtidOf("CREATE TABLE r.extra_" + n + " (id INT PRIMARY KEY)");
        db.exec("UPDATE " + t + " SET v = 51");
        String stmt = gtidOf("SET SESSION binlog_format = 'STATEMENT'", "DELETE FROM " + t + " WHERE id = 2");
        db.exec("SET SESSION binlog_format = 'ROW'", "UPDATE " + t + " SET v = 52");
        List<Refusal> refusals = refused(new Selection.AllExcept(snapshot));
        assertRefusal(refusals, ddl, "DDL");
        assertRefusal(refusals, stmt, "statement-format");
        assertEquals(2, refusals.size(), refusals.toString());
    }

    @Test
    void purgedBinlogAndUnknownGtids() throws Exception {
        String old = gtidOf("UPDATE " + t + " SET v = 60");
        db.exec("FLUSH BINARY LOGS");
        db.exec("PURGE BINARY LOGS TO '" + lastBinlog() + "'");
        List<Refusal> purged = refused(new Selection.Only(GtidSet.parse(old)));
        assertTrue(purged.stream().anyMatch(r -> r.reason().contains("purged")), purged.toString());
        String uuid = db.executed().uuids().first();
        List<Refusal> unknown = refused(new Selection.Only(GtidSet.of(uuid, 1_000_000, 1_000_001)));
        assertTrue(unknown.stream().anyMatch(r -> r.reason().contains("has not executed")), unknown.toString());
    }

    private static String lastBinlog() throws Exception {
        List<String> logs = db.column("SHOW BINARY LOGS");
        return logs.get(logs.size() - 1);
    }
}
