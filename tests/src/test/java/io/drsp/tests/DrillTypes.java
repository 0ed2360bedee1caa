package io.drsp.tests;

import io.drsp.sandbox.Sandbox;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Random;

/**
 * Tables of the kinds a flashback gets wrong most easily (unsigned and wide numbers, exact decimals, floats, bits,
 * enums and sets, JSON, geometry, every temporal type with fractions, binary and multi-charset strings, a generated
 * and an invisible column, and a table without a key holding duplicate rows), and a writer of random changes to them.
 */
final class DrillTypes {
    static final String SCHEMA = "drill_types";

    private DrillTypes() {
    }

    static void create(Sandbox.Member production) throws SQLException {
        Db.exec(production, "CREATE DATABASE " + SCHEMA,
                "CREATE TABLE " + SCHEMA + ".matrix (id INT UNSIGNED PRIMARY KEY, u64 BIGINT UNSIGNED, i8 TINYINT, dec30 DECIMAL(30,10),"
                        + " f FLOAT, d DOUBLE, b BIT(13), e ENUM('a','b','c'), s SET('x','y','z'), j JSON, g GEOMETRY,"
                        + " dt DATETIME(6), ts TIMESTAMP(3) NULL, t TIME(4), y YEAR, dte DATE,"
                        + " utf VARCHAR(40) CHARACTER SET utf8mb4, lat VARCHAR(40) CHARACTER SET latin1, gbk VARCHAR(40) CHARACTER SET gbk,"
                        + " bin BINARY(4), vb VARBINARY(20), bl BLOB, tx TEXT,"
                        + " gen BIGINT AS (u64 DIV 2) STORED, hidden INT INVISIBLE DEFAULT 7, UNIQUE KEY uk (utf))",
                "CREATE TABLE " + SCHEMA + ".nokey (a INT, b VARCHAR(10), c DOUBLE)");
    }

    /** {@code transactions} random transactions of 1-4 statements on the type tables. */
    static void write(Sandbox.Member member, Random r, int transactions) throws SQLException {
        try (Connection c = member.instance().connect(); Statement st = c.createStatement();
             PreparedStatement ins = c.prepareStatement("INSERT INTO " + SCHEMA + ".matrix (id, u64, i8, dec30, f, d, b, e, s, j, g,"
                     + " dt, ts, t, y, dte, utf, lat, gbk, bin, vb, bl, tx, hidden) VALUES (?, ?, ?, ?, ?, ?, b'1010101010101', ?, ?,"
                     + " CAST(? AS JSON), ST_GeomFromText(?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                     + " ON DUPLICATE KEY UPDATE u64 = VALUES(u64), tx = VALUES(tx)")) {
            st.execute("SET SESSION time_zone = '+00:00', sql_mode = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'"); // zero dates allowed
            c.setAutoCommit(false);
            for (int t = 0; t < transactions; t++) {
                int statements = 1 + r.nextInt(4);
                for (int k = 0; k < statements; k++) {
                    int id = 1 + r.nextInt(400);
                    switch (r.nextInt(6)) {
                        case 0, 1 -> {
                            ins.setLong(1, id);
                            ins.setString(2, r.nextBoolean() ? "18446744073709551615" : Long.toUnsignedString(r.nextLong()));
                            ins.setInt(3, r.nextInt(256) - 128);
                            ins.setString(4, (r.nextBoolean() ? "-" : "") + r.nextInt(1_000_000_000) + "." + String.format("%010d", r.nextInt(1_000_000_000)));
                            ins.setFloat(5, r.nextFloat() * 1e6f);
                            ins.setDouble(6, r.nextBoolean() ? Double.MIN_NORMAL : r.nextGaussian() * 1e300);
                            ins.setString(7, new String[] {"a", "b", "c"}[r.nextInt(3)]);
                            ins.setString(8, new String[] {"", "x", "x,z", "x,y,z"}[r.nextInt(4)]);
                            ins.setString(9, "{\"k\": " + r.nextInt(100) + ", \"s\": \"\\u00e9\\u4e2d\", \"a\": [1.5, null, true]}");
                            ins.setString(10, "POINT(" + r.nextInt(180) + " " + r.nextInt(90) + ")");
                            ins.setString(11, "2024-0" + (1 + r.nextInt(9)) + "-1" + r.nextInt(10) + " 12:34:56." + String.format("%06d", r.nextInt(1_000_000)));
                            ins.setString(12, r.nextBoolean() ? null : "2030-01-01 00:00:00.123");
                            ins.setString(13, (r.nextBoolean() ? "-" : "") + (r.nextInt(838)) + ":59:59.1234");
                            ins.setInt(14, r.nextBoolean() ? 0 : 1901 + r.nextInt(254));
                            ins.setString(15, r.nextBoolean() ? "0000-00-00" : "1999-12-31");
                            ins.setString(16, "drill-" + id + "-\u00e9\u4e2d\uD83D\uDE00");
                            ins.setString(17, "caf\u00e9-" + r.nextInt(1000));
                            ins.setString(18, "\u4e2d\u6587-" + r.nextInt(1000));
                            ins.setBytes(19, new byte[] {0, (byte) r.nextInt(256), 0, 0});
                            byte[] vb = new byte[r.nextInt(20)];
                            r.nextBytes(vb);
                            ins.setBytes(20, vb);
                            byte[] bl = new byte[r.nextInt(3000)];
                            r.nextBytes(bl);
                            ins.setBytes(21, bl);
                            ins.setString(22, r.nextBoolean() ? null : "text " + r.nextInt());
                            ins.setInt(23, r.nextInt(1000));
                            ins.executeUpdate();
                        }
                        case 2 -> st.executeUpdate("UPDATE " + SCHEMA + ".matrix SET dec30 = dec30 + 0.0000000001, b = b ^ 5,"
                                + " j = JSON_SET(COALESCE(j, '{}'), '$.n', " + r.nextInt(50) + "), hidden = hidden + 1 WHERE id = " + id);
                        case 3 -> st.executeUpdate("DELETE FROM " + SCHEMA + ".matrix WHERE id = " + id);
                        case 4 -> st.executeUpdate("INSERT INTO " + SCHEMA + ".nokey VALUES (" + r.nextInt(5) + ", 'dup', 0.5)");
                        default -> st.executeUpdate("DELETE FROM " + SCHEMA + ".nokey WHERE a = " + r.nextInt(5) + " LIMIT 1");
                    }
                }
                c.commit();
            }
        }
    }
}
