package io.drsp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.drsp.core.config.DrspConfig;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The island drill: {@code flashback CLUSTER} and {@code purge CLUSTER} end one step by step, {@code drill CLUSTER
 * --to T --delay D} runs the whole runbook up to service and {@code drill CLUSTER --end} rolls it back and resumes
 * sync. Every step is a controller runbook, journaled and resumable; the drill command only chooses the next one
 * from the cluster's mode, so running it again after any interruption continues where the cluster stands.
 */
final class DrillCommands {
    private DrillCommands() {
    }

    @Command(name = "purge", description = "After flashback: give every DR member exactly the snapshot point's GTID set, then check it and the table checksums.")
    static final class Purge implements Callable<Integer> {
        @Mixin
        ConfigOption config = new ConfigOption();
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;
        @Option(names = "--dry-run", description = "Check every member could be purged and print each shard's snapshot point; change nothing.")
        boolean dryRun;

        @Override
        public Integer call() {
            return ClusterCommands.runOnCluster(config, cluster, "purge", Map.of("dryRun", dryRun));
        }
    }

    @Command(name = "drill", description = {"Run an island drill: stop sync, recover to --to, enter service and pause;",
            "--end: stop service, flash back, purge and resume sync with the delay given at the start."})
    static final class Drill implements Callable<Integer> {
        @Mixin
        ConfigOption config = new ConfigOption();
        @Parameters(index = "0", paramLabel = "CLUSTER")
        String cluster;
        @ArgGroup(exclusive = true, multiplicity = "1")
        Phase phase;
        @Option(names = "--delay", paramLabel = "SECONDS", description = "With --to: the delay sync resumes with at the end (required)."
                + " With --end: overrides it.")
        String delay;

        static final class Phase {
            @Option(names = "--to", paramLabel = "TIME", description = "yyyy-MM-dd HH:mm:ss[.ffffff] in the cluster's time zone; \"\" for all relay log.")
            String to;
            @Option(names = "--end", description = "End the drill in progress.")
            boolean end;
        }

        @Override
        public Integer call() {
            DrspConfig cfg = ClusterCommands.configFor(config, cluster);
            ControllerClient client = new ControllerClient(cfg);
            Integer d = delay == null ? null : ClusterCommands.Sync.parseDelay(delay);
            return phase.end ? end(client, d) : start(client, d);
        }

        private int start(ControllerClient client, Integer d) {
            if (d == null) {
                throw new IllegalArgumentException("drill --to needs --delay SECONDS: the delay sync resumes with when the drill ends.");
            }
            Map<String, Object> plan = new HashMap<>();
            plan.put("to", phase.to);
            plan.put("delaySeconds", d);
            String mode = mode(client);
            if (!"SERVICE".equals(mode)) {
                System.out.println("== " + client.post("clusters/" + cluster + "/drill", plan).path("message").asText());
            }
            for (int i = 0; i < 6; i++, mode = mode(client)) {
                switch (mode) {
                    case "SYNC" -> step(client, "stop sync", "stopsync", Map.of());
                    case "STOPPED" -> {
                        step(client, "set the recovery target", "relaytime", phase.to.isBlank() ? Map.of("all", true) : Map.of("time", phase.to));
                        step(client, "recover", "recover", Map.of("dryRun", false));
                    }
                    case "RECOVERING" -> step(client, "recover (continued)", "recover", Map.of("dryRun", false));
                    case "RECOVERED" -> step(client, "enter service", "service", Map.of());
                    case "SERVICE" -> {
                        System.out.println("DR cluster " + cluster + " is in service for the drill; end it with: drsp drill " + cluster + " --end");
                        return Drsp.DONE;
                    }
                    default -> throw new IllegalStateException("DR cluster " + cluster + " is in mode " + mode
                            + ", where a drill cannot start; end the drill in progress with: drsp drill " + cluster + " --end");
                }
            }
            throw new IllegalStateException("DR cluster " + cluster + " did not reach service; see drsp status " + cluster + ".");
        }

        private int end(ControllerClient client, Integer d) {
            for (int i = 0; i < 6; i++) {
                JsonNode status = client.get("clusters/" + cluster + "/status");
                String mode = status.path("drMode").asText();
                switch (mode) {
                    case "SERVICE" -> step(client, "stop service", "stopservice", Map.of());
                    case "SERVICE_STOPPED" -> step(client, "flash back the drill", "flashback", Map.of("dryRun", false));
                    case "FLASHED_BACK" -> step(client, "purge to the snapshot point", "purge", Map.of("dryRun", false));
                    case "RECOVERED" -> {
                        JsonNode plan = status.path("drillPlan");
                        Integer resume = d != null ? d : plan.isObject() ? plan.path("resumeDelaySeconds").asInt() : null;
                        if (resume == null) {
                            throw new IllegalArgumentException("no drill of cluster " + cluster + " recorded a delay to resume with;"
                                    + " give --delay SECONDS.");
                        }
                        step(client, "resume sync, delay " + resume + " s", "sync", Map.of("delaySeconds", resume));
                    }
                    case "SYNC" -> {
                        System.out.println("the drill of DR cluster " + cluster + " is over: it is in sync again, delay "
                                + status.path("delaySeconds").asText() + " s.");
                        return Drsp.DONE;
                    }
                    default -> throw new IllegalStateException("DR cluster " + cluster + " is in mode " + mode
                            + ", where no drill is in progress.");
                }
            }
            throw new IllegalStateException("the drill of DR cluster " + cluster + " did not end; see drsp status " + cluster + ".");
        }

        private String mode(ControllerClient client) {
            return client.get("clusters/" + cluster + "/status").path("drMode").asText();
        }

        /** One runbook of the drill, printed with its duration and answer. */
        private void step(ControllerClient client, String title, String action, Map<String, ?> body) {
            System.out.println("== " + title + " ...");
            long start = System.nanoTime();
            JsonNode r = ClusterCommands.postShowingProgress(client, cluster, action, body);
            System.out.printf(Locale.ROOT, "== %s: done in %.1f s: %s%n", title, (System.nanoTime() - start) / 1e9,
                    r.path("message").asText());
        }
    }
}
