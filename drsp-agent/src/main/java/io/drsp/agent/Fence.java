package io.drsp.agent;

import io.drsp.core.config.Site;
import io.drsp.core.mysql.MysqlAdmin;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Whether this member takes writes: closing it (drained of open transactions, then super_read_only), and opening it.
 */
final class Fence {
    private final MemberConnection member;
    private final NodeKey key;

    Fence(MemberConnection member) {
        this.member = member;
        this.key = member.key();
    }

    /**
     * Waits, up to {@code bound}, until no session has an open transaction, then makes the instance super read-only.
     * Past the bound it names the sessions still open and changes nothing: ending a customer's transaction is the
     * DBA's call, not drsp's.
     *
     * @param leavePrepared production's fence (switchback): XA branches still prepared at the bound do not stop it. A
     *                      live coordinator has had the whole bound to end them; the rest are a dead coordinator's,
     *                      which laststamp rolls back when prepared after the recovery point, or names when before.
     */
    String closeForWrites(Duration bound, boolean leavePrepared) {
        try (MysqlAdmin s = member.session(); Statement st = s.connection().createStatement()) {
            Instant deadline = Instant.now().plus(bound);
            List<String> open = openTransactions(st);
            List<String> prepared = preparedBranches(s);
            // INNODB_TRX is a cache InnoDB refreshes at most every 100 ms: a transaction begun just before a read can
            // be missing from it. "None open" counts only when a second read, past the next refresh, agrees.
            boolean noneSeenBefore = false;
            while (Instant.now().isBefore(deadline)) {
                boolean none = open.isEmpty() && prepared.isEmpty();
                if (none && noneSeenBefore) {
                    break;
                }
                noneSeenBefore = none;
                MemberConnection.pause(200);
                open = openTransactions(st);
                prepared = preparedBranches(s);
            }
            boolean leaving = leavePrepared && !prepared.isEmpty() && open.isEmpty();
            if (leaving) {
                MemberConnection.pause(200); // "none open" counts only when a read past the next INNODB_TRX refresh agrees
                open = openTransactions(st);
                leaving = open.isEmpty();
            }
            if (!leaving && (!open.isEmpty() || !prepared.isEmpty())) {
                List<String> what = new java.util.ArrayList<>(open);
                what.addAll(prepared);
                throw new MysqlOperationException(key.describe() + " still has " + (open.isEmpty() ? "" : open.size()
                        + " open transaction(s)" + (prepared.isEmpty() ? "" : " and ")) + (prepared.isEmpty() ? ""
                        : prepared.size() + " prepared XA branch(es)") + " after " + bound.toSeconds() + " s: "
                        + String.join("; ", what) + "; end them (a prepared branch with XA COMMIT or XA ROLLBACK, as its"
                        + " coordinator decided) or run stopservice" + (key.site() == Site.PRODUCTION ? " --site production" : "")
                        + " again");
            }
            st.execute("SET SESSION lock_wait_timeout = " + Math.max(1, bound.toSeconds()));
            st.execute("SET GLOBAL super_read_only = ON");
            return leaving ? "no open transactions; super_read_only ON; left prepared for laststamp to decide: "
                    + String.join("; ", prepared) : "no open transactions or prepared XA branches; super_read_only ON";
        } catch (SQLException e) {
            throw new MysqlOperationException(member.where() + ": cannot make it read-only: " + e.getMessage(), e);
        }
    }

    /** A prepared XA branch left by its coordinator keeps its row locks but is no session's: it is named by its XID. */
    private static List<String> preparedBranches(MysqlAdmin s) {
        XaOps.Prepared prepared = XaOps.preparedNow(s);
        List<String> out = new java.util.ArrayList<>();
        for (String x : prepared.xids()) {
            io.drsp.agent.relay.XaInfo xa = io.drsp.agent.relay.XaInfo.fromSqlXid(x, io.drsp.agent.relay.XaPhase.PREPARE);
            out.add("XA branch '" + xa.gtrid() + "','" + xa.bqual() + "'," + xa.formatId() + " prepared");
        }
        if (!out.isEmpty() && prepared.oldestSeconds() != null) {
            out.set(out.size() - 1, out.get(out.size() - 1) + ", the oldest " + prepared.oldestSeconds() + " s ago");
        }
        return out;
    }

    private static List<String> openTransactions(Statement st) throws SQLException {
        List<String> open = new java.util.ArrayList<>();
        try (ResultSet rs = st.executeQuery("SELECT t.trx_mysql_thread_id, p.USER, p.HOST, TIMESTAMPDIFF(SECOND, t.trx_started, NOW())"
                + " FROM information_schema.INNODB_TRX t LEFT JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id"
                + " WHERE t.trx_mysql_thread_id NOT IN (0, CONNECTION_ID()) AND (p.COMMAND IS NULL OR p.COMMAND <> 'Connect')")) {
            while (rs.next()) {
                open.add("session " + rs.getLong(1) + " (" + rs.getString(2) + "@" + rs.getString(3) + ", open " + rs.getLong(4) + " s)");
            }
        }
        return open;
    }

    /** Read-only means {@code super_read_only}: not even an administrator's session may write by accident. */
    String setReadOnly(boolean readOnly) {
        try (MysqlAdmin s = member.session(); Statement st = s.connection().createStatement()) {
            if (readOnly) {
                st.execute("SET GLOBAL super_read_only = ON");
            } else {
                st.execute("SET GLOBAL super_read_only = OFF");
                st.execute("SET GLOBAL read_only = OFF");
            }
            return readOnly ? "super_read_only ON" : "read_only OFF";
        } catch (SQLException e) {
            throw new MysqlOperationException(member.where() + ": cannot change read-only: " + e.getMessage(), e);
        }
    }

}
