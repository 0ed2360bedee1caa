package io.drsp.core.target;

import io.drsp.core.gtid.GtidSet;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;

/** Where {@code recover} replays a DR cluster to, as set by {@code relaytime}. */
public sealed interface RecoveryTarget {

    /** Human-readable form for status output and refusals. */
    String describe();

    /**
     * Replay every transaction committed on production at or before {@code time}.
     *
     * @param time    the instant, with microsecond precision like {@code original_commit_timestamp}
     * @param asTyped what the operator typed, kept so that messages repeat their words back to them
     */
    record AtTime(Instant time, String asTyped) implements RecoveryTarget {
        public AtTime {
            Objects.requireNonNull(time, "time");
            Objects.requireNonNull(asTyped, "asTyped");
        }

        @Override
        public String describe() {
            return "time " + asTyped + " (" + time + ")";
        }
    }

    /** Replay all relay log retrieved so far: {@code bat_mod_relaytime.sh 1 ""}. */
    record AllRelayLog() implements RecoveryTarget {
        @Override
        public String describe() {
            return "all retrieved relay log";
        }
    }

    /** Replay exactly up to and including these transactions (one uuid per production shard). */
    record AtGtids(GtidSet set) implements RecoveryTarget {
        public AtGtids {
            Objects.requireNonNull(set, "set");
            if (set.isEmpty()) {
                throw new IllegalArgumentException("a GTID recovery target must name at least one transaction");
            }
        }

        @Override
        public String describe() {
            return "GTID set " + set.toCompactString();
        }
    }

    /**
     * Reads a recovery time as the operator types it, {@code yyyy-MM-dd HH:mm:ss[.ffffff]}, in the
     * cluster's time zone; blank text means {@link AllRelayLog}, as in the existing scripts.
     * A local time that a daylight-saving change skips or repeats is refused rather than guessed,
     * because replaying an hour too far cannot be undone on a bank's ledger.
     *
     * @throws IllegalArgumentException with one sentence quoting the input and saying what is accepted
     */
    static RecoveryTarget parseTime(String text, ZoneId zone) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(zone, "zone");
        String typed = text.strip();
        if (typed.isEmpty()) {
            return new AllRelayLog();
        }
        LocalDateTime local;
        try {
            local = LocalDateTime.parse(typed, TypedTime.FORMAT);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("recovery time \"" + typed + "\" is not a valid time, expected "
                    + "yyyy-MM-dd HH:mm:ss with up to 6 fractional digits (like 2024-01-01 10:00:00 or "
                    + "2024-01-01 10:00:00.250000), or \"\" for all retrieved relay log");
        }
        List<ZoneOffset> offsets = zone.getRules().getValidOffsets(local);
        if (offsets.isEmpty()) {
            throw new IllegalArgumentException("recovery time \"" + typed + "\" does not exist in " + zone
                    + " because the clocks jump over it (daylight saving or an offset change), expected a time outside that gap");
        }
        if (offsets.size() > 1) {
            throw new IllegalArgumentException("recovery time \"" + typed + "\" is ambiguous in " + zone
                    + " because the clocks repeat it (offsets " + offsets.get(0) + " and " + offsets.get(1)
                    + "), expected a time outside the repeated hour");
        }
        return new AtTime(local.toInstant(offsets.get(0)), typed);
    }

    /**
     * Reads a GTID recovery target.
     *
     * @throws IllegalArgumentException for malformed text or an empty set
     */
    static AtGtids parseGtids(String text) {
        Objects.requireNonNull(text, "text");
        GtidSet set;
        try {
            set = GtidSet.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("recovery GTID set \"" + text.strip() + "\" is not valid ("
                    + e.getMessage() + "), expected uuid:interval[:interval...] for each production shard, separated by commas");
        }
        if (set.isEmpty()) {
            throw new IllegalArgumentException("recovery GTID set \"" + text.strip() + "\" names no transaction, "
                    + "expected uuid:interval[:interval...] for each production shard, separated by commas");
        }
        return new AtGtids(set);
    }
}
