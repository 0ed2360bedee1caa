package io.drsp.core.mysql;

import io.drsp.core.config.Endpoint;

/** A MySQL instance could not be reached or answered an admin statement with an error. */
public final class MysqlAdminException extends RuntimeException {

    private final Endpoint endpoint;

    public MysqlAdminException(Endpoint endpoint, String message, Throwable cause) {
        super(message, cause);
        this.endpoint = endpoint;
    }

    public Endpoint endpoint() {
        return endpoint;
    }
}
