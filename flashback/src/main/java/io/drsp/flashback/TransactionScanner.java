package io.drsp.flashback;

import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.GtidEventData;
import com.github.shyiko.mysql.binlog.event.QueryEventData;
import com.github.shyiko.mysql.binlog.event.RowsQueryEventData;
import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import com.github.shyiko.mysql.binlog.event.XAPrepareEventData;
import io.drsp.core.gtid.Gtid;
import io.drsp.core.gtid.GtidSet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Groups binlog events into transactions, keeps the selected ones (their rows events spilled to disk), and
 * collects every reason to refuse: DDL, statement-format DML, partial row images, partial JSON updates, missing
 * metadata, undecodable values, table definitions changing within the range, an XA branch still prepared or
 * prepared before the range, compressed payloads.
 * Every rows event of a selected transaction is decoded once here, so a value that cannot be decoded refuses
 * the run before anything is applied.
 */
final class TransactionScanner {

    /** What the scan found. Row counts cover only rows that pass the table filter. */
    record Result(GtidSet selected, long transactions, long inserted, long updated, long deleted,
                  Map<TableName, long[]> rowsByTable, Map<TableName, TableDef> tables, List<Refusal> refusals,
                  long firstCommitMicros, long lastCommitMicros, Map<String, String> undecided) {
        Result {
            undecided = Map.copyOf(undecided == null ? Map.of() : undecided);
        }
    }

    private final Predicate<Gtid> gtidWanted;
    private final Selection.TimeRange timeRange;
    private final TableFilter filter;
    private final IntFunction<String> charsets;
    private final SpillStore spill;

    private final GtidSet.Builder selected = GtidSet.builder();
    private final List<Refusal> refusals = new ArrayList<>();
    private final Map<TableName, TableDef> tables = new TreeMap<>();
    private final Map<TableName, long[]> rowsByTable = new TreeMap<>();
    private long transactions;
    private long inserted;
    private long updated;
    private long deleted;
    private long firstCommit = Long.MAX_VALUE;
    private long lastCommit = Long.MIN_VALUE;

    // the transaction being read
    private boolean open;
    private boolean chosen;
    private String gtid;
    private long commitMicros;
    private boolean inBegin;
    private boolean refused;
    private String rowsQuery;
    private long txInserted;
    private long txUpdated;
    private long txDeleted;
    private final Map<Long, Object> tableMaps = new HashMap<>(); // TableDef or the MissingMetadata message
    /** This transaction's rows per table; added to {@link #rowsByTable} when it is known to have taken effect. */
    private Map<TableName, long[]> txByTable = new HashMap<>();
    /**
     * XA branches prepared in the range whose decision has not been read yet, by XID. Their rows are spilled at the
     * prepare, counted once an {@code XA COMMIT} is read, and dropped at an {@code XA ROLLBACK} (they never took effect).
     */
    private final Map<String, PreparedBranch> prepared = new LinkedHashMap<>();
    /** Where the transaction {@link #close} last ended is in the spill; -1 when nothing of it was spilled. */
    private long spilledTrailer = -1;

    private record PreparedBranch(String gtid, long trailer, long inserted, long updated, long deleted,
                                  Map<TableName, long[]> byTable) {
    }

    /** How the binlog writes an XA decision: {@code XA COMMIT X'67',X'62',1} (gtrid, bqual, format id). */
    private static final Pattern XA_DECISION = Pattern.compile(
            "^XA\\s+(COMMIT|ROLLBACK)\\s+X'([0-9A-Fa-f]*)'\\s*,\\s*X'([0-9A-Fa-f]*)'\\s*,\\s*(\\d+)", Pattern.CASE_INSENSITIVE);

    TransactionScanner(Predicate<Gtid> gtidWanted, Selection.TimeRange timeRange, TableFilter filter,
                       IntFunction<String> charsets, SpillStore spill) {
        this.gtidWanted = gtidWanted;
        this.timeRange = timeRange;
        this.filter = filter;
        this.charsets = charsets;
        this.spill = spill;
    }

    Result scan(BinlogSource source) throws IOException {
        source.stream(this::accept);
        if (open) {
            // The stream ended inside a transaction: it had not committed when the run started. Not ours.
            spill.discardPending();
            open = false;
        }
        prepared.forEach((xid, p) -> refusals.add(new Refusal(p.gtid(), "XA branch " + xid + " was prepared in the range"
                + " but its XA COMMIT or XA ROLLBACK is not among the transactions read (it is still prepared: XA RECOVER"
                + " lists it); decide it first, then undo both", null)));
        spill.seal();
        Map<String, String> undecided = new LinkedHashMap<>();
        prepared.forEach((xid, p) -> {
            String[] part = xid.split(",", 3); // hex gtrid, hex bqual, format id
            undecided.put("X'" + part[0] + "',X'" + part[1] + "'," + part[2], p.gtid());
        });
        return new Result(selected.build(), transactions, inserted, updated, deleted, rowsByTable, tables, refusals,
                firstCommit == Long.MAX_VALUE ? 0 : firstCommit, lastCommit == Long.MIN_VALUE ? 0 : lastCommit, undecided);
    }

    private boolean accept(String file, Event event) {
        EventType type = event.getHeader().getEventType();
        switch (type) {
            case GTID -> startTransaction((GtidEventData) event.getData());
            case ANONYMOUS_GTID -> {
                endIfOpen("a transaction without an end event");
                beginTransaction(null, ((GtidEventData) event.getData()).getOriginalCommitTimestamp());
                if (chosen) {
                    refuse("transaction without a GTID (gtid_mode was not ON when it was written)", null);
                }
            }
            case QUERY -> query((QueryEventData) event.getData());
            case ROWS_QUERY -> rowsQuery = ((RowsQueryEventData) event.getData()).getQuery();
            case TABLE_MAP -> tableMap((TableMapEventData) event.getData());
            case WRITE_ROWS, UPDATE_ROWS, DELETE_ROWS, EXT_WRITE_ROWS, EXT_UPDATE_ROWS, EXT_DELETE_ROWS ->
                    rows(typeCode(type), ((BinlogSource.RawRows) event.getData()).body());
            case PARTIAL_UPDATE_ROWS_EVENT -> {
                if (chosen) {
                    refuse("partial JSON update (event type 39, binlog_row_value_options=PARTIAL_JSON): the before "
                            + "image of the JSON column is not in the binlog", rowsQuery);
                }
            }
            case XID -> endTransaction();
            case XA_PREPARE -> {
                XAPrepareEventData x = (XAPrepareEventData) event.getData();
                if (x.isOnePhase()) {
                    endTransaction(); // XA COMMIT ... ONE PHASE: rows and commit in one transaction
                } else {
                    prepareTransaction(xid(x));
                }
            }
            case TRANSACTION_PAYLOAD -> {
                if (open && chosen) {
                    refuse("compressed transaction payload (binlog_transaction_compression=ON) is not supported", null);
                }
                endIfOpen(null);
            }
            case INCIDENT -> refusals.add(new Refusal(null, "incident event in " + file
                    + ": the binlog has a gap here, so what follows cannot be trusted", null));
            case FORMAT_DESCRIPTION, ROTATE, PREVIOUS_GTIDS, HEARTBEAT, STOP, IGNORABLE, TRANSACTION_CONTEXT,
                 VIEW_CHANGE, INTVAR, RAND, USER_VAR -> {
                // position bookkeeping, or parts of a statement-format transaction whose QUERY refuses it
            }
            default -> {
                if (open && chosen) {
                    refuse("unexpected binlog event " + type + " inside a transaction", null);
                }
            }
        }
        return true;
    }

    private static int typeCode(EventType t) {
        return switch (t) {
            case WRITE_ROWS -> RowsEventDecoder.WRITE_V1;
            case UPDATE_ROWS -> RowsEventDecoder.UPDATE_V1;
            case DELETE_ROWS -> RowsEventDecoder.DELETE_V1;
            case EXT_WRITE_ROWS -> RowsEventDecoder.WRITE_V2;
            case EXT_UPDATE_ROWS -> RowsEventDecoder.UPDATE_V2;
            case EXT_DELETE_ROWS -> RowsEventDecoder.DELETE_V2;
            default -> throw new IllegalArgumentException(t.toString());
        };
    }

    private void startTransaction(GtidEventData g) {
        endIfOpen("a transaction without an end event");
        beginTransaction(g.getGtid(), g.getOriginalCommitTimestamp());
    }

    private void beginTransaction(String gtidText, long originalCommitMicros) {
        open = true;
        gtid = gtidText;
        commitMicros = originalCommitMicros;
        inBegin = false;
        refused = false;
        rowsQuery = null;
        txByTable = new HashMap<>();
        txInserted = txUpdated = txDeleted = 0;
        tableMaps.clear();
        boolean wanted = gtidText == null || gtidWanted.test(Gtid.parse(gtidText));
        chosen = wanted && (timeRange == null || timeRange.contains(originalCommitMicros));
    }

    private void endIfOpen(String reason) {
        if (open) {
            if (chosen && reason != null) {
                refuse(reason, null);
            }
            endTransaction();
        }
    }

    private void query(QueryEventData q) {
        String sql = q.getSql() == null ? "" : q.getSql().strip();
        String upper = sql.length() > 32 ? sql.substring(0, 32).toUpperCase(Locale.ROOT) : sql.toUpperCase(Locale.ROOT);
        if (!open) {
            return; // not part of any transaction we know (the stream started mid-file)
        }
        if (upper.equals("BEGIN")) {
            inBegin = true;
        } else if (upper.equals("COMMIT")) {
            endTransaction();
        } else if (upper.startsWith("SAVEPOINT") || upper.startsWith("ROLLBACK TO")) {
            // savepoints leave the binlog cache as it stood: rows rolled back to a savepoint are not logged
        } else if (upper.startsWith("XA START") || upper.startsWith("XA END")) {
            // part of a branch: its XA_PREPARE event ends it
        } else if (upper.startsWith("XA ")) {
            Matcher m = XA_DECISION.matcher(sql);
            if (m.find() && !sql.toUpperCase(Locale.ROOT).contains("ONE PHASE")) {
                decide(m.group(2).toLowerCase(Locale.ROOT) + "," + m.group(3).toLowerCase(Locale.ROOT) + "," + m.group(4),
                        m.group(1).equalsIgnoreCase("COMMIT"), sql);
            } else if (chosen) {
                refuse("an XA statement flashback does not know how to undo", sql);
            }
            endTransaction();
        } else if (inBegin) {
            if (chosen) {
                refuse("statement-format DML (binlog_format was not ROW for it): its rows are not in the binlog", sql);
            }
        } else {
            if (chosen) {
                refuse("DDL or TRUNCATE in the range: row changes cannot undo it", sql);
            }
            endTransaction();
        }
    }

    private void tableMap(TableMapEventData map) {
        if (!open || !chosen) {
            return;
        }
        try {
            tableMaps.put(map.getTableId(), TableDefs.fromTableMap(map));
        } catch (TableDefs.MissingMetadata e) {
            tableMaps.put(map.getTableId(), e.getMessage());
        }
    }

    private void rows(int type, byte[] body) {
        if (!open || !chosen) {
            return;
        }
        Object def = tableMaps.get(RowsEventDecoder.tableId(body));
        if (def == null) {
            refuse("rows event without its table map", rowsQuery);
            return;
        }
        if (def instanceof String missing) {
            refuse(missing, null);
            return;
        }
        TableDef table = (TableDef) def;
        if (!filter.accepts(table.name())) {
            return;
        }
        TableDef first = tables.putIfAbsent(table.name(), table);
        if (first != null && !first.sameShape(table)) {
            refuse("table " + table.name() + " changes definition within the range (" + first.columns().size()
                    + " columns, then " + table.columns().size() + "): a DDL ran in between", rowsQuery);
            return;
        }
        RowsEvent decoded;
        try {
            decoded = RowsEventDecoder.decode(type, body, table, charsets);
        } catch (RowsEventDecoder.PartialImageException e) {
            refuse(e.getMessage(), rowsQuery);
            return;
        } catch (UndecodableException e) {
            refuse("cannot decode a rows event of " + table.name() + ": " + e.getMessage(), rowsQuery);
            return;
        }
        long[] counts = txByTable.computeIfAbsent(table.name(), t -> new long[3]);
        for (RowChange r : decoded.rows()) {
            if (r instanceof RowChange.Inserted) {
                txInserted++;
                counts[0]++;
            } else if (r instanceof RowChange.Updated) {
                txUpdated++;
                counts[1]++;
            } else {
                txDeleted++;
                counts[2]++;
            }
        }
        if (refusals.isEmpty()) {
            spill.writeEvent(type, table, body); // once refused, nothing will be applied: stop spending disk
        }
    }

    private void refuse(String reason, String statement) {
        refused = true;
        refusals.add(new Refusal(gtid, reason, statement));
    }

    private void endTransaction() {
        if (close()) {
            count(txInserted, txUpdated, txDeleted, txByTable);
        }
    }

    /**
     * Ends the open transaction. True when it was chosen: it is then selected, and its rows are spilled (at
     * {@link #spilledTrailer}) unless the run is refused or it has none.
     */
    private boolean close() {
        if (!open) {
            return false;
        }
        open = false;
        if (!chosen) {
            return false;
        }
        if (gtid != null) {
            selected.add(Gtid.parse(gtid));
        }
        transactions++;
        firstCommit = Math.min(firstCommit, commitMicros);
        lastCommit = Math.max(lastCommit, commitMicros);
        spilledTrailer = -1;
        if (!refusals.isEmpty() || txInserted + txUpdated + txDeleted == 0) {
            spill.discardPending();
        } else {
            spill.endTransaction(gtid, commitMicros, txInserted, txUpdated, txDeleted);
            spilledTrailer = spill.lastTrailer();
        }
        return true;
    }

    private void count(long ins, long upd, long del, Map<TableName, long[]> byTable) {
        inserted += ins;
        updated += upd;
        deleted += del;
        byTable.forEach((t, c) -> {
            long[] total = rowsByTable.computeIfAbsent(t, k -> new long[3]);
            for (int i = 0; i < 3; i++) {
                total[i] += c[i];
            }
        });
    }

    /** An XA branch's prepare: its rows are spilled now, and count once its decision says they took effect. */
    private void prepareTransaction(String xid) {
        if (close()) {
            prepared.put(xid, new PreparedBranch(gtid, spilledTrailer, txInserted, txUpdated, txDeleted, txByTable));
        }
    }

    /** The decision of a branch: committed, its prepared rows are undone; rolled back, there is nothing to undo. */
    private void decide(String xid, boolean commit, String sql) {
        if (!chosen) {
            return; // a prepare selected without its decision is refused when the scan ends
        }
        PreparedBranch p = prepared.remove(xid);
        if (p == null) {
            refuse("XA " + (commit ? "COMMIT" : "ROLLBACK") + " of a branch prepared before the range: its rows are not in"
                    + " it, so it cannot be undone; start the range before its XA PREPARE", sql);
            return;
        }
        if (commit) {
            count(p.inserted(), p.updated(), p.deleted(), p.byTable());
        } else if (p.trailer() >= 0) {
            spill.dropTransaction(p.trailer());
        }
    }

    /** An XID as the binlog's XA statements write it: hex of gtrid and bqual, and the format id. */
    private static String xid(XAPrepareEventData x) {
        byte[] data = x.getData();
        HexFormat hex = HexFormat.of();
        return hex.formatHex(data, 0, x.getGtridLength()) + "," + hex.formatHex(data, x.getGtridLength(),
                x.getGtridLength() + x.getBqualLength()) + "," + x.getFormatID();
    }
}
