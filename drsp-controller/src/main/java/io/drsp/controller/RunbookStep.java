package io.drsp.controller;

import io.drsp.core.config.Site;

/**
 * One step of a runbook: what to do, to which shard ("" for steps over the whole pair), and at which site. Service and
 * stopservice run the same steps on either site (switchback fences production with DR's own stopservice); a step
 * journaled before sites were recorded is DR's.
 */
public record RunbookStep(Kind kind, String shard, Site site) {
    public RunbookStep {
        site = site == null ? Site.DR : site;
    }

    public RunbookStep(Kind kind, String shard) {
        this(kind, shard, Site.DR);
    }

    public enum Kind {
        /** Every agent of both sites answers and every required setting is on: nothing is changed before this. */
        PREFLIGHT,
        ENSURE_LINK,
        STOP_LINK,
        /** Ask every DR shard's relay index for the target's cut and plan each shard's GTID set. */
        PLAN_RECOVERY,
        /** Every DR shard applies its relay log up to its planned set, in parallel, delay lifted; checked exactly. */
        REPLAY,
        /** Every shard applies the XA COMMITs and ROLLBACKs its plan completes, under production's GTIDs. */
        COMPLETE_XA,
        RECORD_RECOVERY_POINT,
        /** Every DR member's GTID set and binlog position, persisted before the cluster first serves. */
        SNAPSHOT,
        OPEN_SHARD,
        START_DBPROXY,
        STOP_DBPROXY,
        /** stopservice --resolve-prepared: commit each prepared XA branch whose transaction committed elsewhere, roll back the rest. */
        RESOLVE_PREPARED,
        /** Wait (bounded) for open transactions, then super_read_only on. */
        CLOSE_SHARD,
        /** Every shard primary of the step's site answers: nothing (not even a hook) runs before this. */
        REACHABLE,
        /** Every DR member answers, holds its snapshot point, and every local replica replicates within the lag bound. */
        DRILL_PREFLIGHT,
        /** Every shard's drill transactions, checked reversible, written as forward and reverse SQL under var/archive. */
        ARCHIVE_DRILL,
        /** Every shard primary undoes its drill transactions, in parallel, exactly once each, logged for its replicas. */
        FLASHBACK,
        /** Every local replica replays its primary's whole GTID set (the flashback included). */
        REPLICA_CATCH_UP,
        /** Every member answers and every replica has executed its primary's GTID set: nothing is purged before. */
        PURGE_PREFLIGHT,
        /** The shard's primary, then its replicas, get exactly the snapshot point as GTID set. */
        PURGE_SHARD,
        /** Every member's GTID set is the snapshot point and its tables' checksums are the snapshot's. */
        VERIFY_SNAPSHOT,
        /**
         * Before switchback changes anything: production can be rolled back to the recovery point (laststamp's plan
         * refuses nothing) and every DR primary answers, holds the point and still has in its binary log everything
         * production will need from it.
         */
        SWITCHBACK_PREFLIGHT,
        /** Every fenced production primary's transactions after the recovery point, checked and archived as SQL. */
        ARCHIVE_ROLLBACK,
        /** Every production primary rolls back the XA branches left prepared after the recovery point. */
        ROLLBACK_XA,
        /** Every production member's tables equal the DR snapshot point's checksums (ledger aside). */
        VERIFY_ROLLBACK,
        /** The production shard's primary replicates from its DR primary, delay 0, GTID auto-position. */
        LINK_FROM_DR,
        /** Every production primary has executed every transaction its DR primary has. */
        CAUGHT_UP_WITH_DR,
        /** The shard's primary at the step's site stops replicating and discards its link and relay log. */
        DROP_LINK
    }

    public String describe() {
        return switch (kind) {
            case PREFLIGHT -> "check every shard of both sites is reachable with the required settings";
            case ENSURE_LINK -> "configure and start the link of shard " + shard;
            case STOP_LINK -> "stop the link of shard " + shard;
            case PLAN_RECOVERY -> "plan each shard's recovery from its relay index";
            case REPLAY -> "replay every shard's relay log to its planned GTID set";
            case COMPLETE_XA -> "complete the XA branches each shard's plan leaves in doubt, under production's GTIDs";
            case RECORD_RECOVERY_POINT -> "check every shard stands exactly at its plan and record the recovery point";
            case SNAPSHOT -> "record the snapshot point (every DR member's GTID set and binlog position)";
            case OPEN_SHARD -> "make " + site.configKey() + " shard " + shard + " writable";
            case START_DBPROXY -> "run the " + siteName() + " site's start_dbproxy hook";
            case STOP_DBPROXY -> "run the " + siteName() + " site's stop_dbproxy hook";
            case REACHABLE -> "check every " + site.configKey() + " shard primary answers";
            case RESOLVE_PREPARED -> "commit each prepared XA branch whose global transaction committed on a DR shard, roll back the rest";
            case CLOSE_SHARD -> "wait for open transactions on " + site.configKey() + " shard " + shard + ", then make it read-only";
            case DRILL_PREFLIGHT -> "check every DR member holds its snapshot point and every local replica is healthy";
            case ARCHIVE_DRILL -> "check the drill is reversible and archive its forward and reverse SQL";
            case FLASHBACK -> site == Site.DR ? "undo every shard's drill transactions, newest first"
                    : "flash back every production shard's transactions after the recovery point, newest first";
            case REPLICA_CATCH_UP -> "wait until every " + (site == Site.DR ? "" : "production ") + "local replica has replayed the flashback";
            case PURGE_PREFLIGHT -> "check every member answers and every local replica has caught up";
            case PURGE_SHARD -> "purge " + site.configKey() + " shard " + shard + " (primary, then replicas) to the "
                    + (site == Site.DR ? "snapshot" : "recovery") + " point";
            case VERIFY_SNAPSHOT -> "check every member's GTID set and table checksums equal the snapshot point's";
            case SWITCHBACK_PREFLIGHT -> "check production can be rolled back to the recovery point and every DR primary can feed it";
            case ARCHIVE_ROLLBACK -> "check and archive every production shard's transactions after the recovery point";
            case ROLLBACK_XA -> "roll back the XA branches left prepared on production after the recovery point";
            case VERIFY_ROLLBACK -> "check every production member's tables equal the DR snapshot point's checksums";
            case LINK_FROM_DR -> "make production shard " + shard + " replicate from DR (delay 0)";
            case CAUGHT_UP_WITH_DR -> "wait until every production primary holds every DR transaction";
            case DROP_LINK -> site == Site.DR ? "discard dr shard " + shard + "'s link and its relay log from before the failover"
                    : "stop production shard " + shard + " replicating from DR and discard that link";
        };
    }

    private String siteName() {
        return site == Site.DR ? "DR" : site.configKey();
    }
}
