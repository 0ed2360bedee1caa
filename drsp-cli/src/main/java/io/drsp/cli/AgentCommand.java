package io.drsp.cli;

import io.drsp.agent.AgentNode;
import io.drsp.agent.NodeKey;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code drsp agent --node 1/dr/s1 [--node 1/dr/meta ...]}: the agents of the MySQL instances of one host, as a process
 * of their own on that host.
 */
@Command(name = "agent", description = "Run the agents of the MySQL instances of this host and join the controllers' cluster.")
final class AgentCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config = new ConfigOption();
    @Option(names = "--node", required = true, paramLabel = "NODE", description = "cluster/site/shard[/rN], e.g. 1/dr/s1 (repeatable).")
    List<String> nodes;
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on for the controller (default: ${DEFAULT-VALUE}).")
    String host;
    @Option(names = "--port", defaultValue = "0", description = "Remoting port, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Override
    public Integer call() {
        if (port < 0 || port > 65535) {
            throw new ControllerClient.CommandRefused("--port must be 0 (any free port) or a TCP port from 1 to 65535, got " + port + ".");
        }
        List<NodeKey> keys = nodes.stream().map(NodeKey::parse).toList();
        var system = AgentNode.start(config.load(), keys, host, port);
        for (NodeKey key : keys) {
            System.out.println("drsp agent for " + key.describe() + " of cluster " + key.cluster() + " running");
        }
        system.getWhenTerminated().toCompletableFuture().join();
        return Drsp.DONE;
    }
}
