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
 * Agents in a process of their own, for the MySQL instances of one host: it joins the controllers' Pekko cluster
 * (with role {@value ClusterRoles#AGENT}) and registers one {@link NodeAgent} per node with the Receptionist, where
 * every controller finds them. Their takeover-epoch marks are shared, as the controller's in-process agents' are.
 */
public final class AgentNode {
    private AgentNode() {
    }

    /** Starts the agents of {@code keys}; {@code port} 0 picks a free remoting port. */
    public static ActorSystem<Void> start(DrspConfig config, List<NodeKey> keys, String host, int port) {
        if (keys.isEmpty() || new java.util.HashSet<>(keys).size() != keys.size()) {
            throw new IllegalArgumentException("give each node once, at least one, got " + keys + ".");
        }
        List<NodeOps> ops = new java.util.ArrayList<>();
        for (NodeKey key : keys) {
            ClusterPair pair = config.cluster(key.cluster());
            if (!Topology.nodes(pair).contains(key)) {
                throw new IllegalArgumentException("node " + key + " is not in cluster " + pair.id() + "; known nodes: "
                        + Topology.nodes(pair));
            }
            ops.add(new NodeOps(key, Topology.endpoint(pair, key), config.user(pair.adminUser()),
                    config.user(pair.replicationUser()), config.tls().mysql()));
        }
        Config pekko = ConfigFactory.parseMap(Map.of(
                        "pekko.actor.provider", "cluster",
                        "pekko.remote.artery.canonical.hostname", host,
                        "pekko.remote.artery.canonical.port", port,
                        "pekko.cluster.jmx.enabled", "off",
                        "pekko.coordinated-shutdown.exit-jvm", "off",
                        "pekko.loggers", List.of("org.apache.pekko.event.slf4j.Slf4jLogger"),
                        "pekko.logging-filter", "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"))
                .withFallback(ClusterRoles.membership(config, ClusterRoles.AGENT, host))
                .withFallback(ConfigFactory.load());
        return ActorSystem.create(Behaviors.setup(ctx -> {
            for (NodeOps o : ops) {
                ctx.spawn(Behaviors.supervise(NodeAgent.create(o)).onFailure(SupervisorStrategy.restart()),
                        "node-" + o.key().toString().replace('/', '-'));
            }
            return Behaviors.empty();
        }), ClusterRoles.SYSTEM_NAME, pekko);
    }
}
