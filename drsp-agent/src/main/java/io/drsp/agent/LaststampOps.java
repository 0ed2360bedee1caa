package io.drsp.agent;

import io.drsp.agent.JobResult.UndecidedBranch;
import io.drsp.core.gtid.GtidSet;
import io.drsp.core.mysql.MysqlAdmin;
import io.drsp.flashback.ConnectionSettings;
import io.drsp.flashback.Flashback;
import io.drsp.flashback.FlashbackApplier;
import io.drsp.flashback.FlashbackPlan;
import io.drsp.flashback.FlashbackRequest;
import io.drsp.flashback.Selection;
import io.drsp.flashback.TableName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Switchback's laststamp on one production shard primary: production served on after the DR cluster's recovery point
 * (the failover lost those transactions), so everything it executed beyond the point is to be archived and flashed
 * back. {@link #plan} reads and checks that, changing nothing; the undo itself is the drill's flashback
 * ({@link DrillOps#flashback}) once production is fenced.
 */
public final class LaststampOps {
    /** What every refusal that no retry can fix tells the DBA to do instead. */
    static final String REBUILD = "rebuild this shard from DR instead of rolling it back";

    /**
     * What rolling one shard back to the point takes.
     *
     * @param beyond    every transaction the shard executed beyond the point
     * @param reversed  how many of them flashback undoes (the rest are XA prepares to roll back first, whose rows never
     *                  took effect)
     * @param tableRows row changes to reverse per table
     * @param undecided each XA branch still prepared beyond the point, rolled back first, by XID
     */
    public record Plan(GtidSet beyond, long reversed, long rows, Map<String, Long> tableRows, List<UndecidedBranch> undecided) {
        public Plan {
            undecided = List.copyOf(undecided);
        }

        /** What flashback undoes: everything beyond the point but the prepares rolled back first (no row took effect). */
        public GtidSet toFlashBack() {
            return beyond.subtract(prepares(undecided));
        }
    }

    private static GtidSet prepares(List<UndecidedBranch> undecided) {
        GtidSet prepares = GtidSet.empty();
        for (UndecidedBranch b : undecided) {
            prepares = prepares.union(GtidSet.parse(b.prepareGtid()));
        }
        return prepares;
    }

    /** A shard's laststamp archive: the plan it was checked against, and what was written where. */
    public record Archived(Plan plan, DrillOps.DrillArchive archive) {
    }

    private final MemberConnection member;
    /** Whose archive laststamp's is (the same forward and reverse SQL, checked against the server). */
    private final DrillOps drill;

    LaststampOps(MemberConnection member, DrillOps drill) {
        this.member = member;
        this.drill = drill;
    }


    /**
     * The plan, or a {@link MysqlOperationException} whose sentence names the shard, the GTIDs and what to do: the shard
     * is unreachable, lacks part of the point, has purged binlog beyond it, executed something flashback cannot undo
     * beyond it, or holds a branch prepared since before the point.
     */
    public Plan plan(GtidSet point, JobRunner.Progress progress) {
        Set<String> preparedNow;
        GtidSet executed;
        GtidSet purged;
        MysqlAdmin s;
        try {
            s = member.session();
        } catch (RuntimeException e) {
            throw new MysqlOperationException(member.where() + " is unreachable: " + e.getMessage() + "; start it, or " + REBUILD + ".", e);
        }
        try (s) {
            // XA RECOVER first: a branch prepared after it is then beyond the executed set read next, never mistaken
            // for one prepared before the point.
            preparedNow = XaOps.prepared(s);
            executed = s.gtidExecuted();
            purged = s.gtidPurged();
        }
        if (!executed.containsAll(point)) {
            throw new MysqlOperationException(member.where() + " lacks " + point.subtract(executed).toCompactString()
                    + " of the recovery point, so no rollback can bring it there; " + REBUILD + ".");
        }
        GtidSet beyond = executed.subtract(point);
        GtidSet gone = beyond.intersect(purged);
        if (!gone.isEmpty()) {
            throw new MysqlOperationException(member.where() + " has purged the binary log holding " + gone.toCompactString()
                    + " after the recovery point (gtid_purged), so those transactions can be neither archived nor flashed back; "
                    + REBUILD + ".");
        }
        if (beyond.isEmpty()) {
            return checkedPrepared(preparedNow, new Plan(beyond, 0, 0, Map.of(), List.of()));
        }
        try {
            ConnectionSettings settings = member.flashback();
            List<UndecidedBranch> undecided = new ArrayList<>();
            try (FlashbackPlan first = Flashback.plan(request(settings, beyond))) {
                new TreeMap<>(first.undecidedBranches()).forEach((xid, gtid) -> undecided.add(new UndecidedBranch(xid, gtid)));
                if (undecided.isEmpty()) {
                    return checkedPrepared(preparedNow, planOf(beyond, refusedOrNot(first), undecided, progress));
                }
            }
            // Rolled back first, a prepared branch leaves nothing to undo: plan again without its XA PREPARE, whose own
            // refusal (prepared, undecided) is then answered.
            GtidSet rest = beyond.subtract(prepares(undecided));
            if (rest.isEmpty()) {
                return checkedPrepared(preparedNow, new Plan(beyond, 0, 0, Map.of(), undecided));
            }
            try (FlashbackPlan second = Flashback.plan(request(settings, rest))) {
                return checkedPrepared(preparedNow, planOf(beyond, refusedOrNot(second), undecided, progress));
            }
        } catch (MysqlOperationException e) {
            throw e;
        } catch (Exception e) {
            throw new MysqlOperationException(member.where() + ": its binary log after the recovery point could not be read: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Laststamp's archive on a fenced production primary: plans again (every refusal of {@link #plan} holds), then
     * writes the forward and reverse SQL of what flashback will undo, with every row's image checked against the
     * server, and {@code summary.txt} (the GTID sets, the XA branches rolled back first, row changes per table), so
     * a DBA can see and re-apply by hand what the switchback took out of production. Changes nothing.
     */
    public Archived archive(GtidSet point, Path dir, JobRunner.Progress progress) {
        Plan plan = plan(point, (d, t) -> { });
        try {
            GtidSet selected = plan.toFlashBack();
            Files.createDirectories(dir);
            DrillOps.DrillArchive a = drill.archiveExactly(selected, dir, progress, (p, d) -> writeSummary(point, plan, p, d));
            if (selected.isEmpty()) {
                writeSummary(point, plan, null, dir);
            }
            return new Archived(plan, a);
        } catch (MysqlOperationException e) {
            throw e;
        } catch (Exception e) {
            throw new MysqlOperationException(member.where() + ": its transactions after the recovery point could not be archived: "
                    + e.getMessage(), e);
        }
    }

    private void writeSummary(GtidSet point, Plan plan, FlashbackPlan p, Path dir) throws java.io.IOException {
        StringBuilder b = new StringBuilder();
        b.append("# drsp switchback archive of ").append(member.where()).append('\n')
                .append("recovery point: ").append(point.toCompactString()).append('\n')
                .append("after the point: ").append(plan.beyond().toCompactString()).append(" (").append(plan.beyond().size())
                .append(" transactions)\n")
                .append("flashed back: ").append(plan.toFlashBack().toCompactString()).append(" (")
                .append(p == null ? 0 : p.transactionsWithRows()).append(" of them with rows, ").append(p == null ? 0 : p.rows())
                .append(" row changes; forward.sql re-applies them, reverse.sql undoes them)\n");
        plan.undecided().forEach(u -> b.append("rolled back first: XA ROLLBACK ").append(u.xid()).append(" (its XA PREPARE ")
                .append(u.prepareGtid()).append(" was still undecided)\n"));
        if (p != null) {
            b.append(String.format("%-40s %10s %10s %10s%n", "table", "inserted", "updated", "deleted"));
            for (Map.Entry<TableName, long[]> e : new TreeMap<>(p.rowsByTable()).entrySet()) {
                b.append(String.format("%-40s %10d %10d %10d%n", e.getKey(), e.getValue()[0], e.getValue()[1], e.getValue()[2]));
            }
        }
        Files.writeString(dir.resolve("summary.txt"), b.toString());
    }

    /**
     * A branch XA RECOVER lists whose XA PREPARE is not beyond the point was prepared within it. A recovery point never
     * leaves a branch prepared (DESIGN §7: it holds the decision of every prepare it holds), so production and the
     * point disagree about it: only a DBA who knows the coordinator's decision can settle it.
     */
    private Plan checkedPrepared(Set<String> preparedBefore, Plan plan) {
        Set<String> preparedAfter;
        try (MysqlAdmin s = member.session()) {
            preparedAfter = XaOps.prepared(s);
        } catch (RuntimeException e) {
            throw new MysqlOperationException(member.where() + " is unreachable: " + e.getMessage() + "; start it, or " + REBUILD + ".", e);
        }
        // Prepared at both looks: one decided in between (production still serving) is not taken for an old one.
        Set<String> undecided = plan.undecided().stream().map(UndecidedBranch::xid).collect(java.util.stream.Collectors.toSet());
        List<String> within = preparedBefore.stream().filter(x -> preparedAfter.contains(x) && !undecided.contains(x)).toList();
        if (!within.isEmpty()) {
            throw new MysqlOperationException(member.where() + " holds XA branch" + (within.size() == 1 ? " " : "es ")
                    + String.join(", ", within) + " prepared since before the recovery point, which the point holds decided;"
                    + " commit or roll each back by its coordinator's decision, then run laststamp again.");
        }
        return plan;
    }

    /**
     * Without the check that every row still holds the image the range left: a plan read while production still
     * serves (a heartbeat a second, applications) would find rows written since. The rollback itself checks them, on
     * a fenced production.
     */
    private static FlashbackRequest request(ConnectionSettings settings, GtidSet gtids) {
        return FlashbackRequest.onServer(settings, new Selection.Only(gtids))
                .withOptions(FlashbackApplier.Options.defaults().withVerifyImages(false));
    }

    private FlashbackPlan refusedOrNot(FlashbackPlan p) {
        if (p.isRefused()) {
            throw new MysqlOperationException(DrillOps.refusals(member.where(), "cannot be rolled back to the recovery point",
                    p.refusals(), "Rebuild this shard from DR instead of rolling it back."));
        }
        return p;
    }

    private static Plan planOf(GtidSet beyond, FlashbackPlan p, List<UndecidedBranch> undecided, JobRunner.Progress progress) {
        progress.report(1, 1);
        Map<String, Long> tables = new TreeMap<>();
        for (Map.Entry<TableName, long[]> e : p.rowsByTable().entrySet()) {
            long[] c = e.getValue();
            tables.put(e.getKey().toString(), c[0] + c[1] + c[2]);
        }
        return new Plan(beyond, p.transactions(), p.rows(), tables, undecided);
    }
}
