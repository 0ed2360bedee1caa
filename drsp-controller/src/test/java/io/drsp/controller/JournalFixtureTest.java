package io.drsp.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drsp.controller.JournalFixtures.Row;
import io.drsp.controller.JournalFixtures.Written;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.LongStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Journals written by an earlier release still replay to the state that release folded them to. The fixtures are the
 * {@code event_journal} and {@code snapshot} rows of real sandboxes driven through a whole cycle (see
 * {@code journal-fixtures/README.md}); each {@code expected-state.json} is what the recording commit's own code folded
 * them to. Every payload is read by its row's serializer id and manifest, as pekko-persistence-jdbc's replay reads it,
 * so a renamed event class, field or enum constant fails here rather than on a bank's control database.
 */
class JournalFixtureTest {
    /** A sandbox's full cycle (demo plus a planned drill, a standalone laststamp and a failed service with its undo). */
    static final String CYCLE = "demo-pair-1";
    /** Three controllers, the owner killed: a second takeover. */
    static final String HA = "demo-ha-pair-1";
    /** The TLS sandbox's sync. */
    static final String TLS = "demo-tls-pair-1";

    /** What the cycle must have journaled, or the fixture would prove little. */
    static final Set<String> CYCLE_EVENTS = Set.of(
            "OwnerTookOver", "SyncRequested", "ShardLinkConfigured", "SyncStarted", "StopSyncRequested", "ShardLinkStopped",
            "SyncStopped", "RecoveryTargetSet", "RecoverRequested", "RecoveryPlanned", "ShardsReplayed", "XaCompleted",
            "RecoveryPointRecorded", "ServiceRequested", "SnapshotPointRecorded", "ShardOpened", "HookRan", "ServiceStarted",
            "StopServiceRequested", "ShardClosed", "ServiceStopped", "PrimariesAnswered", "ProductionFenced",
            "ProductionServiceResumed", "FlashbackRequested", "DrillPreflightPassed", "DrillArchived", "ShardsFlashedBack",
            "ReplicasCaughtUp", "FlashbackCompleted", "PurgeRequested", "PurgePreflightPassed", "ShardPurged",
            "SnapshotRestored", "DrillPlanned", "SwitchbackRequested", "SwitchbackStepDone", "ModesChanged",
            "RollbackArchived", "LaststampRequested", "RunbookCompleted", "RunbookFailed", "UndoCompleted", "StepStarted",
            "PreflightPassed");

    static ActorTestKit kit;
    static Serialization ser;

    @BeforeAll
    static void start() {
        kit = ActorTestKit.create(JournalFixtures.systemConfig());
        ser = SerializationExtension.get(kit.system());
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    static InputStream resource(String file) {
        InputStream in = JournalFixtureTest.class.getClassLoader().getResourceAsStream(JournalFixtures.DIR + file);
        assertNotNull(in, "missing fixture " + JournalFixtures.DIR + file);
        return in;
    }

    static List<Row> events(String name) {
        return JournalFixtures.events(resource(name + ".events.jsonl"));
    }

    static List<Row> snapshots(String name) {
        return JournalFixtures.snapshots(resource(name + ".snapshots.jsonl"));
    }

    static JsonNode expected(String name) throws IOException {
        try (InputStream in = resource(name + ".expected-state.json")) {
            return JournalFixtures.JSON.readTree(in);
        }
    }

    /** The expected state as the old code wrote it, read back by the serializer id and manifest it was written with. */
    static PairState expectedState(String name) throws IOException {
        JsonNode e = expected(name);
        return (PairState) JournalFixtures.read(ser, new Row(e.get("persistence_id").asText(), e.get("last_sequence_number").asLong(),
                e.get("ser_id").asInt(), e.get("ser_manifest").asText(), JournalFixtures.JSON.writeValueAsString(e.get("state"))));
    }

    /** The folded state equals the old code's, both as JSON the binding writes and as records read back. */
    static void assertIsExpected(String name, PairState folded) throws IOException {
        JsonNode e = expected(name);
        Written w = JournalFixtures.write(ser, folded);
        assertEquals(e.get("ser_id").asInt(), w.serId(), "the state's serializer");
        assertEquals(e.get("ser_manifest").asText(), w.manifest(), "the state's manifest (its class name)");
        assertEquals(e.get("state"), w.json(), name + ": the folded state, as JSON");
        assertEquals(expectedState(name), folded, name + ": the folded state");
    }

    @ParameterizedTest
    @ValueSource(strings = {CYCLE, HA, TLS})
    void everyEventFoldedFromTheStartGivesTheOldState(String name) throws IOException {
        List<Row> rows = events(name);
        JsonNode e = expected(name);
        assertEquals(e.get("last_sequence_number").asLong(), rows.get(rows.size() - 1).sequenceNumber());
        assertIsExpected(name, JournalFixtures.fold(ser, PairState.initial(), rows));
    }

    /**
     * A restart reads the newest snapshot and the events after it: each snapshot row, read by its own id and manifest,
     * is the state the events up to it fold to, and with its tail it folds to the same end state.
     */
    @Test
    void eachSnapshotIsTheFoldToItAndWithItsTailGivesTheOldState() throws IOException {
        List<Row> rows = events(CYCLE);
        List<Row> snaps = snapshots(CYCLE);
        assertFalse(snaps.isEmpty(), "the cycle's fixture has snapshot rows");
        for (Row snap : snaps) {
            PairState at = (PairState) JournalFixtures.read(ser, snap);
            assertEquals(JournalFixtures.fold(ser, PairState.initial(), JournalFixtures.upTo(rows, snap.sequenceNumber())), at,
                    "snapshot at " + snap.sequenceNumber());
            List<Row> tail = JournalFixtures.after(rows, snap.sequenceNumber());
            assertFalse(tail.isEmpty(), "events after snapshot " + snap.sequenceNumber());
            assertIsExpected(CYCLE, JournalFixtures.fold(ser, at, tail));
        }
    }

    /**
     * What today's code writes for each event read back is what the old code wrote: the same serializer, manifest and
     * JSON. A refactor that still reads old rows but writes them differently would fork the journal's format.
     */
    @ParameterizedTest
    @ValueSource(strings = {CYCLE, HA, TLS})
    void eachEventAndSnapshotIsWrittenAgainAsItWasStored(String name) throws IOException {
        List<Row> rows = new ArrayList<>(events(name));
        if (name.equals(CYCLE)) {
            rows.addAll(snapshots(name));
        }
        for (Row row : rows) {
            Written w = JournalFixtures.write(ser, JournalFixtures.read(ser, row));
            String at = name + " #" + row.sequenceNumber() + " " + row.manifest();
            assertEquals(row.serId(), w.serId(), at);
            assertEquals(row.manifest(), w.manifest(), at);
            assertEquals(JournalFixtures.JSON.readTree(row.payload().getBytes(StandardCharsets.UTF_8)), w.json(), at);
        }
    }

    /** The fixtures cover the whole cycle and two takeovers, so the tests above cannot pass on a thin or empty one. */
    @Test
    void theFixturesCoverTheCycleAndATakeoverUnderALaterEpoch() throws IOException {
        Set<String> seen = new TreeSet<>();
        for (String name : List.of(CYCLE, HA, TLS)) {
            List<Row> rows = events(name);
            assertEquals(LongStream.rangeClosed(1, rows.size()).boxed().toList(), rows.stream().map(Row::sequenceNumber).toList(),
                    name + ": every sequence number from 1, in order");
            assertEquals(1, rows.stream().map(Row::persistenceId).distinct().count(), name + ": one pair's journal");
            for (Row row : rows) {
                seen.add(JournalFixtures.read(ser, row).getClass().getSimpleName());
            }
        }
        Set<String> missing = new TreeSet<>(CYCLE_EVENTS);
        missing.removeAll(seen);
        assertTrue(missing.isEmpty(), "event types the fixtures lack: " + missing);
        assertTrue(events(CYCLE).size() > 400, "the cycle's journal has its few hundred events");

        for (String name : List.of(CYCLE, HA)) {
            List<PairEvent.OwnerTookOver> takeovers = events(name).stream().map(r -> JournalFixtures.read(ser, r))
                    .filter(PairEvent.OwnerTookOver.class::isInstance).map(PairEvent.OwnerTookOver.class::cast).toList();
            assertTrue(takeovers.size() >= 2, name + ": a takeover after the first");
            PairEvent.OwnerTookOver last = takeovers.get(takeovers.size() - 1);
            assertTrue(last.epoch() > 1, name + ": the last takeover's epoch");
            assertEquals(LongStream.rangeClosed(1, takeovers.size()).boxed().toList(),
                    takeovers.stream().map(PairEvent.OwnerTookOver::epoch).toList(), name + ": epochs 1, 2, ...");
            assertEquals(last.epoch(), expectedState(name).epoch(), name + ": the state's epoch is the last takeover's");
            assertEquals(last.owner(), expectedState(name).owner());
        }
        // The HA sandbox's second owner is another controller than the one killed.
        List<String> owners = events(HA).stream().map(r -> JournalFixtures.read(ser, r)).filter(PairEvent.OwnerTookOver.class::isInstance)
                .map(e -> ((PairEvent.OwnerTookOver) e).owner()).toList();
        assertEquals(2, owners.stream().distinct().count(), "two owners in " + owners);
    }
}
