package io.drsp.core.config;

/**
 * How the end of an island drill is checked on a cluster pair.
 *
 * @param verifyChecksums        checksum every table at the snapshot point and again after the purge; off only for
 *                               databases too large to read twice per drill (the GTID sets are checked regardless)
 * @param replicaLagBoundSeconds a flashback is refused while a local replica is further behind its primary than this
 * @param catchUpTimeoutSeconds  how long a flashback waits for local replicas to replay it before failing
 */
public record DrillSettings(boolean verifyChecksums, int replicaLagBoundSeconds, int catchUpTimeoutSeconds) {
    public static final DrillSettings DEFAULTS = new DrillSettings(true, 300, 3600);

    public DrillSettings {
        if (replicaLagBoundSeconds < 0 || catchUpTimeoutSeconds < 1) {
            throw new IllegalArgumentException("replica lag bound " + replicaLagBoundSeconds + " s, catch-up timeout "
                    + catchUpTimeoutSeconds + " s");
        }
    }
}
