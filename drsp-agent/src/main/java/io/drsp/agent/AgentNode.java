package io.drsp.agent;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.drsp.core.config.ClusterPair;
import io.drsp.core.config.DrspConfig;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * An agent in a process of its own, for a MySQL instance on another host: it joins the controller's Pekko cluster
 * and registers its {@link NodeAgent} with the Receptionist, where the controller's entity finds it.
 */
public final class AgentNode {
    private AgentNode() {
    }

    /** Starts the agent of {@code key}; {@code port} 0 picks a free remoting port. */
    public static ActorSystem<NodeAgent.Command> start(DrspConfig config, NodeKey key, String host, int port) {
        ClusterPair pair = config.cluster(key.cluster());
        if (!Topology.nodes(pair).contains(key)) {
            throw new IllegalArgumentException("node " + key + " is not in cluster " + pair.id() + "; known nodes: "
                    + Topology.nodes(pair));
        }
        NodeOps ops = new NodeOps(key, Topology.endpoint(pair, key), config.user(pair.adminUser()),
                config.user(pair.replicationUser()));
        var remoting = config.controller().remoting();
        Config pekko = ConfigFactory.parseMap(Map.of(
                        "pekko.actor.provider", "cluster",
                        "pekko.remote.artery.transport", "tcp",
                        "pekko.remote.artery.canonical.hostname", host,
                        "pekko.remote.artery.canonical.port", port,
                        "pekko.cluster.seed-nodes", List.of("pekko://drsp@" + remoting.host() + ":" + remoting.port()),
                        "pekko.cluster.jmx.enabled", "off",
                        "pekko.coordinated-shutdown.exit-jvm", "off",
                        "pekko.loggers", List.of("org.apache.pekko.event.slf4j.Slf4jLogger"),
                        "pekko.logging-filter", "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"))
                .withFallback(ConfigFactory.load());
        // Same system name as the controller's: Pekko cluster members must share it.
        return ActorSystem.create(Behaviors.supervise(NodeAgent.create(ops)).onFailure(SupervisorStrategy.restart()),
                "drsp", pekko);
    }
}
