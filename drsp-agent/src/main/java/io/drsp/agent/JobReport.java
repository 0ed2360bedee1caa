package io.drsp.agent;

/**
 * Where an agent's background job stands. {@code done}/{@code total} count rows (flashback), transactions
 * (catch-up) or tables (checksum); {@code result} is what the job found, once it is DONE (null for a kind that
 * finds nothing but its detail).
 */
public record JobReport(String node, AgentJob job, State state, long done, long total, double ratePerSecond, String detail,
                        JobResult result) implements AgentMessage {
    public enum State { NONE, RUNNING, DONE, FAILED }

    public static JobReport none(String node) {
        return new JobReport(node, null, State.NONE, 0, 0, 0, null, null);
    }

    /** A job that could not run or ended in error, {@code why} in a sentence naming the member. */
    public static JobReport failed(String node, AgentJob job, String why) {
        return new JobReport(node, job, State.FAILED, 0, 0, 0, why, null);
    }

    /** No answer from the member's agent: its job's state is unknown ({@code why} says so), not failed. */
    public static JobReport silent(String node, String why) {
        return new JobReport(node, null, State.NONE, 0, 0, 0, why, null);
    }

    public boolean isOf(AgentJob j) {
        return j.equals(job);
    }

    /** The result of this DONE job, as the kind its job finds; refused naming the member and the job when it is not. */
    public <R extends JobResult> R resultAs(Class<R> kind) {
        if (!kind.isInstance(result)) {
            throw new IllegalStateException(node + "'s " + (job == null ? "job" : job.kind() + " job") + " reported "
                    + (result == null ? "no result" : result.getClass().getSimpleName()) + ", not " + kind.getSimpleName());
        }
        return kind.cast(result);
    }
}
