package io.drsp.agent;

/** Marker of every message that may cross JVMs between the controller and agents; serialized as JSON. */
public interface AgentMessage {
}
