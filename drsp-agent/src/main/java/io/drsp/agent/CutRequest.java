package io.drsp.agent;

/** A recovery target as sent to agents: {@code kind} TIME (with {@code timeMicros}), ALL, or GTIDS (with {@code gtids}). */
public record CutRequest(String kind, Long timeMicros, String gtids) implements AgentMessage {
    public static final String TIME = "TIME";
    public static final String ALL = "ALL";
    public static final String GTIDS = "GTIDS";
}
