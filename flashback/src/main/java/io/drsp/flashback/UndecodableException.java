package io.drsp.flashback;

/** A binlog value or event this engine cannot decode exactly; it becomes a refusal, never a guess. */
public final class UndecodableException extends RuntimeException {
    public UndecodableException(String message) {
        super(message);
    }
}
