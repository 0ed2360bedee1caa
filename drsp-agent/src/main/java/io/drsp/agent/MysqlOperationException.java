package io.drsp.agent;

/** An agent's operation on its instance failed; the message is the sentence a DBA reads, naming the shard. */
public final class MysqlOperationException extends RuntimeException {
    public MysqlOperationException(String message) {
        super(message);
    }

    public MysqlOperationException(String message, Throwable cause) {
        super(message, cause);
    }
}
