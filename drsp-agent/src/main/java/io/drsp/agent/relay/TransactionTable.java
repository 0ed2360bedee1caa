package io.drsp.agent.relay;

import io.drsp.core.gtid.Gtid;
import io.drsp.core.gtid.GtidInterval;
import io.drsp.core.gtid.GtidSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * The indexed transactions in relay order, stored column-wise in primitive arrays: a DR shard a day behind a busy
 * primary holds millions of transactions, and one object per transaction would cost several times the memory.
 * Not thread-safe; {@link RelayIndex} serialises access.
 */
final class TransactionTable implements TransactionAssembler.Sink {

    private final List<String> uuids = new ArrayList<>();
    private final Map<String, Integer> uuidIds = new HashMap<>();

    private int n;
    private int[] uuidId = new int[1024];
    private long[] gno = new long[1024];
    private long[] commitMicros = new long[1024];
    private int[] fileId = new int[1024];
    private long[] endPosition = new long[1024];
    private long[] size = new long[1024];
    /** Sparse: most transactions are not XA. */
    private final Map<Integer, XaInfo> xa = new HashMap<>();

    @Override
    public void transaction(String uuid, long gno, long originalCommitMicros, int fileId, long endPosition, long size, XaInfo xa) {
        if (n == this.gno.length) {
            int cap = n * 2;
            uuidId = Arrays.copyOf(uuidId, cap);
            this.gno = Arrays.copyOf(this.gno, cap);
            commitMicros = Arrays.copyOf(commitMicros, cap);
            this.fileId = Arrays.copyOf(this.fileId, cap);
            this.endPosition = Arrays.copyOf(this.endPosition, cap);
            this.size = Arrays.copyOf(this.size, cap);
        }
        uuidId[n] = uuidIds.computeIfAbsent(uuid, u -> {
            uuids.add(u);
            return uuids.size() - 1;
        });
        this.gno[n] = gno;
        commitMicros[n] = originalCommitMicros;
        this.fileId[n] = fileId;
        this.endPosition[n] = endPosition;
        this.size[n] = size;
        if (xa != null) {
            this.xa.put(n, xa);
        }
        n++;
    }

    int size() {
        return n;
    }

    long commitMicros(int i) {
        return commitMicros[i];
    }

    long bytes(int i) {
        return size[i];
    }

    int fileId(int i) {
        return fileId[i];
    }

    long endPosition(int i) {
        return endPosition[i];
    }

    XaInfo xa(int i) {
        return xa.get(i);
    }

    Gtid gtid(int i) {
        return new Gtid(uuids.get(uuidId[i]), gno[i]);
    }

    /** Removes the transactions whose relay file is gone, keeping relay order; returns how many. */
    int removeFiles(IntPredicate gone) {
        int kept = 0;
        Map<Integer, XaInfo> keptXa = new HashMap<>();
        for (int i = 0; i < n; i++) {
            if (gone.test(fileId[i])) {
                continue;
            }
            uuidId[kept] = uuidId[i];
            gno[kept] = gno[i];
            commitMicros[kept] = commitMicros[i];
            fileId[kept] = fileId[i];
            endPosition[kept] = endPosition[i];
            size[kept] = size[i];
            XaInfo x = xa.get(i);
            if (x != null) {
                keptXa.put(kept, x);
            }
            kept++;
        }
        int removed = n - kept;
        n = kept;
        xa.clear();
        xa.putAll(keptXa);
        return removed;
    }

    /** The GTIDs of the rows {@code select} accepts, merging runs of consecutive gnos as they come. */
    GtidSet gtids(IntPredicate select) {
        GtidSet.Builder builder = GtidSet.builder();
        int u = uuids.size();
        long[] runFirst = new long[u];
        long[] runLast = new long[u];
        Arrays.fill(runLast, -2);
        for (int i = 0; i < n; i++) {
            if (!select.test(i)) {
                continue;
            }
            int id = uuidId[i];
            long g = gno[i];
            if (runLast[id] + 1 == g) {
                runLast[id] = g;
            } else {
                if (runLast[id] >= 0) {
                    builder.add(uuids.get(id), new GtidInterval(runFirst[id], runLast[id]));
                }
                runFirst[id] = g;
                runLast[id] = g;
            }
        }
        for (int id = 0; id < u; id++) {
            if (runLast[id] >= 0) {
                builder.add(uuids.get(id), new GtidInterval(runFirst[id], runLast[id]));
            }
        }
        return builder.build();
    }

    /** See {@link ReplayClosure}: one pass back to find the cut's last unapplied row, one forward to its first hole. */
    ReplayClosure replayClosure(GtidSet cut, GtidSet applied) {
        IntPredicate inCut = in(cut);
        IntPredicate done = in(applied);
        int last = -1;
        for (int i = n - 1; i >= 0; i--) {
            if (inCut.test(i) && !done.test(i)) {
                last = i;
                break;
            }
        }
        int firstOutside = -1;
        for (int i = 0; i <= last && firstOutside < 0; i++) {
            if (!done.test(i) && !inCut.test(i)) {
                firstOutside = i;
            }
        }
        int end = last;
        GtidSet wouldApply = gtids(i -> i <= end && !done.test(i));
        if (firstOutside < 0) {
            return new ReplayClosure(wouldApply, null, wouldApply);
        }
        int hole = firstOutside;
        return new ReplayClosure(wouldApply, gtid(hole), gtids(i -> i < hole && !done.test(i)));
    }

    /** A membership test of row {@code i} in {@code set}, without building a Gtid per row. */
    IntPredicate in(GtidSet set) {
        long[][] byId = new long[uuids.size()][];
        for (int id = 0; id < byId.length; id++) {
            List<GtidInterval> intervals = set.intervals(uuids.get(id));
            long[] flat = new long[intervals.size() * 2];
            for (int k = 0; k < intervals.size(); k++) {
                flat[2 * k] = intervals.get(k).first();
                flat[2 * k + 1] = intervals.get(k).last();
            }
            byId[id] = flat;
        }
        return i -> contains(byId[uuidId[i]], gno[i]);
    }

    private static boolean contains(long[] flat, long g) {
        int lo = 0;
        int hi = flat.length / 2 - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (g < flat[2 * mid]) {
                hi = mid - 1;
            } else if (g > flat[2 * mid + 1]) {
                lo = mid + 1;
            } else {
                return true;
            }
        }
        return false;
    }
}
