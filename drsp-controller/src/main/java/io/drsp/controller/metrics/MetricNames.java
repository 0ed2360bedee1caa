package io.drsp.controller.metrics;

import java.util.List;

/**
 * Every metric drsp exports on its controller's {@code /metrics}, by the name SREs query: the alert rules
 * ({@code deploy/prometheus/drsp-alerts.yml}) and the dashboard ({@code deploy/grafana/drsp.json}) are tested to name
 * no other. Labels: {@code cluster} always; {@code site} (dr, production) and {@code shard} where they apply.
 */
public final class MetricNames {
    /** 1 for the mode each site of a cluster is in; labels cluster, site, mode. */
    public static final String MODE_INFO = "drsp_mode_info";
    /** 1 when the shard's primary answered within the scrape's bound, else 0; labels cluster, site, shard. */
    public static final String SHARD_UP = "drsp_shard_up";
    /** The DR link's SOURCE_DELAY; labels cluster, shard. */
    public static final String REPLICATION_DELAY = "drsp_replication_delay_seconds";
    /** How long the DR applier still waits before its next transaction (SQL_Remaining_Delay); labels cluster, shard. */
    public static final String REPLICATION_REMAINING_DELAY = "drsp_replication_remaining_delay_seconds";
    /** How far the DR shard trails production beyond its delay; labels cluster, shard. */
    public static final String REPLICATION_LAG = "drsp_replication_lag_seconds";
    /** 1 when the DR link's thread runs; labels cluster, shard, thread (io, sql). */
    public static final String REPLICATION_THREAD_RUNNING = "drsp_replication_thread_running";
    /** 1 while the DR link's thread has an error; labels cluster, shard, thread (io, sql), code (MySQL's error number). */
    public static final String REPLICATION_ERROR = "drsp_replication_error";
    /** Retrieved but unapplied transactions on the DR shard; labels cluster, shard. */
    public static final String RELAY_BACKLOG_TRANSACTIONS = "drsp_relay_backlog_transactions";
    /** Relay log bytes of those transactions; labels cluster, shard. */
    public static final String RELAY_BACKLOG_BYTES = "drsp_relay_backlog_bytes";
    /**
     * Bytes of all relay log files on a DR member's disk (Relay_Log_Space); labels cluster, shard, member ("primary",
     * or "r1" and on for its local replicas).
     */
    public static final String RELAY_LOG_DISK_BYTES = "drsp_relay_log_disk_bytes";
    /** Free bytes of the file system holding a DR member's relay log; labels cluster, shard, member. */
    public static final String RELAY_LOG_DISK_FREE_BYTES = "drsp_relay_log_disk_free_bytes";
    /**
     * The relay log a DR member's link keeps once it holds a whole delay at production's current write rate; labels
     * cluster, shard, member. Above disk + free, the disk fills within the delay.
     */
    public static final String RELAY_LOG_PROJECTED_BYTES = "drsp_relay_log_projected_bytes";
    /** The oldest production time a recovery can target now (Unix seconds); label cluster. */
    public static final String RECOVERABLE_WINDOW_START = "drsp_recoverable_window_start_timestamp_seconds";
    /** The newest consistent production time a recovery can target now (Unix seconds); label cluster. */
    public static final String RECOVERABLE_WINDOW_END = "drsp_recoverable_window_end_timestamp_seconds";
    /** What a loss of production now would lose: its last commit to the last transaction DR retrieved, worst shard; label cluster. */
    public static final String RPO = "drsp_rpo_seconds";
    /**
     * A recovery to the latest point now: each shard's backlog at the rate its last replays measured, plus the other
     * steps from the journal and relaytime's search; label cluster.
     */
    public static final String RTO_ESTIMATE = "drsp_rto_estimate_seconds";
    /** XA branches prepared on the shard's primary now; labels cluster, site, shard. */
    public static final String XA_PREPARED_BRANCHES = "drsp_xa_prepared_branches";
    /** 1 for the step a runbook is on; labels cluster, operation, step (n/total), description. */
    public static final String RUNBOOK_STEP_INFO = "drsp_runbook_step_info";
    /** The running step's done/total across its shards, 0 to 1; label cluster. */
    public static final String RUNBOOK_PROGRESS_RATIO = "drsp_runbook_progress_ratio";
    /** 1 for how the last runbook ended; labels cluster, operation, result (done, failed). */
    public static final String RUNBOOK_LAST_RESULT = "drsp_runbook_last_result";
    /** Agents the configuration expects for the cluster (every member of both sites); label cluster. */
    public static final String AGENTS_EXPECTED = "drsp_agents_expected";
    /** Agents registered with the controller, one per member; label cluster. */
    public static final String AGENTS_REGISTERED = "drsp_agents_registered";
    /** Members with more than one agent registered (commands needing them are refused); label cluster. */
    public static final String AGENTS_DUPLICATE = "drsp_agents_duplicate";
    /** How long the controller's journal took to persist a pair's events (a histogram). */
    public static final String JOURNAL_WRITE_SECONDS = "drsp_journal_write_seconds";
    /** Unix seconds when the controller last finished collecting a cluster's figures; label cluster. */
    public static final String LAST_COLLECTION = "drsp_last_collection_timestamp_seconds";

    /** Every drsp metric; the JVM's own (jvm_*, process_*) come from the Prometheus client library besides these. */
    public static final List<String> ALL = List.of(MODE_INFO, SHARD_UP, REPLICATION_DELAY, REPLICATION_REMAINING_DELAY,
            REPLICATION_LAG, REPLICATION_THREAD_RUNNING, REPLICATION_ERROR, RELAY_BACKLOG_TRANSACTIONS, RELAY_BACKLOG_BYTES,
            RELAY_LOG_DISK_BYTES, RELAY_LOG_DISK_FREE_BYTES, RELAY_LOG_PROJECTED_BYTES, RECOVERABLE_WINDOW_START, RECOVERABLE_WINDOW_END, RPO, RTO_ESTIMATE, XA_PREPARED_BRANCHES,
            RUNBOOK_STEP_INFO, RUNBOOK_PROGRESS_RATIO, RUNBOOK_LAST_RESULT, AGENTS_EXPECTED, AGENTS_REGISTERED,
            AGENTS_DUPLICATE, JOURNAL_WRITE_SECONDS, LAST_COLLECTION);

    private MetricNames() {
    }
}
