package io.drsp.tests;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * What a DR member applied from one production source, and when, as its own binary log records it (original and
 * immediate commit timestamps read by mysqlbinlog): the oracle for delay and lag that does not depend on drsp.
 *
 * <p>MySQL 8.0's rule for {@code SOURCE_DELAY} (rpl_replica.cc, {@code sql_delay_event}): a transaction is applied
 * once {@code time(0) >= ceil(immediate_commit_timestamp of the source, in s) + delay}; the applier naps whole seconds
 * counted from {@code time(0)}, so it wakes within the second after that. A transaction can therefore never commit on
 * DR before {@link #due}; how long after it does is the machine's load (the wake-up's second, the apply itself, and
 * transactions due in the same second applied one after another), which tests report rather than bound tightly.
 */
final class DelayRule {
    /** One transaction of the source as DR applied it, µs. */
    record Applied(long sourceCommitMicros, long drCommitMicros) {
    }

    private final List<Applied> byDrCommit;

    private DelayRule(List<Applied> applied) {
        this.byDrCommit = new ArrayList<>(applied);
        this.byDrCommit.sort(Comparator.comparingLong(Applied::drCommitMicros));
    }

    /** The transactions of {@code sourceUuid} in the DR member's binlog. */
    static DelayRule of(List<BinlogOracle.Transaction> drBinlog, String sourceUuid) {
        List<Applied> applied = new ArrayList<>();
        for (BinlogOracle.Transaction t : drBinlog) {
            if (t.gtid().uuid().equals(sourceUuid)) {
                applied.add(new Applied(t.originalCommitMicros(), t.immediateCommitMicros()));
            }
        }
        return new DelayRule(applied);
    }

    /** The earliest moment MySQL may apply a transaction the source committed at {@code sourceCommitMicros}. */
    static long due(long sourceCommitMicros, int delaySeconds) {
        long ceilSeconds = (sourceCommitMicros + 999_999) / 1_000_000;
        return (ceilSeconds + delaySeconds) * 1_000_000L;
    }

    /** How long after {@link #due} DR committed it, in seconds; never negative unless MySQL broke its own rule. */
    static double lateBy(Applied a, int delaySeconds) {
        return (a.drCommitMicros() - due(a.sourceCommitMicros(), delaySeconds)) / 1e6;
    }

    List<Applied> committedOnDrBetween(long fromMicros, long toMicros) {
        List<Applied> out = new ArrayList<>();
        for (Applied a : byDrCommit) {
            if (a.drCommitMicros() >= fromMicros && a.drCommitMicros() <= toMicros) {
                out.add(a);
            }
        }
        return out;
    }

    /**
     * The production time DR stood at when its clock read {@code micros}: the newest source commit time among the
     * transactions DR had committed by then (0 before the first).
     */
    long standsAt(long micros) {
        long at = 0;
        for (Applied a : byDrCommit) {
            if (a.drCommitMicros() > micros) {
                break;
            }
            at = Math.max(at, a.sourceCommitMicros());
        }
        return at;
    }

    /** Count, min, median, p99 and max, for messages and the test's output. */
    static String summary(List<Double> values) {
        if (values.isEmpty()) {
            return "n=0";
        }
        List<Double> v = new ArrayList<>(values);
        Collections.sort(v);
        return String.format(Locale.ROOT, "n=%d min=%.3f p50=%.3f p99=%.3f max=%.3f", v.size(), v.get(0), median(v),
                v.get(Math.min(v.size() - 1, (int) Math.ceil(v.size() * 0.99) - 1)), v.get(v.size() - 1));
    }

    static double median(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        Collections.sort(v);
        return v.get(v.size() / 2);
    }

    /** The host's 1-minute load average, reported beside bounds that load can stretch. */
    static String load() {
        try {
            return "load average " + java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0]
                    + " on " + Runtime.getRuntime().availableProcessors() + " cores";
        } catch (java.io.IOException e) {
            return "load average unknown";
        }
    }
}
