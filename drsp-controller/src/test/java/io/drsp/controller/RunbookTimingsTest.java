package io.drsp.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunbookTimingsTest {
    /** Journal rows oldest first (manifest suffix, write time ms, payload), handed over newest first as read. */
    private static List<String[]> newestFirst(String[]... rows) {
        List<String[]> l = new ArrayList<>(List.of(rows));
        Collections.reverse(l);
        return l;
    }

    private static String[] e(String manifest, long at) {
        return new String[] {"io.drsp.controller.PairEvent$" + manifest, Long.toString(at), "{}"};
    }

    @Test
    void theLastThreeRunbooksThatEndedCountAndTheMedianIsUsed() {
        List<String[]> j = newestFirst(
                e("StopSyncRequested", 0), e("SyncStopped", 900),        // 900, the oldest: beyond the last three
                e("StopSyncRequested", 1000), e("SyncStopped", 1100),    // 100
                e("StopSyncRequested", 2000),                            // failed: never ended
                e("StopSyncRequested", 3000), e("SyncStopped", 3300),    // 300
                e("StopSyncRequested", 4000), e("SyncStopped", 4200));   // 200
        List<Long> spans = RunbookTimings.spans(j, "StopSyncRequested", "SyncStopped", false);
        assertEquals(List.of(200L, 300L, 100L), spans);
        assertEquals(200L, RunbookTimings.median(spans));
        assertEquals(-1L, RunbookTimings.median(List.of()));
    }

    @Test
    void recoverIsTimedWithoutItsReplayStep() {
        String[] replay = {"io.drsp.controller.PairEvent$StepStarted", "1100", "{\"description\":\"replay every shard\"}"};
        List<String[]> j = newestFirst(e("RecoverRequested", 1000), replay, e("ShardsReplayed", 4100),
                e("RecoveryPointRecorded", 4300));
        assertEquals(List.of(300L), RunbookTimings.spans(j, "RecoverRequested", "RecoveryPointRecorded", true));
    }
}
