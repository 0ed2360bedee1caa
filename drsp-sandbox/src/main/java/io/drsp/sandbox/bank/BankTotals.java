package io.drsp.sandbox.bank;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bank's oracle: money is neither made nor lost, so balances sum to what the accounts were opened with. Checked
 * per shard (local transfers keep each shard's sum) and for the whole cluster.
 */
public record BankTotals(Map<String, BigDecimal> balancePerShard, Map<String, Long> accountsPerShard) {

    public static BankTotals read(List<BankShard> dataShards) throws SQLException {
        Map<String, BigDecimal> sums = new LinkedHashMap<>();
        Map<String, Long> counts = new LinkedHashMap<>();
        for (BankShard s : dataShards) {
            try (Connection c = s.connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT COUNT(*), COALESCE(SUM(balance), 0) FROM bank.accounts")) {
                rs.next();
                counts.put(s.shard(), rs.getLong(1));
                sums.put(s.shard(), rs.getBigDecimal(2));
            }
        }
        return new BankTotals(Map.copyOf(sums), Map.copyOf(counts));
    }

    public BigDecimal total() {
        return balancePerShard.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    public BigDecimal expectedTotal() {
        long accounts = accountsPerShard.values().stream().mapToLong(Long::longValue).sum();
        return BankSchema.INITIAL_BALANCE.multiply(BigDecimal.valueOf(accounts));
    }

    /** True when the cluster holds exactly what its accounts were opened with. */
    public boolean holds() {
        return total().compareTo(expectedTotal()) == 0;
    }

    /** True when every shard does, which is so while all transfers are local ones. */
    public boolean holdsPerShard() {
        return balancePerShard.entrySet().stream().allMatch(e -> e.getValue().compareTo(
                BankSchema.INITIAL_BALANCE.multiply(BigDecimal.valueOf(accountsPerShard.get(e.getKey())))) == 0);
    }

    @Override
    public String toString() {
        return "total " + total() + " of expected " + expectedTotal() + " " + (holds() ? "(holds)" : "(MONEY CREATED OR LOST)")
                + " per shard " + balancePerShard;
    }
}
