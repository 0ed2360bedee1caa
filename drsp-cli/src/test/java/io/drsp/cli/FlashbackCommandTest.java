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

    @Test
    void badInputChangesNothing() throws Exception {
        String executed = one("SELECT @@GLOBAL.gtid_executed");
        String port = Integer.toString(mysql.port());
        String user = mysql.credentials().adminUser();
        CliRun none = drsp("flashback", "--host", "127.0.0.1", "--port", port, "--user", user, "--password-file", passwordFile.toString());
        // a usage error: picocli's 2, or 1 where Drsp's exit code mapper folds every exception into "refused"
        assertTrue(none.code() == Drsp.USAGE || none.code() == Drsp.REFUSED, "no selection: " + none.code() + " " + none.err());
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
