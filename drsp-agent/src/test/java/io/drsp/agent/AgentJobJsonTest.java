package io.drsp.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Every kind of background job crosses JVMs (a remote agent) as JSON: started under an epoch, and in the agent's
 * report with what it found.
 */
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
    static final List<JobResult.UndecidedBranch> UNDECIDED = List.of(
            new JobResult.UndecidedBranch("X'74',X'7331',1", "3e11fa47-71ca-11e1-9e33-c80aa9429562:4"));
    static final List<JobResult> EVERY_RESULT = List.of(
            new JobResult.DrillArchived(GTIDS, 5, 120),
            new JobResult.Checksums(Map.of("`bank`.`accounts`", 3_141_592_653L, "`bank`.`ledger`", 0L)),
            new JobResult.RollbackPlanned(GTIDS, 4, 30, Map.of("bank.accounts", 30L), UNDECIDED),
            new JobResult.RollbackArchived("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-3:5", 4, 30, Map.of("bank.accounts", 30L),
                    UNDECIDED));

    @AfterAll
    static void down() {
        kit.shutdownTestKit();
    }

    @Test
    void everyKindIsNamedInJsonAndTestedHere() {
        assertNamedAndSampled(AgentJob.class, EVERY_KIND);
    }

    @Test
    void everyResultIsNamedInJsonAndTestedHere() {
        assertNamedAndSampled(JobResult.class, EVERY_RESULT);
    }

    /** Each record of {@code sealed} is named in its JSON subtypes, and {@code samples} hold one of each. */
    private static void assertNamedAndSampled(Class<?> sealed, List<?> samples) {
        Set<Class<?>> named = Arrays.stream(sealed.getAnnotation(JsonSubTypes.class).value())
                .map(JsonSubTypes.Type::value).collect(Collectors.toSet());
        Set<Class<?>> kinds = Set.of(sealed.getPermittedSubclasses());
        assertEquals(kinds, named);
        assertEquals(kinds, samples.stream().map(Object::getClass).collect(Collectors.toSet()));
    }

    @Test
    void everyResultSurvivesSerializationInItsReport() {
        SerializationTestKit json = new SerializationTestKit(kit.system());
        for (JobResult result : EVERY_RESULT) {
            json.verifySerialization(new JobReport("1/production/s1", new AgentJob.PlanRollback(GTIDS), JobReport.State.DONE,
                    1, 1, 2.5, "done", result), true);
        }
        json.verifySerialization(new JobReport("1/dr/s1", new AgentJob.FlashbackDrill(GTIDS), JobReport.State.DONE, 7, 7, 1,
                "undid 5 transactions", null), true);
    }

    @Test
    void aReportGivesItsResultAsTheKindAskedOrSaysWhatItHas() {
        JobReport done = new JobReport("1/dr/s1", new AgentJob.Checksum(), JobReport.State.DONE, 2, 2, 1, "2 tables checksummed",
                EVERY_RESULT.get(1));
        assertEquals(3_141_592_653L, done.resultAs(JobResult.Checksums.class).tables().get("`bank`.`accounts`"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> done.resultAs(JobResult.DrillArchived.class));
        assertEquals("1/dr/s1's CHECKSUM job reported Checksums, not DrillArchived", e.getMessage());
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
