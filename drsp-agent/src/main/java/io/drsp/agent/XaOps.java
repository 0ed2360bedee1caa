package io.drsp.agent;

import io.drsp.agent.relay.XaPhase;
import io.drsp.core.gtid.GtidSet;
import io.drsp.core.mysql.MysqlAdmin;
import io.drsp.core.mysql.ReplicaStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * XA branches on one instance: which are prepared ({@code XA RECOVER}), and completing them for a consistent
 * recovery (DESIGN §7). Kept apart from {@link NodeOps}, which inspects and drives the link.
 */
public final class XaOps {
    private final MemberConnection member;
    private final NodeKey key;

    XaOps(MemberConnection member) {
        this.member = member;
        this.key = member.key();
    }

    /** What is prepared on an instance now, and how long ago the oldest prepared transaction started (null: none). */
    public record Prepared(Set<String> xids, Long oldestSeconds) {
    }

    /**
     * {@link #prepared(MysqlAdmin)} with an age: a prepared branch whose session ended is no session's any more (thread
     * 0 in INNODB_TRX), but InnoDB still knows when it started.
     */
    static Prepared preparedNow(MysqlAdmin s) {
        Set<String> xids = prepared(s);
        if (xids.isEmpty()) {
            return new Prepared(xids, null);
        }
        try (Statement st = s.connection().createStatement(); ResultSet rs = st.executeQuery(
                "SELECT MAX(TIMESTAMPDIFF(SECOND, trx_started, NOW())) FROM information_schema.INNODB_TRX"
                        + " WHERE trx_mysql_thread_id = 0")) {
            return new Prepared(xids, rs.next() && rs.getObject(1) != null ? rs.getLong(1) : null);
        } catch (SQLException e) {
            throw new MysqlOperationException("cannot read INNODB_TRX: " + e.getMessage(), e);
        }
    }

    /** The XIDs {@code XA RECOVER} lists, as MySQL prints them in the binlog ({@code X'..',X'..',n}). */
    public Set<String> prepared() {
        try (MysqlAdmin s = member.session()) {
            return prepared(s);
        }
    }

    static Set<String> prepared(MysqlAdmin s) {
        Set<String> out = new TreeSet<>();
        try (Statement st = s.connection().createStatement(); ResultSet rs = st.executeQuery("XA RECOVER CONVERT XID")) {
            while (rs.next()) {
                String hex = rs.getString("data").substring(2).toLowerCase(Locale.ROOT); // "0x" + gtrid + bqual
                int g = rs.getInt("gtrid_length") * 2;
                int b = rs.getInt("bqual_length") * 2;
                out.add("X'" + hex.substring(0, g) + "',X'" + hex.substring(g, g + b) + "'," + rs.getLong("formatID"));
            }
            return out;
        } catch (SQLException e) {
            throw new MysqlOperationException("cannot read XA RECOVER: " + e.getMessage(), e);
        }
    }

    /**
     * Applies each planned XA COMMIT or XA ROLLBACK under production's own GTID for it, out of relay order, so the
     * shard's GTID set stays a subset of production's and sync later skips the statement in the relay log. One already
     * in the GTID set was done before (a rerun after a crash) and is skipped. Refused, before anything is applied,
     * while the applier runs or when a branch to complete is not prepared here.
     */
    public String complete(List<XaLine> completions) {
        if (completions.isEmpty()) {
            return "no XA branch to complete";
        }
        try (MysqlAdmin s = member.session(); Statement st = s.connection().createStatement()) {
            if (s.replicaStatus().map(ReplicaStatus::sqlThreadRunning).orElse(false)) {
                throw new MysqlOperationException(member.where() + ": its applier is running, so the XA branches it holds in doubt"
                        + " could still change; run recover again once the replay has stopped");
            }
            GtidSet executed = s.gtidExecuted();
            Set<String> prepared = prepared(s);
            List<XaLine> todo = new ArrayList<>();
            for (XaLine c : completions) {
                if (executed.containsAll(GtidSet.parse(c.gtid()))) {
                    continue;
                }
                if (!prepared.contains(c.xa().sqlXid())) {
                    throw new MysqlOperationException(member.where() + ": the branch " + c.xa().sqlXid() + " of global transaction '"
                            + c.xa().gtrid() + "' is not prepared here, so its XA " + decision(c).verb() + " (" + c.gtid() + ") cannot be"
                            + " applied; nothing was completed");
                }
                todo.add(c);
            }
            for (XaLine c : todo) {
                st.execute("SET SESSION gtid_next = '" + c.gtid() + "'");
                try {
                    st.execute(decision(c).statement());
                } finally {
                    st.execute("SET SESSION gtid_next = AUTOMATIC");
                }
                io.drsp.core.fault.Failpoints.crashAfter("XaBranchCompleted:" + key.shard());
            }
            return "completed " + todo.size() + " XA branches" + (todo.size() < completions.size()
                    ? " (" + (completions.size() - todo.size()) + " were already)" : "");
        } catch (SQLException e) {
            throw new MysqlOperationException(member.where() + ": cannot complete XA branches: " + e.getMessage(), e);
        }
    }

    private static final java.util.regex.Pattern DECISION =
            java.util.regex.Pattern.compile("^XA (COMMIT|ROLLBACK) (X'[0-9a-fA-F]*',X'[0-9a-fA-F]*',\\d+)\\s*$");

    /**
     * What this instance holds prepared, and how it decided the branches it committed or rolled back
     * ({@code XA COMMIT}/{@code XA ROLLBACK} of a prepared branch) in its binlog from {@code file}:{@code position} on:
     * the last decision of each XID. Read with SHOW BINLOG EVENTS, which prints every XID in hex.
     */
    public PreparedLook look(String file, long position) {
        try (MysqlAdmin s = member.session(); Statement st = s.connection().createStatement()) {
            List<String> files = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SHOW BINARY LOGS")) {
                while (rs.next()) {
                    files.add(rs.getString(1));
                }
            }
            int first = files.indexOf(file);
            if (first < 0) {
                throw new MysqlOperationException(member.where() + " no longer has binlog " + file + " of its snapshot point, so how"
                        + " its prepared branches' transactions were decided cannot be read; resolve them by hand");
            }
            java.util.Map<String, XaDecision> decided = new java.util.TreeMap<>();
            for (int i = first; i < files.size(); i++) {
                String sql = "SHOW BINLOG EVENTS IN '" + files.get(i) + "'" + (i == first ? " FROM " + position : "");
                try (ResultSet rs = st.executeQuery(sql)) {
                    while (rs.next()) {
                        java.util.regex.Matcher m = DECISION.matcher(rs.getString("Info"));
                        if (m.matches()) {
                            String xid = m.group(2).toLowerCase(Locale.ROOT).replace("x'", "X'");
                            decided.put(xid, new XaDecision(XaDecision.Verb.valueOf(m.group(1)), xid));
                        }
                    }
                }
            }
            return new PreparedLook(key.toString(), List.copyOf(prepared(s)), List.copyOf(decided.values()), null);
        } catch (SQLException | RuntimeException e) {
            return new PreparedLook(key.toString(), List.of(), List.of(), member.where() + ": " + e.getMessage());
        }
    }

    /** Commits or rolls back each branch still prepared here as decided; gone ones are skipped. */
    public String resolve(List<XaDecision> decisions) {
        try (MysqlAdmin s = member.session(); Statement st = s.connection().createStatement()) {
            Set<String> prepared = prepared(s);
            int[] done = {0};
            // A fenced production shard is super read-only when laststamp rolls its undecided branches back.
            io.drsp.flashback.SuperReadOnly.lifted(st, () -> {
                for (XaDecision d : decisions) {
                    if (prepared.contains(d.xid())) {
                        st.execute(d.statement());
                        done[0]++;
                    }
                }
            });
            return "resolved " + done[0] + " prepared XA branches";
        } catch (SQLException e) {
            throw new MysqlOperationException(member.where() + ": cannot resolve prepared XA branches: " + e.getMessage(), e);
        }
    }

    /** The relay log's completion of a branch: its XA ROLLBACK, or else its XA COMMIT. */
    private static XaDecision decision(XaLine c) {
        return new XaDecision(c.xa().phase() == XaPhase.ROLLBACK ? XaDecision.Verb.ROLLBACK : XaDecision.Verb.COMMIT,
                c.xa().sqlXid());
    }
}
