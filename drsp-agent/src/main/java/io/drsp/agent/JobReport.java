package io.drsp.agent;

import java.util.Map;

/**
 * Where an agent's background job stands. {@code done}/{@code total} count rows (flashback), transactions
 * (catch-up) or tables (checksum); the result fields are filled once the job is DONE.
 *
 * @param gtids        ARCHIVE_DRILL: the drill's transactions (the member's GTID set minus its snapshot point)
 * @param transactions ARCHIVE_DRILL: how many transactions the drill has; FLASHBACK_DRILL: how many were undone
 * @param rows         row changes in those transactions
 * @param checksums    CHECKSUM: table to checksum
 * @param tableRows    PLAN_ROLLBACK: row changes to reverse per table ({@code schema.table})
 * @param notes        PLAN_ROLLBACK: what would be done first, one sentence each (prepared XA branches to decide)
 */
public record JobReport(String node, AgentJob job, State state, long done, long total, double ratePerSecond, String detail,
                        String gtids, long transactions, long rows, Map<String, Long> checksums, Map<String, Long> tableRows,
                        java.util.List<String> notes) implements AgentMessage {
    public enum State { NONE, RUNNING, DONE, FAILED }

    public JobReport {
        checksums = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(checksums == null ? Map.of() : checksums));
        tableRows = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(tableRows == null ? Map.of() : tableRows));
        notes = notes == null ? java.util.List.of() : java.util.List.copyOf(notes);
    }

    public static JobReport none(String node) {
        return new JobReport(node, null, State.NONE, 0, 0, 0, null, null, 0, 0, Map.of(), Map.of(), null);
    }

    /** A job that could not run or ended in error, {@code why} in a sentence naming the member. */
    public static JobReport failed(String node, AgentJob job, String why) {
        return new JobReport(node, job, State.FAILED, 0, 0, 0, why, null, 0, 0, Map.of(), Map.of(), null);
    }

    /** No answer from the member's agent: its job's state is unknown ({@code why} says so), not failed. */
    public static JobReport silent(String node, String why) {
        return new JobReport(node, null, State.NONE, 0, 0, 0, why, null, 0, 0, Map.of(), Map.of(), null);
    }

    public boolean isOf(AgentJob j) {
        return j.equals(job);
    }
}
