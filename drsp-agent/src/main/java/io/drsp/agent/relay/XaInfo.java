package io.drsp.agent.relay;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The XA identity of a relay-log transaction and the statement it carries.
 *
 * <p>MySQL stores gtrid and bqual as raw bytes. They are decoded as UTF-8 when they are valid UTF-8 (what the bank
 * workload and every XA coordinator we know write); otherwise byte for byte as ISO-8859-1, so no two different byte
 * strings ever decode to the same text within one of the two forms.
 *
 * @param gtrid    global transaction id, shared by every branch of one global transaction across shards
 * @param bqual    branch qualifier
 * @param formatId the XID's format id ({@code 1} unless the coordinator chose another)
 * @param phase    which XA statement this transaction is
 * @param sqlXid   the XID exactly, as MySQL prints it in the binlog ({@code X'6731',X'62',1}): what drsp writes when it
 *                 completes a branch, since the decoded text cannot always give the bytes back
 */
public record XaInfo(String gtrid, String bqual, long formatId, XaPhase phase, String sqlXid) {

    public XaInfo {
        Objects.requireNonNull(gtrid, "gtrid");
        Objects.requireNonNull(bqual, "bqual");
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(sqlXid, "sqlXid");
    }

    /** An XID whose gtrid and bqual are UTF-8 text (tests, and every coordinator we know). */
    public XaInfo(String gtrid, String bqual, long formatId, XaPhase phase) {
        this(gtrid, bqual, formatId, phase, sqlXid(gtrid.getBytes(StandardCharsets.UTF_8), bqual.getBytes(StandardCharsets.UTF_8), formatId));
    }

    static XaInfo of(byte[] gtrid, byte[] bqual, long formatId, XaPhase phase) {
        return new XaInfo(decode(gtrid, 0, gtrid.length), decode(bqual, 0, bqual.length), formatId, phase,
                sqlXid(gtrid, bqual, formatId));
    }

    private static final java.util.regex.Pattern SQL_XID = java.util.regex.Pattern.compile("X'([0-9a-fA-F]*)',X'([0-9a-fA-F]*)',(\\d+)");

    /** The XID of {@link #sqlXid()} back, for an answer that carries only that. */
    public static XaInfo fromSqlXid(String sqlXid, XaPhase phase) {
        java.util.regex.Matcher m = SQL_XID.matcher(sqlXid);
        if (!m.matches()) {
            throw new IllegalArgumentException("not an XID as MySQL prints it: " + sqlXid);
        }
        return of(HexFormat.of().parseHex(m.group(1)), HexFormat.of().parseHex(m.group(2)), Long.parseLong(m.group(3)), phase);
    }

    static String sqlXid(byte[] gtrid, byte[] bqual, long formatId) {
        return "X'" + HexFormat.of().formatHex(gtrid) + "',X'" + HexFormat.of().formatHex(bqual) + "'," + formatId;
    }

    static String decode(byte[] bytes, int offset, int length) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, offset, length)).toString();
        } catch (CharacterCodingException e) {
            return new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
        }
    }
}
