package io.drsp.core.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Where the controllers listen and keep their journal. {@code http}, {@code remoting} and {@code metrics} are those
 * of the controller this process is ({@link #as}); {@code peers} lists every controller of the configuration, this
 * one included, in name order: one for a single controller, three or five for a highly available cluster of them.
 *
 * @param http      the command API used by the CLI and scripts
 * @param tokenFile the bearer token the CLI must present, absolute; every controller serves the same token
 * @param remoting  the Pekko Artery address other controllers and agents on other hosts join
 */
public record ControllerSettings(Endpoint http, Path tokenFile, Endpoint remoting, ControlDb controlDb, Endpoint metrics,
                                 List<ControllerPeer> peers) {
    /** Where {@code /metrics} listens when the configuration does not say: loopback, beside the API's 8470. */
    public static final Endpoint DEFAULT_METRICS = new Endpoint("127.0.0.1", 9470);

    public ControllerSettings(Endpoint http, Path tokenFile, Endpoint remoting, ControlDb controlDb) {
        this(http, tokenFile, remoting, controlDb, DEFAULT_METRICS);
    }

    public ControllerSettings(Endpoint http, Path tokenFile, Endpoint remoting, ControlDb controlDb, Endpoint metrics) {
        this(http, tokenFile, remoting, controlDb, metrics, null);
    }

    public ControllerSettings {
        metrics = metrics == null ? DEFAULT_METRICS : metrics;
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(tokenFile, "tokenFile");
        Objects.requireNonNull(remoting, "remoting");
        Objects.requireNonNull(controlDb, "controlDb");
        peers = peers == null || peers.isEmpty() ? List.of(new ControllerPeer(ControllerPeer.SOLE, http, remoting, metrics))
                : List.copyOf(peers);
    }

    /** More than one controller: they form one Pekko cluster and one of them drives each pair. */
    public boolean highlyAvailable() {
        return peers.size() > 1;
    }

    /** This configuration seen from the controller named {@code name}. */
    public ControllerSettings as(String name) {
        ControllerPeer peer = peer(name);
        return new ControllerSettings(peer.http(), tokenFile, peer.remoting(), controlDb, peer.metrics(), peers);
    }

    /** @throws IllegalArgumentException in one sentence naming the configured controllers */
    public ControllerPeer peer(String name) {
        return peers.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "controller \"" + name + "\" is not configured, expected one of: "
                        + String.join(", ", peers.stream().map(ControllerPeer::name).toList())));
    }

    /** The controller this process is, by its remoting address. */
    public ControllerPeer self() {
        return peers.stream().filter(p -> p.remoting().equals(remoting)).findFirst().orElseThrow();
    }
}
