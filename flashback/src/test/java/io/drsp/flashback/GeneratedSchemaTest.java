package io.drsp.flashback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.MysqlDistribution;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Random tables from a printed seed: 1-40 columns of the type matrix's types in random order, random nullability,
 * charsets (utf8mb4, latin1, gbk, binary) and keys (none, single, composite, on a prefix, or a UNIQUE key instead).
 * Rows include each type's extremes. Two checks per table:
 * <ul>
 *   <li>what drsp decodes from the binlog for the inserts, rendered as forward SQL and run by MySQL's own client
 *       into an empty copy of the table, equals what the server stored (ordered dump and CHECKSUM TABLE);</li>
 *   <li>random DML (multi-row statements, key updates, deletes) flashed back leaves every table as it was.</li>
 * </ul>
 * {@code -Dflashback.tables=N} (default 200), {@code -Dflashback.seed=N} replays one round, printed on failure.
 */
class GeneratedSchemaTest {
    static final int TABLES_PER_ROUND = 10;
    static Db db;
    static Path work;

    /** One generated column: DDL fragment, literal generator, and whether (and how) it may be part of a key. */
    record Col(String name, String type, Function<Random, String> gen, Key key) {
    }

    enum Key { NO, WHOLE, PREFIX }

    @BeforeAll
    static void start() throws Exception {
        db = Db.start("fb-generated", 131, Map.of("default-time-zone", "+02:00"));
        work = Files.createTempDirectory("fb-generated");
    }

    @AfterAll
    static void stop() throws Exception {
        if (db != null) {
            db.close();
        }
    }

    /** The shape: integers after a character column, the signedness flags were indexed twice. */
    @Test
    void integersAfterACharacterColumnKeepTheirSign() throws Exception {
        db.exec("DROP DATABASE IF EXISTS sg", "CREATE DATABASE sg",
                "CREATE TABLE sg.t (id BIGINT UNSIGNED, code VARCHAR(8), qty TINYINT UNSIGNED, delta SMALLINT, PRIMARY KEY (id, code))",
                // YEAR before an unsigned integer: YEAR has a signedness flag of its own
                "CREATE TABLE sg.y (y YEAR, u TINYINT UNSIGNED, s SMALLINT, id INT PRIMARY KEY)",
                // eight numeric columns and a YEAR: the server writes two bytes of flags, so it counts YEAR
                "CREATE TABLE sg.w (y YEAR, a TINYINT UNSIGNED, b TINYINT, c SMALLINT UNSIGNED, d INT UNSIGNED, e BIGINT UNSIGNED,"
                        + " f DECIMAL(5,2) UNSIGNED, g MEDIUMINT UNSIGNED, id INT PRIMARY KEY)",
                "INSERT INTO sg.t VALUES (1, 'a', 1, 1), (18446744073709551615, 'b', 0, -1)",
                "INSERT INTO sg.y VALUES (2000, 1, 1, 1)",
                "INSERT INTO sg.w VALUES (2155, 1, -1, 1, 1, 1, 1.5, 1, 1)");
        List<String> tables = List.of("sg.t", "sg.y", "sg.w");
        GtidSet snapshot = db.executed();
        Map<String, List<String>> before = dumps(tables);
        db.exec("UPDATE sg.t SET qty = 255, delta = -32768 WHERE id = 1",
                "UPDATE sg.t SET id = 9223372036854775808, qty = 128 WHERE code = 'b'",
                "UPDATE sg.y SET u = 255, s = -32768",
                "INSERT INTO sg.y VALUES (0, 200, -1, 2)",
                "UPDATE sg.w SET a = 255, b = -128, c = 65535, d = 4294967295, e = 18446744073709551615, f = 999.99, g = 16777215",
                "INSERT INTO sg.w VALUES (1901, 255, -128, 65535, 4294967295, 18446744073709551615, 999.99, 16777215, 2)");
        try (FlashbackPlan plan = Flashback.plan(FlashbackRequest.onServer(db.settings(), new Selection.AllExcept(snapshot)))) {
            assertFalse(plan.isRefused(), plan::toString);
            assertEquals(4, plan.updated(), plan::toString);
            assertEquals(2, plan.inserted(), plan::toString);
            Flashback.apply(plan, null);
        }
        assertEquals(before, dumps(tables));
        assertEquals("1|1", db.one("SELECT CONCAT(qty, '|', delta) FROM sg.t WHERE id = 1"));
    }

    @Test
    void generatedTablesRoundTrip() throws Exception {
        int tables = Integer.getInteger("flashback.tables", 200);
        Long only = Long.getLong("flashback.seed");
        long base = only != null ? only : System.nanoTime();
        int rounds = only != null ? 1 : (tables + TABLES_PER_ROUND - 1) / TABLES_PER_ROUND;
        Instant start = Instant.now();
        for (int round = 0; round < rounds; round++) {
            long seed = base + round;
            try {
                round(seed);
            } catch (Throwable t) {
                throw new AssertionError("generated-schema round " + round + " failed; replay with -Dflashback.seed=" + seed
                        + ": " + t.getMessage(), t);
            }
        }
        System.out.println("generated-schema: " + rounds * TABLES_PER_ROUND + " tables in "
                + Duration.between(start, Instant.now()).toSeconds() + " s (first seed " + base + ")");
    }

    private void round(long seed) throws Exception {
        Random r = new Random(seed);
        db.exec("DROP DATABASE IF EXISTS gs", "DROP DATABASE IF EXISTS gsm", "CREATE DATABASE gs", "CREATE DATABASE gsm");
        List<String> names = new ArrayList<>();
        Map<String, List<Col>> columns = new java.util.LinkedHashMap<>();
        for (int i = 0; i < TABLES_PER_ROUND; i++) {
            String name = "gs.t" + i;
            columns.put(name, createTable(r, name));
            names.add(name);
        }
        session();
        GtidSet empty = db.executed();
        for (String t : names) {
            db.exec("BEGIN");
            for (int i = 0; i < 3; i++) {
                tryExec(insert(r, t, columns.get(t), 1 + r.nextInt(5)));
            }
            db.exec("COMMIT");
        }
        db.exec("SET SESSION time_zone = DEFAULT", "SET SESSION sql_mode = DEFAULT"); // dumps are read in one zone
        GtidSet inserts = db.executed().subtract(empty);
        assertFalse(inserts.isEmpty(), "no row was inserted");

        // What drsp decodes, as SQL MySQL's own client runs, must store exactly what the server stored.
        Path dir = work.resolve("seed-" + seed);
        FlashbackRequest decodeOnly = FlashbackRequest.onServer(db.settings(), new Selection.Only(inserts))
                .withOptions(FlashbackApplier.Options.defaults().withDryRun(dir));
        try (FlashbackPlan plan = Flashback.plan(decodeOnly)) {
            assertFalse(plan.isRefused(), plan::toString);
            Flashback.apply(plan, null);
        }
        for (String t : names) {
            db.exec("CREATE TABLE " + t.replace("gs.", "gsm.") + " LIKE " + t);
        }
        String forward = Files.readString(dir.resolve("forward.sql"), StandardCharsets.UTF_8).replace("`gs`.", "`gsm`.");
        mysqlClient(forward);
        for (String t : names) {
            String copy = t.replace("gs.", "gsm.");
            assertSameRows(db.dump(t), db.dump(copy), "rows decoded from the binlog for " + t + " differ from the server's", t);
            assertEquals(db.checksum(t), db.checksum(copy), "CHECKSUM TABLE " + t + " vs its decoded copy");
        }

        // Random DML, then flashback of it: every table as before.
        GtidSet snapshot = db.executed();
        Map<String, List<String>> before = dumps(names);
        Map<String, String> sums = new java.util.LinkedHashMap<>();
        for (String t : names) {
            sums.put(t, db.checksum(t));
        }
        session();
        int transactions = 2 + r.nextInt(6);
        for (int x = 0; x < transactions; x++) {
            db.exec("BEGIN");
            for (int s = 1 + r.nextInt(4); s > 0; s--) {
                String t = names.get(r.nextInt(names.size()));
                tryExec(dml(r, t, columns.get(t)));
            }
            db.exec("COMMIT");
        }
        db.exec("SET SESSION time_zone = DEFAULT", "SET SESSION sql_mode = DEFAULT");
        if (db.executed().equals(snapshot)) {
            return; // every statement was a no-op; the decode check above still ran
        }
        FlashbackRequest undo = FlashbackRequest.onServer(db.settings(), new Selection.AllExcept(snapshot))
                .withOptions(FlashbackApplier.Options.defaults().withWorkers(r.nextBoolean() ? 1 : 4));
        try (FlashbackPlan plan = Flashback.plan(undo)) {
            assertFalse(plan.isRefused(), plan::toString);
            Flashback.apply(plan, null);
        }
        for (String t : names) {
            assertSameRows(before.get(t), db.dump(t), t + " differs after the flashback", t);
            assertEquals(sums.get(t), db.checksum(t), "CHECKSUM TABLE " + t);
        }
    }

    private void session() throws SQLException {
        db.exec("SET SESSION time_zone = '+05:30'", "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'");
    }

    private static Map<String, List<String>> dumps(List<String> tables) throws SQLException {
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        for (String t : tables) {
            out.put(t, db.dump(t));
        }
        return out;
    }

    /** Fails naming the first row that differs (rows are in a total order) and the table's DDL, kept short. */
    private static void assertSameRows(List<String> expected, List<String> actual, String what, String table) throws SQLException {
        if (expected.equals(actual)) {
            return;
        }
        int i = 0;
        while (i < expected.size() && i < actual.size() && expected.get(i).equals(actual.get(i))) {
            i++;
        }
        String e = i < expected.size() ? expected.get(i) : "(no row)";
        String a = i < actual.size() ? actual.get(i) : "(no row)";
        throw new AssertionError(what + ": " + expected.size() + " rows expected, " + actual.size() + " found; first difference at row "
                + i + "\n expected " + shorten(e) + "\n found    " + shorten(a) + "\n" + ddl(table));
    }

    private static String shorten(String row) {
        return row.length() <= 800 ? row : row.substring(0, 800) + "...";
    }

    private static String ddl(String table) throws SQLException {
        try (var st = db.conn.createStatement(); var rs = st.executeQuery("SHOW CREATE TABLE " + table)) {
            rs.next();
            return rs.getString(2);
        }
    }

    /** Strict mode may reject a generated value (a duplicate key, too long a string): that statement is skipped. */
    private static void tryExec(String sql) {
        try {
            db.exec(sql);
            if (Boolean.getBoolean("flashback.verbose")) {
                System.out.println("ran: " + sql.substring(0, Math.min(300, sql.length())));
            }
        } catch (SQLException e) {
            if (e.getErrorCode() == 0) {
                throw new AssertionError(sql, e);
            }
            if (Boolean.getBoolean("flashback.verbose")) {
                System.out.println("skipped (" + e.getMessage() + "): " + sql.substring(0, Math.min(300, sql.length())));
            }
        }
    }

    private static void mysqlClient(String sql) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(MysqlDistribution.obtain().mysqlClient().toString(), "--no-defaults",
                "--protocol=TCP", "-h127.0.0.1", "-P" + db.instance.port(), "-u" + db.instance.credentials().adminUser(),
                "--default-character-set=utf8mb4", "--binary-mode");
        pb.environment().put("MYSQL_PWD", db.instance.credentials().adminPassword());
        pb.redirectErrorStream(true);
        Path input = Files.createTempFile(work, "forward", ".sql");
        Files.writeString(input, sql, StandardCharsets.UTF_8);
        pb.redirectInput(input.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "mysql client did not finish");
        assertEquals(0, p.exitValue(), "mysql client on drsp's forward SQL: " + out);
    }

    // ---- generation ----

    private static List<Col> createTable(Random r, String name) throws SQLException {
        int n = 1 + r.nextInt(40);
        List<Col> cols = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            cols.add(column(r, "c" + i));
        }
        List<Col> keyable = cols.stream().filter(c -> c.key() != Key.NO).toList();
        String key = "";
        List<Col> keyCols = new ArrayList<>();
        int shape = keyable.isEmpty() ? 0 : r.nextInt(5); // none, single, composite, prefix, unique
        if (shape == 3 && keyable.stream().noneMatch(c -> c.key() == Key.PREFIX)) {
            shape = 1;
        }
        switch (shape) {
            case 1, 4 -> keyCols.add(keyable.get(r.nextInt(keyable.size())));
            case 2 -> {
                for (int i = 0; i < 2 + r.nextInt(2); i++) {
                    Col c = keyable.get(r.nextInt(keyable.size()));
                    if (!keyCols.contains(c)) {
                        keyCols.add(c);
                    }
                }
            }
            case 3 -> {
                List<Col> prefixable = keyable.stream().filter(c -> c.key() == Key.PREFIX).toList();
                keyCols.add(prefixable.get(r.nextInt(prefixable.size())));
                if (r.nextBoolean()) {
                    Col c = keyable.get(r.nextInt(keyable.size()));
                    if (!keyCols.contains(c)) {
                        keyCols.add(c);
                    }
                }
            }
            default -> {
            }
        }
        if (!keyCols.isEmpty()) {
            StringBuilder k = new StringBuilder(shape == 4 ? ", UNIQUE KEY uk (" : ", PRIMARY KEY (");
            for (int i = 0; i < keyCols.size(); i++) {
                Col c = keyCols.get(i);
                k.append(i == 0 ? "" : ", ").append('`').append(c.name()).append('`');
                if (c.key() == Key.PREFIX && (shape == 3 || c.type().contains("TEXT") || c.type().contains("BLOB"))) {
                    k.append('(').append(1 + r.nextInt(6)).append(')');
                }
            }
            key = k.append(')').toString();
        }
        StringBuilder ddl = new StringBuilder("CREATE TABLE " + name + " (");
        for (int i = 0; i < cols.size(); i++) {
            Col c = cols.get(i);
            boolean isKey = keyCols.contains(c);
            boolean notNull = isKey || r.nextInt(4) == 0;
            if (notNull) {
                Function<Random, String> g = c.gen();
                c = new Col(c.name(), c.type(), rr -> {
                    String v = g.apply(rr);
                    for (int tries = 0; v.equals("NULL") && tries < 100; tries++) {
                        v = g.apply(rr);
                    }
                    return v;
                }, c.key());
                cols.set(i, c);
            }
            ddl.append(i == 0 ? "" : ", ").append('`').append(c.name()).append("` ").append(c.type())
                    .append(notNull ? " NOT NULL" : c.type().startsWith("TIMESTAMP") ? " NULL" : "");
            if (!isKey && r.nextInt(12) == 0 && i > 0) {
                ddl.append(" INVISIBLE");
            }
        }
        try {
            db.exec(ddl + key + ")");
        } catch (SQLException e) {
            // a key too long for InnoDB, say: the same columns without a key are still a table worth testing
            db.exec(ddl + ")");
        }
        return cols;
    }

    private static Col column(Random r, String name) {
        String cs = TypeMatrixTest.pick(r, "utf8mb4", "latin1", "gbk", "binary");
        int len = 1 + r.nextInt(r.nextInt(4) == 0 ? 40 : 12);
        Function<Random, String> text = switch (cs) {
            case "utf8mb4" -> rr -> TypeMatrixTest.utf8(rr, len, true);
            case "latin1" -> rr -> TypeMatrixTest.latin1(rr, len);
            case "gbk" -> rr -> gbk(rr, len);
            default -> rr -> TypeMatrixTest.bytes(rr, len);
        };
        int kind = r.nextInt(27);
        return switch (kind) {
            case 0 -> new Col(name, "TINYINT", rr -> TypeMatrixTest.pick(rr, "-128", "127", "0", "NULL", "" + (rr.nextInt(256) - 128)), Key.WHOLE);
            case 1 -> new Col(name, "TINYINT UNSIGNED", rr -> TypeMatrixTest.pick(rr, "0", "255", "128", "" + rr.nextInt(256)), Key.WHOLE);
            case 2 -> new Col(name, "SMALLINT", rr -> TypeMatrixTest.pick(rr, "-32768", "32767", "-1", "" + (rr.nextInt(65536) - 32768)), Key.WHOLE);
            case 3 -> new Col(name, "SMALLINT UNSIGNED", rr -> TypeMatrixTest.pick(rr, "0", "65535", "32768", "" + rr.nextInt(65536)), Key.WHOLE);
            case 4 -> new Col(name, "MEDIUMINT" + (r.nextBoolean() ? " UNSIGNED" : ""),
                    rr -> TypeMatrixTest.pick(rr, "0", "8388607", "16777215", "-8388608", "" + rr.nextInt(1 << 23)), Key.WHOLE);
            case 5 -> new Col(name, "INT", rr -> TypeMatrixTest.pick(rr, "-2147483648", "2147483647", "NULL", "" + rr.nextInt()), Key.WHOLE);
            case 6 -> new Col(name, "INT UNSIGNED", rr -> TypeMatrixTest.pick(rr, "0", "4294967295", "2147483648",
                    "" + (rr.nextLong() & 0xffffffffL)), Key.WHOLE);
            case 7 -> new Col(name, "BIGINT", rr -> TypeMatrixTest.pick(rr, "-9223372036854775808", "9223372036854775807",
                    "" + rr.nextLong()), Key.WHOLE);
            case 8 -> new Col(name, "BIGINT UNSIGNED", rr -> TypeMatrixTest.pick(rr, "0", "18446744073709551615",
                    "9223372036854775808", Long.toUnsignedString(rr.nextLong())), Key.WHOLE);
            case 9 -> {
                int p = 1 + r.nextInt(65);
                int s = r.nextInt(Math.min(p, 30) + 1);
                boolean unsigned = r.nextInt(3) == 0;
                String max = "9".repeat(p - s) + (s > 0 ? "." + "9".repeat(s) : "");
                yield new Col(name, "DECIMAL(" + p + "," + s + ")" + (unsigned ? " UNSIGNED" : ""),
                        rr -> TypeMatrixTest.pick(rr, "0", max, unsigned ? "0" : "-" + max, "NULL",
                                TypeMatrixTest.randomDecimal(rr, Math.max(1, p - s), s).replace(unsigned ? "-" : "\u0001", "")),
                        Key.WHOLE);
            }
            case 10 -> new Col(name, "FLOAT", rr -> TypeMatrixTest.pick(rr, "0.1", "-3.40282e38", "3.40282e38", "1.17549e-38", "NULL",
                    Float.toString((float) (rr.nextGaussian() * 1000))), Key.NO);
            case 11 -> new Col(name, "DOUBLE", rr -> TypeMatrixTest.pick(rr, "0.1", "1.7976931348623157e308", "-2.2250738585072014e-308",
                    "4.9e-324", "NULL", Double.toString(rr.nextGaussian() * 1e10)), Key.NO);
            case 12 -> {
                int bits = 1 + r.nextInt(64);
                yield new Col(name, "BIT(" + bits + ")", rr -> TypeMatrixTest.pick(rr, "b'0'", "NULL",
                        "b'" + "1".repeat(bits) + "'", "b'" + Long.toBinaryString(rr.nextLong() >>> (64 - bits)) + "'"), Key.WHOLE);
            }
            case 13 -> new Col(name, "YEAR", rr -> TypeMatrixTest.pick(rr, "0", "1901", "2155", "NULL", "" + (1901 + rr.nextInt(255))), Key.WHOLE);
            case 14 -> new Col(name, "DATE", rr -> TypeMatrixTest.pick(rr, "'1000-01-01'", "'9999-12-31'", "'0000-00-00'", "NULL",
                    "'" + TypeMatrixTest.date(rr) + "'"), Key.WHOLE);
            case 15 -> {
                int fsp = r.nextInt(7);
                yield new Col(name, "DATETIME(" + fsp + ")", rr -> TypeMatrixTest.datetime(rr, fsp), Key.WHOLE);
            }
            case 16 -> {
                int fsp = r.nextInt(7);
                yield new Col(name, "TIMESTAMP(" + fsp + ")", rr -> TypeMatrixTest.timestamp(rr, fsp), Key.WHOLE);
            }
            case 17 -> {
                int fsp = r.nextInt(7);
                yield new Col(name, "TIME(" + fsp + ")", rr -> TypeMatrixTest.time(rr, fsp), Key.WHOLE);
            }
            case 18 -> new Col(name, "CHAR(" + len + ") CHARACTER SET " + cs, text, Key.WHOLE);
            case 19 -> new Col(name, "VARCHAR(" + len + ") CHARACTER SET " + cs, text, Key.PREFIX);
            case 20 -> new Col(name, TypeMatrixTest.pick(r, "TINYTEXT", "TEXT", "MEDIUMTEXT", "LONGTEXT") + " CHARACTER SET " + cs, text, Key.PREFIX);
            case 21 -> new Col(name, "BINARY(" + len + ")", rr -> TypeMatrixTest.bytes(rr, len), Key.WHOLE);
            case 22 -> new Col(name, "VARBINARY(" + len + ")", rr -> TypeMatrixTest.bytes(rr, len), Key.PREFIX);
            case 23 -> new Col(name, TypeMatrixTest.pick(r, "TINYBLOB", "BLOB", "MEDIUMBLOB", "LONGBLOB"), rr -> TypeMatrixTest.bytes(rr, 200), Key.PREFIX);
            case 24 -> r.nextBoolean()
                    ? new Col(name, "ENUM('a','b','c d','x ') CHARACTER SET " + (cs.equals("binary") ? "latin1" : cs),
                            rr -> TypeMatrixTest.pick(rr, "'a'", "'b'", "'c d'", "'x '", "NULL"), Key.WHOLE)
                    : new Col(name, "SET('x','y','z') CHARACTER SET " + (cs.equals("binary") ? "latin1" : cs),
                            rr -> TypeMatrixTest.pick(rr, "''", "'x'", "'y,z'", "'x,y,z'", "NULL"), Key.WHOLE);
            case 25 -> new Col(name, "JSON", TypeMatrixTest::json, Key.NO);
            default -> new Col(name, r.nextBoolean() ? "GEOMETRY" : "POINT", rr -> TypeMatrixTest.pick(rr, "NULL",
                    "ST_GeomFromText('POINT(1 2)')", "ST_GeomFromText('POINT(" + rr.nextDouble() + " -1e300)')"), Key.NO);
        };
    }

    private static final String[] GBK = {"a", "Z", " ", "中", "文", "汉", "字", "'", "\\", "¤", "§"};

    private static String gbk(Random r, int maxChars) {
        if (r.nextInt(8) == 0) {
            return "NULL";
        }
        StringBuilder s = new StringBuilder();
        for (int i = r.nextInt(maxChars + 1); i > 0; i--) {
            s.append(GBK[r.nextInt(GBK.length)]);
        }
        return "_utf8mb4 X'" + HexFormat.of().formatHex(s.toString().getBytes(StandardCharsets.UTF_8)) + "'";
    }

    private static String insert(Random r, String table, List<Col> cols, int rows) {
        StringBuilder sql = new StringBuilder("INSERT INTO " + table + " (");
        for (int i = 0; i < cols.size(); i++) {
            sql.append(i == 0 ? "`" : ", `").append(cols.get(i).name()).append('`');
        }
        sql.append(") VALUES ");
        for (int row = 0; row < rows; row++) {
            sql.append(row == 0 ? "(" : ", (");
            for (int i = 0; i < cols.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append(cols.get(i).gen().apply(r));
            }
            sql.append(')');
        }
        return sql.toString();
    }

    /** A multi-row insert, an update of one or two columns (a key column too), or a delete, of a few rows. */
    private static String dml(Random r, String table, List<Col> cols) {
        int limit = 1 + r.nextInt(4);
        return switch (r.nextInt(4)) {
            case 0 -> insert(r, table, cols, 1 + r.nextInt(4));
            case 1, 2 -> {
                Col a = cols.get(r.nextInt(cols.size()));
                Col b = cols.get(r.nextInt(cols.size()));
                String set = "`" + a.name() + "` = " + a.gen().apply(r)
                        + (b == a ? "" : ", `" + b.name() + "` = " + b.gen().apply(r));
                yield "UPDATE " + table + " SET " + set + " LIMIT " + limit;
            }
            default -> "DELETE FROM " + table + " LIMIT " + limit;
        };
    }
}
