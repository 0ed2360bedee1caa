package io.drsp.agent.relay;

import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the XID out of the XA statements MySQL writes to the binlog as query events. MySQL always prints the XID
 * in hex ({@code XA COMMIT X'6731',X'62',1}), whatever the client typed, so the bytes come back exactly.
 */
final class XaStatements {

    private static final Pattern XID_STATEMENT = Pattern.compile(
            "^XA\\s+(START|BEGIN|END|PREPARE|COMMIT|ROLLBACK)\\s+X'([0-9A-Fa-f]*)'\\s*,\\s*X'([0-9A-Fa-f]*)'\\s*,\\s*(\\d+)(.*)$",
            Pattern.DOTALL);

    private XaStatements() {
    }

    static boolean isXa(String sql) {
        return sql.length() > 3 && sql.regionMatches(true, 0, "XA ", 0, 3);
    }

    /** The verb ({@code START}, {@code COMMIT}, ...) and XID of an XA statement; null if the text is not one. */
    static Parsed parse(String sql) {
        Matcher m = XID_STATEMENT.matcher(sql.strip());
        if (!m.matches()) {
            return null;
        }
        byte[] gtrid = HexFormat.of().parseHex(m.group(2));
        byte[] bqual = HexFormat.of().parseHex(m.group(3));
        return new Parsed(m.group(1).toUpperCase(java.util.Locale.ROOT), gtrid, bqual, Long.parseLong(m.group(4)),
                m.group(5).strip().toUpperCase(java.util.Locale.ROOT));
    }

    record Parsed(String verb, byte[] gtrid, byte[] bqual, long formatId, String rest) {
        XaInfo as(XaPhase phase) {
            return XaInfo.of(gtrid, bqual, formatId, phase);
        }
    }
}
