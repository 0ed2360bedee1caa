package io.drsp.agent.relay;

/**
 * A relay file holds something the index cannot make sense of. The index never guesses past it: a wrong GTID set
 * would replay a bank's transactions to the wrong point.
 */
public final class RelayLogCorruptException extends RuntimeException {
    public RelayLogCorruptException(String file, long position, String why) {
        super("relay log " + file + " at position " + position + ": " + why);
    }
}
