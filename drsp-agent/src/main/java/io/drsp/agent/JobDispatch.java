package io.drsp.agent;

import io.drsp.core.gtid.GtidSet;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The work of each kind of background job, one handler a kind, on the member's operations; the {@link JobRunner}
 * calls it on the blocking dispatcher. A handler only runs the operation and says what it found.
 */
final class JobDispatch implements JobRunner.Work, AgentJob.Handler<JobRunner.Progress, JobRunner.Outcome> {
    private final DrillOps drill;
    private final LaststampOps laststamp;

    JobDispatch(DrillOps drill, LaststampOps laststamp) {
        this.drill = drill;
        this.laststamp = laststamp;
    }

    @Override
    public JobRunner.Outcome run(AgentJob job, JobRunner.Progress progress) {
        return job.handle(this, progress);
    }

    @Override
    public JobRunner.Outcome archiveDrill(AgentJob.ArchiveDrill job, JobRunner.Progress progress) {
        DrillOps.DrillArchive a = drill.archive(GtidSet.parse(job.snapshotGtids()), Path.of(job.archiveDir()), progress);
        return new JobRunner.Outcome(a.drill().isEmpty() ? "nothing was written since the snapshot point"
                : a.transactions() + " transactions, " + a.rows() + " row changes; SQL in " + a.dir(),
                new JobResult.DrillArchived(a.drill().toString(), a.transactions(), a.rows()));
    }

    @Override
    public JobRunner.Outcome flashbackDrill(AgentJob.FlashbackDrill job, JobRunner.Progress progress) {
        return JobRunner.Outcome.of(drill.flashback(GtidSet.parse(job.drillGtids()), progress));
    }

    @Override
    public JobRunner.Outcome catchUp(AgentJob.CatchUp job, JobRunner.Progress progress) {
        return JobRunner.Outcome.of(drill.awaitCaughtUp(GtidSet.parse(job.primaryGtids()), Duration.ofSeconds(job.boundSeconds()),
                progress));
    }

    @Override
    public JobRunner.Outcome checksum(AgentJob.Checksum job, JobRunner.Progress progress) {
        Map<String, Long> sums = drill.tableChecksums(progress);
        return new JobRunner.Outcome(sums.size() + " tables checksummed", new JobResult.Checksums(sums));
    }

    @Override
    public JobRunner.Outcome archiveRollback(AgentJob.ArchiveRollback job, JobRunner.Progress progress) {
        LaststampOps.Archived a = laststamp.archive(GtidSet.parse(job.pointGtids()), Path.of(job.archiveDir()), progress);
        return new JobRunner.Outcome(a.plan().beyond().isEmpty() ? "nothing was executed after the recovery point"
                : a.plan().beyond().size() + " transactions after the recovery point (" + a.archive().transactions()
                + " to flash back, " + a.archive().rows() + " row changes, " + a.plan().undecided().size()
                + " prepared XA branches to roll back); SQL and summary in " + a.archive().dir(),
                new JobResult.RollbackArchived(a.archive().drill().toString(), a.archive().transactions(), a.archive().rows(),
                        a.plan().tableRows(), a.plan().undecided()));
    }

    @Override
    public JobRunner.Outcome planRollback(AgentJob.PlanRollback job, JobRunner.Progress progress) {
        LaststampOps.Plan p = laststamp.plan(GtidSet.parse(job.pointGtids()), progress);
        return new JobRunner.Outcome(p.beyond().isEmpty() ? "nothing was executed after the recovery point"
                : p.beyond().size() + " transactions after the recovery point, " + p.rows() + " row changes to reverse",
                new JobResult.RollbackPlanned(p.beyond().toString(), p.reversed(), p.rows(), p.tableRows(), p.undecided()));
    }
}
