package io.drsp.agent;

import java.util.List;

/**
 * What an agent saw on its instance at one moment: reachability, settings that are off, GTID state, read-only flags,
 * and, on a DR shard, its link. Times are microseconds since the epoch; {@code null} means not known.
 *
 * @param appliedSourceTimeMicros the production time this instance's data stands at: the original commit time of
 *                                the last applied transaction, or the newest replicated heartbeat, whichever is later
 * @param xaPrepared              XA branches prepared here ({@code XA RECOVER}); null when not looked at
 * @param xaOldestPreparedSeconds how long ago the oldest of them was started; null when none or not known
 * @param heartbeatWrittenMicros  on a production primary, the production time of the last heartbeat its agent
 *                                wrote (read back after its commit); the agent remembers it, so it is known also
 *                                once the instance is lost: the last moment production is known to have committed
 */
public record NodeInspection(
        String node,
        String endpoint,
        boolean reachable,
        String error,
        String serverUuid,
        String gtidExecuted,
        String gtidPurged,
        boolean superReadOnly,
        boolean readOnly,
        List<String> settingViolations,
        LinkView link,
        Long appliedSourceTimeMicros,
        long observedAtMicros,
        Integer xaPrepared,
        Long xaOldestPreparedSeconds,
        Long heartbeatWrittenMicros) implements AgentMessage {

    public NodeInspection {
        settingViolations = settingViolations == null ? List.of() : List.copyOf(settingViolations);
    }

    public static NodeInspection unreachable(NodeKey key, String endpoint, String error) {
        return unreachable(key, endpoint, error, null);
    }

    public static NodeInspection unreachable(NodeKey key, String endpoint, String error, Long heartbeatWrittenMicros) {
        return new NodeInspection(key.toString(), endpoint, false, error, null, null, null, false, false, List.of(), null, null,
                nowMicros(), null, null, heartbeatWrittenMicros);
    }

    public static long nowMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /**
     * One replication link as drsp reports it. {@code relayDiskFreeBytes}: what the file system holding the relay
     * log has free for an unprivileged writer (null when not looked at).
     */
    public record LinkView(
            String ioRunning,
            String sqlRunning,
            String sqlState,
            String ioError,
            String sqlError,
            String source,
            long delaySeconds,
            Long remainingDelaySeconds,
            String retrievedGtids,
            String executedGtids,
            long backlogTransactions,
            Long backlogBytes,
            Long secondsBehindSource,
            Integer ioErrno,
            Integer sqlErrno,
            long relayLogSpaceBytes,
            Long lastRetrievedSourceMicros,
            Long relayDiskFreeBytes,
            boolean tls) {
    }
}
