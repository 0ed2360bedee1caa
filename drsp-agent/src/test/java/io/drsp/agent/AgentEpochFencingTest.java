package io.drsp.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.core.config.Endpoint;
import io.drsp.core.config.UserRef;
import io.drsp.sandbox.MysqlInstance;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * An agent of a real DR shard primary that has seen takeover epoch 2 refuses what an owner under epoch 1 sends, and
 * the server shows nothing changed (its read-only flag, its link, its GTID set); the current and a newer epoch work,
 * and the pair's other agents in the same actor system refuse the older owner too.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentEpochFencingTest {
    static final Path ROOT = Path.of("target/agent-epoch").toAbsolutePath();
    static final Duration ANSWER = Duration.ofSeconds(30);
    static final TakeoverEpoch OLD = new TakeoverEpoch(1, "pekko://drsp@127.0.0.1:2551");
    static final TakeoverEpoch CURRENT = new TakeoverEpoch(2, "pekko://drsp@127.0.0.1:2552");
    static MysqlInstance mysql;
    static ActorTestKit kit;
    static ActorRef<NodeAgent.Command> agent;
    static UserRef admin;
    static UserRef replication;

    @BeforeAll
    static void up() throws Exception {
        mysql = MysqlInstance.startNew(ROOT, "dr-s1", 311, Map.of());
        admin = TestAccounts.withPasswordFile("admin", mysql.credentials().adminUser(), mysql.credentials().adminPassword(),
                ROOT.resolve("admin.secret"));
        replication = TestAccounts.withPasswordFile("replication", mysql.credentials().replicationUser(),
                mysql.credentials().replicationPassword(), ROOT.resolve("repl.secret"));
        NodeOps ops = new NodeOps(NodeKey.parse("1/dr/s1"), Endpoint.parse(mysql.endpoint()), admin, replication,
                java.util.Optional.empty());
        kit = ActorTestKit.create();
        agent = kit.spawn(NodeAgent.create(ops), "node-1-dr-s1");
    }

    @AfterAll
    static void down() {
        if (kit != null) {
            kit.shutdownTestKit();
        }
        if (mysql != null) {
            mysql.stop();
        }
    }

    @Test
    @Order(1)
    void theCurrentEpochChangesTheServer() throws Exception {
        assertInstanceOf(NodeAgent.StepResult.Done.class, step(CURRENT, r -> new NodeAgent.SetReadOnly(true, r)));
        assertEquals("1", one("SELECT @@GLOBAL.super_read_only"));
    }

    @Test
    @Order(2)
    void anOlderEpochIsRefusedAndTheServerIsUnchanged() throws Exception {
        String executed = one("SELECT @@GLOBAL.gtid_executed");
        NodeAgent.StepResult open = step(OLD, r -> new NodeAgent.SetReadOnly(false, r));
        NodeAgent.StepResult.Failed refused = assertInstanceOf(NodeAgent.StepResult.Failed.class, open);
        assertEquals("refused: sent under takeover epoch 1, but epoch 2 has taken over cluster 1 (owner " + CURRENT.owner() + ")",
                refused.reason());
        NodeAgent.StepResult link = step(OLD, r -> new NodeAgent.EnsureLink(Endpoint.parse("127.0.0.1:" + mysql.port()), 5, r));
        assertInstanceOf(NodeAgent.StepResult.Failed.class, link);
        NodeAgent.StepResult purge = step(OLD, r -> new NodeAgent.PurgeTo("", r));
        assertInstanceOf(NodeAgent.StepResult.Failed.class, purge);
        TestProbe<JobReport> jobs = kit.createTestProbe();
        agent.tell(new NodeAgent.UnderEpoch(OLD, new NodeAgent.StartJob(new AgentJob.FlashbackDrill(executed), jobs.getRef())));
        JobReport job = jobs.receiveMessage(ANSWER);
        assertEquals(JobReport.State.FAILED, job.state());
        assertTrue(job.detail().startsWith("refused: sent under takeover epoch 1"), job.detail());

        assertEquals("1", one("SELECT @@GLOBAL.super_read_only"), "still read-only");
        assertEquals("0", one("SELECT COUNT(*) FROM performance_schema.replication_connection_configuration"), "no link was made");
        assertEquals(executed, one("SELECT @@GLOBAL.gtid_executed"), "no transaction was applied or purged");
    }

    @Test
    @Order(3)
    void aMutationWithoutAnEpochIsRefusedButAReadOnlyJobNeedsNone() throws Exception {
        TestProbe<NodeAgent.StepResult> probe = kit.createTestProbe();
        agent.tell(new NodeAgent.SetReadOnly(false, probe.getRef()));
        NodeAgent.StepResult.Failed refused = assertInstanceOf(NodeAgent.StepResult.Failed.class, probe.receiveMessage(ANSWER));
        assertTrue(refused.reason().startsWith("refused: the command carries no takeover epoch"), refused.reason());
        assertEquals("1", one("SELECT @@GLOBAL.super_read_only"));

        TestProbe<JobReport> jobs = kit.createTestProbe();
        agent.tell(new NodeAgent.StartJob(new AgentJob.Checksum(), jobs.getRef()));
        assertEquals(JobReport.State.RUNNING, jobs.receiveMessage(ANSWER).state());
    }

    @Test
    @Order(4)
    void aNewerEpochRaisesTheMarkSoTheOnceCurrentOneIsRefused() throws Exception {
        TakeoverEpoch newer = new TakeoverEpoch(3, "pekko://drsp@127.0.0.1:2553");
        assertInstanceOf(NodeAgent.StepResult.Done.class, step(CURRENT, r -> new NodeAgent.SetReadOnly(false, r)),
                "the same epoch again still works");
        assertEquals("0", one("SELECT @@GLOBAL.super_read_only"));
        assertInstanceOf(NodeAgent.StepResult.Done.class, step(newer, r -> new NodeAgent.SetReadOnly(true, r)));
        assertEquals("1", one("SELECT @@GLOBAL.super_read_only"));
        NodeAgent.StepResult.Failed refused = assertInstanceOf(NodeAgent.StepResult.Failed.class,
                step(CURRENT, r -> new NodeAgent.SetReadOnly(false, r)));
        assertTrue(refused.reason().contains("epoch 3 has taken over cluster 1 (owner pekko://drsp@127.0.0.1:2553)"), refused.reason());
        assertEquals("1", one("SELECT @@GLOBAL.super_read_only"));
    }

    /**
     * Another agent of the same pair in this actor system (here, for the test, on the same server) has never been sent
     * anything, yet refuses the older owner: the mark is the pair's, shared by the system's agents.
     */
    @Test
    @Order(5)
    void anotherAgentOfThePairRefusesTheOlderOwnerTooWithoutHavingSeenTheNewerOne() throws Exception {
        NodeOps ops = new NodeOps(NodeKey.parse("1/dr/s2"), Endpoint.parse(mysql.endpoint()), admin, replication,
                java.util.Optional.empty());
        ActorRef<NodeAgent.Command> other = kit.spawn(NodeAgent.create(ops), "node-1-dr-s2");
        TestProbe<NodeAgent.StepResult> probe = kit.createTestProbe();
        other.tell(new NodeAgent.UnderEpoch(CURRENT, new NodeAgent.SetReadOnly(false, probe.getRef())));
        NodeAgent.StepResult.Failed refused = assertInstanceOf(NodeAgent.StepResult.Failed.class, probe.receiveMessage(ANSWER));
        assertTrue(refused.reason().startsWith("refused: sent under takeover epoch 2, but epoch 3 has taken over cluster 1"),
                refused.reason());
        assertEquals("1", one("SELECT @@GLOBAL.super_read_only"));
    }

    private static NodeAgent.StepResult step(TakeoverEpoch epoch,
                                             java.util.function.Function<ActorRef<NodeAgent.StepResult>, NodeAgent.StepMutation> command) {
        TestProbe<NodeAgent.StepResult> probe = kit.createTestProbe();
        agent.tell(new NodeAgent.UnderEpoch(epoch, command.apply(probe.getRef())));
        return probe.receiveMessage(ANSWER);
    }

    private static String one(String sql) throws SQLException {
        try (Connection c = mysql.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
