package io.drsp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.drsp.core.config.DrspConfig;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The commands that act on one cluster pair through the controller: sync, stopsync, status. */
final class ClusterCommands {
    private ClusterCommands() {
    }

    /** Validates the cluster against drsp.conf before anything is sent: an unknown one changes nothing. */
    static DrspConfig configFor(ConfigOption config, String cluster) {
        DrspConfig cfg = config.load();
        cfg.cluster(cluster);
        return cfg;
    }

    /** How long one request following a runbook waits for its end: the cadence of the progress lines. */
    static final int FOLLOW_WAIT_SECONDS = 2;

    /** Asks the controller to run one command on a cluster, follows it to its end and prints the sentence it ends with. */
    static int runOnCluster(ConfigOption config, String cluster, String action, Map<String, ?> body) {
        DrspConfig cfg = configFor(config, cluster);
        System.out.println(postShowingProgress(new ControllerClient(cfg), cluster, action, body).path("message").asText());
        return Drsp.DONE;
    }

    /**
     * Posts a command and follows it to its end, printing the progress the controller reports in its status
     * (done/total, rate, ETA per shard or replica) every {@value #FOLLOW_WAIT_SECONDS} seconds. A runbook's command
     * answers within seconds that it runs (HTTP 202); it is then followed with short requests for as long as it runs,
     * without an overall limit: a recovery of hours is normal, and a failed runbook or a controller that stops
     * answering ends the wait with its own sentence.
     */
    static JsonNode postShowingProgress(ControllerClient client, String cluster, String action, Map<String, ?> body) {
        JsonNode r = client.post("clusters/" + cluster + "/" + action, body);
        while (r.path("running").asBoolean(false)) {
            try {
                StatusTable.progressLines(client.get("clusters/" + cluster + "/status")).forEach(System.out::println);
            } catch (RuntimeException statusUnavailable) {
                // progress is a courtesy: how the runbook ends is what counts
            }
            r = client.get("clusters/" + cluster + "/runbooks/" + r.path("runbookId").asText() + "?waitSeconds=" + FOLLOW_WAIT_SECONDS);
        }
        return r;
    }

    @Command(name = "sync", description = "Start or resume delayed sync of a DR cluster, or change its delay in place.")
    static final class Sync implements Callable<Integer> {
        @Mixin
        ConfigOption config = new ConfigOption();
        @Parameters(index = "0", paramLabel = "CLUSTER", description = "Cluster id, e.g. 1.")
        String cluster;
        @Option(names = "--delay", required = true, paramLabel = "SECONDS",
                description = "SOURCE_DELAY of every link, in whole seconds (0 or more).")
        String delay;

        @Override
        public Integer call() {
            return runOnCluster(config, cluster, "sync", Map.of("delaySeconds", parseDelay(delay)));
        }

        static int parseDelay(String text) {
            try {
                long v = Long.parseLong(text.trim());
                if (v >= 0 && v <= Integer.MAX_VALUE) {
                    return (int) v;
                }
            } catch (NumberFormatException e) {
                // falls through to the sentence below
            }
            throw new IllegalArgumentException("the delay must be a whole number of seconds from 0 to " + Integer.MAX_VALUE
                    + ", got \"" + text + "\".");
        }
    }

    @Command(name = "stopsync", description = "Stop both replication threads of every link of a DR cluster; relay logs are kept.")
    static final class StopSync implements Callable<Integer> {
        @Mixin
        ConfigOption config = new ConfigOption();
        @Parameters(index = "0", paramLabel = "CLUSTER", description = "Cluster id, e.g. 1.")
        String cluster;

        @Override
        public Integer call() {
            return runOnCluster(config, cluster, "stopsync", Map.of());
        }
    }

    @Command(name = "status", description = "Modes, delay, and per shard: threads, errors, applied time, lag, relay backlog.")
    static final class Status implements Callable<Integer> {
        @Mixin
        ConfigOption config = new ConfigOption();
        @Parameters(index = "0", paramLabel = "CLUSTER", description = "Cluster id, e.g. 1.")
        String cluster;
        @Option(names = "--json", description = "Print the status document as JSON, for machines.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            DrspConfig cfg = configFor(config, cluster);
            // Exact: a script's 'drsp stopsync 1; drsp status 1' must not see a link as it was before the stopsync.
            JsonNode status = new ControllerClient(cfg).get("clusters/" + cluster + "/status?fresh=true");
            if (json) {
                System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(status));
            } else {
                System.out.print(StatusTable.render(status, cfg.timeZone()));
            }
            return Drsp.DONE;
        }
    }
}
