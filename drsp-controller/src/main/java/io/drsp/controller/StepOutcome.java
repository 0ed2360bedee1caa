package io.drsp.controller;

import java.util.List;

/** How a runbook step ended: the events that record its completion, or the sentence that says why it failed. */
sealed interface StepOutcome {
    record Ok(List<PairEvent> events) implements StepOutcome {
    }

    record Failed(String reason) implements StepOutcome {
    }
}
