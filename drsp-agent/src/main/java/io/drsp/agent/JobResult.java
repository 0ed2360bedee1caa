package io.drsp.agent;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a finished background job found, one record a kind of job that finds something: {@link JobReport#result()}
 * once the job is DONE. A flashback and a catch-up have none: their report's detail says all. Named in JSON, because
 * it crosses JVMs as a field of {@link JobReport} (AgentJobJsonTest keeps the list whole).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = JobResult.DrillArchived.class, name = "DrillArchived"),
    @JsonSubTypes.Type(value = JobResult.Checksums.class, name = "Checksums"),
    @JsonSubTypes.Type(value = JobResult.RollbackPlanned.class, name = "RollbackPlanned"),
    @JsonSubTypes.Type(value = JobResult.RollbackArchived.class, name = "RollbackArchived")
})
public sealed interface JobResult {

    /**
     * {@link AgentJob.ArchiveDrill}'s: the drill as archived.
     *
     * @param drillGtids   the drill's transactions: the member's GTID set minus its snapshot point
     * @param transactions how many transactions the drill has
     * @param rows         their row changes
     */
    record DrillArchived(String drillGtids, long transactions, long rows) implements JobResult {
    }

    /**
     * {@link AgentJob.Checksum}'s.
     *
     * @param tables each table ({@code `schema`.`table`}) to its CHECKSUM TABLE
     */
    record Checksums(Map<String, Long> tables) implements JobResult {
        public Checksums {
            tables = Collections.unmodifiableMap(new TreeMap<>(tables == null ? Map.of() : tables));
        }
    }

    /**
     * {@link AgentJob.PlanRollback}'s: what rolling the production shard back to the recovery point takes.
     *
     * @param beyondGtids every transaction the shard executed beyond the point
     * @param reversed    how many of them flashback undoes (the rest are the undecided branches' XA PREPAREs)
     * @param rows        row changes to reverse
     * @param tableRows   row changes to reverse per table ({@code schema.table})
     * @param undecided   the XA branches rolled back first
     */
    record RollbackPlanned(String beyondGtids, long reversed, long rows, Map<String, Long> tableRows,
                           List<UndecidedBranch> undecided) implements JobResult {
        public RollbackPlanned {
            tableRows = Collections.unmodifiableMap(new TreeMap<>(tableRows == null ? Map.of() : tableRows));
            undecided = undecided == null ? List.of() : List.copyOf(undecided);
        }
    }

    /**
     * {@link AgentJob.ArchiveRollback}'s: what laststamp archived on the fenced production shard.
     *
     * @param flashbackGtids what flashback undoes: everything beyond the point but the undecided branches' XA PREPAREs
     * @param transactions   how many transactions that is
     * @param rows           their row changes
     * @param tableRows      row changes to reverse per table ({@code schema.table})
     * @param undecided      the XA branches to roll back before the flashback
     */
    record RollbackArchived(String flashbackGtids, long transactions, long rows, Map<String, Long> tableRows,
                            List<UndecidedBranch> undecided) implements JobResult {
        public RollbackArchived {
            tableRows = Collections.unmodifiableMap(new TreeMap<>(tableRows == null ? Map.of() : tableRows));
            undecided = undecided == null ? List.of() : List.copyOf(undecided);
        }
    }

    /**
     * An XA branch production prepared after the recovery point and never decided: its global transaction is not
     * committed at the point, so laststamp rolls the branch back before the flashback (its rows never took effect).
     *
     * @param xid         as XA RECOVER prints it ({@code X'..',X'..',n})
     * @param prepareGtid the GTID of its XA PREPARE
     */
    record UndecidedBranch(String xid, String prepareGtid) {
        /** What laststamp's plan says it does with the branch, in a sentence. */
        public String describe() {
            return "XA ROLLBACK " + xid + ": prepared after the recovery point (" + prepareGtid + ") and still undecided, so"
                    + " its global transaction is not committed at the point";
        }
    }
}
