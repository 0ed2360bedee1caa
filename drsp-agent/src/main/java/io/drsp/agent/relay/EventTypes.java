package io.drsp.agent.relay;

/** MySQL 8.0 binlog event type codes ({@code libbinlogevents/include/binlog_event.h}) the index cares about. */
final class EventTypes {
    static final int QUERY = 2;
    static final int STOP = 3;
    static final int ROTATE = 4;
    static final int FORMAT_DESCRIPTION = 15;
    static final int XID = 16;
    static final int INCIDENT = 26;
    static final int HEARTBEAT = 27;
    static final int VIEW_CHANGE = 30;
    static final int GTID = 33;
    static final int ANONYMOUS_GTID = 34;
    static final int PREVIOUS_GTIDS = 35;
    static final int XA_PREPARE = 38;
    static final int TRANSACTION_PAYLOAD = 40;
    static final int HEARTBEAT_V2 = 41;

    private EventTypes() {
    }

    /**
     * Events the relay log holds around transactions, never inside one's bytes: the relay log's and the source's
     * format descriptions, rotations, previous-GTIDs. They are not counted in a transaction's size.
     */
    static boolean isLogControl(int code) {
        return code == FORMAT_DESCRIPTION || code == ROTATE || code == PREVIOUS_GTIDS || code == STOP
                || code == HEARTBEAT || code == HEARTBEAT_V2;
    }
}
