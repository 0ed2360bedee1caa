package io.drsp.flashback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.core.gtid.GtidSet;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pre-flight check's digest must be the server's own digest of the same row, for every column kind it covers and
 * their extremes, or every batch would silently fall back to the slow value-by-value comparison (correct, but the
 * check would cost what the bench says it must not). A row that differs must still be found and named.
 */
class RowDigestTest {
    static Db db;

    @BeforeAll
    static void start() throws Exception {
        db = Db.start("fb-digest", 107, Map.of());
        db.exec("CREATE DATABASE d");
    }

    @AfterAll
    static void stop() throws Exception {
        db.close();
    }

    @Test
    void everyCoveredColumnKindDigestsAsTheServerDoesAndADifferingRowIsStillNamed() throws Exception {
        db.exec("CREATE TABLE d.t (id BIGINT UNSIGNED PRIMARY KEY, c VARCHAR(8) CHARACTER SET latin1, ti TINYINT, "
                        + "tu TINYINT UNSIGNED, si SMALLINT, mi MEDIUMINT UNSIGNED, i INT, bi BIGINT, "
                        + "d0 DECIMAL(10,0), d2 DECIMAL(12,2) UNSIGNED, dm DECIMAL(65,30), "
                        + "u VARCHAR(20) CHARACTER SET utf8mb4, g VARCHAR(10) CHARACTER SET gbk, ch CHAR(5), "
                        + "tx TEXT, bl BLOB, vb VARBINARY(10), n INT NULL)",
                "INSERT INTO d.t VALUES (18446744073709551615, 'a', -128, 255, -32768, 16777215, -2147483648, "
                        + "-9223372036854775808, -9999999999, 9999999999.99, -12345678901234567890123456789012345.123456789012345678901234567890, "
                        + "'汉字😀', X'BABA', 'ab', '', X'00FF', X'', NULL)",
                "INSERT INTO d.t VALUES (0, '', 127, 0, 32767, 0, 2147483647, 9223372036854775807, 0, 0.00, 0, "
                        + "'', '', '', 'text', '', X'00', 7)",
                "INSERT INTO d.t (id) VALUES (5)");
        for (int i = 10; i < 2500; i++) {
            db.exec("INSERT INTO d.t (id, c, i, d2, u, n) VALUES (" + i + ", 'r" + i + "', " + -i + ", " + i + ".5, 'é" + i + "', NULL)");
        }
        GtidSet snapshot = db.executed();
        db.exec("UPDATE d.t SET i = i + 1, u = CONCAT(u, 'x') WHERE id % 3 = 0 AND id > 0",
                "DELETE FROM d.t WHERE id % 7 = 0",
                "INSERT INTO d.t (id, c) VALUES (9000, 'new'), (9001, 'new')",
                "UPDATE d.t SET ti = -1, tu = 254, dm = -0.000000000000000000000000000001 WHERE id IN (0, 5, 18446744073709551615)");

        try (FlashbackPlan plan = Flashback.plan(FlashbackRequest.onServer(db.settings(), new Selection.AllExcept(snapshot)))) {
            assertFalse(plan.isRefused(), plan::toString);
            RowCheckSummary check = plan.rowCheck();
            assertEquals(0, check.rowsByValue(), "every batch matched by digest: " + check);
            assertTrue(check.rowsByDigest() > 1000, check.toString());
        }

        // A row changed after the range: its batch's digest differs, and the row is named value by value.
        GtidSet range = db.executed().subtract(snapshot);
        db.exec("UPDATE d.t SET u = 'later' WHERE id = 12");
        try (FlashbackPlan plan = Flashback.plan(FlashbackRequest.onServer(db.settings(), new Selection.Only(range)))) {
            assertTrue(plan.isRefused(), plan::toString);
            assertTrue(plan.refusals().toString().contains("row (id = 12) of d.t has u = 'later'"), plan.refusals().toString());
            assertTrue(plan.rowCheck().rowsByValue() > 0 && plan.rowCheck().rowsByValue() <= DigestPass.BATCH,
                    "only the batch that differs is compared value by value: " + plan.rowCheck());
        }
    }

    @Test
    void aColumnTheDigestDoesNotCoverIsComparedValueByValue() throws Exception {
        db.exec("CREATE TABLE d.b (id INT PRIMARY KEY, fixed BINARY(4))", "INSERT INTO d.b VALUES (1, X'01'), (2, X'0203')");
        GtidSet snapshot = db.executed();
        db.exec("UPDATE d.b SET fixed = X'09' WHERE id = 1");
        try (FlashbackPlan plan = Flashback.plan(FlashbackRequest.onServer(db.settings(), new Selection.AllExcept(snapshot)))) {
            assertFalse(plan.isRefused(), plan::toString);
            assertEquals(new RowCheckSummary(plan.rowCheck().took(), 0, 1), plan.rowCheck());
        }
    }
}
