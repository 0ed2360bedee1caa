package io.drsp.controller.recovery;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApplyRatesTest {
    private static ApplyRates.Replay r(long trx, double seconds) {
        return new ApplyRates.Replay(trx, seconds);
    }

    @Test
    void aShardIsPricedAtTheMedianOfItsLastThreeWellTimedReplays() {
        ApplyRates rates = ApplyRates.NONE
                .with(Map.of("s1", r(1000, 1.0)))  // 1000/s, dropped: only the last three are kept
                .with(Map.of("s1", r(6000, 2.0)))  // 3000/s
                .with(Map.of("s1", r(2000, 1.0)))  // 2000/s
                .with(Map.of("s1", r(5000, 1.0))); // 5000/s
        assertEquals(3, rates.recent().get("s1").size());
        assertEquals(3000.0, rates.rateFor("s1"), 1e-9);
    }

    @Test
    void aShardWhoseReplaysAreAllShortBorrowsTheSlowestWellTimedRate() {
        // meta replays 30 heartbeats within one 250 ms poll: 120/s is only a lower bound, and at an hour's delay
        // (3,600 heartbeats) it would price meta at 30 s; the data shards' measured rates are the better guess.
        ApplyRates rates = ApplyRates.NONE.with(Map.of("meta", r(30, 0.25), "s1", r(3000, 1.5), "s2", r(5000, 2.0)));
        assertEquals(2000.0, rates.rateFor("s1"), 1e-9);
        assertEquals(2000.0, rates.rateFor("meta"), 1e-9, "the slowest measured shard's rate");
        assertEquals(2000.0, rates.rateFor("s9"), 1e-9, "a shard never replayed borrows the same");
    }

    @Test
    void withNoWellTimedReplayAShortOneIsALowerBoundAndNothingAtAllIsNull() {
        assertNull(ApplyRates.NONE.rateFor("s1"), "nothing measured: no guess");
        ApplyRates shortOnly = ApplyRates.NONE.with(Map.of("s1", r(100, 0.5), "s2", r(300, 0.5)));
        assertEquals(200.0, shortOnly.rateFor("s1"), 1e-9, "its own lower bound");
        assertEquals(200.0, shortOnly.rateFor("meta"), 1e-9, "the slowest lower bound");
    }

    @Test
    void aReplayWithNothingToDoSaysNothing() {
        ApplyRates rates = ApplyRates.NONE.with(Map.of("s1", r(0, 0.3), "s2", r(100, 0)));
        assertEquals(Map.of(), rates.recent());
    }

    @Test
    void pricingKeepsEverythingButTheRate() {
        RecoveryPlan plan = new RecoveryPlan(null, List.of(new RecoveryPlan.ShardPlan("s1", "a:1-20", "a:1-10", 10, 99, 5L, null)), 5L);
        RecoveryPlan priced = ApplyRates.NONE.with(Map.of("s1", r(40, 2.0))).price(plan);
        assertEquals(plan.shards().get(0).withApplyRate(20.0), priced.shards().get(0));
        assertEquals(0.5, priced.shards().get(0).estimatedSeconds(), 1e-9);
    }
}
