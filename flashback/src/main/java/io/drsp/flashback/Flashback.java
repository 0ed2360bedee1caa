package io.drsp.flashback;

import io.drsp.core.gtid.Gtid;
import io.drsp.core.gtid.GtidSet;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * What the rest of drsp calls. {@link #plan} reads and checks, changing nothing; {@link #apply} undoes a plan that
 * has no refusals; {@link #run} is both.
 */
public final class Flashback {

    private Flashback() {
    }

    /** Reads the selected transactions and checks every one of them; the caller closes the plan. */
    public static FlashbackPlan plan(FlashbackRequest request) throws SQLException, IOException {
        List<Refusal> refusals = new ArrayList<>();
        Map<Integer, String> charsetMap;
        try (Connection target = request.target().connect()) {
            charsetMap = TargetSchema.charsetsByCollation(target);
        }
        IntFunction<String> charsets = charsetMap::get;
        SourceState state = null;
        BinlogSource source;
        Predicate<Gtid> wanted;
        GtidSet mustFind = GtidSet.empty();
        Selection sel = request.selection();
        if (request.source() instanceof BinlogInput.FromServer s) {
            {
                try (Connection c = s.server().connect()) {
                    state = SourceState.read(c);
                }
                GtidSet executed = state.executed();
                GtidSet notWanted;
                if (sel instanceof Selection.AllExcept a) {
                    {
                        mustFind = executed.subtract(a.excluded());
                        notWanted = executed.intersect(a.excluded());
                    }
                } else if (sel instanceof Selection.Only o) {
                    {
                        GtidSet unknown = o.gtids().subtract(executed);
                        if (!unknown.isEmpty()) {
                            refusals.add(new Refusal(null, "the source has not executed " + unknown.toCompactString(), null));
                        }
                        mustFind = o.gtids().intersect(executed);
                        notWanted = executed.subtract(o.gtids());
                    }
                } else {
                    notWanted = state.purged();
                }
                GtidSet purgedNeeded = mustFind.intersect(state.purged());
                if (!purgedNeeded.isEmpty()) {
                    refusals.add(new Refusal(null, "the binlog holding " + purgedNeeded.toCompactString()
                            + " is purged on the source; those transactions cannot be read, so they cannot be undone", null));
                    return refusedPlan(request, state, refusals, charsets);
                }
                if (mustFind.isEmpty() && !(sel instanceof Selection.TimeRange)) {
                    return emptyPlan(request, state, refusals, charsets);
                }
                GtidSet inRange = executed;
                Predicate<Gtid> bySelection = selectionPredicate(sel);
                wanted = g -> inRange.contains(g) && bySelection.test(g);
                source = new ServerBinlogSource(s.server(), notWanted, state.end());
            }
        } else {
            BinlogInput.FromFiles f = (BinlogInput.FromFiles) request.source();
            {
                wanted = selectionPredicate(sel);
                if (sel instanceof Selection.Only o) {
                    mustFind = o.gtids();
                }
                source = new FileBinlogSource(f.files());
            }
        }
        SpillStore spill = new SpillStore(request.spillDir());
        try {
            TransactionScanner scanner = new TransactionScanner(wanted, sel instanceof Selection.TimeRange t ? t : null,
                    request.filter(), charsets, spill);
            TransactionScanner.Result scan = scanner.scan(source);
            refusals.addAll(scan.refusals());
            GtidSet missing = mustFind.subtract(scan.selected());
            if (!missing.isEmpty()) {
                refusals.add(new Refusal(null, "transactions " + missing.toCompactString()
                        + " were not found in the binlog read; they cannot be undone", null));
            }
            Map<TableName, TableShape> shapes = new HashMap<>();
            List<String> warnings;
            Map<TableName, ConflictRule> rules;
            RowCheckSummary checked = new RowCheckSummary(java.time.Duration.ZERO, 0, 0);
            try (Connection target = request.target().connect()) {
                for (TableDef def : scan.tables().values()) {
                    try {
                        shapes.put(def.name(), TargetSchema.shape(target, def));
                    } catch (TargetSchema.Mismatch m) {
                        refusals.add(new Refusal(null, m.getMessage(), null));
                    }
                }
                warnings = SafetyWarnings.find(target, new TreeSet<>(scan.tables().keySet()));
                rules = ConflictRules.read(target, shapes);
                if (refusals.isEmpty() && request.options().verifyImages()) {
                    // the undo could only stop half-way: refuse now, with the row, rather than then
                    long t0 = System.nanoTime();
                    CurrentRowCheck check = new CurrentRowCheck();
                    refusals.addAll(check.run(target, request.target()::connect, spill, shapes, charsets));
                    checked = new RowCheckSummary(java.time.Duration.ofNanos(System.nanoTime() - t0), check.rowsByDigest, check.rowsByValue);
                }
            }
            FlashbackPlan plan = new FlashbackPlan(request, state, scan, refusals, warnings, spill, shapes, rules, charsets);
            plan.rowCheck(checked);
            return plan;
        } catch (IOException | SQLException | RuntimeException e) {
            spill.close();
            throw e;
        }
    }

    /** Undoes what the plan selected, newest first. Refuses, applying nothing, when the plan has refusals. */
    public static FlashbackApplier.Result apply(FlashbackPlan plan, FlashbackProgress.Listener progress)
            throws FlashbackRefused, FlashbackFailed, SQLException {
        if (plan.isRefused()) {
            throw new FlashbackRefused(plan.refusals());
        }
        FlashbackRequest r = plan.request();
        FlashbackApplier applier = new FlashbackApplier(r.target(), r.options());
        return applier.apply(plan.spill(), plan.shapes(), plan.conflictRules(), plan.charsets(), plan.selected(), plan.rows(),
                progress == null ? FlashbackProgress.Listener.NONE : progress);
    }

    /** Plan and apply in one go. */
    public static FlashbackApplier.Result run(FlashbackRequest request, FlashbackProgress.Listener progress)
            throws FlashbackRefused, FlashbackFailed, SQLException, IOException {
        try (FlashbackPlan plan = plan(request)) {
            return apply(plan, progress);
        }
    }

    private static Predicate<Gtid> selectionPredicate(Selection sel) {
        if (sel instanceof Selection.AllExcept a) {
            return g -> !a.excluded().contains(g);
        }
        if (sel instanceof Selection.Only o) {
            return g -> o.gtids().contains(g);
        }
        return g -> true; // a time range: the scanner checks the commit time
    }

    private static FlashbackPlan emptyPlan(FlashbackRequest request, SourceState state, List<Refusal> refusals,
                                           IntFunction<String> charsets) {
        SpillStore spill = new SpillStore(request.spillDir());
        spill.seal();
        TransactionScanner.Result nothing = new TransactionScanner.Result(GtidSet.empty(), 0, 0, 0, 0, Map.of(), Map.of(),
                List.of(), 0, 0, Map.of());
        return new FlashbackPlan(request, state, nothing, refusals, List.of(), spill, Map.of(), Map.of(), charsets);
    }

    private static FlashbackPlan refusedPlan(FlashbackRequest request, SourceState state, List<Refusal> refusals,
                                             IntFunction<String> charsets) {
        return emptyPlan(request, state, refusals, charsets);
    }
}
