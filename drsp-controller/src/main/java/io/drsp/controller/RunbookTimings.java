package io.drsp.controller;

import io.drsp.core.mysql.MysqlAdmin;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a recovery costs besides its replay, measured from the journal: stopsync, recover's steps but its replay, and
 * service, each from its first event to its last (the journal's write timestamps), the median of the last
 * {@link #KEPT} of each (the last one alone carried a first recovery's one-off cost into every estimate after it).
 * The RTO estimate adds this to the replay time at the shards' measured apply rates. Read at most once a minute per
 * pair, in the background: the read (up to 5,000 journal rows) took seconds on a loaded host, and a status that did
 * it was one of the slowest in the 16-shard scale run.
 */
final class RunbookTimings {
    private static final long REFRESH_MILLIS = 60_000;
    static final int KEPT = 3;
    private final ControlDbLogin login;
    private final Map<String, long[]> cache = new ConcurrentHashMap<>(); // cluster -> {readAtMillis, fixedMillis or -1}
    private final Map<String, Boolean> reading = new ConcurrentHashMap<>();
    private final java.util.concurrent.Executor blocking;

    RunbookTimings(ControlDbLogin login, java.util.concurrent.Executor blocking) {
        this.login = login;
        this.blocking = blocking;
    }

    /**
     * Seconds of the fixed steps, or null before one stopsync, recover and service have all been journaled (or before
     * the first read is back).
     */
    Double fixedSeconds(String cluster) {
        long now = System.currentTimeMillis();
        long[] c = cache.get(cluster);
        if ((c == null || now - c[0] > REFRESH_MILLIS) && reading.putIfAbsent(cluster, true) == null) {
            java.util.concurrent.CompletableFuture.runAsync(() -> cache.put(cluster, new long[] {System.currentTimeMillis(), read(cluster)}),
                    blocking).whenComplete((v, e) -> reading.remove(cluster));
        }
        return c == null || c[1] < 0 ? null : c[1] / 1000.0;
    }

    private long read(String cluster) {
        List<String[]> events = new ArrayList<>(); // manifest, write_timestamp, payload; newest first
        try (MysqlAdmin s = login.session();
             PreparedStatement ps = s.connection().prepareStatement("SELECT event_ser_manifest, write_timestamp,"
                     + " CAST(event_payload AS CHAR) FROM " + login.db().database() + ".event_journal WHERE persistence_id = ?"
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
        long stopsync = median(spans(events, "StopSyncRequested", "SyncStopped", false));
        long recover = median(spans(events, "RecoverRequested", "RecoveryPointRecorded", true));
        long service = median(spans(events, "ServiceRequested", "ServiceStarted", false));
        return stopsync < 0 || recover < 0 || service < 0 ? -1 : stopsync + recover + service;
    }

    static long median(List<Long> spans) {
        if (spans.isEmpty()) {
            return -1;
        }
        long[] sorted = spans.stream().mapToLong(Long::longValue).sorted().toArray();
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /**
     * The newest {@link #KEPT} runbooks that ended, each from its {@code start} event to its {@code end} event (events
     * newest first), less its replay step when {@code withoutReplay}; newest first.
     */
    static List<Long> spans(List<String[]> newestFirst, String start, String end, boolean withoutReplay) {
        List<Long> out = new ArrayList<>();
        int endAt = -1;
        for (int i = 0; i < newestFirst.size() && out.size() < KEPT; i++) {
            String manifest = newestFirst.get(i)[0];
            if (manifest.endsWith(end)) {
                endAt = i;
            } else if (manifest.endsWith(start) && endAt >= 0) {
                long total = Long.parseLong(newestFirst.get(endAt)[1]) - Long.parseLong(newestFirst.get(i)[1]);
                if (withoutReplay) {
                    for (int j = i; j > endAt; j--) {
                        String[] e = newestFirst.get(j);
                        if (e[0].endsWith("StepStarted") && e[2].contains("\"description\":\"replay ")) {
                            total -= Long.parseLong(newestFirst.get(j - 1)[1]) - Long.parseLong(e[1]);
                        }
                    }
                }
                out.add(Math.max(0, total));
                endAt = -1;
            } else if (manifest.endsWith(start)) {
                endAt = -1; // a runbook that never ended (failed): not a measure of anything
            }
        }
        return out;
    }
}
