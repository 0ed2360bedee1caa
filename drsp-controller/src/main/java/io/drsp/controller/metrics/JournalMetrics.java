package io.drsp.controller.metrics;

import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * How long the journal takes to persist a runbook's events: every step waits for it twice (started, done), so a slow
 * control database slows every runbook. Observed by the pair entities, exported by {@link MetricsServer}.
 */
public final class JournalMetrics {
    public static final Histogram WRITE = Histogram.builder().name(MetricNames.JOURNAL_WRITE_SECONDS).unit(Unit.SECONDS)
            .help("How long the controller's journal took to persist a pair's events.")
            .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5).build();

    private JournalMetrics() {
    }

    /** Records one write that began at {@code startNanos} ({@link System#nanoTime()}). */
    public static void written(long startNanos) {
        WRITE.observe((System.nanoTime() - startNanos) / 1e9);
    }
}
