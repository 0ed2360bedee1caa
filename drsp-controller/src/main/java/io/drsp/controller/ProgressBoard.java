package io.drsp.controller;

import io.drsp.core.progress.Eta;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The running step's progress, per label (a shard, a member), as its sightings arrive: done/total, the rate since
 * the step's first sighting and the ETA. Not journaled: it is recomputed from the members after a restart.
 */
final class ProgressBoard {
    private record Tally(long done, long total, long doneAtStart, long startMillis, StepProgress.Sighting last) {
    }

    private final Map<String, Tally> tallies = new LinkedHashMap<>();

    void clear() {
        tallies.clear();
    }

    void record(StepProgress.Sighting p) {
        Tally prev = tallies.get(p.label());
        tallies.put(p.label(), prev == null ? new Tally(p.done(), p.total(), p.done(), System.currentTimeMillis(), p)
                : new Tally(p.done(), p.total(), prev.doneAtStart(), prev.startMillis(), p));
    }

    Map<String, StepProgress> view() {
        Map<String, StepProgress> view = new LinkedHashMap<>();
        long now = System.currentTimeMillis();
        tallies.forEach((label, t) -> {
            double seconds = Math.max(0.001, (now - t.startMillis()) / 1000.0);
            double rate = (t.done() - t.doneAtStart()) / seconds;
            OptionalDouble left = Eta.secondsLeft(t.doneAtStart(), t.done(), t.total(), seconds);
            view.put(label, new StepProgress(t.last().activity(), t.last().unit(), t.done(), t.total(), rate,
                    left.isPresent() ? left.getAsDouble() : null));
        });
        return view;
    }
}
