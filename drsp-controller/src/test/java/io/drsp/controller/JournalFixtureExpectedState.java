package io.drsp.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drsp.controller.JournalFixtures.Row;
import io.drsp.controller.JournalFixtures.Written;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;

/**
 * Wrote each fixture's {@code <name>.expected-state.json}: the state the code of the commit that recorded the fixture
 * folds its events to, as Pekko's jackson-json binding serializes it. Run once, against that commit; running it again
 * after a change of the controller would only write down what the changed code does, which is what
 * {@link JournalFixtureTest} exists to compare with the old. Not a test: a main, run as the fixtures' README says.
 *
 * <p>Arguments: the fixture directory, then the fixture names (e.g. {@code demo-pair-1}).
 */
public final class JournalFixtureExpectedState {
    private JournalFixtureExpectedState() {
    }

    /** Object fields in name order, so the file does not change with the order a Map.copyOf happened to iterate in. */
    private static JsonNode sorted(JsonNode n) {
        if (n.isObject()) {
            ObjectNode o = JournalFixtures.JSON.createObjectNode();
            java.util.TreeMap<String, JsonNode> fields = new java.util.TreeMap<>();
            n.fields().forEachRemaining(f -> fields.put(f.getKey(), f.getValue()));
            fields.forEach((k, v) -> o.set(k, sorted(v)));
            return o;
        }
        if (n.isArray()) {
            com.fasterxml.jackson.databind.node.ArrayNode a = JournalFixtures.JSON.createArrayNode();
            n.forEach(e -> a.add(sorted(e)));
            return a;
        }
        return n;
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "journal-fixture", JournalFixtures.systemConfig());
        try {
            Serialization ser = SerializationExtension.get(system);
            for (String name : List.of(args).subList(1, args.length)) {
                List<Row> events;
                try (InputStream in = Files.newInputStream(dir.resolve(name + ".events.jsonl"))) {
                    events = JournalFixtures.events(in);
                }
                PairState end = JournalFixtures.fold(ser, PairState.initial(), events);
                // The newest snapshot and the events after it must give the same state, as a restart reads it.
                Path snapFile = dir.resolve(name + ".snapshots.jsonl");
                if (Files.exists(snapFile)) {
                    List<Row> snaps;
                    try (InputStream in = Files.newInputStream(snapFile)) {
                        snaps = JournalFixtures.snapshots(in);
                    }
                    for (Row snap : snaps) {
                        PairState at = (PairState) JournalFixtures.read(ser, snap);
                        if (!at.equals(JournalFixtures.fold(ser, PairState.initial(), JournalFixtures.upTo(events, snap.sequenceNumber())))) {
                            throw new IllegalStateException(name + ": snapshot " + snap.sequenceNumber() + " differs from the fold to it");
                        }
                        if (!end.equals(JournalFixtures.fold(ser, at, JournalFixtures.after(events, snap.sequenceNumber())))) {
                            throw new IllegalStateException(name + ": snapshot " + snap.sequenceNumber() + " plus its tail differs");
                        }
                    }
                }
                Written w = JournalFixtures.write(ser, end);
                ObjectNode out = JournalFixtures.JSON.createObjectNode();
                out.put("persistence_id", events.get(events.size() - 1).persistenceId());
                out.put("last_sequence_number", events.get(events.size() - 1).sequenceNumber());
                out.put("ser_id", w.serId());
                out.put("ser_manifest", w.manifest());
                out.set("state", sorted(w.json()));
                Files.writeString(dir.resolve(name + ".expected-state.json"),
                        JournalFixtures.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n", StandardCharsets.UTF_8);
                System.out.println("wrote " + dir.resolve(name + ".expected-state.json") + " from " + events.size() + " events");
            }
        } finally {
            system.terminate();
        }
    }
}
