package io.drsp.agent.relay;

import io.drsp.core.gtid.Gtid;
import java.util.Objects;

/**
 * One complete transaction found in a DR shard's relay log.
 *
 * @param gtid                 the transaction's GTID, as committed on production
 * @param originalCommitMicros {@code original_commit_timestamp} of its GTID event: µs since the epoch on the server
 *                             where it was first committed (production), never the DR's own time
 * @param relayFile            name of the relay file holding the transaction's last event ({@code relay.000012})
 * @param endPosition          relay position just after its last event in {@code relayFile}; counted from event
 *                             lengths, not from {@code end_log_pos} (that is the source's binlog position)
 * @param sizeBytes            relay bytes of the transaction's own events (GTID event to commit), what replaying it
 *                             reads
 * @param xa                   XA identity and phase, or {@code null} for a transaction that is not an XA statement
 */
public record RelayTransaction(Gtid gtid, long originalCommitMicros, String relayFile, long endPosition, long sizeBytes,
                               XaInfo xa) {
    public RelayTransaction {
        Objects.requireNonNull(gtid, "gtid");
        Objects.requireNonNull(relayFile, "relayFile");
    }
}
