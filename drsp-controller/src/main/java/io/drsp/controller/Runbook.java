package io.drsp.controller;

import io.drsp.core.config.Site;
import java.util.List;

/**
 * A multi-step operation in progress, as persisted: which steps, which one runs next, the mode to fall back to if it
 * fails, and the site whose mode it changes (production's for switchback's fence and its undo; a runbook journaled
 * before sites were recorded is DR's). A restarted controller finds it in its journal and runs {@code steps[next]}
 * again: every step is idempotent, so running one twice is safe.
 */
public record Runbook(String id, Operation operation, int delaySeconds, List<RunbookStep> steps, int next, Mode fromMode,
                      long startedAtMillis, Site site) {
    public Runbook {
        steps = List.copyOf(steps);
        site = site == null ? Site.DR : site;
    }

    public Runbook(String id, Operation operation, int delaySeconds, List<RunbookStep> steps, int next, Mode fromMode,
                   long startedAtMillis) {
        this(id, operation, delaySeconds, steps, next, fromMode, startedAtMillis, Site.DR);
    }

    public RunbookStep current() {
        return steps.get(next);
    }

    public boolean isLastStep() {
        return next == steps.size() - 1;
    }

    Runbook advanced() {
        return new Runbook(id, operation, delaySeconds, steps, next + 1, fromMode, startedAtMillis, site);
    }

    public String progress() {
        // Only service and stopservice take --site; laststamp and switchback act where their steps say.
        boolean sited = site != Site.DR && (operation == Operation.SERVICE || operation == Operation.STOPSERVICE);
        return operation.command() + (sited ? " --site " + site.configKey() : "") + " step " + (next + 1) + "/" + steps.size() + ": " + current().describe();
    }
}
