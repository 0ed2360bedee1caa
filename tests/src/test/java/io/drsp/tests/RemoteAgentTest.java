package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.agent.NodeKey;
import io.drsp.controller.Controller;
import io.drsp.core.config.DrspConfig;
import io.drsp.sandbox.Sandbox;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The agent of dr shard s1 runs as its own process ('drsp agent --node 1/dr/s1') and joins the controller's Pekko
 * cluster; the controller finds it through the Receptionist. Before it has joined, sync is refused naming the shard.
 * A second agent for the same node makes drsp refuse to act on it until one is stopped.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RemoteAgentTest {
    static final Path DIR = Path.of("target/remote-agent").toAbsolutePath();
    static Sandbox sandbox;
    static Controller controller;
    static Process agent;
    static Process secondAgent;
    static String conf;

    @BeforeAll
    static void up() {
        sandbox = Sandbox.upReplacing(DIR, Sandbox.Options.defaults().withShards(1), s -> { });
        conf = sandbox.configFile().toString();
        controller = Controller.start(DrspConfig.load(sandbox.configFile()), Set.of(NodeKey.parse("1/dr/s1")));
    }

    @AfterAll
    static void down() throws Exception {
        for (Process p : new Process[] {agent, secondAgent}) {
            if (p != null) {
                p.destroyForcibly();
            }
        }
        TearDown.all(controller, sandbox);
    }

    @Test
    @Order(1)
    void remoteAgentMustBeANodeOfTheConfiguration() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Controller.start(DrspConfig.load(sandbox.configFile()), Set.of(NodeKey.parse("1/dr/s9"))));
        assertTrue(e.getMessage().startsWith("remote agent 1/dr/s9 is not a node of the configuration; nodes are ["), e.getMessage());
    }

    @Test
    @Order(2)
    void syncGoesThroughAnAgentInAnotherJvm() throws Exception {
        Cli.Result refused = Cli.run("sync", "1", "--delay", "1", "--config", conf);
        assertEquals(1, refused.exitCode(), refused.toString());
        assertTrue(refused.err().contains("dr shard s1 (" + sandbox.drPrimary("s1").endpoint() + ") is unreachable: "
                + "no drsp agent has registered for it"), refused.err());
        assertTrue(Db.replicaStatus(sandbox.drPrimary("meta")).isEmpty(), "nothing changed before every agent answered");

        agent = ChildJvm.drsp(DIR.resolve("agent.out"), Map.of(), "agent", "--node", "1/dr/s1", "--config", conf);
        ObjectMapper json = new ObjectMapper();
        Await.until(Duration.ofSeconds(90), () -> {
            if (!agent.isAlive()) {
                throw new AssertionError("the agent process exited with " + agent.exitValue());
            }
            Cli.Result s = Cli.run("status", "1", "--json", "--config", conf);
            return json.readTree(s.out()).path("shards").get(1).path("dr").path("reachable").asBoolean();
        }, "the remote agent of dr s1 joins and answers inspections");

        Cli.Result r = Cli.run("sync", "1", "--delay", "1", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        Map<String, String> link = Db.replicaStatus(sandbox.drPrimary("s1")).orElseThrow();
        assertEquals("1", link.get("SQL_Delay"));
        assertEquals(String.valueOf(sandbox.production("s1").instance().port()), link.get("Source_Port"));
    }

    @Test
    @Order(3)
    void twoAgentsForOneNodeAreRefusedUntilOneStops() throws Exception {
        secondAgent = ChildJvm.drsp(DIR.resolve("agent2.out"), Map.of(), "agent", "--node", "1/dr/s1", "--config", conf);
        ObjectMapper json = new ObjectMapper();
        Await.until(Duration.ofSeconds(90), () -> {
            Cli.Result s = Cli.run("status", "1", "--json", "--config", conf);
            return json.readTree(s.out()).path("shards").get(1).path("dr").path("error").asText().contains("more than one drsp agent");
        }, "status names the conflict once the second agent has joined");

        Cli.Result refused = Cli.run("stopsync", "1", "--config", conf);
        assertEquals(1, refused.exitCode(), refused.toString());
        assertTrue(refused.err().contains("dr shard s1 (" + sandbox.drPrimary("s1").endpoint() + "): more than one "
                + "drsp agent serves it (pekko://drsp@127.0.0.1:"), refused.err());
        assertEquals("Yes", Db.replicaStatus(sandbox.drPrimary("s1")).orElseThrow().get("Replica_SQL_Running"), "nothing stopped");

        secondAgent.destroyForcibly().waitFor();
        Await.until(Duration.ofSeconds(90), () -> Cli.run("stopsync", "1", "--config", conf).exitCode() == 0,
                "with one agent left (the second one's node is removed from the cluster), stopsync goes through");
        assertEquals("No", Db.replicaStatus(sandbox.drPrimary("s1")).orElseThrow().get("Replica_SQL_Running"));
    }
}
