package io.drsp.flashback;

import io.drsp.core.gtid.GtidSet;
import java.time.Instant;
import java.util.Objects;

/** Which transactions to undo. Whole transactions only, always limited to what existed when the run started. */
public sealed interface Selection {

    /** Everything the source has that is not in {@code excluded}: a drill's "back to snapshot point S". */
    record AllExcept(GtidSet excluded) implements Selection {
        public AllExcept {
            Objects.requireNonNull(excluded, "excluded");
        }
    }

    /** Exactly these transactions (each must still be in the source's binlog). */
    record Only(GtidSet gtids) implements Selection {
        public Only {
            Objects.requireNonNull(gtids, "gtids");
            if (gtids.isEmpty()) {
                throw new IllegalArgumentException("the GTID set to flash back is empty");
            }
        }
    }

    /**
     * Transactions whose {@code original_commit_timestamp} is in {@code [from, to)}; a null bound is open.
     */
    record TimeRange(Instant from, Instant to) implements Selection {
        public TimeRange {
            if (from == null && to == null) {
                throw new IllegalArgumentException("a time range needs a start time, a stop time or both");
            }
            if (from != null && to != null && !from.isBefore(to)) {
                throw new IllegalArgumentException("start time " + from + " is not before stop time " + to);
            }
        }

        boolean contains(long commitMicros) {
            return (from == null || commitMicros >= micros(from)) && (to == null || commitMicros < micros(to));
        }

        private static long micros(Instant t) {
            return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
        }
    }
}
