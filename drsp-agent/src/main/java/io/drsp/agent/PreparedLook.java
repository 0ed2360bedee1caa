package io.drsp.agent;

import java.util.List;
import java.util.Map;

/**
 * A DR primary's prepared XA branches (XIDs as MySQL prints them, {@code X'..',X'..',n}) and how its binlog since the
 * snapshot point decided the branches it did decide (XID to COMMIT or ROLLBACK): what {@code stopservice
 * --resolve-prepared} decides from.
 */
public record PreparedLook(String node, List<String> prepared, Map<String, String> decided, String error) implements AgentMessage {
    public PreparedLook {
        prepared = prepared == null ? List.of() : List.copyOf(prepared);
        decided = decided == null ? Map.of() : Map.copyOf(decided);
    }
}
