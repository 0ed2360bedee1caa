package io.drsp.sandbox.bank;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The cross-shard oracle, from the data alone: every branch of a cross-shard transfer journals its gtrid, so a
 * transfer is atomic when its gtrid is journaled on both its shards or on neither; and a branch left prepared shows in
 * {@code XA RECOVER}.
 *
 * @param journaled per gtrid, the shards whose committed journal holds it
 * @param prepared  per shard, the XIDs {@code XA RECOVER} lists (gtrid then bqual)
 */
public record XaJournal(Map<String, List<String>> journaled, Map<String, List<String>> prepared) {

    public static XaJournal read(List<BankShard> dataShards) throws SQLException {
        Map<String, List<String>> journaled = new TreeMap<>();
        Map<String, List<String>> prepared = new TreeMap<>();
        for (BankShard s : dataShards) {
            try (Connection c = s.connect(); Statement st = c.createStatement()) {
                try (ResultSet rs = st.executeQuery("SELECT gtrid FROM bank.transfers WHERE gtrid IS NOT NULL")) {
                    while (rs.next()) {
                        journaled.computeIfAbsent(rs.getString(1), g -> new ArrayList<>()).add(s.shard());
                    }
                }
                List<String> xids = new ArrayList<>();
                try (ResultSet rs = st.executeQuery("XA RECOVER")) {
                    while (rs.next()) {
                        String data = rs.getString("data");
                        int gl = rs.getInt("gtrid_length");
                        xids.add(data.substring(0, gl) + "," + data.substring(gl));
                    }
                }
                prepared.put(s.shard(), xids);
            }
        }
        return new XaJournal(journaled, prepared);
    }

    /** Transfers journaled on one shard only (or twice on one): money made or lost across shards. */
    public List<String> torn() {
        return journaled.entrySet().stream().filter(e -> e.getValue().size() != 2 || e.getValue().get(0).equals(e.getValue().get(1)))
                .map(e -> e.getKey() + " on " + e.getValue()).toList();
    }

    public long preparedBranches() {
        return prepared.values().stream().mapToLong(List::size).sum();
    }

    /** Cross-shard transfers committed on both their shards. */
    public long committedTransfers() {
        return journaled.size() - torn().size();
    }
}
