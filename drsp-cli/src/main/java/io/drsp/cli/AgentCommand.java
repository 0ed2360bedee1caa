package io.drsp.cli;

import io.drsp.agent.AgentNode;
import io.drsp.agent.NodeKey;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code drsp agent --node 1/dr/s1}: the agent of one MySQL instance, as its own process on that instance's host. */
@Command(name = "agent", description = "Run the agent of one MySQL instance and join the controller's cluster.")
final class AgentCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config = new ConfigOption();
    @Option(names = "--node", required = true, paramLabel = "NODE", description = "cluster/site/shard[/rN], e.g. 1/dr/s1.")
    String node;
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on for the controller (default: ${DEFAULT-VALUE}).")
    String host;
    @Option(names = "--port", defaultValue = "0", description = "Remoting port, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Override
    public Integer call() {
        if (port < 0 || port > 65535) {
            throw new ControllerClient.CommandRefused("--port must be 0 (any free port) or a TCP port from 1 to 65535, got " + port + ".");
        }
        NodeKey key = NodeKey.parse(node);
        var system = AgentNode.start(config.load(), key, host, port);
        System.out.println("drsp agent for " + key.describe() + " of cluster " + key.cluster() + " running");
        system.getWhenTerminated().toCompletableFuture().join();
        return Drsp.DONE;
    }
}
