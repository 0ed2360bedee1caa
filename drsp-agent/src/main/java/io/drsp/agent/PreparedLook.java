package io.drsp.agent;

import java.util.List;

/**
 * A DR primary's prepared XA branches (XIDs as MySQL prints them, {@code X'..',X'..',n}) and how its binlog since the
 * snapshot point decided the branches it did decide (the last decision of each XID): what {@code stopservice
 * --resolve-prepared} decides from.
 */
public record PreparedLook(String node, List<String> prepared, List<XaDecision> decided, String error) implements AgentMessage {
    public PreparedLook {
        prepared = prepared == null ? List.of() : List.copyOf(prepared);
        decided = decided == null ? List.of() : List.copyOf(decided);
    }
}
