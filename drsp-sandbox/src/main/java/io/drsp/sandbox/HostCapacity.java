package io.drsp.sandbox;

import java.util.Locale;
import java.util.Optional;

/**
 * Whether a sandbox fits on this host, decided before any server starts: a mysqld that finds the AIO slots used up
 * dies with io_setup() errors in its log halfway through 'up', and one that finds no memory gets the OOM killer.
 */
public final class HostCapacity {
    private HostCapacity() {
    }

    /** The one sentence refusing {@code needs} under {@code limits}, or nothing when it fits. */
    public static Optional<String> refusal(HostNeeds needs, HostLimits limits) {
        long freeSlots = limits.aioMaxNr() - limits.aioNr();
        if (needs.aioSlots() > freeSlots) {
            return Optional.of(String.format(Locale.ROOT, "the %d mysqld of this sandbox need %d native AIO slots but"
                            + " only %d of the host's fs.aio-max-nr = %d are free (fs.aio-nr = %d in use); raise the limit"
                            + " with 'sysctl -w fs.aio-max-nr=%d' (and fs.aio-max-nr in /etc/sysctl.conf to keep it),"
                            + " stop other MySQL servers, or ask for fewer shards or replicas.",
                    needs.instances(), needs.aioSlots(), Math.max(0, freeSlots), limits.aioMaxNr(), limits.aioNr(),
                    suggestedAioMaxNr(needs, limits)));
        }
        if (needs.memoryBytes() > limits.memAvailableBytes()) {
            return Optional.of(String.format(Locale.ROOT, "the %d mysqld of this sandbox need about %s of memory but"
                            + " the host's MemAvailable is %s; free memory (stop other sandboxes or programs) or ask for"
                            + " fewer shards or replicas.",
                    needs.instances(), gib(needs.memoryBytes()), gib(limits.memAvailableBytes())));
        }
        return Optional.empty();
    }

    /** What is in use plus what is needed, rounded up to a multiple of Linux's default 65536. */
    static long suggestedAioMaxNr(HostNeeds needs, HostLimits limits) {
        long wanted = limits.aioNr() + needs.aioSlots();
        return (wanted + 65535) / 65536 * 65536;
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
