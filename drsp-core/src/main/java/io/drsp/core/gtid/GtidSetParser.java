package io.drsp.core.gtid;

import java.util.regex.Pattern;

/**
 * Reads the text MySQL 8.0 prints for a GTID set and accepts in {@code gtid_purged},
 * {@code SQL_AFTER_GTIDS} and friends.
 *
 * <p>Follows {@code Gtid_set::add_gtid_text}: uuid sets separated by commas, whitespace allowed
 * around every token, empty uuid sets between commas skipped, a uuid without intervals adding nothing,
 * a uuid repeated any number of times. Two deliberate refusals where MySQL would guess: an interval
 * whose end is below its start (MySQL silently drops it) and a gno with a leading zero (MySQL's
 * {@code strtoll} reads it as octal).
 */
final class GtidSetParser {

    private static final String SHAPE = "uuid:interval[:interval...]";
    /** MySQL 8.4 tags: a letter or underscore, then up to 31 letters, digits or underscores. */
    private static final Pattern TAG = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private GtidSetParser() {
    }

    static GtidSet parse(String text) {
        GtidSet.Builder builder = GtidSet.builder();
        for (String rawSegment : text.split(",", -1)) {
            String segment = rawSegment.strip();
            if (!segment.isEmpty()) {
                parseSegment(segment, builder);
            }
        }
        return builder.build();
    }

    private static void parseSegment(String segment, GtidSet.Builder builder) {
        String[] parts = segment.split(":", -1);
        String uuidText = parts[0].strip();
        String uuid = UuidText.normalize(uuidText);
        if (uuid == null) {
            throw malformed(segment, "\"" + uuidText + "\" is not a uuid of 8-4-4-4-12 hex digits");
        }
        for (int i = 1; i < parts.length; i++) {
            String interval = parts[i].strip();
            if (TAG.matcher(interval).matches()) {
                throw new IllegalArgumentException("malformed GTID set: \"" + segment + "\" has the tag \"" + interval
                        + "\", but tagged GTIDs (uuid:tag:n, MySQL 8.4) are not supported by MySQL 8.0; expected " + SHAPE);
            }
            int dash = interval.indexOf('-');
            long first = gno(dash < 0 ? interval : interval.substring(0, dash).strip(), segment);
            long last = dash < 0 ? first : gno(interval.substring(dash + 1).strip(), segment);
            if (last < first) {
                throw malformed(segment, "interval " + interval + " ends before it starts");
            }
            builder.add(uuid, first, last);
        }
    }

    private static long gno(String digits, String segment) {
        if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw malformed(segment, digits.isEmpty() ? "a gno is missing" : "\"" + digits + "\" is not a gno");
        }
        if (digits.chars().allMatch(c -> c == '0')) {
            throw malformed(segment, "gno 0 does not exist, gnos start at 1");
        }
        if (digits.charAt(0) == '0') {
            throw malformed(segment, "gno " + digits + " has a leading zero, which MySQL would read as octal");
        }
        try {
            long gno = Long.parseLong(digits);
            if (gno <= Gtid.MAX_GNO) {
                return gno;
            }
        } catch (NumberFormatException tooLarge) {
            // fall through to the refusal below
        }
        throw malformed(segment, "gno " + digits + " is larger than the largest gno " + Gtid.MAX_GNO);
    }

    private static IllegalArgumentException malformed(String segment, String detail) {
        return new IllegalArgumentException("malformed GTID set: \"" + segment + "\" is not " + SHAPE + " (" + detail + ")");
    }
}
