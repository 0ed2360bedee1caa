package io.drsp.sandbox.bank;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The bank's tables: accounts spread over the data shards, a transfer journal per shard, the record of what each
 * shard's accounts were opened with, and the account directory on the meta shard (which shard holds which id range),
 * which is what a sharded bank's metadata looks like.
 */
public final class BankSchema {
    public static final BigDecimal INITIAL_BALANCE = new BigDecimal("1000.00");
    static final long IDS_PER_SHARD = 1_000_000L;
    /** More would take account ids of the next shard. */
    public static final int MAX_ACCOUNTS_PER_SHARD = (int) IDS_PER_SHARD;

    private BankSchema() {
    }

    /**
     * Creates the schema and opens {@code accountsPerShard} accounts on each data shard; accounts that exist already
     * are kept, so running it again opens only the missing ones. Each shard records how many accounts it opened and
     * with how much money in {@code bank.opening}, in the same transaction as the accounts, so the record replicates
     * and recovers together with them and {@link BankTotals} can tell a lost or duplicated account row.
     */
    public static void create(BankShard meta, List<BankShard> dataShards, int accountsPerShard) throws SQLException {
        requireAccountsPerShard(accountsPerShard, 1);
        try (Connection c = meta.connect(); Statement st = c.createStatement()) {
            ddlIfMissing(st, "account_directory", "CREATE TABLE IF NOT EXISTS bank.account_directory (shard VARCHAR(32) PRIMARY KEY,"
                    + " first_id BIGINT NOT NULL, last_id BIGINT NOT NULL)");
            // Unchanged rows are not written: a workload run again logs nothing here.
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO bank.account_directory VALUES (?,?,?)"
                    + " ON DUPLICATE KEY UPDATE first_id = VALUES(first_id), last_id = VALUES(last_id)")) {
                for (int i = 0; i < dataShards.size(); i++) {
                    ps.setString(1, dataShards.get(i).shard());
                    ps.setLong(2, firstId(i));
                    ps.setLong(3, firstId(i) + accountsPerShard - 1);
                    ps.executeUpdate();
                }
            }
        }
        for (int i = 0; i < dataShards.size(); i++) {
            try (Connection c = dataShards.get(i).connect(); Statement st = c.createStatement()) {
                // Before accounts: a recovery point between these DDL statements then still reads as "nothing opened".
                ddlIfMissing(st, "opening", "CREATE TABLE IF NOT EXISTS bank.opening (id TINYINT PRIMARY KEY CHECK (id = 1),"
                        + " accounts BIGINT NOT NULL, total DECIMAL(20,2) NOT NULL)");
                ddlIfMissing(st, "accounts", "CREATE TABLE IF NOT EXISTS bank.accounts (id BIGINT PRIMARY KEY, owner VARCHAR(64) NOT NULL,"
                        + " balance DECIMAL(20,2) NOT NULL, updated_at DATETIME(6) NOT NULL)");
                ddlIfMissing(st, "transfers", "CREATE TABLE IF NOT EXISTS bank.transfers (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
                        + " from_id BIGINT NOT NULL, to_id BIGINT NOT NULL, amount DECIMAL(20,2) NOT NULL,"
                        + " gtrid VARCHAR(64) NULL, created_at DATETIME(6) NOT NULL)");
                c.setAutoCommit(false);
                try {
                    openAccounts(c, dataShards.get(i), firstId(i), accountsPerShard);
                    c.commit();
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                }
            }
        }
    }

    /**
     * DDL only for a table that is missing: even a CREATE ... IF NOT EXISTS that changes nothing is binlogged as DDL,
     * which a switchback's flashback of production cannot undo, so running the workload again must not issue it.
     */
    private static void ddlIfMissing(Statement st, String table, String ddl) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'bank'"
                + " AND TABLE_NAME = '" + table + "'")) {
            rs.next();
            if (rs.getLong(1) > 0) {
                return;
            }
        }
        st.execute("CREATE DATABASE IF NOT EXISTS bank");
        st.execute(ddl);
    }

    private static void openAccounts(Connection c, BankShard shard, long first, int count) throws SQLException {
        try (Statement st = c.createStatement()) {
            if (st.executeUpdate("INSERT IGNORE INTO bank.opening VALUES (1, 0, 0)") == 1) {
                try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM bank.accounts")) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        throw new IllegalStateException("bank.accounts on " + shard + " holds " + rs.getLong(1)
                                + " accounts opened without a record of their opening total (an older drsp made them),"
                                + " so no balance check could be trusted; recreate the sandbox.");
                    }
                }
            }
        }
        long opened = 0;
        try (PreparedStatement ps = c.prepareStatement("INSERT IGNORE INTO bank.accounts VALUES (?, ?, ?, NOW(6))")) {
            for (int a = 0; a < count; a++) {
                ps.setLong(1, first + a);
                ps.setString(2, "customer-" + (first + a));
                ps.setBigDecimal(3, INITIAL_BALANCE);
                ps.addBatch();
            }
            // One count per row (BankShard does not rewrite batches): 1 opened, 0 existed already.
            for (int n : ps.executeBatch()) {
                if (n < 0) {
                    throw new IllegalStateException("the driver did not say which accounts " + shard
                            + " opened, so the opening total cannot be recorded; connect without rewriteBatchedStatements.");
                }
                opened += n;
            }
        }
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE bank.opening SET accounts = accounts + ?, total = total + ? WHERE id = 1")) {
            ps.setLong(1, opened);
            ps.setBigDecimal(2, INITIAL_BALANCE.multiply(BigDecimal.valueOf(opened)));
            ps.executeUpdate();
        }
    }

    /**
     * Refuses an account count that would not fit a shard's id range: shard i owns ids from {@code (i + 1) * 1000000},
     * so more accounts would take ids of the next shard.
     */
    static void requireAccountsPerShard(long accountsPerShard, int min) {
        if (accountsPerShard < min || accountsPerShard > IDS_PER_SHARD) {
            throw new IllegalArgumentException("accounts per shard must be between " + min + " and " + IDS_PER_SHARD
                    + " (each shard owns " + IDS_PER_SHARD + " account ids, the next shard's follow), got " + accountsPerShard);
        }
    }

    static long firstId(int shardIndex) {
        return (shardIndex + 1) * IDS_PER_SHARD;
    }
}
