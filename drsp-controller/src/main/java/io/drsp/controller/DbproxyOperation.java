package io.drsp.controller;

import io.drsp.controller.PairProtocol.Reply;
import io.drsp.core.config.Site;
import java.util.Optional;

/**
 * {@code dbproxy --site S --start|--stop}: one site's proxy hook run by hand, as start_stop_service.sh does in a
 * switchback run step by step. Stopping is always allowed (it only takes applications away, as a fence's first step
 * does); starting only while that site serves, so applications are never sent to a read-only or rolled-back site.
 */
final class DbproxyOperation {
    private final String cluster;
    private final RunbookSteps steps;

    DbproxyOperation(RunbookDefinition.Context context) {
        this.cluster = context.pair().id();
        this.steps = context.steps();
    }

    static String hook(boolean start) {
        return start ? "start_dbproxy" : "stop_dbproxy";
    }

    /** The mode the hook is told the site enters. */
    static String modeFor(Site site, boolean start) {
        return start ? "SERVICE" : site == Site.DR ? "SERVICE_STOPPED" : "FENCED";
    }

    static String siteName(Site site) {
        return site == Site.DR ? "DR" : "production";
    }

    Optional<Admission.Refusal> admit(PairState state, Site site, boolean start) {
        boolean serves = site == Site.DR ? state.drMode() == Mode.SERVICE : state.productionMode() == ProductionMode.SERVICE;
        return Admission.of(cluster, state).notBusy()
                .unless(start && !serves, Reply.Why.WRONG_MODE, () -> siteName(site) + " cluster " + cluster + " is in mode "
                        + (site == Site.DR ? state.drMode() : state.productionMode()) + ", not SERVICE, so its proxy must not send"
                        + " applications to it; " + (site == Site.DR ? "service " + cluster : "service " + cluster
                        + " --site production or switchback " + cluster) + " starts it once it serves.")
                .refusal();
    }

    Reply dryRun(PairState state, Site site, boolean start) {
        return new Reply.Done("dry run, nothing was changed: would run the " + siteName(site) + " site's " + hook(start)
                + " hook (" + steps.hookScript(site, hook(start)) + ") with DRSP_MODE=" + modeFor(site, start) + ".", state, null);
    }

    String failed(Site site, boolean start, String reason) {
        return "the " + siteName(site) + " site's " + hook(start) + " hook failed: " + reason;
    }

    String doneMessage(Site site, boolean start) {
        return "ran the " + siteName(site) + " site's " + hook(start) + " hook of cluster " + cluster + ".";
    }
}
