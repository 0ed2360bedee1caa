package io.drsp.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import io.drsp.core.config.Endpoint;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A mutation under its epoch crosses JVMs (a remote agent) as JSON, whichever mutation it is. */
class EpochJsonTest {
    static final ActorTestKit kit = ActorTestKit.create();

    @AfterAll
    static void down() {
        kit.shutdownTestKit();
    }

    @Test
    void everyMutationIsNamedInJson() {
        Set<Class<?>> named = Arrays.stream(NodeAgent.Mutation.class.getAnnotation(JsonSubTypes.class).value())
                .map(JsonSubTypes.Type::value).collect(Collectors.toSet());
        Set<Class<?>> mutations = Arrays.stream(NodeAgent.StepMutation.class.getPermittedSubclasses()).collect(Collectors.toSet());
        mutations.add(NodeAgent.StartJob.class);
        assertEquals(mutations, named);
    }

    @Test
    void mutationsUnderAnEpochSurviveSerialization() {
        SerializationTestKit json = new SerializationTestKit(kit.system());
        TestProbe<NodeAgent.StepResult> steps = kit.createTestProbe();
        TestProbe<JobReport> jobs = kit.createTestProbe();
        TakeoverEpoch epoch = new TakeoverEpoch(4, "pekko://drsp@127.0.0.1:2552");
        for (NodeAgent.Mutation m : List.of(
                new NodeAgent.EnsureLink(Endpoint.parse("127.0.0.1:3306"), 60, steps.getRef()),
                new NodeAgent.SetReadOnly(true, steps.getRef()),
                new NodeAgent.PurgeTo("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5", steps.getRef()),
                new NodeAgent.ResolvePrepared(List.of(XaDecision.rollback("X'74',X'7331',1")), steps.getRef()),
                new NodeAgent.StartJob(new AgentJob.FlashbackDrill("3e11fa47-71ca-11e1-9e33-c80aa9429562:6-9"), jobs.getRef()))) {
            json.verifySerialization(new NodeAgent.UnderEpoch(epoch, m), true);
        }
    }
}
