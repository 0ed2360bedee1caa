package io.drsp.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Every kind of background job crosses JVMs (a remote agent) as JSON: started under an epoch, and in the agent's report. */
class AgentJobJsonTest {
    static final ActorTestKit kit = ActorTestKit.create();
    static final String GTIDS = "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5";
    static final List<AgentJob> EVERY_KIND = List.of(
            new AgentJob.ArchiveDrill(GTIDS, "/var/drsp/archive/1/snap-1/s1"),
            new AgentJob.FlashbackDrill(GTIDS),
            new AgentJob.CatchUp(GTIDS, 120),
            new AgentJob.Checksum(),
            new AgentJob.PlanRollback(GTIDS),
            new AgentJob.ArchiveRollback(GTIDS, "/var/drsp/archive/1/sb-1/s1"));

    @AfterAll
    static void down() {
        kit.shutdownTestKit();
    }

    @Test
    void everyKindIsNamedInJsonAndTestedHere() {
        Set<Class<?>> named = Arrays.stream(AgentJob.class.getAnnotation(JsonSubTypes.class).value())
                .map(JsonSubTypes.Type::value).collect(Collectors.toSet());
        Set<Class<?>> kinds = Set.of(AgentJob.class.getPermittedSubclasses());
        assertEquals(kinds, named);
        assertEquals(kinds, EVERY_KIND.stream().map(Object::getClass).collect(Collectors.toSet()));
    }

    @Test
    void eachKindKeepsItsName() {
        assertEquals(List.of("ARCHIVE_DRILL", "FLASHBACK_DRILL", "CATCH_UP", "CHECKSUM", "PLAN_ROLLBACK", "ARCHIVE_ROLLBACK"),
                EVERY_KIND.stream().map(AgentJob::kind).toList());
        assertTrue(new AgentJob.FlashbackDrill(GTIDS).changesMysql());
        assertFalse(EVERY_KIND.stream().filter(j -> !(j instanceof AgentJob.FlashbackDrill)).anyMatch(AgentJob::changesMysql),
                "every other kind only reads the member, waits, or writes files");
    }

    @Test
    void everyKindSurvivesSerialization() {
        SerializationTestKit json = new SerializationTestKit(kit.system());
        TestProbe<JobReport> jobs = kit.createTestProbe();
        TakeoverEpoch epoch = new TakeoverEpoch(4, "pekko://drsp@127.0.0.1:2552");
        for (AgentJob job : EVERY_KIND) {
            json.verifySerialization(new NodeAgent.UnderEpoch(epoch, new NodeAgent.StartJob(job, jobs.getRef())), true);
            json.verifySerialization(new NodeAgent.StartJob(job, jobs.getRef()), true);
            json.verifySerialization(JobReport.failed("1/dr/s1", job, "dr shard s1 (127.0.0.1:3306): refused"), true);
        }
    }
}
