package io.drsp.core.gtid;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BinaryOperator;

/**
 * An immutable set of GTIDs with MySQL 8.0 semantics: {@code @@gtid_executed}, {@code gtid_purged},
 * {@code Retrieved_Gtid_Set} and the sets passed to {@code START REPLICA UNTIL SQL_AFTER_GTIDS}.
 *
 * <p>Two sets are equal when they hold the same transactions, however they were written.
 * {@link #toString()} prints exactly what MySQL prints, so a set can be compared with server output as text.
 */
public final class GtidSet {

    private static final GtidSet EMPTY = new GtidSet(new TreeMap<>());

    /** uuid (lower case) to its canonical interval array, see {@link Intervals}; no uuid maps to an empty array. */
    private final TreeMap<String, long[]> byUuid;
    private final int hash;

    private GtidSet(TreeMap<String, long[]> byUuid) {
        this.byUuid = byUuid;
        int h = 0;
        for (Map.Entry<String, long[]> e : byUuid.entrySet()) {
            h += e.getKey().hashCode() ^ Arrays.hashCode(e.getValue());
        }
        this.hash = h;
    }

    public static GtidSet empty() {
        return EMPTY;
    }

    /**
     * Parses MySQL's text form, for example {@code "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7,\n..."}.
     * The empty string is the empty set.
     *
     * @throws IllegalArgumentException quoting the malformed part
     */
    public static GtidSet parse(String text) {
        Objects.requireNonNull(text, "GTID set text");
        return GtidSetParser.parse(text);
    }

    /** The set of one gno range of one source. */
    public static GtidSet of(String uuid, long first, long last) {
        GtidInterval interval = new GtidInterval(first, last);
        return builder().add(UuidText.require(uuid), interval.first(), interval.last()).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public boolean isEmpty() {
        return byUuid.isEmpty();
    }

    /** Number of transactions in the set. */
    public long size() {
        long size = 0;
        for (long[] intervals : byUuid.values()) {
            size = Math.addExact(size, Intervals.size(intervals));
        }
        return size;
    }

    /** The source uuids that have at least one transaction in the set, ascending. */
    public SortedSet<String> uuids() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(byUuid.keySet()));
    }

    /** The intervals of one source in canonical form (sorted, merged); empty if the source is absent. */
    public List<GtidInterval> intervals(String uuid) {
        long[] intervals = byUuid.getOrDefault(UuidText.require(uuid), Intervals.NONE);
        List<GtidInterval> list = new ArrayList<>(intervals.length / 2);
        for (int i = 0; i < intervals.length; i += 2) {
            list.add(new GtidInterval(intervals[i], intervals[i + 1]));
        }
        return Collections.unmodifiableList(list);
    }

    /** The transactions of one source only. */
    public GtidSet forUuid(String uuid) {
        String key = UuidText.require(uuid);
        long[] intervals = byUuid.get(key);
        if (intervals == null) {
            return EMPTY;
        }
        TreeMap<String, long[]> one = new TreeMap<>();
        one.put(key, intervals);
        return new GtidSet(one);
    }

    public boolean contains(Gtid gtid) {
        long[] intervals = byUuid.get(gtid.uuid());
        return intervals != null && Intervals.contains(intervals, gtid.gno());
    }

    public boolean containsAll(GtidSet other) {
        return other.subtract(this).isEmpty();
    }

    public GtidSet add(Gtid gtid) {
        return union(builder().add(gtid).build());
    }

    public GtidSet union(GtidSet other) {
        return combine(other, Intervals::union, true);
    }

    public GtidSet intersect(GtidSet other) {
        return combine(other, Intervals::intersect, false);
    }

    public GtidSet subtract(GtidSet other) {
        TreeMap<String, long[]> result = new TreeMap<>();
        for (Map.Entry<String, long[]> e : byUuid.entrySet()) {
            long[] theirs = other.byUuid.get(e.getKey());
            long[] rest = theirs == null ? e.getValue() : Intervals.subtract(e.getValue(), theirs);
            if (rest.length > 0) {
                result.put(e.getKey(), rest);
            }
        }
        return new GtidSet(result);
    }

    private GtidSet combine(GtidSet other, BinaryOperator<long[]> op, boolean keepUnmatched) {
        TreeMap<String, long[]> result = new TreeMap<>();
        TreeSet<String> uuids = new TreeSet<>(byUuid.keySet());
        uuids.addAll(other.byUuid.keySet());
        for (String uuid : uuids) {
            long[] mine = byUuid.get(uuid);
            long[] theirs = other.byUuid.get(uuid);
            long[] combined;
            if (mine != null && theirs != null) {
                combined = op.apply(mine, theirs);
            } else {
                combined = keepUnmatched ? (mine != null ? mine : theirs) : Intervals.NONE;
            }
            if (combined.length > 0) {
                result.put(uuid, combined);
            }
        }
        return new GtidSet(result);
    }

    /** MySQL's canonical print, uuid sets joined with {@code ",\n"} as {@code @@gtid_executed} shows them. */
    @Override
    public String toString() {
        return print(",\n");
    }

    /** The canonical print on one line, joined with {@code ","}: what to pass in SQL or on a command line. */
    public String toCompactString() {
        return print(",");
    }

    private String print(String separator) {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, long[]> e : byUuid.entrySet()) {
            if (out.length() > 0) {
                out.append(separator);
            }
            out.append(e.getKey());
            long[] intervals = e.getValue();
            for (int i = 0; i < intervals.length; i += 2) {
                out.append(':').append(intervals[i]);
                if (intervals[i + 1] != intervals[i]) {
                    out.append('-').append(intervals[i + 1]);
                }
            }
        }
        return out.toString();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof GtidSet other) || hash != other.hash || !byUuid.keySet().equals(other.byUuid.keySet())) {
            return false;
        }
        for (Map.Entry<String, long[]> e : byUuid.entrySet()) {
            if (!Arrays.equals(e.getValue(), other.byUuid.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /**
     * Collects GTIDs in any order, for example while reading a relay log one transaction at a time.
     * Appending the next gno of a source is constant time; memory stays proportional to the number of
     * intervals, not of transactions. Not thread-safe; {@link #build()} may be called more than once.
     */
    public static final class Builder {

        private final TreeMap<String, Pending> byUuid = new TreeMap<>();

        private Builder() {
        }

        public Builder add(Gtid gtid) {
            return add(gtid.uuid(), gtid.gno(), gtid.gno());
        }

        public Builder add(String uuid, GtidInterval interval) {
            return add(UuidText.require(uuid), interval.first(), interval.last());
        }

        public Builder addAll(GtidSet set) {
            for (Map.Entry<String, long[]> e : set.byUuid.entrySet()) {
                long[] intervals = e.getValue();
                for (int i = 0; i < intervals.length; i += 2) {
                    add(e.getKey(), intervals[i], intervals[i + 1]);
                }
            }
            return this;
        }

        /** Adds the closed range {@code first..last} of a source; callers have validated both. */
        Builder add(String uuid, long first, long last) {
            byUuid.computeIfAbsent(uuid, u -> new Pending()).add(first, last);
            return this;
        }

        public GtidSet build() {
            TreeMap<String, long[]> result = new TreeMap<>();
            byUuid.forEach((uuid, pending) -> result.put(uuid, pending.canonical()));
            return result.isEmpty() ? EMPTY : new GtidSet(result);
        }
    }

    /** Intervals of one source as they arrive; merged into canonical form whenever the buffer fills. */
    private static final class Pending {
        private long[] raw = new long[8];
        private int n;

        void add(long first, long last) {
            if (n > 0 && first >= raw[n - 2] && first <= raw[n - 1] + 1) {
                raw[n - 1] = Math.max(raw[n - 1], last);
                return;
            }
            if (n == raw.length) {
                long[] merged = Intervals.normalize(raw, n);
                n = merged.length;
                raw = Arrays.copyOf(merged, Math.max(8, 2 * n));
            }
            raw[n++] = first;
            raw[n++] = last;
        }

        long[] canonical() {
            return Intervals.normalize(raw, n);
        }
    }
}
