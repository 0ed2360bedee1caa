package io.drsp.agent.relay;

import com.github.shyiko.mysql.binlog.event.EventHeaderV4;

/**
 * An event header that keeps MySQL's own type code. {@link RelayEventDeserializers} reports the events the index
 * does not decode as {@code UNKNOWN} to the library (so it skips their bodies); the real code stays here.
 */
final class RelayEventHeader extends EventHeaderV4 {
    private int typeCode;

    int typeCode() {
        return typeCode;
    }

    void setTypeCode(int typeCode) {
        this.typeCode = typeCode;
    }
}
