package io.drsp.agent.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.drsp.core.gtid.Gtid;
import io.drsp.core.gtid.GtidSet;
import org.junit.jupiter.api.Test;

/**
 * What replaying to a cut really applies, from the relay order of the index. The table is filled as the assembler
 * fills it; relay order is the order of the calls, which is not gno order when production's clock or a failover
 * interleaves sources.
 */
class ReplayClosureTest {
    static final String A = "aaaaaaaa-0000-0000-0000-000000000001";
    static final String B = "bbbbbbbb-0000-0000-0000-000000000002";

    static TransactionTable relay(Object... uuidAndGno) {
        TransactionTable t = new TransactionTable();
        for (int i = 0; i < uuidAndGno.length; i += 2) {
            t.transaction((String) uuidAndGno[i], ((Number) uuidAndGno[i + 1]).longValue(), 1_000L * i, 0, 100L * i, 100, null);
        }
        return t;
    }

    static TransactionTable sequence(String uuid, int first, int last) {
        TransactionTable t = new TransactionTable();
        for (int g = first; g <= last; g++) {
            t.transaction(uuid, g, 1_000L * g, 0, 100L * g, 100, null);
        }
        return t;
    }

    @Test
    void aCutWithAHoleWouldApplyTheHoleToo() {
        TransactionTable t = sequence(A, 1, 300);
        ReplayClosure c = t.replayClosure(GtidSet.parse(A + ":1-100:200-300"), GtidSet.parse(A + ":1-50"));
        assertEquals(GtidSet.parse(A + ":51-300"), c.wouldApply(), "everything unapplied up to A:300");
        assertEquals(new Gtid(A, 101), c.firstOutside());
        assertEquals(GtidSet.parse(A + ":51-100"), c.prefix(), "the longest prefix the cut holds");
    }

    @Test
    void aPrefixBeyondWhatIsAppliedIsItsOwnClosure() {
        TransactionTable t = sequence(A, 1, 300);
        ReplayClosure c = t.replayClosure(GtidSet.parse(A + ":1-120"), GtidSet.parse(A + ":1-50"));
        assertEquals(GtidSet.parse(A + ":51-120"), c.wouldApply());
        assertNull(c.firstOutside());
        assertEquals(c.wouldApply(), c.prefix());
    }

    @Test
    void appliedTransactionsAreSkippedWhereverTheyAre() {
        // A:5 was applied out of band (e.g. an earlier recovery through a GTID set): the applier skips it.
        TransactionTable t = sequence(A, 1, 10);
        ReplayClosure c = t.replayClosure(GtidSet.parse(A + ":1-4:6-8"), GtidSet.parse(A + ":1-2:5"));
        assertEquals(GtidSet.parse(A + ":3-4:6-8"), c.wouldApply());
        assertNull(c.firstOutside(), "the missing A:5 is applied already, so the cut is a prefix");
    }

    @Test
    void relayOrderNotGnoOrderDecides() {
        // Production's clock stepped back: B:1 was committed with a later time than A:2 but sits before it.
        TransactionTable t = relay(A, 1, B, 1, A, 2, A, 3);
        ReplayClosure c = t.replayClosure(GtidSet.parse(A + ":1-2"), GtidSet.empty());
        assertEquals(GtidSet.parse(A + ":1-2," + B + ":1"), c.wouldApply());
        assertEquals(new Gtid(B, 1), c.firstOutside());
        assertEquals(GtidSet.parse(A + ":1"), c.prefix());
    }

    @Test
    void aCutOfNothingUnappliedWouldApplyNothing() {
        TransactionTable t = sequence(A, 1, 10);
        ReplayClosure c = t.replayClosure(GtidSet.parse(A + ":1-5"), GtidSet.parse(A + ":1-5"));
        assertEquals(GtidSet.empty(), c.wouldApply());
        assertNull(c.firstOutside());
        assertEquals(GtidSet.empty(), t.replayClosure(GtidSet.empty(), GtidSet.empty()).wouldApply());
    }
}
