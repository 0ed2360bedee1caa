package io.drsp.controller;

import io.drsp.agent.CutRequest;
import io.drsp.core.gtid.GtidSet;
import io.drsp.core.target.RecoveryTarget;
import java.time.Instant;

/** The recovery target as journaled: a time (µs, with what the DBA typed), all retrieved relay log, or a GTID set. */
public record TargetSpec(String kind, Long timeMicros, String gtids, String asTyped) implements ControllerJson {

    static TargetSpec of(RecoveryTarget t) {
        if (t instanceof RecoveryTarget.AtTime at) {
            Instant i = at.time();
            return new TargetSpec(CutRequest.TIME, i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000, null, at.asTyped());
        }
        if (t instanceof RecoveryTarget.AtGtids g) {
            return new TargetSpec(CutRequest.GTIDS, null, g.set().toCompactString(), g.set().toCompactString());
        }
        return new TargetSpec(CutRequest.ALL, null, null, "all retrieved relay log");
    }

    CutRequest request() {
        return new CutRequest(kind, timeMicros, gtids);
    }

    GtidSet gtidSet() {
        return GtidSet.parse(gtids == null ? "" : gtids);
    }

    String describe() {
        return switch (kind) {
            case CutRequest.TIME -> "time " + asTyped;
            case CutRequest.GTIDS -> "GTID set " + gtids;
            default -> "all retrieved relay log";
        };
    }
}
