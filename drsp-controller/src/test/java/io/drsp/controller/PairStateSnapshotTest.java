package io.drsp.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.typesafe.config.ConfigFactory;
import io.drsp.agent.MemberSnapshot;
import io.drsp.controller.drill.DrillArchive;
import io.drsp.controller.drill.DrillPlan;
import io.drsp.controller.recovery.ApplyRates;
import io.drsp.controller.recovery.RecoveryPlan;
import io.drsp.controller.recovery.RecoveryPoint;
import io.drsp.controller.recovery.TargetSpec;
import io.drsp.controller.switchback.RollbackArchive;
import io.drsp.core.config.Site;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
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
        // Production's fence: the same steps as DR's stopservice, at the production site.
        Runbook finished = new Runbook("stopservice-production-6", Operation.STOPSERVICE, 20, List.of(
                new RunbookStep(RunbookStep.Kind.REACHABLE, "", Site.PRODUCTION),
                new RunbookStep(RunbookStep.Kind.CLOSE_SHARD, "s1", Site.PRODUCTION)), 1, Mode.SERVICE, 1_700_000_150_000L,
                Site.PRODUCTION);
        DrillArchive archive = new DrillArchive("snap-1", Map.of("s1", new DrillArchive.Shard(u + ":121-300", 180, 1_800,
                "/var/drsp/archive/1/snap-1/s1")));
        PairState state = new PairState(Mode.SERVICE_STOPPED, ProductionMode.FENCED, 20, running, Map.of("s1", 20, "meta", 20), target,
                plan, point, List.of(snapshot), "dr shard s2: Duplicate entry '7' for key 'accounts.PRIMARY'", 1_700_000_300_000L,
                archive, new DrillPlan("2023-11-14 22:13:20", 20, 1_700_000_000_000L), finished,
                new PendingUndo("stopservice-production-6", Operation.STOPSERVICE, Mode.SERVICE, 20, List.of("meta", ""),
                        Site.PRODUCTION),
                new RollbackArchive("switchback-9", Map.of("s1", new RollbackArchive.Shard(u + ":301-420", 100, 2_000,
                        Map.of("bank.accounts", 1_500L), List.of("X'6a',X'7331',1"), "/var/drsp/archive/1/switchback-9/s1"))),
                "/var/drsp/archive/1/switchback-9", ApplyRates.NONE.with(Map.of("s1", new ApplyRates.Replay(2_719, 1.42),
                        "meta", new ApplyRates.Replay(31, 0.19))), 4, "pekko://drsp@127.0.0.1:2552");

        Object back = new SerializationTestKit(kit.system()).verifySerialization(state, false);
        assertEquals(state, back);
        assertEquals(Site.PRODUCTION, ((PairState) back).finishedRunbook().steps().get(1).site());
        assertEquals(Site.PRODUCTION, ((PairState) back).pendingUndo().site());
        assertEquals(List.of("X'6a',X'7331',1"), ((PairState) back).rollback().shards().get("s1").rollbackXids());
        assertEquals(2_719 / 1.42, ((PairState) back).applyRates().rateFor("s1"), 1e-9);
        assertEquals(4, ((PairState) back).epoch());
        assertEquals("pekko://drsp@127.0.0.1:2552", ((PairState) back).owner());
        assertEquals(PairState.initial(), new SerializationTestKit(kit.system()).verifySerialization(PairState.initial(), false));
    }

    /**
     * Production's fence journals events DR's stopservice also writes; the site fields they gained must read back, and
     * an entry journaled before sites existed (no "site" at all) must read as DR's, as it was.
     */
    @Test
    void fenceEventsRoundTripAndOlderEntriesReadAsDr() throws Exception {
        SerializationTestKit kit2 = new SerializationTestKit(kit.system());
        List<RunbookStep> steps = List.of(new RunbookStep(RunbookStep.Kind.STOP_DBPROXY, "", Site.PRODUCTION),
                new RunbookStep(RunbookStep.Kind.CLOSE_SHARD, "s1", Site.PRODUCTION));
        for (Object e : List.of(new PairEvent.StopServiceRequested("f-1", steps, Mode.SYNC, 1L, Site.PRODUCTION),
                new PairEvent.ServiceRequested("f-2", steps, Mode.SERVICE, 2L, Site.PRODUCTION),
                new PairEvent.ShardClosed("f-1", "s1", Site.PRODUCTION), new PairEvent.ShardOpened("f-2", "s1", Site.PRODUCTION),
                new PairEvent.HookRan("f-1", "stop_dbproxy", "ok", Site.PRODUCTION), new PairEvent.PrimariesAnswered("f-1", Site.PRODUCTION),
                new PairEvent.ProductionFenced("f-1"), new PairEvent.ProductionServiceResumed("f-2"))) {
            assertEquals(e, kit2.verifySerialization(e, false));
        }
        Serialization ser = SerializationExtension.get(kit.system());
        PairEvent.StopServiceRequested fence = new PairEvent.StopServiceRequested("f-1", steps, Mode.SERVICE, 1L, Site.PRODUCTION);
        Serializer serializer = ser.findSerializerFor(fence);
        String manifest = Serializers.manifestFor(serializer, fence);
        String older = new String(ser.serialize(fence).get(), StandardCharsets.UTF_8).replaceAll(",?\\s*\"site\"\\s*:\\s*\"PRODUCTION\"", "");
        assertFalse(older.contains("site"), older);
        Object read = ser.deserialize(older.getBytes(StandardCharsets.UTF_8), serializer.identifier(), manifest).get();
        assertEquals(new PairEvent.StopServiceRequested("f-1", List.of(new RunbookStep(RunbookStep.Kind.STOP_DBPROXY, ""),
                new RunbookStep(RunbookStep.Kind.CLOSE_SHARD, "s1")), Mode.SERVICE, 1L, Site.DR), read);
        PairState applied = PairState.initial().apply((PairEvent) read);
        assertEquals(Site.DR, applied.runbook().site());
    }

    /**
     * The takeover epoch lives in the state and so in its snapshots; a snapshot or journal from before takeovers were
     * recorded reads as epoch 0, so the first takeover after an upgrade is epoch 1.
     */
    @Test
    void theEpochSurvivesASnapshotAndOlderSnapshotsReadAsEpochZero() throws Exception {
        SerializationTestKit kit2 = new SerializationTestKit(kit.system());
        PairEvent.OwnerTookOver took = new PairEvent.OwnerTookOver(3, "pekko://drsp@127.0.0.1:2551", 1_700_000_000_000_000L);
        assertEquals(took, kit2.verifySerialization(took, false));

        PairState taken = PairState.initial().apply(took);
        assertEquals(3, taken.epoch());
        assertEquals("pekko://drsp@127.0.0.1:2551", taken.owner());
        assertEquals(taken, kit2.verifySerialization(taken, false));

        Serialization ser = SerializationExtension.get(kit.system());
        Serializer serializer = ser.findSerializerFor(taken);
        String json = new String(ser.serialize(taken).get(), StandardCharsets.UTF_8);
        String older = json.replaceAll(",?\\s*\"epoch\"\\s*:\\s*3", "").replaceAll(",?\\s*\"owner\"\\s*:\\s*\"[^\"]*\"", "");
        assertFalse(older.contains("epoch") || older.contains("owner"), older);
        PairState read = (PairState) ser.deserialize(older.getBytes(StandardCharsets.UTF_8), serializer.identifier(),
                Serializers.manifestFor(serializer, taken)).get();
        assertEquals(0, read.epoch());
        assertEquals(null, read.owner());
        assertEquals(1, read.apply(new PairEvent.OwnerTookOver(read.epoch() + 1, "b", 2L)).epoch());
    }

    /** A takeover changes the owner only: a runbook in progress stays at its step, to be resumed by the new owner. */
    @Test
    void aTakeoverLeavesTheRunbookWhereItStood() {
        Runbook running = new Runbook("sync-1", Operation.SYNC, 5, List.of(new RunbookStep(RunbookStep.Kind.PREFLIGHT, ""),
                new RunbookStep(RunbookStep.Kind.ENSURE_LINK, "s1")), 1, Mode.IDLE, 1L);
        PairState before = new PairState(Mode.IDLE, ProductionMode.SERVICE, 5, running, Map.of(), null, null, null, List.of(), null,
                1L, null, null, null, null, null, null, ApplyRates.NONE, 1, "a");
        PairState after = before.apply(new PairEvent.OwnerTookOver(2, "b", 3L));
        assertEquals(running, after.runbook());
        assertEquals(2, after.epoch());
        assertEquals("b", after.owner());
        assertEquals(before.drMode(), after.drMode());
        assertEquals(before.lastChangeMillis(), after.lastChangeMillis());
    }
}
