package io.drsp.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code drsp}: every command a DBA or a runbook script gives the DR controller. Exit codes are part of the
 * contract with existing scripts: 0 done, 1 refused or failed (one sentence says why), 2 usage.
 */
// INHERIT: every subcommand answers --help too (a DBA types it before anything else).
@Command(name = "drsp", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, version = "drsp 0.1.0",
        description = "Keeps a DR copy of a sharded MySQL 8 cluster a chosen delay behind production.")
public final class Drsp {
    public static final int DONE = 0;
    public static final int REFUSED = 1;
    public static final int USAGE = 2;

    /** Every command, in the order 'drsp --help' lists them. */
    static final List<Class<?>> COMMANDS = List.of(SandboxCommand.class, ControllerCommand.class, AgentCommand.class,
            ClusterCommands.Sync.class, ClusterCommands.StopSync.class, ClusterCommands.Status.class,
            RecoveryCommands.RelayTime.class, RecoveryCommands.Recover.class, RecoveryCommands.Service.class,
            RecoveryCommands.StopService.class, RecoveryCommands.Snapshots.class, FlashbackCommand.class,
            DrillCommands.Purge.class, DrillCommands.Drill.class, SwitchbackCommands.Laststamp.class, SwitchbackCommands.Switchback.class,
            SwitchbackCommands.Dbproxy.class);

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command line and returns its exit code, without exiting: tests and scripts share this path. */
    public static int run(String... args) {
        routeJavaUtilLogging();
        CommandLine cl = commandLine(args.length > 0 ? args[0] : "");
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("drsp: " + Refusal.sentence(ex));
            return REFUSED;
        });
        cl.setExitCodeExceptionMapper(t -> t instanceof picocli.CommandLine.ParameterException ? USAGE : REFUSED);
        return cl.execute(args);
    }

    /**
     * The command line with only the command {@code first} names, or with every command when it names none ('drsp
     * --help', a typo). Picocli builds each command's model by reflection from classes too old for the class-data
     * archive, and all seventeen took about a quarter of a short 'drsp status' (bench/scale/CLI-START.md); what one
     * command parses, answers and prints is the same either way. Settings such as the exception handlers must be set
     * after this, as picocli applies them only to the subcommands present then.
     */
    static CommandLine commandLine(String first) {
        CommandLine cl = new CommandLine(new Drsp());
        List<Class<?>> named = COMMANDS.stream().filter(c -> names(c).contains(first)).toList();
        for (Class<?> command : named.isEmpty() ? COMMANDS : named) {
            cl.addSubcommand(command);
        }
        return cl;
    }

    private static List<String> names(Class<?> command) {
        Command c = command.getAnnotation(Command.class);
        List<String> names = new java.util.ArrayList<>(List.of(c.aliases()));
        names.add(c.name());
        return names;
    }

    /**
     * ~/.drsp/drsp.log unless DRSP_LOG_FILE names another; a user whose home is not writable (nobody's is
     * /nonexistent) logs to the temporary directory instead, so no command ever fails or talks about its log file.
     */
    private static void chooseLogFile() {
        if (System.getProperty("DRSP_LOG_FILE") != null || System.getenv("DRSP_LOG_FILE") != null) {
            return;
        }
        java.nio.file.Path dir = java.nio.file.Path.of(System.getProperty("user.home"), ".drsp");
        try {
            java.nio.file.Files.createDirectories(dir);
            if (java.nio.file.Files.isWritable(dir)) {
                System.setProperty("DRSP_LOG_FILE", dir.resolve("drsp.log").toString());
                return;
            }
        } catch (java.io.IOException | SecurityException e) {
            // falls through to the temporary directory
        }
        System.setProperty("DRSP_LOG_FILE", java.nio.file.Path.of(System.getProperty("java.io.tmpdir"),
                "drsp-" + System.getProperty("user.name") + ".log").toString());
    }

    /**
     * Libraries that log through java.util.logging (the binlog client's "Connected to ..." INFO lines) go through
     * SLF4J like drsp's own logs: to the log file at INFO, to the terminal only from WARN, never in JUL's two-line
     * format between drsp's own sentences.
     */
    static synchronized void routeJavaUtilLogging() {
        chooseLogFile();
        if (!org.slf4j.bridge.SLF4JBridgeHandler.isInstalled()) {
            org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
            org.slf4j.bridge.SLF4JBridgeHandler.install();
        }
    }
}
