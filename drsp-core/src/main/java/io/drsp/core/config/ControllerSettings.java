package io.drsp.core.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the controller listens and keeps its journal.
 *
 * @param http      the command API used by the CLI and scripts
 * @param tokenFile the bearer token the CLI must present, absolute
 * @param remoting  the Pekko Artery address agents on other hosts join
 */
public record ControllerSettings(Endpoint http, Path tokenFile, Endpoint remoting, ControlDb controlDb, Endpoint metrics) {
    /** Where {@code /metrics} listens when the configuration does not say: loopback, beside the API's 8470. */
    public static final Endpoint DEFAULT_METRICS = new Endpoint("127.0.0.1", 9470);

    public ControllerSettings(Endpoint http, Path tokenFile, Endpoint remoting, ControlDb controlDb) {
        this(http, tokenFile, remoting, controlDb, DEFAULT_METRICS);
    }

    public ControllerSettings {
        metrics = metrics == null ? DEFAULT_METRICS : metrics;
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(tokenFile, "tokenFile");
        Objects.requireNonNull(remoting, "remoting");
        Objects.requireNonNull(controlDb, "controlDb");
    }
}
