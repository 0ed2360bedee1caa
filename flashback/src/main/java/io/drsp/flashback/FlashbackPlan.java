package io.drsp.flashback;

import io.drsp.core.gtid.GtidSet;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * What a flashback would do, found by reading and checking without changing anything: the selected transactions,
 * their rows per table, every refusal and every warning. Holds the spilled row events until closed, so that
 * {@link Flashback#apply} does not read the binlog twice.
 */
public final class FlashbackPlan implements AutoCloseable {
    private final FlashbackRequest request;
    private final SourceState sourceState;
    private final TransactionScanner.Result scan;
    private final List<Refusal> refusals;
    private final List<String> warnings;
    private final SpillStore spill;
    private final Map<TableName, TableShape> shapes;
    private final Map<TableName, ConflictRule> conflictRules;
    private final IntFunction<String> charsets;
    private RowCheckSummary rowCheck = new RowCheckSummary(java.time.Duration.ZERO, 0, 0);

    FlashbackPlan(FlashbackRequest request, SourceState sourceState, TransactionScanner.Result scan, List<Refusal> refusals,
                  List<String> warnings, SpillStore spill, Map<TableName, TableShape> shapes, Map<TableName, ConflictRule> conflictRules,
                  IntFunction<String> charsets) {
        this.request = request;
        this.sourceState = sourceState;
        this.scan = scan;
        this.refusals = List.copyOf(refusals);
        this.warnings = List.copyOf(warnings);
        this.spill = spill;
        this.shapes = Map.copyOf(shapes);
        this.conflictRules = Map.copyOf(conflictRules);
        this.charsets = charsets;
    }

    public FlashbackRequest request() {
        return request;
    }

    /** The source server's binlog end and GTID sets when the run started; null when reading files. */
    public SourceState sourceState() {
        return sourceState;
    }

    /** Every selected transaction, including those with no rows in the filtered tables. */
    public GtidSet selected() {
        return scan.selected();
    }

    public long transactions() {
        return scan.transactions();
    }

    /** Transactions that have rows to undo. */
    public long transactionsWithRows() {
        return spill.transactions();
    }

    public long inserted() {
        return scan.inserted();
    }

    public long updated() {
        return scan.updated();
    }

    public long deleted() {
        return scan.deleted();
    }

    public long rows() {
        return scan.inserted() + scan.updated() + scan.deleted();
    }

    /** Rows per table: {inserted, updated, deleted} in the range (undoing them is the reverse). */
    public Map<TableName, long[]> rowsByTable() {
        return scan.rowsByTable();
    }

    public Instant firstCommit() {
        return scan.firstCommitMicros() == 0 ? null : Instant.EPOCH.plusNanos(scan.firstCommitMicros() * 1000);
    }

    public Instant lastCommit() {
        return scan.lastCommitMicros() == 0 ? null : Instant.EPOCH.plusNanos(scan.lastCommitMicros() * 1000);
    }

    /**
     * XA branches prepared among the selected transactions whose XA COMMIT or XA ROLLBACK is not among them (each is
     * also a refusal): XID as SQL writes it ({@code X'..',X'..',n}) to the GTID of its XA PREPARE. A caller that will
     * decide them first can plan again without those prepares.
     */
    public Map<String, String> undecidedBranches() {
        return scan.undecided();
    }

    public List<Refusal> refusals() {
        return refusals;
    }

    public boolean isRefused() {
        return !refusals.isEmpty();
    }

    /** Triggers and cascading foreign keys on the affected tables. */
    public List<String> warnings() {
        return warnings;
    }

    /** Each transaction with rows to undo, oldest first, read back from the spill file. Empty when refused. */
    public void forEachTransaction(Consumer<TransactionSummary> action) {
        for (int i = 0; i < spill.transactions(); i++) {
            SpillStore.SpilledTransaction t = spill.transaction(i);
            action.accept(new TransactionSummary(t.gtid(), Instant.EPOCH.plusNanos(t.commitMicros() * 1000),
                    t.inserted(), t.updated(), t.deleted()));
        }
    }

    SpillStore spill() {
        return spill;
    }

    Map<TableName, TableShape> shapes() {
        return shapes;
    }

    /** Per table, how its rows enter writesets for parallel apply. */
    Map<TableName, ConflictRule> conflictRules() {
        return conflictRules;
    }

    IntFunction<String> charsets() {
        return charsets;
    }

    /** What the pre-flight row check did and how long it took (zero when it did not run). */
    public RowCheckSummary rowCheck() {
        return rowCheck;
    }

    void rowCheck(RowCheckSummary summary) {
        rowCheck = summary;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        s.append(transactions()).append(" transactions selected (").append(transactionsWithRows()).append(" with rows): ")
                .append(inserted()).append(" inserted, ").append(updated()).append(" updated, ").append(deleted())
                .append(" deleted rows to undo");
        if (firstCommit() != null) {
            s.append(", committed ").append(firstCommit()).append(" .. ").append(lastCommit());
        }
        rowsByTable().forEach((t, c) -> s.append("\n  ").append(t).append(": ").append(c[0]).append(" inserted, ")
                .append(c[1]).append(" updated, ").append(c[2]).append(" deleted"));
        warnings.forEach(w -> s.append("\n  warning: ").append(w));
        refusals.forEach(r -> s.append("\n  refused: ").append(r));
        return s.toString();
    }

    @Override
    public void close() {
        spill.close();
    }
}
