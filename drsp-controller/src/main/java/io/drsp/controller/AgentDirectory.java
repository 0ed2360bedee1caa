package io.drsp.controller;

import io.drsp.agent.NodeAgent;
import io.drsp.agent.NodeKey;
import io.drsp.agent.Topology;
import io.drsp.core.config.ClusterPair;
import java.util.Map;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Which agent serves each node, as the Receptionist lists them. A node listed with more than one agent is a
 * conflict: it has no usable agent, and {@code conflicts} says where the agents run.
 */
record AgentDirectory(Map<NodeKey, ActorRef<NodeAgent.Command>> agents, Map<NodeKey, String> conflicts) {

    static AgentDirectory live() {
        // Written on the entity's thread, read by step futures on others.
        return new AgentDirectory(new java.util.concurrent.ConcurrentHashMap<>(), new java.util.concurrent.ConcurrentHashMap<>());
    }

    /**
     * A node's agents as the Receptionist now lists them; the sentence to log when more than one registered. Two
     * processes driving one MySQL instance (a forgotten agent, a host started twice) could undo each other's work, so
     * neither is used until one is stopped.
     */
    java.util.Optional<String> listed(NodeKey key, java.util.Set<ActorRef<NodeAgent.Command>> instances) {
        if (instances.size() > 1) {
            String where = instances.stream().map(r -> r.path().address().toString()).sorted()
                    .collect(java.util.stream.Collectors.joining(" and "));
            agents.remove(key);
            conflicts.put(key, where);
            return java.util.Optional.of(key.describe() + ": " + instances.size() + " agents registered (" + where
                    + "); commands needing it are refused until one is stopped");
        }
        conflicts.remove(key);
        instances.stream().findFirst().ifPresentOrElse(ref -> agents.put(key, ref), () -> agents.remove(key));
        return java.util.Optional.empty();
    }

    /** Subscribes {@code listings} to the Receptionist's listing of every node of {@code pair}. */
    static void subscribe(ClusterPair pair, org.apache.pekko.actor.typed.ActorSystem<?> system, ActorRef<Receptionist.Listing> listings) {
        for (NodeKey key : Topology.nodes(pair)) {
            system.receptionist().tell(Receptionist.subscribe(NodeAgent.serviceKey(key), listings));
        }
    }

    /** A node's agents as a listing shows them (see {@link #listed(NodeKey, java.util.Set)}); empty for another pair's. */
    java.util.Optional<String> listed(ClusterPair pair, Receptionist.Listing listing) {
        for (NodeKey key : Topology.nodes(pair)) {
            ServiceKey<NodeAgent.Command> sk = NodeAgent.serviceKey(key);
            if (sk.equals(listing.getKey())) {
                return listed(key, listing.getServiceInstances(sk));
            }
        }
        return java.util.Optional.empty();
    }

    AgentDirectory copy() {
        return new AgentDirectory(Map.copyOf(agents), Map.copyOf(conflicts));
    }
}
