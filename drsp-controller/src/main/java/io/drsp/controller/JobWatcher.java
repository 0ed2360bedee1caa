package io.drsp.controller;

import io.drsp.agent.AgentJob;
import io.drsp.agent.JobReport;
import io.drsp.agent.NodeKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs one background job on each of several members at once and watches them to the end, reporting progress as it
 * goes. It waits for every job to end even when one fails, so a retry never races a job still running. A member
 * whose agent restarted (it reports no job) is asked again: every job kind is idempotent.
 */
final class JobWatcher {
    private static final Executor POLL = CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS);
    private static final int MAX_SILENT_POLLS = 20;
    private static final int MAX_RESTARTS = 3;

    /** One member's job: the label progress is shown under ("s1", "s1/r1"), where it runs, and what. */
    record Task(String label, NodeKey node, AgentJob job) {
    }

    /** How every job ended: the DONE reports by label, or every failure in one sentence each. */
    record Result(Map<String, JobReport> done, List<String> failures) {
        boolean ok() {
            return failures.isEmpty();
        }
    }

    private final AgentCalls agents;
    private final String activity;
    private final String unit;
    private final Consumer<StepProgress.Sighting> progress;

    JobWatcher(AgentCalls agents, String activity, String unit, Consumer<StepProgress.Sighting> progress) {
        this.agents = agents;
        this.activity = activity;
        this.unit = unit;
        this.progress = progress;
    }

    CompletableFuture<Result> run(List<Task> tasks) {
        if (tasks.isEmpty()) {
            return CompletableFuture.completedFuture(new Result(Map.of(), List.of()));
        }
        Map<String, Integer> silent = new LinkedHashMap<>();
        Map<String, Integer> restarts = new LinkedHashMap<>();
        List<CompletableFuture<JobReport>> starts = tasks.stream().map(t -> agents.startJob(t.node(), t.job())).toList();
        return CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new))
                .thenComposeAsync(v -> poll(tasks, new LinkedHashMap<>(), silent, restarts), POLL);
    }

    private CompletableFuture<Result> poll(List<Task> tasks, Map<String, JobReport> ended, Map<String, Integer> silent,
                                           Map<String, Integer> restarts) {
        List<Task> open = tasks.stream().filter(t -> !ended.containsKey(t.label())).toList();
        Map<String, CompletableFuture<JobReport>> looks = new LinkedHashMap<>();
        open.forEach(t -> looks.put(t.label(), agents.job(t.node(), t.job())));
        return CompletableFuture.allOf(looks.values().toArray(CompletableFuture[]::new)).thenComposeAsync(v -> {
            List<CompletableFuture<JobReport>> restarted = new ArrayList<>();
            for (Task t : open) {
                JobReport r = looks.get(t.label()).join();
                if (r.state() == JobReport.State.NONE && r.detail() != null) { // the agent did not answer
                    if (silent.merge(t.label(), 1, Integer::sum) > MAX_SILENT_POLLS) {
                        ended.put(t.label(), JobReport.failed(t.node().toString(), t.job(), r.detail()));
                    }
                    continue;
                }
                silent.remove(t.label());
                if (!r.isOf(t.job()) || r.state() == JobReport.State.NONE) {
                    // The agent restarted, or ran another job meanwhile: ask again, a bounded number of times.
                    if (restarts.merge(t.label(), 1, Integer::sum) > MAX_RESTARTS) {
                        ended.put(t.label(), JobReport.failed(t.node().toString(), t.job(), agents.describe(t.node()) + " kept losing its " + t.job().kind()
                                + " job" + (r.job() == null ? "" : " (it is busy with " + r.job().kind() + ")")));
                    } else {
                        restarted.add(agents.startJob(t.node(), t.job()));
                    }
                    continue;
                }
                progress.accept(new StepProgress.Sighting(t.label(), activity, unit, r.done(), r.total()));
                if (r.state() != JobReport.State.RUNNING) {
                    ended.put(t.label(), r);
                }
            }
            if (ended.size() == tasks.size()) {
                Map<String, JobReport> done = new LinkedHashMap<>();
                List<String> failures = new ArrayList<>();
                for (Task t : tasks) {
                    JobReport r = ended.get(t.label());
                    if (r.state() == JobReport.State.DONE) {
                        done.put(t.label(), r);
                    } else {
                        failures.add(r.detail());
                    }
                }
                return CompletableFuture.completedFuture(new Result(done, failures));
            }
            return CompletableFuture.allOf(restarted.toArray(CompletableFuture[]::new))
                    .thenComposeAsync(x -> poll(tasks, ended, silent, restarts), POLL);
        });
    }
}
