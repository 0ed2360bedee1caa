package io.drsp.tests;

import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.Sandbox;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Direct reads of a sandbox member, independent of drsp: what tests compare drsp's claims against. */
final class Db {
    private Db() {
    }

    static String one(Sandbox.Member m, String sql) throws SQLException {
        try (Connection c = m.instance().connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    static void exec(Sandbox.Member m, String... sql) throws SQLException {
        try (Connection c = m.instance().connect(); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    static GtidSet executed(Sandbox.Member m) throws SQLException {
        return GtidSet.parse(one(m, "SELECT @@GLOBAL.gtid_executed"));
    }

    /** The default channel's SHOW REPLICA STATUS row, or empty when no link is configured. */
    static Optional<Map<String, String>> replicaStatus(Sandbox.Member m) throws SQLException {
        try (Connection c = m.instance().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW REPLICA STATUS")) {
            if (!rs.next()) {
                return Optional.empty();
            }
            ResultSetMetaData md = rs.getMetaData();
            Map<String, String> row = new HashMap<>();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                row.put(md.getColumnLabel(i), rs.getString(i));
            }
            return Optional.of(row);
        }
    }

    /** CHECKSUM TABLE of one table, for comparing copies. */
    static long checksum(Sandbox.Member m, String table) throws SQLException {
        try (Connection c = m.instance().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("CHECKSUM TABLE " + table + " EXTENDED")) {
            rs.next();
            return rs.getLong(2);
        }
    }

    /** The XA branches prepared on the member, as {@code XA RECOVER} prints them (gtrid and bqual run together), sorted. */
    static java.util.List<String> xaRecover(Sandbox.Member m) throws SQLException {
        java.util.List<String> out = new java.util.ArrayList<>();
        try (Connection c = m.instance().connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("XA RECOVER")) {
            while (rs.next()) {
                out.add(rs.getString("data"));
            }
        }
        out.sort(null);
        return out;
    }

    /** The first column of every row {@code sql} returns. */
    static java.util.List<String> column(Sandbox.Member m, String sql) throws SQLException {
        java.util.List<String> out = new java.util.ArrayList<>();
        try (Connection c = m.instance().connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
