package io.drsp.agent;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A long operation an agent runs in the background, started once and then polled: too long for one ask, and it
 * must survive the controller asking again after a restart (the same job joins the run in progress). One record a
 * kind, with what that kind needs and nothing else. Named in JSON, because it crosses JVMs as a field of
 * {@link NodeAgent.StartJob} and {@link JobReport} (AgentJobJsonTest keeps the list whole).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = AgentJob.ArchiveDrill.class, name = "ARCHIVE_DRILL"),
    @JsonSubTypes.Type(value = AgentJob.FlashbackDrill.class, name = "FLASHBACK_DRILL"),
    @JsonSubTypes.Type(value = AgentJob.CatchUp.class, name = "CATCH_UP"),
    @JsonSubTypes.Type(value = AgentJob.Checksum.class, name = "CHECKSUM"),
    @JsonSubTypes.Type(value = AgentJob.PlanRollback.class, name = "PLAN_ROLLBACK"),
    @JsonSubTypes.Type(value = AgentJob.ArchiveRollback.class, name = "ARCHIVE_ROLLBACK")
})
public sealed interface AgentJob extends AgentMessage {

    /** What runs each kind of job: one method a kind, so a new kind does not compile until it has its handler. */
    interface Handler<P, R> {
        R archiveDrill(ArchiveDrill job, P progress);

        R flashbackDrill(FlashbackDrill job, P progress);

        R catchUp(CatchUp job, P progress);

        R checksum(Checksum job, P progress);

        R planRollback(PlanRollback job, P progress);

        R archiveRollback(ArchiveRollback job, P progress);
    }

    /** This job's handler's answer. */
    <P, R> R handle(Handler<P, R> handler, P progress);

    /** Only the flashback writes to the member; every other kind reads it, or waits, or writes files. */
    default boolean changesMysql() {
        return false;
    }

    /** The kind's name as JSON carries it, and as messages name it: ARCHIVE_DRILL, FLASHBACK_DRILL, ... */
    default String kind() {
        for (JsonSubTypes.Type t : AgentJob.class.getAnnotation(JsonSubTypes.class).value()) {
            if (t.value() == getClass()) {
                return t.name();
            }
        }
        throw new IllegalStateException(getClass().getName() + " is not named in AgentJob's JSON subtypes");
    }

    /**
     * Check a drill is reversible and write its forward and reverse SQL; changes nothing on the server.
     *
     * @param snapshotGtids the shard's snapshot point: the drill is everything the member executed beyond it
     * @param archiveDir    where the forward and reverse SQL go
     */
    record ArchiveDrill(String snapshotGtids, String archiveDir) implements AgentJob {
        @Override
        public <P, R> R handle(Handler<P, R> handler, P progress) {
            return handler.archiveDrill(this, progress);
        }
    }

    /**
     * Undo the drill's transactions, exactly once each, with sql_log_bin on so local replicas replay it.
     *
     * @param drillGtids the transactions to undo, as archived
     */
    record FlashbackDrill(String drillGtids) implements AgentJob {
        @Override
        public <P, R> R handle(Handler<P, R> handler, P progress) {
            return handler.flashbackDrill(this, progress);
        }

        @Override
        public boolean changesMysql() {
            return true;
        }
    }

    /**
     * Wait until this member has executed a GTID set of what it replicates from.
     *
     * @param primaryGtids the whole GTID set it must have executed
     * @param boundSeconds how long to wait
     */
    record CatchUp(String primaryGtids, int boundSeconds) implements AgentJob {
        @Override
        public <P, R> R handle(Handler<P, R> handler, P progress) {
            return handler.catchUp(this, progress);
        }
    }

    /** CHECKSUM TABLE of every table. */
    record Checksum() implements AgentJob {
        @Override
        public <P, R> R handle(Handler<P, R> handler, P progress) {
            return handler.checksum(this, progress);
        }
    }

    /**
     * Switchback's laststamp plan on a production primary: what it executed beyond the recovery point and what
     * flashing that back takes; changes nothing.
     *
     * @param pointGtids the shard's recovery point
     */
    record PlanRollback(String pointGtids) implements AgentJob {
        @Override
        public <P, R> R handle(Handler<P, R> handler, P progress) {
            return handler.planRollback(this, progress);
        }
    }

    /**
     * Switchback's laststamp on a fenced production primary: check again, then write the forward and reverse SQL of
     * every transaction after the recovery point, and a summary, to {@code archiveDir}; changes nothing.
     *
     * @param pointGtids the shard's recovery point
     */
    record ArchiveRollback(String pointGtids, String archiveDir) implements AgentJob {
        @Override
        public <P, R> R handle(Handler<P, R> handler, P progress) {
            return handler.archiveRollback(this, progress);
        }
    }
}
