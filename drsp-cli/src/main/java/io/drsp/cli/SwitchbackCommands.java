package io.drsp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.drsp.core.config.DrspConfig;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Switchback (DESIGN §6): giving service back to production after the DR cluster served. */
final class SwitchbackCommands {
    private SwitchbackCommands() {
    }

    @Command(name = "switchback", description = {"Give service back to production after the DR cluster served: fence production,",
            "roll it back to the recovery point (archived under var/archive), let it catch up from DR, stop DR,",
            "let production serve and DR follow it again. Run it again after a failure: it continues where both sites stand."})
    static final class Switchback implements Callable<Integer> {
        @Mixin
        ConfigOption config = new ConfigOption();
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;
        @Option(names = "--delay", paramLabel = "SECONDS", description = "The delay DR follows production with at the end;"
                + " default: the cluster's delay before the failover.")
        String delay;
        @Option(names = "--dry-run", description = "Print the steps it would run from where both sites stand and laststamp's"
                + " plan per production shard; change nothing.")
        boolean dryRun;

        @Override
        public Integer call() {
            Map<String, Object> body = new HashMap<>();
            if (delay != null) {
                body.put("delaySeconds", ClusterCommands.Sync.parseDelay(delay));
            }
            return run(config, cluster, "switchback", dryRun, body);
        }
    }

    @Command(name = "dbproxy", description = {"Run one site's proxy hook by hand (start_stop_service.sh): --stop takes the",
            "applications away from the site, --start sends them to it (only while it serves)."})
    static final class Dbproxy implements Callable<Integer> {
        @Mixin
        ConfigOption config = new ConfigOption();
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;
        @Option(names = "--site", required = true, paramLabel = "SITE", description = "dr or production.")
        String site;
        @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
        Action action;
        @Option(names = "--dry-run", description = "Print the hook it would run; run nothing.")
        boolean dryRun;

        static final class Action {
            @Option(names = "--start", required = true)
            boolean start;
            @Option(names = "--stop", required = true)
            boolean stop;
        }

        @Override
        public Integer call() {
            return ClusterCommands.runOnCluster(config, cluster, "dbproxy", Map.of("site", site, "action",
                    action.start ? "start" : "stop", "dryRun", dryRun));
        }
    }

    @Command(name = "laststamp", description = {"Switchback steps 2 and 3 on a fenced production: archive what every production"
            + " shard", "executed after the DR cluster's recovery point (var/archive), flash it back, check the tables",
            "against the DR snapshot point's checksums and purge every member to the point."})
    static final class Laststamp implements Callable<Integer> {
        @Mixin
        ConfigOption config = new ConfigOption();
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;
        @Option(names = "--time", paramLabel = "TIME", description = "yyyy-MM-dd HH:mm:ss[.ffffff] in the cluster's time zone;"
                + " only the recovery point's own time is accepted (the default).")
        String time;
        @Option(names = "--dry-run", description = "Print per production shard the transactions, rows and tables laststamp"
                + " would reverse, and the prepared XA branches it would decide; change nothing.")
        boolean dryRun;

        @Override
        public Integer call() {
            Map<String, Object> body = new HashMap<>();
            if (time != null && !time.isBlank()) {
                body.put("time", time);
            }
            return run(config, cluster, "laststamp", dryRun, body);
        }
    }

    /** Posts the command, follows its runbook, and prints its sentence and any laststamp plan it answers with. */
    private static int run(ConfigOption config, String cluster, String action, boolean dryRun, Map<String, Object> body) {
        DrspConfig cfg = ClusterCommands.configFor(config, cluster);
        body.put("dryRun", dryRun);
        JsonNode r = ClusterCommands.postShowingProgress(new ControllerClient(cfg), cluster, action, body);
        System.out.println(r.path("message").asText());
        System.out.print(planTable(r.path("laststamp"), cfg.timeZone()));
        if (dryRun) {
            System.out.println("dry run: nothing was changed");
        }
        return Drsp.DONE;
    }

    /** Per production shard: transactions after the point, those reversed, rows, and rows per table; then XA decisions. */
    static String planTable(JsonNode plan, ZoneId zone) {
        if (plan.isMissingNode() || plan.isNull()) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        b.append("recovery point: ").append(plan.path("clusterTimeMicros").isNull() ? "?"
                : RecoveryCommands.time(plan.path("clusterTimeMicros").asLong(), zone)).append(" (")
                .append(plan.path("target").asText()).append(")\n");
        b.append(String.format("%-6s %10s %12s %10s  %s%n", "SHARD", "AFTER trx", "REVERSE trx", "rows", "TABLES (rows)"));
        for (JsonNode s : plan.path("shards")) {
            StringBuilder tables = new StringBuilder();
            s.path("tables").fields().forEachRemaining(e -> tables.append(tables.length() == 0 ? "" : ", ")
                    .append(e.getKey()).append(' ').append(e.getValue().asLong()));
            b.append(String.format("%-6s %10d %12d %10d  %s%n", s.path("shard").asText(), s.path("transactions").asLong(),
                    s.path("reversed").asLong(), s.path("rows").asLong(), tables.length() == 0 ? "-" : tables));
        }
        for (JsonNode s : plan.path("shards")) {
            if (!s.path("beyondGtids").asText().isEmpty()) {
                b.append(s.path("shard").asText()).append(" after the point: ").append(s.path("beyondGtids").asText().replace("\n", ""))
                        .append('\n');
            }
            for (JsonNode x : s.path("xa")) {
                b.append(s.path("shard").asText()).append(" xa: ").append(x.asText()).append('\n');
            }
        }
        return b.toString();
    }
}
