package io.drsp.agent;

import java.util.Objects;

/**
 * How one XA branch is decided: committed or rolled back. {@code xid} as MySQL prints it ({@code X'..',X'..',n}, as
 * in {@code XA RECOVER CONVERT XID} and the binlog).
 */
public record XaDecision(Verb verb, String xid) {
    public enum Verb { COMMIT, ROLLBACK }

    public XaDecision {
        Objects.requireNonNull(verb, "verb");
        Objects.requireNonNull(xid, "xid");
    }

    public static XaDecision commit(String xid) {
        return new XaDecision(Verb.COMMIT, xid);
    }

    public static XaDecision rollback(String xid) {
        return new XaDecision(Verb.ROLLBACK, xid);
    }

    /** The statement that carries it out: {@code XA COMMIT X'..',X'..',n} or {@code XA ROLLBACK ...}. */
    public String statement() {
        return "XA " + verb + " " + xid;
    }
}
