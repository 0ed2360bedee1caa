package io.drsp.flashback;

/**
 * Why a flashback will not run. {@code gtid} names the offending source transaction (null when the reason is not
 * one transaction, such as a table whose definition on the target differs); {@code statement} is the statement
 * text when the binlog has one (DDL, statement-format DML, or the row's original query when
 * {@code binlog_rows_query_log_events} is on).
 */
public record Refusal(String gtid, String reason, String statement) {

    @Override
    public String toString() {
        return (gtid == null ? "" : gtid + ": ") + reason + (statement == null ? "" : " [" + statement + "]");
    }
}
