package io.drsp.sandbox.bank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.sandbox.MysqlInstance;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The bank's oracle against real servers: meta and shard s1 on one instance, s2 on another. Each test leaves the bank
 * holding what it opened, so the next one starts from a sound bank.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BankTest {
    static final Path ROOT = Path.of("target/bank-test");
    static MysqlInstance a;
    static MysqlInstance b;
    static BankShard meta;
    static List<BankShard> data;

    @BeforeAll
    static void openTheBank() throws SQLException {
        a = MysqlInstance.startNew(ROOT, "a", 7201, Map.of());
        b = MysqlInstance.startNew(ROOT, "b", 7202, Map.of());
        String user = a.credentials().adminUser();
        String pw = a.credentials().adminPassword();
        meta = new BankShard("meta", a.endpoint(), user, pw);
        data = List.of(new BankShard("s1", a.endpoint(), user, pw), new BankShard("s2", b.endpoint(), user, pw));
        BankSchema.create(meta, data, 20);
    }

    @AfterAll
    static void stop() {
        for (MysqlInstance i : new MysqlInstance[] {a, b}) {
            if (i != null) {
                i.stop();
            }
        }
    }

    @Test
    @Order(1)
    void eachShardRecordsWhatItOpenedAndOpeningMoreAddsToIt() throws SQLException {
        BankTotals totals = BankTotals.read(data);
        assertEquals(new BankTotals.Opening(20, new BigDecimal("20000.00")), totals.openingPerShard().get("s2"));
        assertTrue(totals.holds() && totals.holdsPerShard(), totals.toString());

        BankSchema.create(meta, data, 20); // again: nothing new is opened, nothing is counted twice
        assertEquals(new BankTotals.Opening(20, new BigDecimal("20000.00")), BankTotals.read(data).openingPerShard().get("s1"));

        BankSchema.create(meta, data, 30);
        totals = BankTotals.read(data);
        assertEquals(new BankTotals.Opening(30, new BigDecimal("30000.00")), totals.openingPerShard().get("s1"));
        assertEquals(new BigDecimal("60000.00"), totals.expectedTotal());
        assertTrue(totals.holds() && totals.holdsPerShard(), totals.toString());
    }

    @Test
    @Order(2)
    void aLostOrDuplicatedAccountRowIsNoticed() throws SQLException {
        BankShard s2 = data.get(1);
        long lost = BankSchema.firstId(1) + 5;
        BigDecimal balance = balance(s2, lost);
        exec(s2, "DELETE FROM bank.accounts WHERE id = " + lost);
        assertBroken("ACCOUNTS LOST OR DUPLICATED");
        exec(s2, "INSERT INTO bank.accounts VALUES (" + lost + ", 'customer-" + lost + "', " + balance + ", NOW(6))");
        assertHolds();

        long duplicate = BankSchema.firstId(1) + 500; // the same customer opened twice, with money of its own
        exec(s2, "INSERT INTO bank.accounts VALUES (" + duplicate + ", 'customer-" + lost + "', 1000.00, NOW(6))");
        assertBroken("ACCOUNTS LOST OR DUPLICATED");
        exec(s2, "DELETE FROM bank.accounts WHERE id = " + duplicate);
        assertHolds();

        // An emptied account lost: the money still adds up, only the count can tell.
        long emptied = BankSchema.firstId(1) + 7;
        BigDecimal moved = balance(s2, emptied);
        exec(s2, "UPDATE bank.accounts SET balance = balance + " + moved + " WHERE id = " + (emptied + 1),
                "UPDATE bank.accounts SET balance = 0 WHERE id = " + emptied);
        assertHolds();
        exec(s2, "DELETE FROM bank.accounts WHERE id = " + emptied);
        BankTotals totals = BankTotals.read(data);
        assertEquals(totals.expectedTotal(), totals.total(), "the money alone does not show the loss");
        assertBroken("ACCOUNTS LOST OR DUPLICATED");
        exec(s2, "INSERT INTO bank.accounts VALUES (" + emptied + ", 'customer-" + emptied + "', 0, NOW(6))");
        assertHolds();

        exec(s2, "UPDATE bank.accounts SET balance = balance + 0.01 WHERE id = " + emptied);
        assertBroken("MONEY CREATED OR LOST");
        exec(s2, "UPDATE bank.accounts SET balance = balance - 0.01 WHERE id = " + emptied);
        assertHolds();
    }

    @Test
    @Order(3)
    void declinedTransfersAreNotCountedAsCommitted() throws SQLException {
        BankSchema.create(meta, data, 30);
        // All of each shard's money in its first account: most transfers now find an empty payer and are declined.
        for (int i = 0; i < data.size(); i++) {
            exec(data.get(i), "SELECT SUM(balance) INTO @total FROM bank.accounts FOR UPDATE",
                    "UPDATE bank.accounts SET balance = IF(id = " + BankSchema.firstId(i) + ", @total, 0)");
        }
        assertHolds();
        long journalled = journalled();
        BankWorkload w = new BankWorkload(data, 30, 2, 400, 5).start();
        try {
            awaitTrue(Duration.ofSeconds(60), () -> w.stats().declined() >= 100 && w.stats().committed() >= 5,
                    "100 declined and 5 committed transfers");
        } finally {
            w.close();
        }
        BankWorkload.Stats stats = w.stop();
        assertEquals(journalled() - journalled, stats.committed(), "every committed transfer, and nothing else, is journalled: "
                + stats);
        assertEquals(stats.committed(), stats.committedPerShard().values().stream().mapToLong(Long::longValue).sum());
        assertTrue(stats.declined() >= 100, stats.toString());
        assertHolds();
    }

    @Test
    @Order(4)
    void refusesRatesAndAccountCountsThatCannotWork() {
        for (double rate : new double[] {Double.NaN, Double.POSITIVE_INFINITY, 0, -5}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new BankWorkload(data, 20, 1, rate, 1), "rate " + rate);
            assertEquals("the transfer rate must be a positive, finite number of transfers per second, got " + rate, e.getMessage());
        }
        String tooMany = "accounts per shard must be between 2 and 1000000 (each shard owns 1000000 account ids, the next"
                + " shard's follow), got 1000001";
        assertEquals(tooMany, assertThrows(IllegalArgumentException.class,
                () -> new BankWorkload(data, 1_000_001, 1, 10, 1)).getMessage());
        assertEquals(tooMany.replace("between 2", "between 1"), assertThrows(IllegalArgumentException.class,
                () -> BankSchema.create(meta, data, 1_000_001)).getMessage());
        assertEquals("accounts per shard must be between 2 and 1000000 (each shard owns 1000000 account ids, the next"
                + " shard's follow), got 1", assertThrows(IllegalArgumentException.class,
                () -> new BankWorkload(data, 1, 1, 10, 1)).getMessage());
    }

    /** Last: cross-shard transfers move money between shards, so only the cluster's total holds afterwards. */
    @Test
    @Order(Integer.MAX_VALUE)
    void crossShardTransfersAreAllOrNothingAndAbandonedOnesAreResolvedAsATransactionManagerWould() throws SQLException {
        BankWorkload w = new BankWorkload(data, 20, 3, 300, 9).withCrossShard(0.5, 0.1, 1).start();
        boolean[] seenInDoubt = {false};
        try {
            awaitTrue(Duration.ofSeconds(90), () -> {
                try {
                    seenInDoubt[0] |= XaJournal.read(data).preparedBranches() > 0;
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
                BankWorkload.Stats s = w.stats();
                return seenInDoubt[0] && s.crossShardCommitted() >= 100 && s.committed() >= 100 && s.abandoned() >= 10 && s.resolved() >= 5;
            }, "100 local and 100 cross-shard transfers, 10 abandoned, 5 resolved, a branch seen in doubt on production");
        } finally {
            w.close();
        }
        BankWorkload.Stats stats = w.stop();
        XaJournal journal = XaJournal.read(data);
        assertEquals(List.of(), journal.torn(), "every cross-shard transfer is journaled on both its shards or neither");
        assertEquals(0, journal.preparedBranches(), "stop resolves every abandoned transfer: " + journal.prepared());
        assertEquals(stats.abandoned(), stats.resolved(), stats.toString());
        assertTrue(journal.committedTransfers() >= stats.crossShardCommitted()
                && journal.committedTransfers() <= stats.crossShardCommitted() + stats.abandoned(), journal.committedTransfers() + " " + stats);
        BankTotals totals = BankTotals.read(data);
        assertTrue(totals.holds(), totals.toString());
        for (BankShard s : data) {
            String events = binlogEvents(s);
            for (String xa : List.of("XA PREPARE", "XA COMMIT", "XA ROLLBACK")) {
                assertTrue(events.contains(xa), s + "'s binlog has " + xa);
            }
        }
    }

    private static String binlogEvents(BankShard s) throws SQLException {
        StringBuilder all = new StringBuilder();
        try (Connection c = s.connect(); Statement st = c.createStatement()) {
            List<String> files = new java.util.ArrayList<>();
            try (ResultSet rs = st.executeQuery("SHOW BINARY LOGS")) {
                while (rs.next()) {
                    files.add(rs.getString(1));
                }
            }
            for (String f : files) {
                try (ResultSet rs = st.executeQuery("SHOW BINLOG EVENTS IN '" + f + "'")) {
                    while (rs.next()) {
                        all.append(rs.getString("Info")).append('\n');
                    }
                }
            }
        }
        return all.toString();
    }

    private static void assertHolds() throws SQLException {
        BankTotals totals = BankTotals.read(data);
        assertTrue(totals.holds() && totals.holdsPerShard(), totals.toString());
    }

    private static void assertBroken(String verdict) throws SQLException {
        BankTotals totals = BankTotals.read(data);
        assertFalse(totals.holds(), totals.toString());
        assertFalse(totals.holdsPerShard(), totals.toString());
        assertTrue(totals.toString().contains("(" + verdict + ")"), totals.toString());
    }

    private static long journalled() throws SQLException {
        long n = 0;
        for (BankShard s : data) {
            try (Connection c = s.connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM bank.transfers")) {
                rs.next();
                n += rs.getLong(1);
            }
        }
        return n;
    }

    private static BigDecimal balance(BankShard s, long id) throws SQLException {
        try (Connection c = s.connect(); PreparedStatement ps = c.prepareStatement("SELECT balance FROM bank.accounts WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "account " + id + " exists");
                return rs.getBigDecimal(1);
            }
        }
    }

    /** Runs the statements as one transaction, as a bug or a bad flashback would write them. */
    private static void exec(BankShard s, String... sql) throws SQLException {
        try (Connection c = s.connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            for (String one : sql) {
                st.execute(one);
            }
            c.commit();
        }
    }

    private static void awaitTrue(Duration deadline, BooleanSupplier condition, String what) {
        Instant end = Instant.now().plus(deadline);
        while (Instant.now().isBefore(end)) {
            if (condition.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(100); // polling interval of a deadline-bound wait
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
        throw new AssertionError("not within " + deadline.toSeconds() + " s: " + what);
    }
}
