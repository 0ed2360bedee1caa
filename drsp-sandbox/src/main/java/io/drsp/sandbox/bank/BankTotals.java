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
 * The bank's oracle: money is neither made nor lost and no account appears or vanishes, so each shard holds exactly
 * the accounts and the money its {@code bank.opening} row says it opened. That row is written with the accounts and
 * never derived from today's rows, so a lost or duplicated account row shows. Checked per shard (local transfers
 * keep each shard's sum) and for the whole cluster.
 */
public record BankTotals(Map<String, BigDecimal> balancePerShard, Map<String, Long> accountsPerShard,
                         Map<String, Opening> openingPerShard) {

    /** What a shard's accounts were opened with; nothing before the bank's accounts are committed there. */
    public record Opening(long accounts, BigDecimal total) {
        static final Opening NOTHING = new Opening(0, BigDecimal.ZERO);
    }

    public BankTotals {
        balancePerShard = Map.copyOf(balancePerShard);
        accountsPerShard = Map.copyOf(accountsPerShard);
        openingPerShard = Map.copyOf(openingPerShard);
    }

    public static BankTotals read(List<BankShard> dataShards) throws SQLException {
        Map<String, BigDecimal> sums = new LinkedHashMap<>();
        Map<String, Long> counts = new LinkedHashMap<>();
        Map<String, Opening> openings = new LinkedHashMap<>();
        for (BankShard s : dataShards) {
            try (Connection c = s.connect(); Statement st = c.createStatement()) {
                // One snapshot for both reads, so a running workload cannot slip in between them.
                st.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
                try (ResultSet rs = st.executeQuery("SELECT COUNT(*), COALESCE(SUM(balance), 0) FROM bank.accounts")) {
                    rs.next();
                    counts.put(s.shard(), rs.getLong(1));
                    sums.put(s.shard(), rs.getBigDecimal(2));
                }
                try (ResultSet rs = st.executeQuery("SELECT accounts, total FROM bank.opening WHERE id = 1")) {
                    openings.put(s.shard(), rs.next() ? new Opening(rs.getLong(1), rs.getBigDecimal(2)) : Opening.NOTHING);
                }
                st.execute("COMMIT");
            }
        }
        return new BankTotals(sums, counts, openings);
    }

    public BigDecimal total() {
        return balancePerShard.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    /** What the accounts were opened with, as recorded when they were opened. */
    public BigDecimal expectedTotal() {
        return openingPerShard.values().stream().map(Opening::total).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    public long accounts() {
        return accountsPerShard.values().stream().mapToLong(Long::longValue).sum();
    }

    public long expectedAccounts() {
        return openingPerShard.values().stream().mapToLong(Opening::accounts).sum();
    }

    /** True when the cluster holds exactly the accounts and the money it opened. */
    public boolean holds() {
        return total().compareTo(expectedTotal()) == 0 && accounts() == expectedAccounts();
    }

    /** True when every shard does, which is so while all transfers are local ones. */
    public boolean holdsPerShard() {
        return balancePerShard.keySet().stream().allMatch(this::holds);
    }

    private boolean holds(String shard) {
        Opening opening = openingPerShard.get(shard);
        return balancePerShard.get(shard).compareTo(opening.total()) == 0 && accountsPerShard.get(shard) == opening.accounts();
    }

    @Override
    public String toString() {
        StringBuilder perShard = new StringBuilder();
        for (String shard : balancePerShard.keySet().stream().sorted().toList()) {
            Opening o = openingPerShard.get(shard);
            perShard.append(perShard.length() == 0 ? "" : ", ").append(shard).append(' ').append(balancePerShard.get(shard))
                    .append(" in ").append(accountsPerShard.get(shard)).append(" accounts");
            if (!holds(shard)) {
                perShard.append(" (opened ").append(o.total()).append(" in ").append(o.accounts()).append(')');
            }
        }
        String verdict = holds() ? "(holds)" : accounts() != expectedAccounts() ? "(ACCOUNTS LOST OR DUPLICATED)"
                : "(MONEY CREATED OR LOST)";
        return "total " + total() + " in " + accounts() + " accounts of expected " + expectedTotal() + " in "
                + expectedAccounts() + " " + verdict + "; per shard " + perShard;
    }
}
