package io.drsp.core.gtid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class GtidSetTest {

    private static final String A = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    private static final String B = "8a94f357-aab4-11df-86ab-c80aa9429562";

    @Test
    void mergesRepeatedUuidWrittenInBothCasesLikeMysql() {
        GtidSet set = GtidSet.parse("3E11FA47-71CA-11E1-9E33-C80AA9429562:23,\n3e11fa47-71ca-11e1-9e33-c80aa9429562:24-25");
        assertEquals(A + ":23-25", set.toString());
        assertEquals(3, set.size());
    }

    @Test
    void printsUuidsSortedAndJoinedLikeGtidExecuted() {
        GtidSet set = GtidSet.parse(B + ":1-5, " + A + ":1-100:102");
        assertEquals(A + ":1-100:102,\n" + B + ":1-5", set.toString());
        assertEquals(A + ":1-100:102," + B + ":1-5", set.toCompactString());
    }

    @Test
    void readsShowReplicaStatusExecutedGtidSetWithNewlinesAndSurroundingWhitespace() {
        String fromServer = "  " + A + ":1-7,\n" + B + ":1-3:5\n";
        GtidSet set = GtidSet.parse(fromServer);
        assertEquals(List.of(new GtidInterval(1, 3), new GtidInterval(5, 5)), set.intervals(B));
        assertEquals(11, set.size());
    }

    @Test
    void mergesAdjacentAndOverlappingIntervalsAndSortsThem() {
        assertEquals(A + ":1-5", GtidSet.parse(A + ":4-5:1-3").toString());
        assertEquals(A + ":1-10:12", GtidSet.parse(A + ":12:2-8:1-3:5-10").toString());
        assertEquals(A + ":7", GtidSet.parse(A + ":7:7-7").toString());
    }

    @Test
    void emptyTextIsTheEmptySet() {
        assertTrue(GtidSet.parse("").isEmpty());
        assertTrue(GtidSet.parse(" \n ").isEmpty());
        assertEquals("", GtidSet.empty().toString());
        assertEquals(0, GtidSet.empty().size());
        assertEquals(GtidSet.empty(), GtidSet.parse(""));
    }

    @Test
    void acceptsWhatMysqlAcceptsWithoutAddingAnything() {
        // Gtid_set::add_gtid_text skips empty uuid sets between commas and a uuid without intervals.
        assertEquals(A + ":1", GtidSet.parse("," + A + ":1,, ,").toString());
        assertTrue(GtidSet.parse(A).isEmpty());
        assertEquals(A + ":1-3", GtidSet.parse(A + " : 1 - 3 ").toString());
    }

    @Test
    void refusesMalformedTextQuotingTheBadPart() {
        assertRefused("abc:1-x", "malformed GTID set: \"abc:1-x\" is not uuid:interval[:interval...]");
        assertRefused(A + ":1-x", "\"" + A + ":1-x\"", "\"x\" is not a gno");
        assertRefused(A + ":0", "gno 0 does not exist");
        assertRefused(A + ":0-5", "gno 0 does not exist");
        assertRefused(A + ":-5", "a gno is missing");
        assertRefused(A + ":", "a gno is missing");
        assertRefused(A + ":3-", "a gno is missing");
        assertRefused(A + ":5-3", "interval 5-3 ends before it starts");
        assertRefused(A + ":010", "leading zero");
        assertRefused(A + ":1:9223372036854775808", "larger than the largest gno");
        assertRefused(A + ":99999999999999999999999", "larger than the largest gno");
        assertRefused("3e11fa47-71ca-11e1-9e33-c80aa942956:1", "\"3e11fa47-71ca-11e1-9e33-c80aa942956\" is not a uuid");
        assertRefused("3e11fa4771ca11e19e33c80aa9429562:1", "is not a uuid");
        assertRefused(A + ":1, " + B + ":2 " + B + ":3", "\"" + B + ":2 " + B + ":3\"");
    }

    @Test
    void largestGnoIsOneBelowLongMaxBecauseMysqlIntervalsAreHalfOpen() {
        assertEquals(A + ":9223372036854775806", GtidSet.parse(A + ":9223372036854775806").toString());
        assertRefused(A + ":9223372036854775807", "larger than the largest gno 9223372036854775806");
        assertThrows(IllegalArgumentException.class, () -> new Gtid(A, Long.MAX_VALUE));
        GtidSet top = GtidSet.of(A, 1, Gtid.MAX_GNO);
        assertEquals(Gtid.MAX_GNO, top.size());
        assertEquals(top, top.union(GtidSet.of(A, Gtid.MAX_GNO, Gtid.MAX_GNO)));
        assertEquals(GtidSet.of(A, 1, Gtid.MAX_GNO - 1), top.subtract(GtidSet.of(A, Gtid.MAX_GNO, Gtid.MAX_GNO)));
    }

    @Test
    void refusesTaggedGtidsOfMysql84() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GtidSet.parse(A + ":blue:1-5"));
        assertTrue(e.getMessage().contains("tagged GTIDs"), e.getMessage());
        assertTrue(e.getMessage().contains("not supported by MySQL 8.0"), e.getMessage());
        assertTrue(e.getMessage().contains("\"blue\""), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GtidSet.parse(A + ":_tag1:3"));
    }

    @Test
    void equalityIsByContentNotByText() {
        GtidSet x = GtidSet.parse(A.toUpperCase() + ":5:1-4," + B + ":9");
        GtidSet y = GtidSet.parse(B + ":9,\n" + A + ":1-2:3-5");
        assertEquals(x, y);
        assertEquals(x.hashCode(), y.hashCode());
        assertNotEquals(x, y.add(new Gtid(B, 10)));
    }

    @Test
    void algebraOnOneSource() {
        GtidSet x = GtidSet.parse(A + ":1-10:20-30");
        GtidSet y = GtidSet.parse(A + ":5-25");
        assertEquals(A + ":1-30", x.union(y).toString());
        assertEquals(A + ":5-10:20-25", x.intersect(y).toString());
        assertEquals(A + ":1-4:26-30", x.subtract(y).toString());
        assertEquals(A + ":11-19", y.subtract(x).toString());
        assertTrue(x.union(y).containsAll(x));
        assertFalse(x.containsAll(y));
        assertTrue(x.containsAll(GtidSet.empty()));
        assertTrue(x.contains(new Gtid(A, 20)));
        assertFalse(x.contains(new Gtid(A, 15)));
        assertFalse(x.contains(new Gtid(B, 1)));
    }

    @Test
    void uuidLookupsIgnoreCase() {
        GtidSet set = GtidSet.parse(A + ":1-3," + B + ":4");
        assertEquals(List.of(new GtidInterval(1, 3)), set.intervals(A.toUpperCase()));
        assertEquals(GtidSet.parse(B + ":4"), set.forUuid(B.toUpperCase()));
        assertEquals(GtidSet.empty(), set.forUuid("00000000-0000-0000-0000-000000000001"));
        assertEquals(List.of(), set.intervals("00000000-0000-0000-0000-000000000001"));
        assertEquals(List.of(A, B), List.copyOf(set.uuids()));
        assertTrue(set.contains(new Gtid(A.toUpperCase(), 2)));
    }

    @Test
    void largeSetsStayAFewIntervals() {
        GtidSet executed = GtidSet.of(A, 1, 2_000_000_000L).union(GtidSet.of(B, 1, 5_000_000_000L));
        GtidSet holes = GtidSet.parse(A + ":1000:2000-2999," + B + ":4999999999");
        GtidSet rest = executed.subtract(holes);
        assertEquals(7_000_000_000L - 1002, rest.size());
        assertEquals(A + ":1-999:1001-1999:3000-2000000000," + B + ":1-4999999998:5000000000", rest.toCompactString());
        assertEquals(executed, rest.union(holes));
        assertEquals(holes, executed.intersect(holes));
    }

    @Test
    void builderCollectsGtidsInAnyOrder() {
        GtidSet.Builder builder = GtidSet.builder();
        for (long gno = 1; gno <= 100_000; gno++) {
            builder.add(new Gtid(A, gno));
        }
        for (long gno = 1000; gno >= 1; gno -= 2) {
            builder.add(new Gtid(B, gno));
        }
        GtidSet set = builder.build();
        assertEquals(100_500, set.size());
        assertEquals(List.of(new GtidInterval(1, 100_000)), set.intervals(A));
        assertEquals(500, set.intervals(B).size());
        assertEquals(new GtidInterval(2, 2), set.intervals(B).get(0));
    }

    @Test
    void singleGtidParsesAndPrints() {
        Gtid gtid = Gtid.parse(" " + A.toUpperCase() + ":42 ");
        assertEquals(new Gtid(A, 42), gtid);
        assertEquals(A + ":42", gtid.toString());
        assertThrows(IllegalArgumentException.class, () -> Gtid.parse(A + ":1-2"));
        assertThrows(IllegalArgumentException.class, () -> Gtid.parse(A + ":1," + B + ":1"));
        assertThrows(IllegalArgumentException.class, () -> Gtid.parse(A));
        assertThrows(IllegalArgumentException.class, () -> Gtid.parse(A + ":0"));
    }

    private static void assertRefused(String text, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GtidSet.parse(text),
                () -> "expected a refusal for " + text);
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), () -> "message \"" + e.getMessage() + "\" lacks \"" + fragment + "\"");
        }
    }
}
