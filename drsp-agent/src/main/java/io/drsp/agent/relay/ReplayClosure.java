package io.drsp.agent.relay;

import io.drsp.core.gtid.Gtid;
import io.drsp.core.gtid.GtidSet;

/**
 * What {@code START REPLICA SQL_THREAD UNTIL SQL_AFTER_GTIDS = applied + cut} would really apply. The applier reads
 * the relay log in order and skips only what is already applied, so it applies every unapplied transaction up to
 * the last one of the cut, whether the cut names it or not: a cut with a hole overshoots.
 *
 * @param wouldApply   the unapplied indexed transactions from the start of the relay log up to the last unapplied
 *                     transaction of the cut, in relay order (empty when the cut holds nothing unapplied)
 * @param firstOutside the first of {@code wouldApply} in relay order that the cut leaves out; null when the cut is a
 *                     prefix of the unapplied relay log
 * @param prefix       the unapplied transactions before {@code firstOutside}: the longest prefix the cut holds
 *                     ({@code wouldApply} itself when nothing is left out)
 */
public record ReplayClosure(GtidSet wouldApply, Gtid firstOutside, GtidSet prefix) {
}
