package io.drsp.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.agent.NodeInspection;
import java.util.List;
import org.junit.jupiter.api.Test;

class RelayDiskGuardTest {
    static final long GIB = 1L << 30;
    static final long T0 = 1_700_000_000_000_000L;

    /** A DR member whose backlog of {@code backlogBytes} spans {@code spanSeconds} of production time. */
    static NodeInspection member(String node, long backlogBytes, double spanSeconds, int delay, String io, long relaySpace, Long free) {
        NodeInspection.LinkView link = new NodeInspection.LinkView(io, "Yes", "", null, null, "prod:3306", delay, null, "", "", 100,
                backlogBytes, 0L, null, null, relaySpace, T0 + (long) (spanSeconds * 1e6), free, false);
        return new NodeInspection(node, "127.0.0.1:1", true, null, "u", "", "", true, true, List.of(), link, T0, T0, 0, null, null);
    }

    @Test
    void theRateIsTheBacklogsBytesOverTheProductionTimeItSpans() {
        assertEquals(1024.0, RelayDiskGuard.bytesPerSecond(member("1/dr/s1", 1024 * 600, 600, 3600, "Yes", 0, 0L)), 1e-9);
        assertNull(RelayDiskGuard.bytesPerSecond(member("1/dr/s1", 1024, 0.5, 3600, "Yes", 0, 0L)), "under a second: unknown");
    }

    @Test
    void aDelayWhoseRelayLogWouldNotFitIsWarnedAboutInOneSentence() {
        // 10 minutes at a one-hour delay hold 10 GiB: 1 GiB a minute, so the full hour will keep 60 GiB.
        NodeInspection dr = member("1/dr/s1", 10 * GIB, 600, 3600, "Yes", 11 * GIB, 40 * GIB);
        Double rate = RelayDiskGuard.bytesPerSecond(dr);
        assertEquals(60 * GIB, RelayDiskGuard.projectedBytes(rate, dr.link()));
        String w = RelayDiskGuard.warning(dr, rate).orElseThrow();
        assertEquals("the relay log of 1/dr/s1 would outgrow its disk within the delay: at 17.1 MiB/s of production writes a 3600 s"
                + " delay keeps 60.0 GiB, and it has 51.0 GiB (11.0 GiB of relay log, 40.0 GiB free); free disk there or lower"
                + " the delay", w);
    }

    @Test
    void whatFitsOrCannotGrowIsNotWarnedAbout() {
        NodeInspection fits = member("1/dr/s1", 10 * GIB, 600, 3600, "Yes", 11 * GIB, 50 * GIB);
        assertTrue(RelayDiskGuard.warning(fits, RelayDiskGuard.bytesPerSecond(fits)).isEmpty(), "60 GiB fit in 61");
        NodeInspection stopped = member("1/dr/s1", 10 * GIB, 600, 3600, "No", 11 * GIB, 1L);
        assertTrue(RelayDiskGuard.warning(stopped, RelayDiskGuard.bytesPerSecond(stopped)).isEmpty(), "a stopped receiver retrieves nothing");
        NodeInspection unknown = member("1/dr/s1", 10 * GIB, 600, 3600, "Yes", 11 * GIB, null);
        assertTrue(RelayDiskGuard.warning(unknown, RelayDiskGuard.bytesPerSecond(unknown)).isEmpty(), "free space unknown: no guess");
        // A local replica follows its primary with no delay: it keeps almost nothing, whatever production writes.
        NodeInspection replica = member("1/dr/s1/r1", 0, 0, 0, "Yes", GIB / 1024, 1L);
        assertTrue(RelayDiskGuard.warning(replica, 17.0 * (1 << 20)).isEmpty());
    }
}
