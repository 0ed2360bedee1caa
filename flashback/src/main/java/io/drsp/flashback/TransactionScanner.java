package io.drsp.flashback;

import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.GtidEventData;
import com.github.shyiko.mysql.binlog.event.QueryEventData;
import com.github.shyiko.mysql.binlog.event.RowsQueryEventData;
import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import io.drsp.core.gtid.Gtid;
import io.drsp.core.gtid.GtidSet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * Groups binlog events into transactions, keeps the selected ones (their rows events spilled to disk), and
 * collects every reason to refuse: DDL, statement-format DML, partial row images, partial JSON updates, missing
 * metadata, undecodable values, table definitions changing within the range, XA, compressed payloads.
 * Every rows event of a selected transaction is decoded once here, so a value that cannot be decoded refuses
 * the run before anything is applied.
 */
final class TransactionScanner {

    /** What the scan found. Row counts cover only rows that pass the table filter. */
    record Result(GtidSet selected, long transactions, long inserted, long updated, long deleted,
                  Map<TableName, long[]> rowsByTable, Map<TableName, TableDef> tables, List<Refusal> refusals,
                  long firstCommitMicros, long lastCommitMicros) {
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
        spill.seal();
        return new Result(selected.build(), transactions, inserted, updated, deleted, rowsByTable, tables, refusals,
                firstCommit == Long.MAX_VALUE ? 0 : firstCommit, lastCommit == Long.MIN_VALUE ? 0 : lastCommit);
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
                if (chosen) {
                    refuse("XA transaction: flashback of XA PREPARE/COMMIT pairs is not supported", null);
                }
                endTransaction();
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
        } else if (upper.startsWith("XA ")) {
            if (chosen) {
                refuse("XA transaction: flashback of XA PREPARE/COMMIT pairs is not supported", sql);
            }
            if (!upper.startsWith("XA START")) {
                endTransaction();
            }
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
        long[] counts = rowsByTable.computeIfAbsent(table.name(), t -> new long[3]);
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
        if (!open) {
            return;
        }
        open = false;
        if (!chosen) {
            return;
        }
        if (gtid != null) {
            selected.add(Gtid.parse(gtid));
        }
        transactions++;
        inserted += txInserted;
        updated += txUpdated;
        deleted += txDeleted;
        firstCommit = Math.min(firstCommit, commitMicros);
        lastCommit = Math.max(lastCommit, commitMicros);
        if (!refusals.isEmpty() || txInserted + txUpdated + txDeleted == 0) {
            spill.discardPending();
        } else {
            spill.endTransaction(gtid, commitMicros, txInserted, txUpdated, txDeleted);
        }
    }
}
