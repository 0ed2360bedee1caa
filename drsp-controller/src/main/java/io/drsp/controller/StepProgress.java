package io.drsp.controller;

/**
 * How far one shard or replica is in the running step: {@code done} of {@code total} {@code unit}s, with the rate
 * since the step started there and the time it still needs (null while unknown).
 */
public record StepProgress(String activity, String unit, long done, long total, double ratePerSecond, Double etaSeconds) {

    /** One sighting of progress, as a step's watcher reports it. */
    record Sighting(String label, String activity, String unit, long done, long total) {
    }
}
