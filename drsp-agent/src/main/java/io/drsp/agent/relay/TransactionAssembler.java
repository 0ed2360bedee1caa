package io.drsp.agent.relay;

import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.event.EventData;
import com.github.shyiko.mysql.binlog.event.GtidEventData;
import com.github.shyiko.mysql.binlog.event.MySqlGtid;
import com.github.shyiko.mysql.binlog.event.QueryEventData;
import com.github.shyiko.mysql.binlog.event.TransactionPayloadEventData;
import com.github.shyiko.mysql.binlog.event.XAPrepareEventData;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Groups relay-log events into whole transactions, the way MySQL's transaction boundary parser does.
 *
 * <p>A transaction starts at its GTID event and is complete at: {@code XID}; {@code COMMIT} / {@code ROLLBACK} query
 * closing a {@code BEGIN}; the {@code XA_PREPARE} event closing an {@code XA START} (prepare or one-phase commit);
 * a standalone {@code XA COMMIT} / {@code XA ROLLBACK} query; a DDL query; a transaction payload (compressed:
 * everything after the GTID is inside it). Only complete transactions are indexed: a GTID the applier could not
 * replay entirely must not be offered as a recovery target.
 *
 * <p>A GTID event arriving while a transaction is still open means the open one was cut (the IO thread reconnected
 * and the source sends the whole transaction again, after a new format description): the cut copy is discarded.
 * The state survives across relay files and refreshes, because MySQL may rotate the relay log inside a transaction.
 */
final class TransactionAssembler {

    /** Where complete transactions go. */
    interface Sink {
        void transaction(String uuid, long gno, long originalCommitMicros, int fileId, long endPosition, long size, XaInfo xa);
    }

    private final Sink sink;
    private final Map<UUID, String> uuidText = new HashMap<>();

    // The open transaction, if any (open == true).
    private boolean open;
    private boolean anonymous;
    private boolean inGroup;
    private String uuid;
    private long gno;
    private long commitMicros;
    private long size;
    private XaInfo xaStart;
    private long discarded;

    TransactionAssembler(Sink sink) {
        this.sink = sink;
    }

    /** Transactions dropped because their copy in the relay log was cut and sent again. */
    long discarded() {
        return discarded;
    }

    boolean inTransaction() {
        return open;
    }

    /** Forgets the open transaction: its first events are gone (relay file purged or replaced). */
    void reset() {
        open = false;
    }

    /**
     * @param fileId      the relay file holding the event
     * @param endPosition relay position just after the event
     */
    void accept(int typeCode, EventData data, long length, int fileId, long endPosition) {
        if (EventTypes.isLogControl(typeCode)) {
            return;
        }
        switch (typeCode) {
            case EventTypes.GTID -> start((GtidEventData) data, length);
            case EventTypes.ANONYMOUS_GTID -> {
                discardOpen();
                open = true;
                anonymous = true;
                inGroup = false;
                size = length;
            }
            default -> {
                if (!open) {
                    return; // the tail of a cut transaction, or events before the first GTID of a purged-into file
                }
                size += length;
                switch (typeCode) {
                    case EventTypes.QUERY -> query(((QueryEventData) data).getSql(), fileId, endPosition);
                    case EventTypes.XID -> complete(fileId, endPosition, null);
                    case EventTypes.XA_PREPARE -> complete(fileId, endPosition, prepared((XAPrepareEventData) data));
                    case EventTypes.TRANSACTION_PAYLOAD -> complete(fileId, endPosition, payloadXa((TransactionPayloadEventData) data));
                    case EventTypes.VIEW_CHANGE, EventTypes.INCIDENT -> {
                        if (!inGroup) {
                            complete(fileId, endPosition, null);
                        }
                    }
                    default -> {
                        // rows, table maps, rows-query, user variables: part of the open transaction
                    }
                }
            }
        }
    }

    private void start(GtidEventData gtid, long length) {
        discardOpen();
        MySqlGtid id = gtid.getMySqlGtid();
        open = true;
        anonymous = false;
        inGroup = false;
        uuid = uuidText.computeIfAbsent(id.getServerId(), UUID::toString);
        gno = id.getTransactionId();
        commitMicros = gtid.getOriginalCommitTimestamp();
        size = length;
        xaStart = null;
    }

    private void discardOpen() {
        if (open) {
            discarded++;
            open = false;
        }
    }

    private void query(String sql, int fileId, long endPosition) {
        if (!inGroup) {
            if (sql.equalsIgnoreCase("BEGIN")) {
                inGroup = true;
            } else if (XaStatements.isXa(sql)) {
                XaStatements.Parsed xa = XaStatements.parse(sql);
                if (xa == null) {
                    throw new IllegalStateException("unrecognised XA statement in relay log: " + abbreviate(sql));
                }
                switch (xa.verb()) {
                    case "START", "BEGIN" -> {
                        inGroup = true;
                        xaStart = xa.as(XaPhase.PREPARE);
                    }
                    case "COMMIT" -> complete(fileId, endPosition, xa.as(xa.rest().contains("ONE PHASE") ? XaPhase.ONE_PHASE : XaPhase.COMMIT));
                    case "ROLLBACK" -> complete(fileId, endPosition, xa.as(XaPhase.ROLLBACK));
                    default -> complete(fileId, endPosition, null);
                }
            } else {
                complete(fileId, endPosition, null); // DDL and other implicitly committing statements
            }
            return;
        }
        if (sql.equalsIgnoreCase("COMMIT") || sql.equalsIgnoreCase("ROLLBACK")) {
            complete(fileId, endPosition, xaStart);
        }
        // anything else inside BEGIN ... COMMIT (SAVEPOINT, XA END) belongs to the transaction
    }

    private static XaInfo prepared(XAPrepareEventData d) {
        byte[] data = d.getData();
        return XaInfo.of(java.util.Arrays.copyOfRange(data, 0, d.getGtridLength()),
                java.util.Arrays.copyOfRange(data, d.getGtridLength(), d.getGtridLength() + d.getBqualLength()),
                d.getFormatID(), d.isOnePhase() ? XaPhase.ONE_PHASE : XaPhase.PREPARE);
    }

    /** The XA kind of a compressed transaction, read from its inner events. */
    private static XaInfo payloadXa(TransactionPayloadEventData payload) {
        XaInfo xa = null;
        for (Event e : payload.getUncompressedEvents()) {
            int code = ((RelayEventHeader) e.getHeader()).typeCode();
            if (code == EventTypes.XA_PREPARE) {
                xa = prepared((XAPrepareEventData) e.getData());
            } else if (code == EventTypes.QUERY && XaStatements.isXa(((QueryEventData) e.getData()).getSql())) {
                XaStatements.Parsed p = XaStatements.parse(((QueryEventData) e.getData()).getSql());
                if (p != null && xa == null && (p.verb().equals("COMMIT") || p.verb().equals("ROLLBACK"))) {
                    xa = p.as(p.verb().equals("ROLLBACK") ? XaPhase.ROLLBACK
                            : p.rest().contains("ONE PHASE") ? XaPhase.ONE_PHASE : XaPhase.COMMIT);
                }
            }
        }
        return xa;
    }

    private void complete(int fileId, long endPosition, XaInfo xa) {
        open = false;
        if (!anonymous) {
            sink.transaction(uuid, gno, commitMicros, fileId, endPosition, size, xa);
        }
    }

    private static String abbreviate(String sql) {
        return sql.length() <= 200 ? sql : sql.substring(0, 200) + "...";
    }
}
