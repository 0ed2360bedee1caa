package io.drsp.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.core.config.Endpoint;
import io.drsp.core.mysql.MysqlAdmin;
import io.drsp.core.mysql.Role;
import io.drsp.core.mysql.SettingViolation;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** One real server taken through its life: start, graceful stop, restart, kill -9, restart. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MysqlInstanceTest {
    static final Path ROOT = Path.of("target/mysql-instance-test");
    static MysqlInstance db;

    @BeforeAll
    static void start() {
        db = MysqlInstance.startNew(ROOT, "lifecycle", 7001, Map.of());
    }

    @AfterAll
    static void stop() {
        if (db != null) {
            db.stop();
        }
    }

    @Test
    @Order(1)
    void runsWithTheSettingsDrspRequires() throws SQLException {
        Map<String, String> expected = Map.of("gtid_mode", "ON", "enforce_gtid_consistency", "ON", "binlog_format", "ROW",
                "binlog_row_image", "FULL", "binlog_row_metadata", "FULL", "binlog_row_value_options", "",
                "log_replica_updates", "1", "log_bin", "1", "server_id", "7001");
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            for (var e : expected.entrySet()) {
                try (ResultSet rs = st.executeQuery("SELECT @@GLOBAL." + e.getKey())) {
                    rs.next();
                    assertEquals(e.getValue(), rs.getString(1), e.getKey());
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'mysqlx' AND PLUGIN_STATUS = 'ACTIVE'")) {
                rs.next();
                assertEquals(0, rs.getInt(1), "X plugin is off: no second port to collide on");
            }
            try (ResultSet rs = st.executeQuery("SELECT @@port, @@bind_address")) {
                rs.next();
                assertEquals(db.port(), rs.getInt(1));
                assertEquals("127.0.0.1", rs.getString(2));
            }
        }
    }

    @Test
    @Order(1)
    void runsBelowTheControllersCpuPriorityAsItsOwnProcess() throws Exception {
        long pid = Long.parseLong(Files.readString(db.pidFile()).trim());
        // The kernel's own view: field 19 of /proc/PID/stat is the nice value; the text after the ")" starts at field 3.
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        assertEquals(MysqlInstance.NICENESS, Integer.parseInt(fields[19 - 3]), "nice value of mysqld pid " + pid);
        String cmdline = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
        assertTrue(cmdline.split("\0")[0].endsWith("/mysqld"), "nice exec'd mysqld in place: " + cmdline);
        assertEquals(pid, db.processHandle().orElseThrow().pid(), "the handle drsp stops is the server's own");
    }

    @Test
    @Order(2)
    void gracefulStopAndRestartKeepCommittedData() throws SQLException {
        exec("CREATE DATABASE IF NOT EXISTS t", "CREATE TABLE IF NOT EXISTS t.r (id INT PRIMARY KEY)", "INSERT INTO t.r VALUES (1)");
        String uuidBefore = query("SELECT @@server_uuid");
        db.stop();
        assertFalse(db.isAlive());
        assertFalse(Files.exists(db.pidFile()), "a graceful stop removes the pid file");
        db.start();
        assertEquals("1", query("SELECT COUNT(*) FROM t.r"));
        assertEquals(uuidBefore, query("SELECT @@server_uuid"), "server uuid is stable across restarts");
    }

    @Test
    @Order(3)
    void killNineLeavesThePidFileAndRestartRecovers() throws SQLException {
        exec("INSERT INTO t.r VALUES (2)");
        long pid = db.processHandle().orElseThrow().pid();
        db.kill();
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "mysqld is gone after kill -9");
        assertTrue(Files.exists(db.pidFile()), "kill -9 leaves the pid file behind, as a crash does");
        assertFalse(db.isAlive(), "a stale pid file does not count as a running server");
        db.start();
        assertEquals("2", query("SELECT COUNT(*) FROM t.r"), "committed rows survive kill -9");
    }

    @Test
    @Order(4)
    void everyInstanceHasItsOwnServerUuid() throws SQLException {
        MysqlInstance other = MysqlInstance.startNew(ROOT, "other", 7002, Map.of());
        try (Connection c = other.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT @@server_uuid")) {
            rs.next();
            assertNotEquals(query("SELECT @@server_uuid"), rs.getString(1), "copies of the template datadir must not share a uuid");
        } finally {
            other.stop();
        }
    }

    @Test
    @Order(5)
    void aServerStartedWithoutFullRowMetadataIsReportedByName() {
        MysqlInstance minimal = MysqlInstance.startNew(ROOT, "minimal", 7003,
                Map.of("binlog-row-metadata", "MINIMAL", "log-replica-updates", "OFF"));
        try (MysqlAdmin admin = MysqlAdmin.connect(Endpoint.parse(minimal.endpoint()), minimal.credentials().adminUser(),
                minimal.credentials().adminPassword(), java.util.Optional.empty(), Duration.ofSeconds(5))) {
            List<SettingViolation> dr = admin.checkRequiredSettings(Role.DR_SHARD);
            assertEquals(List.of("binlog_row_metadata", "log_replica_updates"), dr.stream().map(SettingViolation::name).sorted().toList());
            assertEquals("binlog_row_metadata is MINIMAL, drsp needs FULL",
                    dr.stream().filter(v -> v.name().equals("binlog_row_metadata")).findFirst().orElseThrow().describe());
            assertEquals(List.of("binlog_row_metadata"), admin.checkRequiredSettings(Role.PRODUCTION_SHARD).stream()
                    .map(SettingViolation::name).toList(), "log_replica_updates is only required of DR shards");
        } finally {
            minimal.stop();
        }
    }

    @Test
    @Order(6)
    void aFirstStartOnATakenPortMovesToAFreshPortAndARestartThereIsRefused() throws Exception {
        MysqlInstance moved;
        try (ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            moved = fresh("moved", squatter.getLocalPort(), 7004);
            try {
                moved.start();
            } catch (RuntimeException e) {
                moved.kill();
                throw e;
            }
            assertNotEquals(squatter.getLocalPort(), moved.port(), "started elsewhere than on the taken port");
        }
        try {
            assertEquals("7004", query(moved, "SELECT @@server_id"));
            assertEquals(moved.port(), Integer.parseInt(query(moved, "SELECT @@port")));
            assertEquals(moved.port(), MysqlInstance.open(MysqlDistribution.obtain(), moved.dir()).port(),
                    "the new port is recorded for other JVMs");
            moved.stop();
            // Once started, the port is in drsp.conf and replication links: a taken port must fail the restart, not move it.
            try (ServerSocket squatter = new ServerSocket(moved.port(), 1, InetAddress.getLoopbackAddress())) {
                IllegalStateException e = assertThrows(IllegalStateException.class, moved::start);
                assertEquals("mysqld moved cannot listen on " + moved.endpoint() + ", which another process holds; stop that"
                        + " process, as this instance's port is named in its sandbox's drsp.conf and replication links.", e.getMessage());
                assertFalse(moved.isAlive());
            }
        } finally {
            moved.stop();
        }
    }

    @Test
    @Order(7)
    void anotherSandboxServerAnsweringOnOurPortIsNotTakenForOurs() throws Exception {
        // All sandbox instances share the administrator's credentials, so connecting alone proves nothing.
        MysqlInstance twin = fresh("twin", db.port(), 7005);
        try {
            twin.start();
            assertNotEquals(db.port(), twin.port(), "the twin moved off the port the lifecycle server holds");
            assertEquals("7005", query(twin, "SELECT @@server_id"));
            assertTrue(Files.isSameFile(twin.dataDir(), Path.of(query(twin, "SELECT @@datadir"))));
        } finally {
            twin.kill(); // kill, not stop: on failure the twin's port may still reach the lifecycle server
        }
        assertEquals("7001", query("SELECT @@server_id"), "the lifecycle server was left alone");
    }

    private static MysqlInstance fresh(String name, int port, int serverId) throws IOException {
        StaleInstances.reap(ROOT.resolve(name));
        SandboxFiles.deleteTree(ROOT.resolve(name));
        return MysqlInstance.create(MysqlDistribution.obtain(),
                new MysqlInstance.Spec(name, ROOT.resolve(name), port, serverId, Map.of()));
    }

    private static String query(MysqlInstance instance, String sql) throws SQLException {
        try (Connection c = instance.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void exec(String... sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    private static String query(String sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
