package io.drsp.core.config;

import java.util.Objects;

/**
 * One controller of the configuration: its name, where its command API and /metrics listen, and its Pekko remoting
 * address, which the other controllers and the agents join. A configuration without {@code peers} has one, named
 * {@link #SOLE}.
 */
public record ControllerPeer(String name, Endpoint http, Endpoint remoting, Endpoint metrics) {
    /** The name of the only controller of a configuration that lists no peers. */
    public static final String SOLE = "controller";

    public ControllerPeer {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(remoting, "remoting");
        Objects.requireNonNull(metrics, "metrics");
    }
}
