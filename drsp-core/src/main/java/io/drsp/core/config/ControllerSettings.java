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
public record ControllerSettings(Endpoint http, Path tokenFile, Endpoint remoting, ControlDb controlDb) {
    public ControllerSettings {
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(tokenFile, "tokenFile");
        Objects.requireNonNull(remoting, "remoting");
        Objects.requireNonNull(controlDb, "controlDb");
    }
}
