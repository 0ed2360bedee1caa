package io.drsp.agent;

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

    /** What a finished job hands back: its detail in a sentence, and what it found (null: nothing but the detail). */
    record Outcome(String detail, JobResult result) {
        static Outcome of(String detail) {
            return new Outcome(detail, null);
        }
    }

    /** The work of every job kind ({@link JobDispatch}). */
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
        current = new JobReport(node, job, JobReport.State.RUNNING, 0, 0, 0, null, null);
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
            current = new JobReport(node, job, JobReport.State.RUNNING, done, total, done / seconds, null, null);
        }
    }

    private synchronized void finished(AgentJob job, Outcome outcome, Throwable error) {
        if (error != null) {
            current = new JobReport(node, job, JobReport.State.FAILED, current.done(), current.total(), current.ratePerSecond(),
                    NodeAgent.rootMessage(error), null);
        } else {
            current = new JobReport(node, job, JobReport.State.DONE, current.total(), current.total(), current.ratePerSecond(),
                    outcome.detail(), outcome.result());
        }
    }
}
