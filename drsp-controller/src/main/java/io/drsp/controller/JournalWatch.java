package io.drsp.controller;

import io.drsp.core.mysql.MysqlAdmin;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.serialization.Serialization;

/**
 * Reads a pair's journal in the control database past a sequence number: how an owner learns, before a step, that
 * another controller has taken the pair over since (its agents may have restarted and forgotten the newer epoch, or
 * never have seen it). A primary-key range read, usually empty. The takeover events among the rows are read back
 * with the journal's own serializer, so the owner's log names who took over.
 */
final class JournalWatch {
    private static final String TAKEOVER_MANIFEST = PairEvent.OwnerTookOver.class.getName();
    private final ControlDbLogin login;
    private final Serialization serialization;
    private final Executor blocking;

    JournalWatch(ControlDbLogin login, Serialization serialization, Executor blocking) {
        this.login = login;
        this.serialization = serialization;
        this.blocking = blocking;
    }

    /** The rows of {@code persistenceId} after {@code sequenceNr}, in order; fails when the control database does not answer. */
    CompletableFuture<List<LaterWrites.Row>> after(String persistenceId, long sequenceNr) {
        return CompletableFuture.supplyAsync(() -> read(persistenceId, sequenceNr), blocking);
    }

    private List<LaterWrites.Row> read(String persistenceId, long sequenceNr) {
        List<LaterWrites.Row> rows = new ArrayList<>();
        try (MysqlAdmin s = login.session();
             PreparedStatement ps = s.connection().prepareStatement("SELECT sequence_number, event_ser_id, event_ser_manifest,"
                     + " event_payload FROM `" + login.db().database().replace("`", "``") + "`.event_journal"
                     + " WHERE persistence_id = ? AND sequence_number > ? ORDER BY sequence_number")) {
            ps.setString(1, persistenceId);
            ps.setLong(2, sequenceNr);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String manifest = rs.getString(3);
                    PairEvent.OwnerTookOver takeover = null;
                    if (manifest.startsWith(TAKEOVER_MANIFEST)) {
                        takeover = (PairEvent.OwnerTookOver) serialization.deserialize(rs.getBytes(4), rs.getInt(2), manifest).get();
                    }
                    rows.add(new LaterWrites.Row(rs.getLong(1), takeover));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the journal in the control database " + login.db().endpoint() + "/"
                    + login.db().database() + ": " + e.getMessage(), e);
        }
        return rows;
    }
}
