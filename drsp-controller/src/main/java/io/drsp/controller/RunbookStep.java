package io.drsp.controller;

/** One step of a runbook: what to do, and to which shard ("" for steps over the whole pair). */
public record RunbookStep(Kind kind, String shard) {
    public enum Kind {
        /** Every agent of both sites answers and every required setting is on: nothing is changed before this. */
        PREFLIGHT,
        ENSURE_LINK,
        STOP_LINK
    }

    public String describe() {
        return switch (kind) {
            case PREFLIGHT -> "check every shard of both sites is reachable with the required settings";
            case ENSURE_LINK -> "configure and start the link of shard " + shard;
            case STOP_LINK -> "stop the link of shard " + shard;
        };
    }
}
