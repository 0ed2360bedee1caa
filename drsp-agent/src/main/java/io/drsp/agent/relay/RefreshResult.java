package io.drsp.agent.relay;

/**
 * What one {@link RelayIndex#refresh()} did.
 *
 * @param transactionsAdded   complete transactions newly indexed
 * @param transactionsDropped indexed transactions forgotten because their relay file was purged
 * @param bytesRead           relay bytes read by this refresh (complete events only; never bytes indexed before)
 * @param filesRead           relay files this refresh read from
 */
public record RefreshResult(long transactionsAdded, long transactionsDropped, long bytesRead, int filesRead) {
}
