package io.drsp.controller;

import io.drsp.agent.NodeAgent;
import io.drsp.agent.NodeKey;
import java.util.Map;
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

    AgentDirectory copy() {
        return new AgentDirectory(Map.copyOf(agents), Map.copyOf(conflicts));
    }
}
