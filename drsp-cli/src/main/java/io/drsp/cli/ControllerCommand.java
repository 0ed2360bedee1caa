package io.drsp.cli;

import ch.qos.logback.classic.Level;
import io.drsp.agent.NodeKey;
import io.drsp.controller.Controller;
import io.drsp.core.config.ControllerPeer;
import io.drsp.core.config.DrspConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code drsp controller}: runs the controller in the foreground, or with {@code --daemon} in the background with a
 * pid file (what scripts use), or stops a daemon with {@code --stop}.
 */
@Command(name = "controller", description = "Run the drsp controller (foreground, --daemon, or --stop).")
final class ControllerCommand implements Callable<Integer> {
    private static final Duration START_DEADLINE = Duration.ofSeconds(90);

    @Mixin
    ConfigOption config = new ConfigOption();
    @Option(names = "--daemon", description = "Start in the background, write <home>/controller.pid, return once the API answers.")
    boolean daemon;
    @Option(names = "--stop", description = "Stop the controller started with --daemon.")
    boolean stop;
    @Option(names = "--remote-agent", paramLabel = "NODE", description = "A node whose agent runs as 'drsp agent' elsewhere (repeatable), e.g. 1/dr/s1.")
    List<String> remoteAgents = new ArrayList<>();
    @Option(names = "--name", paramLabel = "NAME", description = "Which of the controllers under drsp.controller.peers this is (needed when there are several).")
    String name;

    @Override
    public Integer call() throws Exception {
        DrspConfig cfg = config.load();
        var peers = cfg.controller().peers();
        if (name == null && peers.size() > 1) {
            throw new ControllerClient.CommandRefused("this configuration lists " + peers.size() + " controllers under drsp.controller.peers ("
                    + String.join(", ", peers.stream().map(ControllerPeer::name).toList()) + "); say which one this is with --name.");
        }
        if (name != null) {
            try {
                cfg = cfg.asController(name);
            } catch (IllegalArgumentException e) {
                throw new ControllerClient.CommandRefused(e.getMessage() + ".");
            }
        }
        if (cfg.controller().highlyAvailable() && !remoteAgents.isEmpty()) {
            throw new ControllerClient.CommandRefused("--remote-agent is for a single controller: with several, every agent runs as"
                    + " 'drsp agent' and joins the controllers' cluster, so leave it out.");
        }
        Set<NodeKey> remote = new HashSet<>();
        for (String k : remoteAgents) {
            remote.add(NodeKey.parse(k));
        }
        // One pid file and log per controller, so several can share a home (as a sandbox's three do).
        String suffix = cfg.controller().highlyAvailable() ? "-" + cfg.controller().self().name() : "";
        Path pidFile = cfg.home().resolve("controller" + suffix + ".pid");
        if (stop) {
            return stop(pidFile);
        }
        if (daemon) {
            return startDaemon(cfg, pidFile, suffix);
        }
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.drsp")).setLevel(Level.INFO);
        Controller controller = Controller.start(cfg, remote);
        Runtime.getRuntime().addShutdownHook(new Thread(controller::close, "drsp-controller-stop"));
        System.out.println("drsp controller listening on " + cfg.controller().http() + " for clusters " + cfg.clusters().keySet());
        controller.awaitTermination();
        return Drsp.DONE;
    }

    private int startDaemon(DrspConfig cfg, Path pidFile, String suffix) throws IOException, InterruptedException {
        Optional<ProcessHandle> running = running(pidFile);
        ControllerClient client = new ControllerClient(cfg);
        if (running.isPresent()) {
            System.out.println("drsp controller already running, pid " + running.get().pid());
            return Drsp.DONE;
        }
        Files.createDirectories(cfg.home().resolve("logs"));
        Path log = cfg.home().resolve("logs/controller" + suffix + ".log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-DDRSP_LOG_FILE=" + cfg.home().resolve("logs/drsp" + suffix + ".log"), "-cp", System.getProperty("java.class.path"), Drsp.class.getName(), "controller",
                "--config", config.resolve().toAbsolutePath().toString()));
        if (name != null) {
            cmd.addAll(List.of("--name", name));
        }
        remoteAgents.forEach(a -> cmd.addAll(List.of("--remote-agent", a)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Files.writeString(pidFile, p.pid() + "\n");
        Instant deadline = Instant.now().plus(START_DEADLINE);
        while (Instant.now().isBefore(deadline)) {
            if (!p.isAlive()) {
                Files.deleteIfExists(pidFile);
                throw new IllegalStateException("the controller exited with code " + p.exitValue() + " while starting; see " + log);
            }
            if (client.isUp()) {
                System.out.println("drsp controller started, pid " + p.pid() + ", log " + log);
                return Drsp.DONE;
            }
            Thread.sleep(200); // polling the API with a deadline, not waiting blind
        }
        p.destroy();
        throw new IllegalStateException("the controller did not answer within " + START_DEADLINE.toSeconds() + " s; see " + log);
    }

    private static int stop(Path pidFile) throws IOException {
        Optional<ProcessHandle> running = running(pidFile);
        if (running.isEmpty()) {
            System.out.println("drsp controller is not running");
            Files.deleteIfExists(pidFile);
            return Drsp.DONE;
        }
        running.get().destroy();
        try {
            running.get().onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            running.get().destroyForcibly();
        }
        Files.deleteIfExists(pidFile);
        System.out.println("drsp controller stopped");
        return Drsp.DONE;
    }

    private static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"))).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    static Optional<ProcessHandle> running(Path pidFile) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            // A recycled pid must not be taken for the controller: its command line has to name drsp.
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> commandLine(pid).contains(Drsp.class.getName()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
