package io.drsp.core.gtid;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Set algebra on the gnos of one source, kept as a flat array {@code [first0, last0, first1, last1, ...]}
 * of closed intervals that are sorted, disjoint and never adjacent (the canonical form MySQL prints).
 * Every operation is a single merge pass, linear in the number of intervals, never in the number of gnos:
 * a shard's {@code gtid_executed} is millions of gnos in a handful of intervals.
 */
final class Intervals {

    static final long[] NONE = new long[0];

    private Intervals() {
    }

    static long[] union(long[] a, long[] b) {
        long[] out = new long[a.length + b.length];
        int n = 0;
        int i = 0;
        int j = 0;
        while (i < a.length || j < b.length) {
            long first;
            long last;
            if (j >= b.length || (i < a.length && a[i] <= b[j])) {
                first = a[i];
                last = a[i + 1];
                i += 2;
            } else {
                first = b[j];
                last = b[j + 1];
                j += 2;
            }
            // last <= MAX_GNO = Long.MAX_VALUE - 1, so the + 1 cannot overflow.
            if (n > 0 && first <= out[n - 1] + 1) {
                out[n - 1] = Math.max(out[n - 1], last);
            } else {
                out[n++] = first;
                out[n++] = last;
            }
        }
        return trim(out, n);
    }

    static long[] intersect(long[] a, long[] b) {
        long[] out = new long[a.length + b.length];
        int n = 0;
        int i = 0;
        int j = 0;
        while (i < a.length && j < b.length) {
            long first = Math.max(a[i], b[j]);
            long last = Math.min(a[i + 1], b[j + 1]);
            if (first <= last) {
                out[n++] = first;
                out[n++] = last;
            }
            if (a[i + 1] < b[j + 1]) {
                i += 2;
            } else {
                j += 2;
            }
        }
        return trim(out, n);
    }

    static long[] subtract(long[] a, long[] b) {
        long[] out = new long[a.length + b.length];
        int n = 0;
        int j = 0;
        for (int i = 0; i < a.length; i += 2) {
            long from = a[i];
            long last = a[i + 1];
            while (j < b.length && b[j + 1] < from) {
                j += 2;
            }
            for (int k = j; k < b.length && b[k] <= last && from <= last; k += 2) {
                if (b[k] > from) {
                    out[n++] = from;
                    out[n++] = b[k] - 1;
                }
                from = Math.max(from, b[k + 1] + 1);
            }
            if (from <= last) {
                out[n++] = from;
                out[n++] = last;
            }
        }
        return trim(out, n);
    }

    static boolean contains(long[] a, long gno) {
        int low = 0;
        int high = a.length / 2 - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (a[2 * mid + 1] < gno) {
                low = mid + 1;
            } else if (a[2 * mid] > gno) {
                high = mid - 1;
            } else {
                return true;
            }
        }
        return false;
    }

    static long size(long[] a) {
        long size = 0;
        for (int i = 0; i < a.length; i += 2) {
            size = Math.addExact(size, a[i + 1] - a[i] + 1);
        }
        return size;
    }

    /** Sorts and merges the first {@code n} slots of arbitrary intervals into canonical form. */
    static long[] normalize(long[] raw, int n) {
        long[][] pairs = new long[n / 2][];
        for (int i = 0; i < n; i += 2) {
            pairs[i / 2] = new long[] {raw[i], raw[i + 1]};
        }
        Arrays.sort(pairs, Comparator.comparingLong(p -> p[0]));
        long[] out = new long[n];
        int m = 0;
        for (long[] p : pairs) {
            if (m > 0 && p[0] <= out[m - 1] + 1) {
                out[m - 1] = Math.max(out[m - 1], p[1]);
            } else {
                out[m++] = p[0];
                out[m++] = p[1];
            }
        }
        return trim(out, m);
    }

    private static long[] trim(long[] out, int n) {
        return n == 0 ? NONE : n == out.length ? out : Arrays.copyOf(out, n);
    }
}
