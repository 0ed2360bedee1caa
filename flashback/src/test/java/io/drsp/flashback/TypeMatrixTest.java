package io.drsp.flashback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.drsp.core.gtid.GtidSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The "Done when" test: tables covering every MySQL 8 column type, seeded random DML in many transactions,
 * flashback of everything after the snapshot, then every table equals its snapshot (ordered dump of every
 * column's bytes, and CHECKSUM TABLE). Rounds: -Ddrsp.flashback.rounds (default 40); one seed per round, printed
 * on failure; -Ddrsp.flashback.seed replays one round.
 */
class TypeMatrixTest {
    static Db db;

    /** A column: its DDL and a generator of SQL literals for it (the test's own literals, not the engine's). */
    record Col(String name, String ddl, Function<Random, String> gen) {
    }

    static final Map<String, List<Col>> TABLES = new LinkedHashMap<>();
    /** Tables keyed by {@code id}; the keyless one is handled apart. */
    static final List<String> KEYED = List.of("tm.t_num", "tm.t_str", "tm.t_time", "tm.t_json_geo");

    static {
        TABLES.put("tm.t_num", List.of(
                new Col("ti", "TINYINT", r -> pick(r, "-128", "127", "0", "NULL", Integer.toString(r.nextInt(256) - 128))),
                new Col("tiu", "TINYINT UNSIGNED", r -> pick(r, "0", "255", Integer.toString(r.nextInt(256)))),
                new Col("si", "SMALLINT", r -> pick(r, "-32768", "32767", Integer.toString(r.nextInt(65536) - 32768))),
                new Col("siu", "SMALLINT UNSIGNED", r -> pick(r, "0", "65535", Integer.toString(r.nextInt(65536)))),
                new Col("mi", "MEDIUMINT", r -> pick(r, "-8388608", "8388607", Integer.toString(r.nextInt(1 << 24) - (1 << 23)))),
                new Col("miu", "MEDIUMINT UNSIGNED", r -> pick(r, "0", "16777215", Integer.toString(r.nextInt(1 << 24)))),
                new Col("i", "INT", r -> pick(r, "-2147483648", "2147483647", Integer.toString(r.nextInt()))),
                new Col("iu", "INT UNSIGNED", r -> pick(r, "0", "4294967295", Long.toString(r.nextLong() & 0xffffffffL))),
                new Col("bi", "BIGINT", r -> pick(r, "-9223372036854775808", "9223372036854775807", Long.toString(r.nextLong()))),
                new Col("biu", "BIGINT UNSIGNED", r -> pick(r, "0", "18446744073709551615", "9223372036854775808",
                        Long.toUnsignedString(r.nextLong()))),
                new Col("d65", "DECIMAL(65,30)", r -> pick(r, "NULL", "0", "-" + "9".repeat(35) + "." + "9".repeat(30),
                        "9".repeat(35) + "." + "9".repeat(30), "0.000000000000000000000000000001", randomDecimal(r, 35, 30))),
                new Col("d10", "DECIMAL(10,0) UNSIGNED", r -> pick(r, "0", "9999999999", randomDecimal(r, 10, 0).replace("-", ""))),
                new Col("d52", "DECIMAL(5,2)", r -> pick(r, "-999.99", "999.99", "0.01", "-0.01", randomDecimal(r, 3, 2))),
                new Col("f", "FLOAT", r -> pick(r, "0.1", "-3.40282e38", "3.40282e38", "1.17549e-38", "NULL",
                        Float.toString((float) (r.nextGaussian() * Math.pow(10, r.nextInt(40) - 20))))),
                new Col("dbl", "DOUBLE", r -> pick(r, "0.1", "1.7976931348623157e308", "-2.2250738585072014e-308", "4.9e-324",
                        "NULL", Double.toString(r.nextGaussian() * Math.pow(10, r.nextInt(600) - 300)))),
                new Col("b1", "BIT(1)", r -> pick(r, "b'0'", "b'1'", "NULL")),
                new Col("b7", "BIT(7)", r -> "b'" + Integer.toBinaryString(r.nextInt(128)) + "'"),
                new Col("b64", "BIT(64)", r -> pick(r, "b'0'", "18446744073709551615", "b'" + Long.toBinaryString(r.nextLong()) + "'")),
                new Col("y", "YEAR", r -> pick(r, "0", "1901", "2155", "2000", "NULL", Integer.toString(1901 + r.nextInt(255))))));
        TABLES.put("tm.t_str", List.of(
                new Col("c", "CHAR(10) CHARACTER SET utf8mb4", r -> utf8(r, 10, false)),
                new Col("vc", "VARCHAR(300) CHARACTER SET utf8mb4", r -> utf8(r, 300, true)),
                new Col("c255", "CHAR(255) CHARACTER SET utf8mb4", r -> utf8(r, 255, false)),
                new Col("tx", "TEXT CHARACTER SET utf8mb4", r -> utf8(r, 2000, true)),
                new Col("mtx", "MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", r -> utf8(r, 100, true)),
                new Col("lc", "CHAR(5) CHARACTER SET latin1", r -> latin1(r, 5)),
                new Col("lvc", "VARCHAR(20) CHARACTER SET latin1", r -> latin1(r, 20)),
                new Col("ltx", "TINYTEXT CHARACTER SET latin1", r -> latin1(r, 255)),
                new Col("bn", "BINARY(8)", r -> bytes(r, 8)),
                new Col("vb", "VARBINARY(300)", r -> bytes(r, 300)),
                new Col("bl", "BLOB", r -> bytes(r, 3000)),
                new Col("lbl", "LONGBLOB", r -> bytes(r, 20)),
                new Col("e", "ENUM('a','b','c d','é','x ') CHARACTER SET utf8mb4", r -> pick(r, "'a'", "'b'", "'c d'", "'é'", "'x '", "NULL")),
                new Col("st", "SET('x','y','z','ü') CHARACTER SET utf8mb4", r -> pick(r, "''", "'x'", "'y,z'", "'x,y,z,ü'", "NULL"))));
        TABLES.put("tm.t_time", List.of(
                new Col("dt", "DATE", r -> pick(r, "'0000-00-00'", "'2020-00-15'", "'1000-01-01'", "'9999-12-31'", "NULL", "'" + date(r) + "'")),
                new Col("dtm0", "DATETIME", r -> datetime(r, 0)),
                new Col("dtm1", "DATETIME(1)", r -> datetime(r, 1)),
                new Col("dtm3", "DATETIME(3)", r -> datetime(r, 3)),
                new Col("dtm4", "DATETIME(4)", r -> datetime(r, 4)),
                new Col("dtm6", "DATETIME(6)", r -> datetime(r, 6)),
                new Col("ts0", "TIMESTAMP NULL", r -> timestamp(r, 0)),
                new Col("ts2", "TIMESTAMP(2) NULL", r -> timestamp(r, 2)),
                new Col("ts5", "TIMESTAMP(5) NULL", r -> timestamp(r, 5)),
                new Col("ts6", "TIMESTAMP(6) NULL", r -> timestamp(r, 6)),
                new Col("tm0", "TIME", r -> time(r, 0)),
                new Col("tm1", "TIME(1)", r -> time(r, 1)),
                new Col("tm2", "TIME(2)", r -> time(r, 2)),
                new Col("tm3", "TIME(3)", r -> time(r, 3)),
                new Col("tm4", "TIME(4)", r -> time(r, 4)),
                new Col("tm6", "TIME(6)", r -> time(r, 6))));
        TABLES.put("tm.t_json_geo", List.of(
                new Col("j", "JSON", TypeMatrixTest::json),
                new Col("g", "GEOMETRY", r -> pick(r, "NULL", "ST_GeomFromText('POINT(1 2)')",
                        "ST_GeomFromText('LINESTRING(0 0, 1.5 2.25, -3 4)')",
                        "ST_GeomFromText('POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))')",
                        "ST_GeomFromText('POINT(10 20)', 4326)",
                        "ST_GeomFromText('MULTIPOINT((1 1),(2 2))', 3857)",
                        "ST_GeomFromText('POINT(" + r.nextDouble() + " " + r.nextDouble() + ")')")),
                new Col("pt", "POINT NOT NULL SRID 4326", r -> "ST_GeomFromText('POINT(" + (r.nextInt(179) - 89) + "." + r.nextInt(1000)
                        + " " + (r.nextInt(360) - 180) + ")', 4326)"),
                // Character columns of two charsets after the geometry ones: the table map lists charsets per
                // character column only, and counting a GEOMETRY column among them once shifted every later charset.
                new Col("glat", "VARCHAR(20) CHARACTER SET latin1", r -> latin1(r, 20)),
                new Col("gutf", "VARCHAR(20) CHARACTER SET utf8mb4", r -> utf8(r, 20, true)),
                new Col("inv", "INT INVISIBLE", r -> pick(r, "NULL", Integer.toString(r.nextInt())))));
    }

    static final String KEYLESS_DDL = "CREATE TABLE tm.t_keyless (a INT, b VARCHAR(10) CHARACTER SET utf8mb4, c DOUBLE, "
            + "d DATETIME(3), e BLOB, f CHAR(3) CHARACTER SET latin1, g DECIMAL(6,2), gen INT AS (a + 1) VIRTUAL)";

    @BeforeAll
    static void start() throws Exception {
        db = Db.start("fb-types", 101, Map.of("default-time-zone", "+02:00"));
        db.exec("CREATE DATABASE tm");
        for (var e : TABLES.entrySet()) {
            StringBuilder ddl = new StringBuilder("CREATE TABLE " + e.getKey() + " (id BIGINT NOT NULL PRIMARY KEY");
            for (Col c : e.getValue()) {
                ddl.append(", `").append(c.name()).append("` ").append(c.ddl());
            }
            if (e.getKey().equals("tm.t_json_geo")) {
                ddl.append(", gs BIGINT AS (id * 2) STORED, gv VARCHAR(40) AS (JSON_TYPE(j)) VIRTUAL");
            }
            db.exec(ddl + ")");
        }
        db.exec(KEYLESS_DDL);
    }

    @AfterAll
    static void stop() throws Exception {
        if (db != null) {
            db.close();
        }
    }

    @Test
    void everyTypeComesBackExactlyAfterRandomDml() throws Exception {
        int rounds = Integer.getInteger("drsp.flashback.rounds", 40);
        Long only = Long.getLong("drsp.flashback.seed");
        long base = System.nanoTime();
        for (int round = 0; round < rounds; round++) {
            long seed = only != null ? only : base + round;
            try {
                round(seed);
            } catch (Throwable t) {
                throw new AssertionError("type matrix round " + round + " failed; replay with -Ddrsp.flashback.seed=" + seed
                        + ": " + t.getMessage(), t);
            }
            if (only != null) {
                break;
            }
        }
    }

    private void round(long seed) throws Exception {
        Random r = new Random(seed);
        populate(r);
        db.exec("FLUSH BINARY LOGS");
        GtidSet snapshot = db.executed();
        Map<String, List<String>> dumps = new LinkedHashMap<>();
        Map<String, String> sums = new LinkedHashMap<>();
        for (String t : allTables()) {
            dumps.put(t, db.dump(t));
            sums.put(t, db.checksum(t));
        }
        randomDml(r);
        assertFalse(db.executed().equals(snapshot), "the DML wrote nothing");
        FlashbackRequest request = FlashbackRequest.onServer(db.settings(), new Selection.AllExcept(snapshot))
                .withOptions(new FlashbackApplier.Options(r.nextBoolean(), null, 1 + r.nextInt(300), 1 << 20, r.nextBoolean(),
                        r.nextInt(4) == 0 ? 1 : 4)); // mostly parallel: the scheduler must not change any result
        try (FlashbackPlan plan = Flashback.plan(request)) {
            if (Boolean.getBoolean("drsp.flashback.verbose")) {
                System.out.println("seed " + seed + ": " + plan + "\n json decimals: "
                        + db.one("SELECT COUNT(*) FROM tm.t_json_geo WHERE JSON_TYPE(JSON_EXTRACT(j, '$.d')) = 'DECIMAL'"));
            }
            Flashback.apply(plan, null);
        }
        for (String t : allTables()) {
            assertEquals(dumps.get(t), db.dump(t), t + " differs from its snapshot");
            assertEquals(sums.get(t), db.checksum(t), "CHECKSUM TABLE " + t);
        }
    }

    /**
     * Before the snapshot: keep every table at a few dozen random rows, so the round's updates and deletes hit
     * rows whose (random) old values the flashback must restore.
     */
    private void populate(Random r) throws Exception {
        db.exec("SET SESSION time_zone = '+05:30'", "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'");
        for (String table : KEYED) {
            int count = Integer.parseInt(db.one("SELECT COUNT(*) FROM " + table));
            if (count > 60) {
                db.exec("DELETE FROM " + table + " ORDER BY RAND(" + r.nextInt() + ") LIMIT 20");
            }
            if (count < 40) {
                for (int i = 0; i < 4; i++) {
                    insertRows(r, table, 5);
                }
            }
        }
        int keyless = Integer.parseInt(db.one("SELECT COUNT(*) FROM tm.t_keyless"));
        if (keyless > 60) {
            db.exec("DELETE FROM tm.t_keyless ORDER BY RAND(" + r.nextInt() + ") LIMIT 20");
        }
        for (int i = 0; i < 5; i++) {
            keylessInsert(r);
        }
        db.exec("SET SESSION time_zone = DEFAULT", "SET SESSION sql_mode = DEFAULT");
    }

    static List<String> allTables() {
        List<String> all = new ArrayList<>(TABLES.keySet());
        all.add("tm.t_keyless");
        return all;
    }

    /** Several transactions of multi-row inserts, updates (some changing the key) and deletes on every table. */
    private void randomDml(Random r) throws Exception {
        db.exec("SET SESSION time_zone = '+05:30'", "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'");
        int transactions = 3 + r.nextInt(8);
        for (int t = 0; t < transactions; t++) {
            db.exec("BEGIN");
            int statements = 1 + r.nextInt(5);
            for (int s = 0; s < statements; s++) {
                String table = r.nextInt(5) == 0 ? "tm.t_keyless" : KEYED.get(r.nextInt(KEYED.size()));
                if (table.equals("tm.t_keyless")) {
                    keylessStatement(r);
                } else {
                    keyedStatement(r, table);
                }
            }
            db.exec("COMMIT");
        }
        db.exec("SET SESSION time_zone = DEFAULT", "SET SESSION sql_mode = DEFAULT");
    }

    private void keyedStatement(Random r, String table) throws Exception {
        List<Col> cols = TABLES.get(table);
        List<String> ids = db.column("SELECT id FROM " + table);
        int kind = ids.size() < 5 ? 0 : r.nextInt(5) == 0 ? 0 : 1 + r.nextInt(3);
        switch (kind) {
            case 0 -> insertRows(r, table, 1 + r.nextInt(6));
            case 1 -> {
                Col c = cols.get(r.nextInt(cols.size()));
                Col c2 = cols.get(r.nextInt(cols.size()));
                db.exec("UPDATE " + table + " SET `" + c.name() + "` = " + c.gen().apply(r) + ", `" + c2.name() + "` = "
                        + c2.gen().apply(r) + " WHERE id IN (" + someIds(r, ids) + ")");
            }
            case 2 -> db.exec("UPDATE " + table + " SET id = " + freshId(r) + ", `" + cols.get(0).name() + "` = "
                    + cols.get(0).gen().apply(r) + " WHERE id = " + ids.get(r.nextInt(ids.size())));
            default -> db.exec("DELETE FROM " + table + " WHERE id IN (" + someIds(r, ids) + ")");
        }
    }

    private void insertRows(Random r, String table, int n) throws Exception {
        List<Col> cols = TABLES.get(table);
        StringBuilder sql = new StringBuilder("INSERT INTO " + table + " (id");
        cols.forEach(c -> sql.append(", `").append(c.name()).append('`'));
        sql.append(") VALUES ");
        for (int i = 0; i < n; i++) {
            sql.append(i == 0 ? "(" : ", (").append(freshId(r));
            for (Col c : cols) {
                sql.append(", ").append(c.gen().apply(r));
            }
            sql.append(')');
        }
        db.exec(sql.toString());
    }

    private void keylessInsert(Random r) throws Exception {
        String[] row = keylessRow(r);
        StringBuilder sql = new StringBuilder("INSERT INTO tm.t_keyless (a, b, c, d, e, f, g) VALUES ");
        int n = 1 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
            String[] v = r.nextInt(3) == 0 ? row : keylessRow(r); // duplicates on purpose
            sql.append(i == 0 ? "" : ", ").append("(").append(String.join(", ", v)).append(")");
        }
        db.exec(sql.toString());
    }

    private void keylessStatement(Random r) throws Exception {
        int count = Integer.parseInt(db.one("SELECT COUNT(*) FROM tm.t_keyless"));
        int kind = count < 4 ? 0 : r.nextInt(3);
        String[] row = keylessRow(r);
        switch (kind) {
            case 0 -> keylessInsert(r);
            case 1 -> db.exec("UPDATE tm.t_keyless SET a = " + row[0] + ", e = " + row[4] + " WHERE a <=> (SELECT a FROM "
                    + "(SELECT a FROM tm.t_keyless ORDER BY RAND(" + r.nextInt() + ") LIMIT 1) x) LIMIT " + (1 + r.nextInt(2)));
            default -> db.exec("DELETE FROM tm.t_keyless WHERE b <=> (SELECT b FROM (SELECT b FROM tm.t_keyless ORDER BY RAND("
                    + r.nextInt() + ") LIMIT 1) x) LIMIT " + (1 + r.nextInt(2)));
        }
    }

    private static String[] keylessRow(Random r) {
        return new String[] {
                pick(r, "NULL", "1", "2", Integer.toString(r.nextInt(5))),
                pick(r, "NULL", "'a'", "'A'", "'a '", "''", "'😀'"),
                pick(r, "NULL", "0.1", "1e300", "-2.5"),
                pick(r, "NULL", "'2024-01-01 10:00:00.123'", "'0000-00-00 00:00:00.000'"),
                pick(r, "NULL", "X''", "X'00'", "X'0000'", "X'ff00c328'"),
                pick(r, "NULL", "'x'", "'X'", "'x  '"),
                pick(r, "NULL", "1.50", "-0.01", "9999.99")};
    }

    private static long nextId = 1;

    private static long freshId(Random r) {
        return nextId++ * 7 + (r.nextBoolean() ? 0 : 3);
    }

    private static String someIds(Random r, List<String> ids) {
        StringBuilder s = new StringBuilder();
        int n = 1 + r.nextInt(Math.min(5, ids.size()));
        for (int i = 0; i < n; i++) {
            s.append(i == 0 ? "" : ", ").append(ids.get(r.nextInt(ids.size())));
        }
        return s.toString();
    }

    static String pick(Random r, String... options) {
        return options[r.nextInt(options.length)];
    }

    static String randomDecimal(Random r, int intDigits, int scale) {
        StringBuilder s = new StringBuilder(r.nextBoolean() ? "-" : "");
        int n = 1 + r.nextInt(intDigits);
        for (int i = 0; i < n; i++) {
            s.append((char) ('0' + r.nextInt(10)));
        }
        if (scale > 0) {
            s.append('.');
            for (int i = 0; i < scale; i++) {
                s.append((char) ('0' + r.nextInt(10)));
            }
        }
        return s.toString();
    }

    private static final String[] PIECES = {"a", "Z", " ", "é", "ß", "€", "😀", "𝄞", "'", "\\", "\"", "\n", "\u0000", "中"};

    static String utf8(Random r, int maxChars, boolean trailingSpaces) {
        if (r.nextInt(8) == 0) {
            return "NULL";
        }
        int n = r.nextInt(Math.min(maxChars, 40) + 1);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append(PIECES[r.nextInt(PIECES.length)]);
        }
        if (trailingSpaces && r.nextBoolean()) {
            s.append("  ");
        }
        String v = s.toString();
        while (v.codePointCount(0, v.length()) > maxChars) {
            v = v.substring(0, v.offsetByCodePoints(0, maxChars));
        }
        return "_utf8mb4 X'" + HexFormat.of().formatHex(v.getBytes(StandardCharsets.UTF_8)) + "'";
    }

    static String latin1(Random r, int max) {
        if (r.nextInt(8) == 0) {
            return "NULL";
        }
        byte[] b = new byte[r.nextInt(Math.min(max, 30) + 1)];
        r.nextBytes(b);
        return "_latin1 X'" + HexFormat.of().formatHex(b) + "'";
    }

    static String bytes(Random r, int max) {
        if (r.nextInt(8) == 0) {
            return "NULL";
        }
        byte[] b = new byte[r.nextInt(Math.min(max, 2000) + 1)];
        r.nextBytes(b);
        if (b.length > 2 && r.nextBoolean()) {
            b[0] = 0;
            b[b.length - 1] = 0; // a trailing 0x00 (BINARY pads with it)
        }
        if (b.length > 2 && r.nextBoolean()) {
            b[1] = (byte) 0xc3; // invalid UTF-8: 0xc3 followed by anything not a continuation byte
            b[2] = 0x28;
        }
        return "X'" + HexFormat.of().formatHex(b) + "'";
    }

    static String date(Random r) {
        return String.format("%04d-%02d-%02d", 1000 + r.nextInt(9000), 1 + r.nextInt(12), 1 + r.nextInt(28));
    }

    static String frac(Random r, int fsp) {
        if (fsp == 0) {
            return "";
        }
        StringBuilder s = new StringBuilder(".");
        for (int i = 0; i < fsp; i++) {
            s.append((char) ('0' + r.nextInt(10)));
        }
        return s.toString();
    }

    static String datetime(Random r, int fsp) {
        return pick(r, "NULL", "'0000-00-00 00:00:00'", "'9999-12-31 23:59:59" + (fsp == 0 ? "" : "." + "9".repeat(fsp)) + "'",
                "'" + date(r) + String.format(" %02d:%02d:%02d", r.nextInt(24), r.nextInt(60), r.nextInt(60)) + frac(r, fsp) + "'");
    }

    static String timestamp(Random r, int fsp) {
        // the workload session runs at +05:30; the range is what TIMESTAMP holds there
        long seconds = 19800 + 1 + (long) (r.nextDouble() * (2147483647L - 1));
        java.time.LocalDateTime t = java.time.LocalDateTime.ofEpochSecond(seconds, 0, java.time.ZoneOffset.ofHoursMinutes(5, 30));
        return pick(r, "NULL", "'0000-00-00 00:00:00'", "'" + t.toString().replace('T', ' ')
                + (t.getSecond() == 0 && !t.toString().matches(".*:\\d\\d:\\d\\d$") ? ":00" : "") + frac(r, fsp) + "'");
    }

    static String time(Random r, int fsp) {
        String max = "838:59:59" + (fsp == 0 ? "" : "." + "0".repeat(fsp));
        return pick(r, "NULL", "'-" + max + "'", "'" + max + "'", "'00:00:00'", "'-00:00:00" + frac(r, fsp) + "'",
                "'" + (r.nextBoolean() ? "-" : "") + r.nextInt(839) + ":" + String.format("%02d:%02d", r.nextInt(60), r.nextInt(60))
                        + frac(r, fsp) + "'");
    }

    static String json(Random r) {
        return pick(r, "NULL", "'null'", "'true'", "'{}'", "'[]'", "'\"text\"'", "'18446744073709551615'", "'-9223372036854775808'",
                "'{\"a\": [1, 2.5, -3, \"x\\\\u00e9\\\\\"\", null, true, false, {\"b\": {\"c\": []}}], \"\": 1.5e300, \"ü😀\": \"中\"}'",
                "'[1, 0.1, 1e-300, 9223372036854775807, 9223372036854775808, 123456789012345678901234567890]'",
                "JSON_OBJECT('d', CAST(1.50 AS DECIMAL(5,2)), 'u', CAST(5 AS UNSIGNED), 'neg', -7, 'dt', CAST('2020-02-03' AS DATE))",
                "JSON_ARRAY(CAST('2021-01-02 03:04:05.678901' AS DATETIME(6)), CAST('-12:30:00.5' AS TIME(1)), 32767, 65535, 2147483648)",
                "JSON_OBJECT('k" + r.nextInt(100) + "', " + r.nextInt() + ", 'big', REPEAT('x', " + r.nextInt(70000) + "))",
                "CAST(" + LiteralRenderer.real(r.nextDouble() * Math.pow(10, r.nextInt(40) - 20)) + " AS JSON)");
    }
}
