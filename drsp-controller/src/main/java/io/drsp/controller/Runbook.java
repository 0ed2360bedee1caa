package io.drsp.controller;

import java.util.List;

/**
 * A multi-step operation in progress, as persisted: which steps, which one runs next, and the mode to fall back to
 * if it fails. A restarted controller finds it in its journal and runs {@code steps[next]} again: every step is
 * idempotent, so running one twice is safe.
 */
public record Runbook(String id, Operation operation, int delaySeconds, List<RunbookStep> steps, int next, Mode fromMode,
                      long startedAtMillis) {
    public Runbook {
        steps = List.copyOf(steps);
    }

    public RunbookStep current() {
        return steps.get(next);
    }

    public boolean isLastStep() {
        return next == steps.size() - 1;
    }

    Runbook advanced() {
        return new Runbook(id, operation, delaySeconds, steps, next + 1, fromMode, startedAtMillis);
    }

    public String progress() {
        return operation.command() + " step " + (next + 1) + "/" + steps.size() + ": " + current().describe();
    }
}
