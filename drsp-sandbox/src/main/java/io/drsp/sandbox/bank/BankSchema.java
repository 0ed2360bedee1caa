package io.drsp.sandbox.bank;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The bank's tables: accounts spread over the data shards, a transfer journal per shard, and the account directory
 * on the meta shard (which shard holds which id range), which is what a sharded bank's metadata looks like.
 */
public final class BankSchema {
    public static final BigDecimal INITIAL_BALANCE = new BigDecimal("1000.00");
    static final long IDS_PER_SHARD = 1_000_000L;

    private BankSchema() {
    }

    /** Creates the schema and opens {@code accountsPerShard} accounts on each data shard. */
    public static void create(BankShard meta, List<BankShard> dataShards, int accountsPerShard) throws SQLException {
        try (Connection c = meta.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE IF NOT EXISTS bank");
            st.execute("CREATE TABLE IF NOT EXISTS bank.account_directory (shard VARCHAR(32) PRIMARY KEY,"
                    + " first_id BIGINT NOT NULL, last_id BIGINT NOT NULL)");
            try (PreparedStatement ps = c.prepareStatement("REPLACE INTO bank.account_directory VALUES (?,?,?)")) {
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
                st.execute("CREATE DATABASE IF NOT EXISTS bank");
                st.execute("CREATE TABLE IF NOT EXISTS bank.accounts (id BIGINT PRIMARY KEY, owner VARCHAR(64) NOT NULL,"
                        + " balance DECIMAL(20,2) NOT NULL, updated_at DATETIME(6) NOT NULL)");
                st.execute("CREATE TABLE IF NOT EXISTS bank.transfers (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
                        + " from_id BIGINT NOT NULL, to_id BIGINT NOT NULL, amount DECIMAL(20,2) NOT NULL,"
                        + " gtrid VARCHAR(64) NULL, created_at DATETIME(6) NOT NULL)");
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT IGNORE INTO bank.accounts VALUES (?, ?, ?, NOW(6))")) {
                    for (int a = 0; a < accountsPerShard; a++) {
                        ps.setLong(1, firstId(i) + a);
                        ps.setString(2, "customer-" + (firstId(i) + a));
                        ps.setBigDecimal(3, INITIAL_BALANCE);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                c.commit();
            }
        }
    }

    static long firstId(int shardIndex) {
        return (shardIndex + 1) * IDS_PER_SHARD;
    }
}
