package io.drsp.core.target;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.core.gtid.GtidSet;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RecoveryTargetTest {

    private static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    private static final String A = "3e11fa47-71ca-11e1-9e33-c80aa9429562";

    @Test
    void timeIsReadInTheClusterZone() {
        RecoveryTarget target = RecoveryTarget.parseTime(" 2024-01-01 10:00:00 ", SHANGHAI);
        assertEquals(new RecoveryTarget.AtTime(Instant.parse("2024-01-01T02:00:00Z"), "2024-01-01 10:00:00"), target);
        assertEquals("time 2024-01-01 10:00:00 (2024-01-01T02:00:00Z)", target.describe());
    }

    @Test
    void fractionsOfOneToSixDigitsAreMicroseconds() {
        assertEquals(Instant.parse("2024-01-01T02:00:00.500Z"), timeOf("2024-01-01 10:00:00.5"));
        assertEquals(Instant.parse("2024-01-01T02:00:00.000001Z"), timeOf("2024-01-01 10:00:00.000001"));
        assertEquals(Instant.parse("2024-01-01T02:00:00.123456Z"), timeOf("2024-01-01 10:00:00.123456"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2024-01-01 10:00", "2024-01-01T10:00:00", "2024-1-1 10:00:00", "2024-01-01 10:00:00.",
        "2024-01-01 10:00:00.1234567", "2024-02-30 10:00:00", "2024-01-01 24:00:00", "yesterday", "1700000000",
        "2024-01-01 10:00:00 +08:00"})
    void refusesOtherSpellingsQuotingThemAndSayingWhatIsAccepted(String typed) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RecoveryTarget.parseTime(typed, SHANGHAI));
        assertTrue(e.getMessage().startsWith("recovery time \"" + typed + "\" is not a valid time"), e.getMessage());
        assertTrue(e.getMessage().contains("expected yyyy-MM-dd HH:mm:ss with up to 6 fractional digits"), e.getMessage());
    }

    @Test
    void blankMeansAllRetrievedRelayLog() {
        assertEquals(new RecoveryTarget.AllRelayLog(), RecoveryTarget.parseTime("", SHANGHAI));
        assertEquals(new RecoveryTarget.AllRelayLog(), RecoveryTarget.parseTime("  ", SHANGHAI));
        assertEquals("all retrieved relay log", new RecoveryTarget.AllRelayLog().describe());
    }

    @Test
    void refusesALocalTimeSkippedByDaylightSaving() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RecoveryTarget.parseTime("2024-03-10 02:30:00", NEW_YORK));
        assertEquals("recovery time \"2024-03-10 02:30:00\" does not exist in America/New_York because the clocks jump "
                + "over it (daylight saving or an offset change), expected a time outside that gap", e.getMessage());
    }

    @Test
    void refusesALocalTimeRepeatedByDaylightSaving() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RecoveryTarget.parseTime("2024-11-03 01:30:00", NEW_YORK));
        assertTrue(e.getMessage().startsWith("recovery time \"2024-11-03 01:30:00\" is ambiguous in America/New_York"),
                e.getMessage());
        assertTrue(e.getMessage().contains("-04:00 and -05:00"), e.getMessage());
        assertEquals(Instant.parse("2024-11-03T07:00:00Z"), timeOf("2024-11-03 02:00:00", NEW_YORK));
    }

    @Test
    void gtidTargetIsTheParsedSet() {
        RecoveryTarget.AtGtids target = RecoveryTarget.parseGtids(A.toUpperCase() + ":1-100:101");
        assertEquals(GtidSet.of(A, 1, 101), target.set());
        assertEquals("GTID set " + A + ":1-101", target.describe());
    }

    @Test
    void refusesAnEmptyOrMalformedGtidTarget() {
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> RecoveryTarget.parseGtids(" "));
        assertTrue(empty.getMessage().startsWith("recovery GTID set \"\" names no transaction"), empty.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> RecoveryTarget.parseGtids(A + ":1-x"));
        assertTrue(bad.getMessage().contains("\"" + A + ":1-x\""), bad.getMessage());
        assertTrue(bad.getMessage().contains("expected uuid:interval[:interval...]"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RecoveryTarget.AtGtids(GtidSet.empty()));
    }

    private static Instant timeOf(String typed) {
        return timeOf(typed, SHANGHAI);
    }

    private static Instant timeOf(String typed, ZoneId zone) {
        return assertInstanceOf(RecoveryTarget.AtTime.class, RecoveryTarget.parseTime(typed, zone)).time();
    }
}
