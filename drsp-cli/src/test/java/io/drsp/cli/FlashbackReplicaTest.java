package io.drsp.cli;

import static io.drsp.cli.CliRun.drsp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.sandbox.MysqlInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The standalone flashback on a primary with a real replica: by default the undo is binlogged and the replica follows
 * (data and GTID sets equal on both); with --sql-log-bin=off only the primary is repaired, its gtid_executed unchanged,
 * and the summary says the replica keeps the undone changes.
 */
class FlashbackReplicaTest {
    static MysqlInstance primary;
    static MysqlInstance replica;
    static Connection p;
    static Connection r;
    static Path passwordFile;

    @BeforeAll
    static void start() throws Exception {
        primary = MysqlInstance.startNew(Path.of("target/x"), "cli-fb-primary", 311, Map.of());
        replica = MysqlInstance.startNew(Path.of("target/x"), "cli-fb-replica", 312, Map.of());
        p = primary.connect();
        r = replica.connect();
        exec(r, "CHANGE REPLICATION SOURCE TO SOURCE_HOST='127.0.0.1', SOURCE_PORT=" + primary.port() + ", SOURCE_USER='"
                + primary.credentials().replicationUser() + "', SOURCE_PASSWORD='" + primary.credentials().replicationPassword()
                + "', SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1", "START REPLICA");
        exec(p, "CREATE DATABASE bank", "CREATE TABLE bank.account (id INT PRIMARY KEY, balance DECIMAL(15,2))",
                "INSERT INTO bank.account VALUES (1, 100.00), (2, 250.50)");
        passwordFile = Files.createTempFile(Path.of("target"), "cli-fb-replica", ".pw",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(passwordFile, primary.credentials().adminPassword() + "\n");
        caughtUp();
    }

    @AfterAll
    static void stop() throws Exception {
        for (Connection c : new Connection[] {p, r}) {
            if (c != null) {
                c.close();
            }
        }
        for (MysqlInstance m : new MysqlInstance[] {replica, primary}) {
            if (m != null) {
                m.stop();
            }
        }
        Files.deleteIfExists(passwordFile);
    }

    @Test
    void byDefaultTheReplicaReplaysTheUndo() throws Exception {
        String good = balances(p);
        String bad = badUpdate();
        String before = one(p, "SELECT @@GLOBAL.gtid_executed");

        CliRun run = flashback(bad);
        assertEquals(Drsp.DONE, run.code(), run.err());
        assertTrue(run.out().contains("sql_log_bin=on") && run.out().contains("replicas replay it"), run.out());
        assertEquals(good, balances(p));
        assertNotEquals(before, one(p, "SELECT @@GLOBAL.gtid_executed"), "the undo has a GTID of its own");
        assertEquals("1", one(p, "SELECT GTID_SUBTRACT(@@GLOBAL.gtid_executed, '" + before + "') <> '' AND "
                + "GTID_SUBSET('" + before + "', @@GLOBAL.gtid_executed)"));
        caughtUp();
        assertEquals(good, balances(r), "the replica replayed the undo");
        assertEquals(one(p, "SELECT @@GLOBAL.gtid_executed"), one(r, "SELECT @@GLOBAL.gtid_executed"));
    }

    @Test
    void offRepairsThePrimaryOnlyAndSaysSo() throws Exception {
        String good = balances(p);
        String bad = badUpdate();
        caughtUp();
        String wrong = balances(r);
        String before = one(p, "SELECT @@GLOBAL.gtid_executed");

        CliRun run = flashback(bad, "--sql-log-bin", "off");
        assertEquals(Drsp.DONE, run.code(), run.err());
        assertTrue(run.out().contains("sql_log_bin=off") && run.out().contains("1 is attached now"), run.out());
        assertEquals(good, balances(p));
        assertEquals(before, one(p, "SELECT @@GLOBAL.gtid_executed"), "an unlogged undo adds no GTID");
        exec(p, "INSERT INTO bank.account VALUES (99, 0)", "DELETE FROM bank.account WHERE id = 99"); // a marker to wait for
        caughtUp();
        assertEquals(wrong, balances(r), "the replica keeps the changes undone on the primary");
        // put the replica right again for the other test: the same undo, applied there by hand
        exec(r, "STOP REPLICA", "SET GLOBAL super_read_only = OFF", "SET SESSION sql_log_bin = 0",
                "UPDATE bank.account SET balance = balance - 1", "SET SESSION sql_log_bin = 1", "START REPLICA");
        assertEquals(good, balances(r));
    }

    private static CliRun flashback(String gtids, String... more) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("flashback", "--host", "127.0.0.1", "--port",
                Integer.toString(primary.port()), "--user", primary.credentials().adminUser(), "--password-file",
                passwordFile.toString(), "--gtids", gtids));
        args.addAll(java.util.List.of(more));
        return drsp(args.toArray(String[]::new));
    }

    private static String badUpdate() throws Exception {
        String snapshot = one(p, "SELECT @@GLOBAL.gtid_executed");
        exec(p, "UPDATE bank.account SET balance = balance + 1");
        return one(p, "SELECT GTID_SUBTRACT(@@GLOBAL.gtid_executed, '" + snapshot + "')");
    }

    /** Polls until the replica has executed everything the primary has, with a deadline. */
    private static void caughtUp() throws Exception {
        String target = one(p, "SELECT @@GLOBAL.gtid_executed");
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (!"1".equals(one(r, "SELECT GTID_SUBSET('" + target + "', @@GLOBAL.gtid_executed)"))) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("the replica did not reach " + target + ": " + one(r, "SELECT @@GLOBAL.gtid_executed"));
            }
            Thread.sleep(50);
        }
    }

    private static String balances(Connection c) throws Exception {
        return one(c, "SELECT GROUP_CONCAT(id, '=', balance ORDER BY id) FROM bank.account");
    }

    private static void exec(Connection c, String... sql) throws Exception {
        try (Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    private static String one(Connection c, String sql) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
