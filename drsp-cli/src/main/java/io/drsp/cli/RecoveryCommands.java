package io.drsp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.drsp.core.config.DrspConfig;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** relaytime, recover, service, stopservice, snapshots: the path from a stopped DR cluster to serving. */
final class RecoveryCommands {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    private RecoveryCommands() {
    }

    @Command(name = "relaytime", description = "Set the recovery target of a stopped DR cluster: a time, all retrieved relay log, or a GTID set.")
    static final class RelayTime implements Callable<Integer> {
        @Mixin
        ConfigOption config = new ConfigOption();
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;
        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        static final class Target {
            @Option(names = "--time", paramLabel = "TIME", description = "yyyy-MM-dd HH:mm:ss[.ffffff] in the cluster's time zone; \"\" means all relay log.")
            String time;
            @Option(names = "--all", description = "All retrieved relay log.")
            boolean all;
            @Option(names = "--gtid", paramLabel = "SET", description = "A GTID set naming every production shard's source uuid.")
            String gtid;
        }

        @Override
        public Integer call() {
            DrspConfig cfg = ClusterCommands.configFor(config, cluster);
            Map<String, Object> body = new HashMap<>();
            if (target.gtid != null) {
                body.put("gtid", target.gtid);
            } else if (target.all || target.time.isBlank()) {
                body.put("all", true);
            } else {
                body.put("time", target.time);
            }
            JsonNode r = new ControllerClient(cfg).post("clusters/" + cluster + "/relaytime", body);
            System.out.println(r.path("message").asText());
            System.out.print(planTable(r.path("plan"), cfg.timeZone()));
            return Drsp.DONE;
        }
    }

    @Command(name = "recover", description = "Replay every DR shard's relay log to the target, check it, record the recovery point.")
    static final class Recover implements Callable<Integer> {
        @Mixin
        ConfigOption config = new ConfigOption();
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;
        @Option(names = "--dry-run", description = "Print the plan per shard (target GTIDs, transactions, bytes, estimated time) and change nothing.")
        boolean dryRun;

        @Override
        public Integer call() throws Exception {
            DrspConfig cfg = ClusterCommands.configFor(config, cluster);
            JsonNode r = ClusterCommands.postShowingProgress(new ControllerClient(cfg), cluster, "recover", Map.of("dryRun", dryRun));
            System.out.println(r.path("message").asText());
            if (dryRun) {
                System.out.print(planTable(r.path("plan"), cfg.timeZone()));
            } else {
                System.out.print(pointTable(r.path("recoveryPoint"), cfg.timeZone()));
            }
            return Drsp.DONE;
        }
    }

    @Command(name = "service", description = {"Enter service: persist the snapshot point, make DR shards writable, run start_dbproxy.",
            "With --site production: give a fenced production its applications back (shards writable, its start_dbproxy)."})
    static final class Service implements Callable<Integer> {
        @Mixin
        ConfigOption config = new ConfigOption();
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;
        @Option(names = "--site", paramLabel = "SITE", defaultValue = "dr", description = "dr (default) or production.")
        String site;

        @Override
        public Integer call() {
            return ClusterCommands.runOnCluster(config, cluster, "service", Map.of("site", site));
        }
    }

    @Command(name = "stopservice", description = {"Leave service: run stop_dbproxy, wait for open transactions and prepared XA"
            + " branches, make DR shards read-only.", "With --site production: fence production the same way (switchback"
            + " step 1)."})
    static final class StopService implements Callable<Integer> {
        @Mixin
        ConfigOption config = new ConfigOption();
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;
        @Option(names = "--site", paramLabel = "SITE", defaultValue = "dr", description = "dr (default) or production.")
        String site;
        @Option(names = "--resolve-prepared", description = "Commit each XA branch left prepared whose global transaction was"
                + " committed on a DR shard, roll back the rest, instead of waiting for their coordinator (DR only).")
        boolean resolvePrepared;
        @Option(names = "--dry-run", description = "With --resolve-prepared: print each prepared branch and what would be done"
                + " with it; with --site production: print per shard what the fence would do. Change nothing.")
        boolean dryRun;

        @Override
        public Integer call() {
            // The site is checked by the controller, which names the accepted ones; a production dry run needs no flag.
            if (dryRun && !resolvePrepared && !"production".equals(site)) {
                throw new IllegalArgumentException("--dry-run shows what --resolve-prepared would do; give both, or neither.");
            }
            return ClusterCommands.runOnCluster(config, cluster, "stopservice",
                    Map.of("resolvePrepared", resolvePrepared, "dryRun", dryRun, "site", site));
        }
    }

    @Command(name = "snapshots", description = "List the snapshot points of a cluster (what a drill returns to).")
    static final class Snapshots implements Callable<Integer> {
        @Mixin
        ConfigOption config = new ConfigOption();
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;
        @Option(names = "--json", description = "Print the snapshot points as JSON, with every member's GTID set and table checksums.")
        boolean json;

        @Override
        public Integer call() {
            DrspConfig cfg = ClusterCommands.configFor(config, cluster);
            JsonNode r = new ControllerClient(cfg).get("clusters/" + cluster + "/snapshots");
            if (json) {
                System.out.println(r.toPrettyString());
                return Drsp.DONE;
            }
            if (r.path("snapshots").isEmpty()) {
                System.out.println("cluster " + cluster + " has no snapshot points yet (service records one).");
            }
            for (JsonNode s : r.path("snapshots")) {
                System.out.println(s.path("id").asText() + "  taken " + TIME.format(Instant.ofEpochMilli(s.path("takenAtMillis")
                        .asLong()).atZone(cfg.timeZone())) + "  recovery point: " + s.path("recoveryPoint").path("target").asText());
                for (JsonNode m : s.path("members")) {
                    System.out.println("  " + m.path("node").asText() + "  " + m.path("binlogFile").asText() + ":"
                            + m.path("binlogPosition").asLong() + "  " + m.path("gtidExecuted").asText().replace("\n", "")
                            + (m.path("tableChecksums").isEmpty() ? "" : "  (" + m.path("tableChecksums").size() + " table checksums)"));
                }
            }
            return Drsp.DONE;
        }
    }

    static String planTable(JsonNode plan, ZoneId zone) {
        if (plan.isMissingNode() || plan.isNull()) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        if (!plan.path("clusterTimeMicros").isNull()) {
            b.append("the cluster will stand at production time ").append(time(plan.path("clusterTimeMicros").asLong(), zone)).append('\n');
        }
        b.append(String.format("%-6s %12s %14s %10s  %s%n", "SHARD", "REPLAY trx", "bytes", "est.", "TARGET GTID SET"));
        boolean unknownRate = false;
        for (JsonNode s : plan.path("shards")) {
            JsonNode est = s.path("estimatedSeconds");
            unknownRate |= (est.isNull() || est.isMissingNode()) && s.path("transactionsToReplay").asLong() > 0;
            b.append(String.format("%-6s %12d %14d %10s  %s%n", s.path("shard").asText(), s.path("transactionsToReplay").asLong(),
                    s.path("bytesToReplay").asLong(), est.isNull() || est.isMissingNode() ? "?" : String.format("%.0f s", est.asDouble()),
                    s.path("targetGtids").asText().replace("\n", "")));
        }
        xaLines(plan, b);
        if (unknownRate) {
            b.append("est. ?: no recovery of this cluster has measured an apply rate yet; each recovery's replay measures its"
                    + " shards' (transactions over the replay's time), never delayed sync, which applies at production's pace.\n");
        }
        return b.toString();
    }

    /** Cross-shard consistency: what the plan moved, completes and leaves out (DESIGN §7). */
    private static void xaLines(JsonNode plan, StringBuilder b) {
        for (JsonNode line : plan.path("xaSummary")) {
            b.append("xa: ").append(line.asText()).append('\n');
        }
    }

    static String pointTable(JsonNode point, ZoneId zone) {
        if (point.isMissingNode() || point.isNull()) {
            return "";
        }
        StringBuilder b = new StringBuilder("recovery point: production time "
                + (point.path("clusterTimeMicros").isNull() ? "?" : time(point.path("clusterTimeMicros").asLong(), zone)) + "\n");
        point.path("shardGtids").fields().forEachRemaining(e ->
                b.append(String.format("  %-6s %s%n", e.getKey(), e.getValue().asText().replace("\n", ""))));
        for (JsonNode line : point.path("xa")) {
            b.append("  xa: ").append(line.asText()).append('\n');
        }
        return b.toString();
    }

    static String time(long micros, ZoneId zone) {
        return TIME.format(Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1000).atZone(zone)) + " " + zone.getId();
    }
}
