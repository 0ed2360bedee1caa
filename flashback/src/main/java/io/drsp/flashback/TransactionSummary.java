package io.drsp.flashback;

import java.time.Instant;

/** One selected transaction with rows to undo: its GTID, original commit time and row counts. */
public record TransactionSummary(String gtid, Instant originalCommit, long inserted, long updated, long deleted) {
}
