package io.drsp.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** An XA decision is the statement MySQL runs, and crosses JVMs as JSON in what agents are sent and answer. */
class XaDecisionTest {
    static final ActorTestKit kit = ActorTestKit.create();
    static final String XID = "X'7472616e736665722d31',X'7331',1";

    @AfterAll
    static void down() {
        kit.shutdownTestKit();
    }

    @Test
    void aDecisionIsItsStatement() {
        assertEquals("XA COMMIT " + XID, XaDecision.commit(XID).statement());
        assertEquals("XA ROLLBACK " + XID, XaDecision.rollback(XID).statement());
    }

    @Test
    void decisionsSurviveSerialization() {
        SerializationTestKit json = new SerializationTestKit(kit.system());
        TestProbe<NodeAgent.StepResult> steps = kit.createTestProbe();
        List<XaDecision> decisions = List.of(XaDecision.commit(XID), XaDecision.rollback("X'74',X'7332',1"));
        json.verifySerialization(new NodeAgent.UnderEpoch(new TakeoverEpoch(2, "pekko://drsp@127.0.0.1:2552"),
                new NodeAgent.ResolvePrepared(decisions, steps.getRef())), true);
        json.verifySerialization(new PreparedLook("1/dr/s1", List.of(XID), decisions, null), true);
    }
}
