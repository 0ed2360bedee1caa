package io.drsp.agent;

/**
 * A long operation an agent runs in the background, started once and then polled: too long for one ask, and it
 * must survive the controller asking again after a restart (the same job joins the run in progress).
 *
 * <p>Flat rather than polymorphic so it crosses JVMs as plain JSON; {@code kind} says which fields matter.
 *
 * @param gtids        ARCHIVE_DRILL: the shard's snapshot point; FLASHBACK_DRILL: the drill's transactions to undo;
 *                     CATCH_UP: the primary's whole GTID set the replica must have executed; PLAN_ROLLBACK: the
 *                     shard's recovery point; ARCHIVE_ROLLBACK: the same
 * @param archiveDir   ARCHIVE_DRILL, ARCHIVE_ROLLBACK: where the forward and reverse SQL go
 * @param boundSeconds CATCH_UP: how long to wait
 */
public record AgentJob(Kind kind, String gtids, String archiveDir, int boundSeconds) implements AgentMessage {
    public enum Kind {
        /** Check a drill is reversible and write its forward and reverse SQL; changes nothing on the server. */
        ARCHIVE_DRILL,
        /** Undo the drill's transactions, exactly once each, with sql_log_bin on so local replicas replay it. */
        FLASHBACK_DRILL,
        /** Wait until this replica has executed a GTID set of its primary. */
        CATCH_UP,
        /** CHECKSUM TABLE of every table. */
        CHECKSUM,
        /**
         * Switchback's laststamp plan on a production primary: what it executed beyond the recovery point and what
         * flashing that back takes; changes nothing.
         */
        PLAN_ROLLBACK,
        /**
         * Switchback's laststamp on a fenced production primary: check again, then write the forward and reverse SQL
         * of every transaction after the recovery point, and a summary, to {@code archiveDir}; changes nothing.
         */
        ARCHIVE_ROLLBACK;

        /** Only the flashback writes to the member; every other kind reads it, or waits, or writes files. */
        public boolean changesMysql() {
            return this == FLASHBACK_DRILL;
        }
    }

    public static AgentJob archiveDrill(String snapshotGtids, String archiveDir) {
        return new AgentJob(Kind.ARCHIVE_DRILL, snapshotGtids, archiveDir, 0);
    }

    public static AgentJob flashbackDrill(String drillGtids) {
        return new AgentJob(Kind.FLASHBACK_DRILL, drillGtids, null, 0);
    }

    public static AgentJob catchUp(String primaryGtids, int boundSeconds) {
        return new AgentJob(Kind.CATCH_UP, primaryGtids, null, boundSeconds);
    }

    public static AgentJob planRollback(String pointGtids) {
        return new AgentJob(Kind.PLAN_ROLLBACK, pointGtids, null, 0);
    }

    public static AgentJob archiveRollback(String pointGtids, String archiveDir) {
        return new AgentJob(Kind.ARCHIVE_ROLLBACK, pointGtids, archiveDir, 0);
    }

    public static AgentJob checksum() {
        return new AgentJob(Kind.CHECKSUM, null, null, 0);
    }
}
