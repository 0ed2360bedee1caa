package io.drsp.flashback;

import java.util.List;

/** Nothing was applied: every listed refusal has to be resolved first. */
public final class FlashbackRefused extends Exception {
    private final List<Refusal> refusals;

    public FlashbackRefused(List<Refusal> refusals) {
        super(message(refusals));
        this.refusals = List.copyOf(refusals);
    }

    public List<Refusal> refusals() {
        return refusals;
    }

    private static String message(List<Refusal> refusals) {
        StringBuilder s = new StringBuilder("flashback refused, nothing was applied; " + refusals.size()
                + (refusals.size() == 1 ? " reason:" : " reasons:"));
        int shown = 0;
        for (Refusal r : refusals) {
            if (shown++ == 20) {
                s.append("\n  ... and ").append(refusals.size() - 20).append(" more");
                break;
            }
            s.append("\n  ").append(r);
        }
        return s.toString();
    }
}
