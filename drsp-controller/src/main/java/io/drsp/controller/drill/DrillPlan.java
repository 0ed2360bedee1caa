package io.drsp.controller.drill;

import io.drsp.controller.json.ControllerJson;

/**
 * What {@code drsp drill CLUSTER --to T --delay D} asked for, kept until the drill ends so that {@code --end}
 * resumes sync with the delay given at the start, whichever host it is typed on.
 *
 * @param to                  the recovery time as typed ("" for all relay log)
 * @param resumeDelaySeconds  the delay sync resumes with once the drill is rolled back
 */
public record DrillPlan(String to, int resumeDelaySeconds, long atMillis) implements ControllerJson {
}
