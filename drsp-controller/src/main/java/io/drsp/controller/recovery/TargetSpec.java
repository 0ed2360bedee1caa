package io.drsp.controller.recovery;

import io.drsp.agent.CutRequest;
import io.drsp.controller.json.ControllerJson;
import io.drsp.core.gtid.GtidSet;
import io.drsp.core.target.RecoveryTarget;
import java.time.Instant;

/** The recovery target as journaled: a time (µs, with what the DBA typed), all retrieved relay log, or a GTID set. */
public record TargetSpec(String kind, Long timeMicros, String gtids, String asTyped) implements ControllerJson {

    public static TargetSpec of(RecoveryTarget t) {
        if (t instanceof RecoveryTarget.AtTime at) {
            Instant i = at.time();
            return new TargetSpec(CutRequest.TIME, i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000, null, at.asTyped());
        }
        if (t instanceof RecoveryTarget.AtGtids g) {
            return new TargetSpec(CutRequest.GTIDS, null, g.set().toCompactString(), g.set().toCompactString());
        }
        return new TargetSpec(CutRequest.ALL, null, null, "all retrieved relay log");
    }

    public CutRequest request() {
        return new CutRequest(kind, timeMicros, gtids);
    }

    public GtidSet gtidSet() {
        return GtidSet.parse(gtids == null ? "" : gtids);
    }

    public String describe() {
        return switch (kind) {
            case CutRequest.TIME -> "time " + asTyped;
            case CutRequest.GTIDS -> "GTID set " + gtids;
            default -> "all retrieved relay log";
        };
    }
}
