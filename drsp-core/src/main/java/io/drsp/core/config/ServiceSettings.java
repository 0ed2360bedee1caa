package io.drsp.core.config;

/**
 * How a DR cluster leaves service on a cluster pair.
 *
 * @param drainTimeoutSeconds how long stopservice waits, after stop_dbproxy, for the open transactions of a DR shard
 *                            to end before it gives up naming them; it never ends a customer's transaction itself
 */
public record ServiceSettings(int drainTimeoutSeconds) {
    public static final ServiceSettings DEFAULTS = new ServiceSettings(30);

    public ServiceSettings {
        if (drainTimeoutSeconds < 1) {
            throw new IllegalArgumentException("drain timeout " + drainTimeoutSeconds + " s");
        }
    }
}
