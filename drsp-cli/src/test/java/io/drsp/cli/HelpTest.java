package io.drsp.cli;

import static io.drsp.cli.CliRun.drsp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command and subcommand answers --help with its usage and exit 0, without touching anything. */
class HelpTest {

    @Test
    void everyCommandAnswersHelp() {
        List<List<String>> paths = new ArrayList<>();
        collect(Drsp.commandLine(""), new ArrayList<>(), paths);
        assertTrue(paths.size() > 15, "expected every drsp command, found " + paths);
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            CliRun r = drsp(args.toArray(String[]::new));
            assertEquals(0, r.code(), "exit code of " + args);
            String last = path.isEmpty() ? "drsp" : path.get(path.size() - 1);
            assertTrue(r.out().startsWith("Usage: ") && r.out().contains(last), "usage of " + args + ": " + r.out());
        }
    }

    @Test
    void versionIsAnswered() {
        CliRun r = drsp("--version");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("drsp "), r.out());
    }

    @Test
    void agentRefusesAPortOutsideTcpRangeBeforeStartingAnything() {
        CliRun r = drsp("agent", "--node", "1/dr/s1", "--port", "70000");
        assertEquals(1, r.code());
        assertEquals("drsp: --port must be 0 (any free port) or a TCP port from 1 to 65535, got 70000.\n", r.err());
    }

    private static void collect(CommandLine cl, List<String> path, List<List<String>> into) {
        into.add(List.copyOf(path));
        for (var e : cl.getSubcommands().entrySet()) {
            List<String> sub = new ArrayList<>(path);
            sub.add(e.getKey());
            collect(e.getValue(), sub, into);
        }
    }
}
