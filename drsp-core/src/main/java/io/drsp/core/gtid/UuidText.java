package io.drsp.core.gtid;

import java.util.Locale;

/** The textual form of a server uuid as MySQL prints it: 8-4-4-4-12 hex digits. */
final class UuidText {

    private UuidText() {
    }

    /**
     * Returns the uuid in lower case, or {@code null} if the text is not a uuid.
     * MySQL compares uuids as bytes, so case never matters; we store lower case because
     * that is what {@code @@gtid_executed} prints.
     */
    static String normalize(String text) {
        if (text == null || text.length() != 36) {
            return null;
        }
        for (int i = 0; i < 36; i++) {
            char c = text.charAt(i);
            boolean dashPosition = i == 8 || i == 13 || i == 18 || i == 23;
            if (dashPosition ? c != '-' : Character.digit(c, 16) < 0) {
                return null;
            }
        }
        return text.toLowerCase(Locale.ROOT);
    }

    /** Like {@link #normalize} but refuses a non-uuid with a sentence quoting it. */
    static String require(String text) {
        String uuid = normalize(text);
        if (uuid == null) {
            throw new IllegalArgumentException("\"" + text + "\" is not a server uuid, expected 8-4-4-4-12 hex digits "
                    + "like 3e11fa47-71ca-11e1-9e33-c80aa9429562");
        }
        return uuid;
    }
}
