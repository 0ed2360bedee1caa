package io.drsp.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import io.drsp.agent.MemberSnapshot;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pair entity's state survives its snapshot serialization exactly, every field set: a snapshot the controller
 * cannot read back would leave it unable to start, so this runs with the controller's own serialization settings.
 */
class PairStateSnapshotTest {
    static ActorTestKit kit;

    @BeforeAll
    static void start() {
        kit = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.provider = local")
                .withFallback(ConfigFactory.parseResources("drsp-controller.conf")).withFallback(ConfigFactory.load()));
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    @Test
    void aStateWithEveryFieldSetRoundTripsEqual() {
        String u = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
        TargetSpec target = new TargetSpec("TIME", 1_700_000_000_123_456L, null, "2023-11-14 22:13:20.123456");
        RecoveryPlan plan = new RecoveryPlan(target, List.of(
                new RecoveryPlan.ShardPlan("s1", u + ":1-120", u + ":1-100", 20, 8_192, 1_700_000_000_000_000L, 850.5,
                        List.of(u + ":131 -1 1700000000200000 COMMIT X'7472616e736665722d31',X'7331',1"), List.of("transfer-2"),
                        4, 1_250_000),
                new RecoveryPlan.ShardPlan("meta", u + ":1-5", u + ":1-5", 0, 0, null, null)), 1_700_000_000_123_456L,
                List.of("global transaction 'transfer-3' was committed at ... but cannot be completed on DR"));
        RecoveryPoint point = new RecoveryPoint(Map.of("s1", u + ":1-120", "meta", u + ":1-5"), 1_700_000_000_123_456L,
                "2023-11-14 22:13:20.123456", plan.xaSummary());
        SnapshotPoint snapshot = new SnapshotPoint("snap-1", 1_700_000_100_000L, point, List.of(
                new MemberSnapshot("1/dr/s1", "127.0.0.1:3307", u + ":1-120", "binlog.000003", 4_711, 1_700_000_100_000_000L,
                        Map.of("`bank`.`accounts`", 12_345L, "`bank`.`opening`", 42L))));
        Runbook running = new Runbook("rb-7", Operation.FLASHBACK, 20, List.of(new RunbookStep(RunbookStep.Kind.PREFLIGHT, ""),
                new RunbookStep(RunbookStep.Kind.ENSURE_LINK, "s1")), 1, Mode.SERVICE_STOPPED, 1_700_000_200_000L);
        Runbook finished = new Runbook("rb-6", Operation.STOPSERVICE, 20, List.of(new RunbookStep(RunbookStep.Kind.PREFLIGHT, "")),
                1, Mode.SERVICE, 1_700_000_150_000L);
        DrillArchive archive = new DrillArchive("snap-1", Map.of("s1", new DrillArchive.Shard(u + ":121-300", 180, 1_800,
                "/var/drsp/archive/1/snap-1/s1")));
        PairState state = new PairState(Mode.SERVICE_STOPPED, ProductionMode.FENCED, 20, running, Map.of("s1", 20, "meta", 20), target,
                plan, point, List.of(snapshot), "dr shard s2: Duplicate entry '7' for key 'accounts.PRIMARY'", 1_700_000_300_000L,
                archive, new DrillPlan("2023-11-14 22:13:20", 20, 1_700_000_000_000L), finished,
                new PendingUndo("sync-1a2b", Operation.SYNC, Mode.SYNC, 20, List.of("meta", "s1")));

        Object back = new SerializationTestKit(kit.system()).verifySerialization(state, false);
        assertEquals(state, back);
        assertEquals(PairState.initial(), new SerializationTestKit(kit.system()).verifySerialization(PairState.initial(), false));
    }
}
