package io.drsp.flashback;

import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.MysqlInstance;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Test helper around one sandbox MySQL instance: run SQL, read GTID sets, dump tables exactly. */
final class Db implements AutoCloseable {
    final MysqlInstance instance;
    final Connection conn;

    private Db(MysqlInstance instance) throws SQLException {
        this.instance = instance;
        this.conn = instance.connect();
        exec("SET SESSION sort_buffer_size = 32 * 1024 * 1024"); // ordered dumps of wide rows
    }

    static Db start(String name, int serverId, Map<String, String> settings) throws SQLException {
        return new Db(MysqlInstance.startNew(Path.of("target/mysql"), name, serverId, settings));
    }

    ConnectionSettings settings() {
        return new ConnectionSettings("127.0.0.1", instance.port(), instance.credentials().adminUser(),
                instance.credentials().adminPassword());
    }

    void exec(String... sql) throws SQLException {
        try (Statement st = conn.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    String one(String sql) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    List<String> column(String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    GtidSet executed() throws SQLException {
        return GtidSet.parse(one("SELECT @@GLOBAL.gtid_executed"));
    }

    /** Every row, every column (invisible ones too) as the server's bytes in hex, in a total order. */
    List<String> dump(String table) throws SQLException {
        List<String> cols = column("SELECT CONCAT(COLUMN_NAME, ':', DATA_TYPE) FROM information_schema.COLUMNS WHERE "
                + "CONCAT(TABLE_SCHEMA,'.',TABLE_NAME) = '" + table + "' ORDER BY ORDINAL_POSITION");
        StringBuilder select = new StringBuilder("SELECT ");
        StringBuilder order = new StringBuilder();
        for (int i = 0; i < cols.size(); i++) {
            String[] nameType = cols.get(i).split(":");
            String c = "`" + nameType[0] + "`";
            select.append(i == 0 ? "" : ", ").append("HEX(").append(c).append("), ").append(c);
            if (nameType[1].equals("json")) {
                // text and CHECKSUM TABLE do not show a JSON value's type (DECIMAL 1.5 vs DOUBLE 1.5, int vs unsigned)
                for (String path : new String[] {"$", "$.d", "$.u", "$.i", "$[0]", "$[1]", "$[2]", "$[3]", "$[4]", "$[5]"}) {
                    select.append(", JSON_TYPE(JSON_EXTRACT(").append(c).append(", '").append(path).append("'))");
                }
                select.append(", JSON_STORAGE_SIZE(").append(c).append(")");
            }
            order.append(i == 0 ? "" : ", ").append("HEX(").append(c).append(")");
        }
        select.append(" FROM ").append(table).append(" ORDER BY ").append(order);
        List<String> rows = new ArrayList<>();
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(select.toString())) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    byte[] b = rs.getBytes(i);
                    row.append(b == null ? "NULL" : HexFormat.of().formatHex(b)).append('|');
                }
                rows.add(row.toString());
            }
        }
        // HEX() of a FLOAT or DOUBLE is of its integer part, so ORDER BY leaves ties (0.1 and 4.9e-324) in any order
        java.util.Collections.sort(rows);
        return rows;
    }

    /** Something a test does between a flashback's plan (and its pre-flight row check) and its apply. */
    interface Between {
        void run() throws Exception;
    }

    /**
     * Plans, then runs {@code between} (a session writing after the pre-flight check, as a racing application would),
     * then applies: how the apply-time guard is reached now that a divergence present at plan time is refused.
     */
    static FlashbackApplier.Result runWithWriteBetweenPlanAndApply(FlashbackRequest request, Between between) throws Exception {
        try (FlashbackPlan plan = Flashback.plan(request)) {
            if (plan.isRefused()) {
                throw new AssertionError("refused at plan time: " + plan);
            }
            between.run();
            return Flashback.apply(plan, null);
        }
    }

    String checksum(String table) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("CHECKSUM TABLE " + table)) {
            rs.next();
            return rs.getString(2);
        }
    }

    @Override
    public void close() throws SQLException {
        conn.close();
        instance.stop();
    }
}
