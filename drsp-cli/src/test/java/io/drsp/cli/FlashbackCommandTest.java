package io.drsp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static io.drsp.cli.CliRun.drsp;

import io.drsp.sandbox.MysqlInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code drsp flashback} against one real server: a bad UPDATE undone, a refusal, bad input. */
class FlashbackCommandTest {
    static MysqlInstance mysql;
    static Connection conn;
    static Path passwordFile;

    @BeforeAll
    static void start() throws Exception {
        mysql = MysqlInstance.startNew(Path.of("target/x"), "cli-flashback", 301, Map.of());
        conn = mysql.connect();
        exec("CREATE DATABASE bank", "CREATE TABLE bank.account (id INT PRIMARY KEY, owner VARCHAR(20), balance DECIMAL(15,2))",
                "INSERT INTO bank.account VALUES (1, 'ann', 100.10), (2, 'bob', 2500.00), (3, 'cy', -3.50)",
                "CREATE TABLE bank.audit (id INT PRIMARY KEY, note VARCHAR(20))", "INSERT INTO bank.audit VALUES (1, 'x')");
        passwordFile = Files.createTempFile(Path.of("target"), "cli-flashback", ".pw",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(passwordFile, mysql.credentials().adminPassword() + "\n");
    }

    @AfterAll
    static void stop() throws Exception {
        if (conn != null) {
            conn.close();
        }
        if (mysql != null) {
            mysql.stop();
        }
        if (passwordFile != null) {
            Files.deleteIfExists(passwordFile);
        }
    }

    @Test
    void aBadUpdateWithoutWhereIsUndone() throws Exception {
        List<String> before = rows("SELECT CONCAT(id, ':', owner, ':', balance) FROM bank.account ORDER BY id");
        String snapshot = one("SELECT @@GLOBAL.gtid_executed");
        exec("UPDATE bank.account SET balance = 0");
        String bad = one("SELECT GTID_SUBTRACT(@@GLOBAL.gtid_executed, '" + snapshot + "')");

        CliRun r = drsp("flashback", "--host", "127.0.0.1", "--port", Integer.toString(mysql.port()), "--user",
                mysql.credentials().adminUser(), "--password-file", passwordFile.toString(), "--gtids", bad, "--workers", "2");

        assertEquals(Drsp.DONE, r.code(), r.err());
        assertEquals(before, rows("SELECT CONCAT(id, ':', owner, ':', balance) FROM bank.account ORDER BY id"));
        assertTrue(r.out().contains("undone 1 transactions, 3 rows"), r.out());
        assertTrue(r.err().contains("flashback: 3/3 rows"), "progress on stderr: " + r.err());
        // only drsp's own lines: the binlog client's java.util.logging INFO lines go to the log file
        for (String line : r.err().lines().toList()) {
            assertTrue(line.startsWith("drsp: ") || line.startsWith("flashback: ") || line.startsWith("  "), "not drsp's: " + line);
        }
    }

    @Test
    void aTruncateInTheRangeIsRefusedAndNothingIsApplied() throws Exception {
        String snapshot = one("SELECT @@GLOBAL.gtid_executed");
        exec("UPDATE bank.account SET owner = 'zed' WHERE id = 1", "TRUNCATE TABLE bank.audit");
        List<String> after = rows("SELECT CONCAT(id, ':', owner, ':', balance) FROM bank.account ORDER BY id");
        String executed = one("SELECT @@GLOBAL.gtid_executed");

        CliRun r = drsp("flashback", "--host", "127.0.0.1", "--port", Integer.toString(mysql.port()), "--user",
                mysql.credentials().adminUser(), "--password-file", passwordFile.toString(), "--exclude-gtids", snapshot);

        assertEquals(Drsp.REFUSED, r.code());
        assertTrue(r.err().contains("DDL or TRUNCATE") && r.err().contains("TRUNCATE TABLE bank.audit"), r.err());
        assertTrue(r.err().contains("drsp: flashback refused"), r.err());
        assertEquals(after, rows("SELECT CONCAT(id, ':', owner, ':', balance) FROM bank.account ORDER BY id"));
        assertEquals(executed, one("SELECT @@GLOBAL.gtid_executed"));
        exec("UPDATE bank.account SET owner = 'ann' WHERE id = 1");
    }

    /** A server error part-way: the command prints the exact command that continues, and that command finishes the undo. */
    @Test
    void aRunStoppedPartWayPrintsTheCommandThatContinuesIt() throws Exception {
        exec("CREATE TABLE bank.stop (id INT PRIMARY KEY, v INT)", "INSERT INTO bank.stop VALUES (1, 0), (2, 0), (3, 0)");
        List<String> before = rows("SELECT CONCAT(id, ':', v) FROM bank.stop ORDER BY id");
        String snapshot = one("SELECT @@GLOBAL.gtid_executed");
        for (int id = 1; id <= 3; id++) {
            exec("UPDATE bank.stop SET v = v + 1 WHERE id = " + id); // three transactions, undone newest first
        }
        // the reverse of the middle one fails as a server error would (the trigger kept out of the binlog range)
        exec("SET SESSION sql_log_bin = 0", "CREATE TRIGGER bank.stop_once BEFORE UPDATE ON bank.stop FOR EACH ROW BEGIN IF NEW.id = 2 THEN "
                + "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'; END IF; END", "SET SESSION sql_log_bin = 1");
        String port = Integer.toString(mysql.port());
        CliRun stopped = drsp("flashback", "--host", "127.0.0.1", "--port", port, "--user", mysql.credentials().adminUser(),
                "--password-file", passwordFile.toString(), "--exclude-gtids", snapshot, "--tables", "bank.stop", "--workers", "1");
        assertEquals(Drsp.REFUSED, stopped.code(), stopped.err());
        assertTrue(stopped.err().contains("injected failure"), stopped.err());
        assertEquals(List.of("1:1", "2:1", "3:0"), rows("SELECT CONCAT(id, ':', v) FROM bank.stop ORDER BY id"),
                "the newest transaction is undone, the failed one rolled back, the oldest not reached");
        List<String> lines = stopped.err().lines().toList();
        int at = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("this continues exactly where the server stands")) {
                at = i + 1;
            }
        }
        assertTrue(at > 0 && at < lines.size(), "no continuation command in: " + stopped.err());
        String command = lines.get(at).strip();
        assertTrue(command.startsWith("drsp flashback ") && !command.contains("--exclude-gtids") && command.contains("--gtids "), command);
        assertTrue(!command.contains("'"), "this command line needs no quoting: " + command);

        exec("SET SESSION sql_log_bin = 0", "DROP TRIGGER bank.stop_once", "SET SESSION sql_log_bin = 1");
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        args.remove(0);
        CliRun rest = drsp(args.toArray(String[]::new));
        assertEquals(Drsp.DONE, rest.code(), rest.err());
        assertTrue(rest.out().contains("undone 2 transactions"), rest.out());
        assertEquals(before, rows("SELECT CONCAT(id, ':', v) FROM bank.stop ORDER BY id"));
        exec("DROP TABLE bank.stop");
    }

    @Test
    void badInputChangesNothing() throws Exception {
        String executed = one("SELECT @@GLOBAL.gtid_executed");
        String port = Integer.toString(mysql.port());
        String user = mysql.credentials().adminUser();
        CliRun none = drsp("flashback", "--host", "127.0.0.1", "--port", port, "--user", user, "--password-file", passwordFile.toString());
        assertEquals(Drsp.USAGE, none.code(), "no selection is a usage error: " + none.err());
        assertTrue(none.err().contains("--exclude-gtids") && none.err().contains("--gtids"), "names the choices: " + none.err());

        CliRun badTime = drsp("flashback", "--host", "127.0.0.1", "--port", port, "--user", user, "--password-file",
                passwordFile.toString(), "--start-time", "yesterday");
        assertEquals(Drsp.REFUSED, badTime.code());
        assertTrue(badTime.err().contains("drsp: --start-time \"yesterday\" is not yyyy-MM-dd HH:mm:ss[.ffffff]."), badTime.err());

        Path open = Files.createTempFile(Path.of("target"), "cli-flashback-open", ".pw",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        try {
            CliRun readable = drsp("flashback", "--host", "127.0.0.1", "--port", port, "--user", user, "--password-file",
                    open.toString(), "--gtids", executed);
            assertEquals(Drsp.REFUSED, readable.code());
            assertTrue(readable.err().contains("can be read by others"), readable.err());
        } finally {
            Files.delete(open);
        }
        assertEquals(executed, one("SELECT @@GLOBAL.gtid_executed"));
    }

    private static void exec(String... sql) throws Exception {
        try (Statement st = conn.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    private static String one(String sql) throws Exception {
        List<String> r = rows(sql);
        return r.isEmpty() ? null : r.get(0);
    }

    private static List<String> rows(String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
