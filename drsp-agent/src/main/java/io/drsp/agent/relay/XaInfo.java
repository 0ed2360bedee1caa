package io.drsp.agent.relay;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
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
 */
public record XaInfo(String gtrid, String bqual, long formatId, XaPhase phase) {

    public XaInfo {
        Objects.requireNonNull(gtrid, "gtrid");
        Objects.requireNonNull(bqual, "bqual");
        Objects.requireNonNull(phase, "phase");
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
