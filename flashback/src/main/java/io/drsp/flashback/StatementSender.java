package io.drsp.flashback;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Sends one transaction's rendered statements in as few requests as {@code requestBytes} allows (several
 * statements per request on a connection that allows it): each request costs a round trip and a wake-up on
 * both sides, which for small statements weighs as much as executing them. Every statement's matched-row count is
 * checked in order, so the first that does not match what its image says stops the transaction with
 * {@link Diverged}; whatever ran after it in the same request is rolled back with it.
 */
final class StatementSender {
    private final Statement statement;
    private final String gtid;
    private final int requestBytes;
    private final List<RenderedStatement> pending = new ArrayList<>();
    private long pendingChars;

    StatementSender(Statement statement, String gtid, int requestBytes) {
        this.statement = statement;
        this.gtid = gtid;
        this.requestBytes = requestBytes;
    }

    /** A statement matched another number of rows than its image says: the target is not what the binlog says. */
    static final class Diverged extends RuntimeException {
        Diverged(String message) {
            super(message);
        }
    }

    void add(RenderedStatement r) throws SQLException {
        if (!pending.isEmpty() && pendingChars + r.sql().length() > requestBytes) {
            flush();
        }
        pending.add(r);
        pendingChars += r.sql().length() + 2;
    }

    void flush() throws SQLException {
        if (pending.isEmpty()) {
            return;
        }
        boolean resultSet = statement.execute(request());
        for (int k = 0; k < pending.size(); k++) {
            if (k > 0) {
                resultSet = statement.getMoreResults();
            }
            if (resultSet) {
                throw new SQLException("a reverse statement returned rows: " + abbreviated(pending.get(k).sql()));
            }
            check(statement.getUpdateCount(), pending.get(k));
        }
        pending.clear();
        pendingChars = 0;
    }

    /** The pending statements as one request, copied once (they can be megabytes). */
    private String request() {
        if (pending.size() == 1) {
            return pending.get(0).sql();
        }
        StringBuilder request = new StringBuilder(Math.toIntExact(pendingChars));
        for (RenderedStatement r : pending) {
            if (request.length() > 0) {
                request.append(";\n");
            }
            request.append(r.sql());
        }
        return request.toString();
    }

    private void check(int n, RenderedStatement r) {
        if (n != r.expectedRows()) {
            throw new Diverged("the target does not hold what " + gtid + " left: a reverse statement matched " + n
                    + " rows instead of " + r.expectedRows() + " (changed after the range, or by a trigger or cascade?): "
                    + abbreviated(r.sql()));
        }
    }

    private static String abbreviated(String sql) {
        return sql.length() > 400 ? sql.substring(0, 400) + "..." : sql;
    }
}
