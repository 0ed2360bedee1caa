package io.drsp.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;

/**
 * The journal fixtures under {@code src/test/resources/journal-fixtures/}: rows of the control database's
 * {@code event_journal} and {@code snapshot} tables as a release wrote them, read back the way pekko-persistence-jdbc
 * reads them (each payload by its row's serializer id and manifest) and folded the way {@link PairEntity} recovers
 * (its {@code emptyState()} is {@link PairState#initial()}, its event handler {@link PairState#apply}).
 */
final class JournalFixtures {
    static final String DIR = "journal-fixtures/";
    static final ObjectMapper JSON = new ObjectMapper();

    /** One row of {@code event_journal} or {@code snapshot}: what recovery hands to the serializer. */
    record Row(String persistenceId, long sequenceNumber, int serId, String manifest, String payload) {
    }

    private JournalFixtures() {
    }

    /** The controller's own serialization settings, without remoting, cluster or journal. */
    static Config systemConfig() {
        return ConfigFactory.parseString("pekko.actor.provider = local")
                .withFallback(ConfigFactory.parseResources("drsp-controller.conf")).withFallback(ConfigFactory.load());
    }

    static List<Row> events(InputStream in) {
        return rows(in, "event_ser_id", "event_ser_manifest", "event_payload");
    }

    static List<Row> snapshots(InputStream in) {
        return rows(in, "snapshot_ser_id", "snapshot_ser_manifest", "snapshot_payload");
    }

    private static List<Row> rows(InputStream in, String idColumn, String manifestColumn, String payloadColumn) {
        List<Row> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = JSON.readTree(line);
                out.add(new Row(n.get("persistence_id").asText(), n.get("sequence_number").asLong(), n.get(idColumn).asInt(),
                        n.get(manifestColumn).asText(), n.get(payloadColumn).asText()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The row's payload, deserialized by its own serializer id and manifest, as the journal's replay does. */
    static Object read(Serialization ser, Row row) {
        return ser.deserialize(row.payload().getBytes(StandardCharsets.UTF_8), row.serId(), row.manifest()).get();
    }

    /** {@code from} with every event of {@code rows} applied in sequence order. */
    static PairState fold(Serialization ser, PairState from, List<Row> rows) {
        PairState s = from;
        for (Row row : rows) {
            s = s.apply((PairEvent) read(ser, row));
        }
        return s;
    }

    /** The rows after a sequence number (the tail a recovery replays after a snapshot). */
    static List<Row> after(List<Row> rows, long sequenceNumber) {
        return rows.stream().filter(r -> r.sequenceNumber() > sequenceNumber).toList();
    }

    static List<Row> upTo(List<Row> rows, long sequenceNumber) {
        return rows.stream().filter(r -> r.sequenceNumber() <= sequenceNumber).toList();
    }

    /** The object's JSON as Pekko's binding for it writes it, parsed; with the serializer id and manifest it writes. */
    record Written(int serId, String manifest, JsonNode json) {
    }

    static Written write(Serialization ser, Object o) {
        Serializer serializer = ser.findSerializerFor(o);
        try {
            return new Written(serializer.identifier(), Serializers.manifestFor(serializer, o), JSON.readTree(ser.serialize(o).get()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
