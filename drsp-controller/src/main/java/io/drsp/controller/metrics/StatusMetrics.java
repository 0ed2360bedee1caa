package io.drsp.controller.metrics;

import io.drsp.agent.NodeInspection;
import io.drsp.controller.PairStatus;
import io.drsp.controller.StepProgress;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The figures of each cluster pair's last status, as Prometheus gauges. A scrape reads only what the controller
 * collected last ({@link #record}), never an agent or a shard, so it answers at once however slow a shard is: a shard
 * that did not answer the last collection within its bound shows {@code drsp_shard_up 0}. Building the gauges is a
 * pure function of the statuses ({@link #snapshots}).
 */
public final class StatusMetrics implements MultiCollector {
    private final Map<String, PairStatus> latest = new ConcurrentHashMap<>();

    /** The newest status of a pair replaces its previous one. */
    public void record(PairStatus status) {
        latest.put(status.cluster(), status);
    }

    @Override
    public MetricSnapshots collect() {
        return snapshots(latest.values());
    }

    @Override
    public List<String> getPrometheusNames() {
        return MetricNames.ALL.stream().filter(n -> !n.equals(MetricNames.JOURNAL_WRITE_SECONDS)).toList();
    }

    /** Every gauge of every pair; a gauge with no sample (no pair collected yet) is left out. */
    public static MetricSnapshots snapshots(Collection<PairStatus> statuses) {
        Gauges g = new Gauges();
        for (PairStatus s : statuses) {
            String c = s.cluster();
            g.set(MetricNames.MODE_INFO, "The mode each site of a cluster pair is in.", 1, "cluster", c, "site", "dr", "mode", s.drMode().name());
            g.set(MetricNames.MODE_INFO, null, 1, "cluster", c, "site", "production", "mode", s.productionMode().name());
            for (PairStatus.ShardStatus sh : s.shards()) {
                shard(g, c, sh, s.delaySeconds());
            }
            PairStatus.Figures f = s.figures();
            if (f != null && f.windowStartMicros() != null) {
                g.set(MetricNames.RECOVERABLE_WINDOW_START, "The oldest production time a recovery can target now: what every"
                        + " DR shard has applied.", f.windowStartMicros() / 1e6, "cluster", c);
            }
            if (f != null && f.windowEndMicros() != null) {
                g.set(MetricNames.RECOVERABLE_WINDOW_END, "The newest production time a recovery can reach now, consistent"
                        + " across shards (as last found).", f.windowEndMicros() / 1e6, "cluster", c);
            }
            if (f != null && f.rpoSeconds() != null) {
                g.set(MetricNames.RPO, "What a loss of production now would lose: its last commit to the newest transaction DR"
                        + " retrieved, worst shard.", f.rpoSeconds(), "cluster", c);
            }
            if (f != null && f.rtoSeconds() != null) {
                g.set(MetricNames.RTO_ESTIMATE, "A recovery to the newest point now: each shard's backlog at the rate its last"
                        + " replays measured, plus stopsync, recover's other steps and service (medians from the journal) and"
                        + " relaytime's search.",
                        f.rtoSeconds(), "cluster", c);
            }
            runbooks(g, c, s);
            if (s.agents() != null) {
                g.set(MetricNames.AGENTS_EXPECTED, "Agents the configuration has members for.", s.agents().expected(), "cluster", c);
                g.set(MetricNames.AGENTS_REGISTERED, "Agents registered with the controller.", s.agents().registered(), "cluster", c);
                g.set(MetricNames.AGENTS_DUPLICATE, "Members with more than one agent registered.", s.agents().duplicate(), "cluster", c);
            }
            g.set(MetricNames.LAST_COLLECTION, "When the controller last collected the cluster's figures.", s.observedAtMicros() / 1e6,
                    "cluster", c);
        }
        return g.build();
    }

    private static void shard(Gauges g, String c, PairStatus.ShardStatus sh, Integer delay) {
        up(g, c, "production", sh.shard(), sh.production());
        up(g, c, "dr", sh.shard(), sh.dr());
        xa(g, c, "production", sh.shard(), sh.production());
        xa(g, c, "dr", sh.shard(), sh.dr());
        if (sh.lagSeconds() != null) {
            g.set(MetricNames.REPLICATION_LAG, "How far the DR shard trails production beyond its delay.", sh.lagSeconds(),
                    "cluster", c, "shard", sh.shard());
        }
        NodeInspection.LinkView l = sh.dr() == null ? null : sh.dr().link();
        if (l == null) {
            return;
        }
        g.set(MetricNames.REPLICATION_DELAY, "The DR link's SOURCE_DELAY.", l.delaySeconds(), "cluster", c, "shard", sh.shard());
        if (l.remainingDelaySeconds() != null) {
            g.set(MetricNames.REPLICATION_REMAINING_DELAY, "How long the DR applier still waits before its next transaction.",
                    l.remainingDelaySeconds(), "cluster", c, "shard", sh.shard());
        }
        g.set(MetricNames.REPLICATION_THREAD_RUNNING, "1 while the DR link's thread runs.", "Yes".equals(l.ioRunning()) ? 1 : 0,
                "cluster", c, "shard", sh.shard(), "thread", "io");
        g.set(MetricNames.REPLICATION_THREAD_RUNNING, null, "Yes".equals(l.sqlRunning()) ? 1 : 0, "cluster", c, "shard", sh.shard(),
                "thread", "sql");
        if (l.ioErrno() != null && l.ioErrno() != 0) {
            g.set(MetricNames.REPLICATION_ERROR, "1 while the DR link's thread has an error.", 1, "cluster", c, "shard", sh.shard(),
                    "thread", "io", "code", String.valueOf(l.ioErrno()));
        }
        if (l.sqlErrno() != null && l.sqlErrno() != 0) {
            g.set(MetricNames.REPLICATION_ERROR, "1 while the DR link's thread has an error.", 1, "cluster", c, "shard", sh.shard(),
                    "thread", "sql", "code", String.valueOf(l.sqlErrno()));
        }
        g.set(MetricNames.RELAY_BACKLOG_TRANSACTIONS, "Retrieved but unapplied transactions.", l.backlogTransactions(),
                "cluster", c, "shard", sh.shard());
        if (l.backlogBytes() != null) {
            g.set(MetricNames.RELAY_BACKLOG_BYTES, "Relay log bytes of the unapplied transactions.", l.backlogBytes(),
                    "cluster", c, "shard", sh.shard());
        }
        Double rate = io.drsp.controller.RelayDiskGuard.bytesPerSecond(sh.dr());
        relayDisk(g, c, sh.shard(), "primary", sh.dr(), rate);
        for (int r = 0; r < sh.drReplicas().size(); r++) {
            relayDisk(g, c, sh.shard(), "r" + (r + 1), sh.drReplicas().get(r), rate);
        }
    }

    private static void relayDisk(Gauges g, String c, String shard, String member, NodeInspection i, Double bytesPerSecond) {
        NodeInspection.LinkView l = i == null ? null : i.link();
        if (l == null) {
            return;
        }
        g.set(MetricNames.RELAY_LOG_DISK_BYTES, "Bytes of every relay log file (Relay_Log_Space).", l.relayLogSpaceBytes(),
                "cluster", c, "shard", shard, "member", member);
        if (l.relayDiskFreeBytes() != null) {
            g.set(MetricNames.RELAY_LOG_DISK_FREE_BYTES, "Free bytes of the file system holding the relay log.",
                    l.relayDiskFreeBytes(), "cluster", c, "shard", shard, "member", member);
        }
        Long projected = io.drsp.controller.RelayDiskGuard.projectedBytes(bytesPerSecond, l);
        if (projected != null) {
            g.set(MetricNames.RELAY_LOG_PROJECTED_BYTES, "The relay log the link keeps once it holds a whole delay at"
                    + " production's current write rate.", projected, "cluster", c, "shard", shard, "member", member);
        }
    }

    private static void up(Gauges g, String c, String site, String shard, NodeInspection i) {
        g.set(MetricNames.SHARD_UP, "1 when the shard's primary answered the last collection within its bound.",
                i != null && i.reachable() ? 1 : 0, "cluster", c, "site", site, "shard", shard);
    }

    private static void xa(Gauges g, String c, String site, String shard, NodeInspection i) {
        if (i != null && i.reachable() && i.xaPrepared() != null) {
            g.set(MetricNames.XA_PREPARED_BRANCHES, "XA branches prepared on the shard's primary.", i.xaPrepared(),
                    "cluster", c, "site", site, "shard", shard);
        }
    }

    private static void runbooks(Gauges g, String c, PairStatus s) {
        PairStatus.Runbooks r = s.runbooks();
        if (r == null) {
            return;
        }
        if (r.operation() != null) {
            g.set(MetricNames.RUNBOOK_STEP_INFO, "1 for the step a runbook is on.", 1, "cluster", c, "operation", r.operation(),
                    "step", r.step() + "/" + r.steps(), "description", s.runbook() == null ? "" : s.runbook());
            long done = 0;
            long total = 0;
            for (StepProgress p : s.progress().values()) {
                done += p.done();
                total += p.total();
            }
            double stepShare = total > 0 ? (double) done / total : 0;
            g.set(MetricNames.RUNBOOK_PROGRESS_RATIO, "How far the running runbook is, its running step counted by its progress.",
                    Math.min(1.0, (r.step() - 1 + stepShare) / r.steps()), "cluster", c);
        }
        if (r.lastOperation() != null) {
            g.set(MetricNames.RUNBOOK_LAST_RESULT, "1 for how the last runbook ended.", 1, "cluster", c, "operation",
                    r.lastOperation(), "result", Boolean.TRUE.equals(r.lastFailed()) ? "failed" : "done");
        }
    }

    /** Gauges by name, each with its data points, in the order first set. */
    private static final class Gauges {
        private final Map<String, GaugeSnapshot.Builder> byName = new LinkedHashMap<>();

        void set(String name, String help, double value, String... labels) {
            GaugeSnapshot.Builder b = byName.computeIfAbsent(name, n -> {
                GaugeSnapshot.Builder nb = GaugeSnapshot.builder().name(n);
                if (n.endsWith("_seconds")) {
                    nb.unit(Unit.SECONDS);
                } else if (n.endsWith("_bytes")) {
                    nb.unit(Unit.BYTES);
                }
                return nb;
            });
            if (help != null) {
                b.help(help);
            }
            b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).labels(Labels.of(labels)).build());
        }

        MetricSnapshots build() {
            List<MetricSnapshot> all = new ArrayList<>();
            byName.values().forEach(b -> all.add(b.build()));
            return new MetricSnapshots(all);
        }
    }
}
