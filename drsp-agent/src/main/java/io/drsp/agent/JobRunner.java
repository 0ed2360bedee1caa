package io.drsp.agent;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The one background job of an agent. Starting the job that is already running joins it (a restarted controller asks
 * again); any other start while one runs is answered with the running job, so the caller sees the agent is busy.
 * A finished job is started afresh: every job kind is idempotent, so running one again is safe.
 */
final class JobRunner {
    /** How a job reports its progress while it runs. */
    @FunctionalInterface
    interface Progress {
        void report(long done, long total);
    }

    /** What a finished job hands back. */
    record Outcome(String detail, String gtids, long transactions, long rows, Map<String, Long> checksums,
                   Map<String, Long> tableRows, java.util.List<String> notes) {
        Outcome(String detail, String gtids, long transactions, long rows, Map<String, Long> checksums) {
            this(detail, gtids, transactions, rows, checksums, Map.of(), java.util.List.of());
        }

        static Outcome of(String detail) {
            return new Outcome(detail, null, 0, 0, Map.of(), Map.of(), null);
        }
    }

    /** The work of one job kind. */
    @FunctionalInterface
    interface Work {
        Outcome run(AgentJob job, Progress progress);
    }

    private final String node;
    private final Executor blocking;
    private final Work work;
    private JobReport current;
    private long startedNanos;

    JobRunner(String node, Executor blocking, Work work) {
        this.node = node;
        this.blocking = blocking;
        this.work = work;
        this.current = JobReport.none(node);
    }

    synchronized JobReport start(AgentJob job) {
        if (current.state() == JobReport.State.RUNNING) {
            return current;
        }
        current = new JobReport(node, job, JobReport.State.RUNNING, 0, 0, 0, null, null, 0, 0, Map.of(), Map.of(), null);
        startedNanos = System.nanoTime();
        JobReport started = current;
        CompletableFuture.supplyAsync(() -> work.run(job, (done, total) -> progressed(job, done, total)), blocking)
                .whenComplete((outcome, error) -> finished(job, outcome, error));
        return started;
    }

    synchronized JobReport report() {
        return current;
    }

    private synchronized void progressed(AgentJob job, long done, long total) {
        if (current.isOf(job) && current.state() == JobReport.State.RUNNING) {
            double seconds = Math.max(1e-3, (System.nanoTime() - startedNanos) / 1e9);
            current = new JobReport(node, job, JobReport.State.RUNNING, done, total, done / seconds, null, null, 0, 0, Map.of(), Map.of(), null);
        }
    }

    private synchronized void finished(AgentJob job, Outcome outcome, Throwable error) {
        if (error != null) {
            current = new JobReport(node, job, JobReport.State.FAILED, current.done(), current.total(), current.ratePerSecond(),
                    NodeAgent.rootMessage(error), null, 0, 0, Map.of(), Map.of(), null);
        } else {
            current = new JobReport(node, job, JobReport.State.DONE, current.total(), current.total(), current.ratePerSecond(),
                    outcome.detail(), outcome.gtids(), outcome.transactions(), outcome.rows(), outcome.checksums(),
                    outcome.tableRows(), outcome.notes());
        }
    }
}
