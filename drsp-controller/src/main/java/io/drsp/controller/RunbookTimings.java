package io.drsp.controller;

import io.drsp.core.config.ControlDb;
import io.drsp.core.config.UserRef;
import io.drsp.core.mysql.MysqlAdmin;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a recovery costs besides its replay, measured from the journal: the last stopsync, the last recover's steps but
 * its replay, and the last service, each from its first event to its last (the journal's write timestamps). The RTO
 * estimate adds this to the replay time at the shards' measured apply rates. Read at most once a minute per pair.
 */
final class RunbookTimings {
    private static final long REFRESH_MILLIS = 60_000;
    private final ControlDb db;
    private final UserRef user;
    private final Map<String, long[]> cache = new ConcurrentHashMap<>(); // cluster -> {readAtMillis, fixedMillis or -1}

    RunbookTimings(ControlDb db, UserRef user) {
        this.db = db;
        this.user = user;
    }

    /** Seconds of the fixed steps, or null before one stopsync, recover and service have all been journaled. */
    Double fixedSeconds(String cluster) {
        long now = System.currentTimeMillis();
        long[] c = cache.get(cluster);
        if (c == null || now - c[0] > REFRESH_MILLIS) {
            c = new long[] {now, read(cluster)};
            cache.put(cluster, c);
        }
        return c[1] < 0 ? null : c[1] / 1000.0;
    }

    private long read(String cluster) {
        List<String[]> events = new ArrayList<>(); // manifest, write_timestamp, payload; newest first
        try (MysqlAdmin s = MysqlAdmin.connect(db.endpoint(), user.name(), user.password().resolve(), Duration.ofSeconds(5));
             PreparedStatement ps = s.connection().prepareStatement("SELECT event_ser_manifest, write_timestamp,"
                     + " CAST(event_payload AS CHAR) FROM " + db.database() + ".event_journal WHERE persistence_id = ?"
                     + " ORDER BY sequence_number DESC LIMIT 5000")) {
            ps.setString(1, PairEntity.persistenceId(cluster).id());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    events.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
                }
            }
        } catch (RuntimeException | SQLException e) {
            return -1;
        }
        long stopsync = span(events, "StopSyncRequested", "SyncStopped", false);
        long recover = span(events, "RecoverRequested", "RecoveryPointRecorded", true);
        long service = span(events, "ServiceRequested", "ServiceStarted", false);
        return stopsync < 0 || recover < 0 || service < 0 ? -1 : stopsync + recover + service;
    }

    /**
     * The newest runbook from its {@code start} event to its {@code end} event (events newest first), less its replay
     * step when {@code withoutReplay}; -1 when none ended.
     */
    static long span(List<String[]> newestFirst, String start, String end, boolean withoutReplay) {
        int endAt = -1;
        for (int i = 0; i < newestFirst.size(); i++) {
            if (newestFirst.get(i)[0].endsWith(end)) {
                endAt = i;
                break;
            }
        }
        if (endAt < 0) {
            return -1;
        }
        for (int i = endAt + 1; i < newestFirst.size(); i++) {
            if (newestFirst.get(i)[0].endsWith(start)) {
                long total = Long.parseLong(newestFirst.get(endAt)[1]) - Long.parseLong(newestFirst.get(i)[1]);
                if (withoutReplay) {
                    for (int j = i; j > endAt; j--) {
                        String[] e = newestFirst.get(j);
                        if (e[0].endsWith("StepStarted") && e[2].contains("\"description\":\"replay ")) {
                            total -= Long.parseLong(newestFirst.get(j - 1)[1]) - Long.parseLong(e[1]);
                        }
                    }
                }
                return Math.max(0, total);
            }
        }
        return -1;
    }
}
