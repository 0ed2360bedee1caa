package io.drsp.controller;

import io.drsp.controller.json.ControllerJson;
import io.drsp.agent.MemberSnapshot;
import io.drsp.controller.recovery.RecoveryPoint;
import java.util.List;

/**
 * The recovery point, persisted before a DR cluster first serves, with every DR member's GTID set and binlog
 * position: what a drill's flashback and purge return to.
 */
public record SnapshotPoint(String id, long takenAtMillis, RecoveryPoint recoveryPoint, List<MemberSnapshot> members)
        implements ControllerJson {
    public SnapshotPoint {
        members = List.copyOf(members);
    }

    /** What the snapshot recorded of one member. */
    MemberSnapshot member(io.drsp.agent.NodeKey key) {
        return members.stream().filter(m -> m.node().equals(key.toString())).findFirst()
                .orElseThrow(() -> new IllegalStateException("snapshot point " + id + " has no member " + key));
    }
}
