package io.drsp.flashback;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * What one transaction writes, as 64-bit hashes of (table, key, key value) for every key of every before and
 * after image, or of a table's token where {@link ConflictRule} says the whole table. Two transactions
 * conflict when their writesets share a hash; a hash collision only adds a conflict, never hides one.
 * {@code everything} marks a transaction that conflicts with all others: one with a triggered table, or one too
 * large to keep its writeset in memory.
 */
record Writeset(long[] hashes, boolean everything) {

    static final Writeset EVERYTHING = new Writeset(new long[0], true);

    /** Reads the transaction's events from the spill file and hashes their keys; at most {@code limit} hashes. */
    static Writeset of(SpillStore spill, SpillStore.SpilledTransaction tx, Map<TableName, ConflictRule> rules,
                       IntFunction<String> charsets, int limit) {
        long[] out = new long[64];
        int n = 0;
        for (long offset : tx.eventOffsets()) {
            SpillStore.SpilledEvent ev = spill.event(offset);
            ConflictRule rule = rules.get(ev.table().name());
            if (rule == null || rule.scope() == ConflictRule.Scope.ALL) {
                return EVERYTHING;
            }
            if (rule.scope() == ConflictRule.Scope.TABLE) {
                if (n == out.length) {
                    out = Arrays.copyOf(out, n * 2);
                }
                out[n++] = Hasher.start().add(rule.token()).finish();
                continue;
            }
            RowsEvent rows = RowsEventDecoder.decode(ev.type(), ev.body(), ev.table(), charsets);
            for (RowChange row : rows.rows()) {
                SqlValue[] before = row instanceof RowChange.Updated u ? u.before() : row instanceof RowChange.Deleted d ? d.before() : null;
                SqlValue[] after = row instanceof RowChange.Updated u ? u.after() : row instanceof RowChange.Inserted i ? i.after() : null;
                for (SqlValue[] image : new SqlValue[][] {before, after}) {
                    if (image == null) {
                        continue;
                    }
                    List<List<Integer>> keys = rule.keys();
                    for (int k = 0; k < keys.size(); k++) {
                        if (n == out.length) {
                            if (n >= limit) {
                                return EVERYTHING;
                            }
                            out = Arrays.copyOf(out, Math.min(n * 2, limit));
                        }
                        out[n++] = keyHash(rule.token(), k, keys.get(k), image);
                    }
                }
            }
        }
        long[] sorted = Arrays.copyOf(out, n);
        Arrays.sort(sorted);
        int distinct = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (i == 0 || sorted[i] != sorted[i - 1]) {
                sorted[distinct++] = sorted[i];
            }
        }
        return new Writeset(Arrays.copyOf(sorted, distinct), false);
    }

    private static long keyHash(String table, int key, List<Integer> columns, SqlValue[] image) {
        Hasher h = Hasher.start().add(table).add(key);
        for (int c : columns) {
            addValue(h, image[c]);
        }
        return h.finish();
    }

    /**
     * Feeds a key value in a form equal keys share. Only types {@link ConflictRules} allows in a key reach here;
     * where two spellings of one value are conceivable (a DECIMAL's trailing zeros, -0.0) they are merged.
     */
    private static void addValue(Hasher h, SqlValue v) {
        if (v instanceof SqlValue.Null) {
            h.add(0);
        } else if (v instanceof SqlValue.Int i) {
            h.add(1).add(i.value());
        } else if (v instanceof SqlValue.Decimal d) {
            h.add(2).add(d.value().signum() == 0 ? "0" : d.value().stripTrailingZeros().toPlainString());
        } else if (v instanceof SqlValue.Real r) {
            h.add(3).add(Double.doubleToLongBits(r.value() == 0.0 ? 0.0 : r.value()));
        } else if (v instanceof SqlValue.Bytes b) {
            h.add(4).add(b.bytes());
        } else if (v instanceof SqlValue.Temporal t) {
            h.add(5).add(t.text());
        } else if (v instanceof SqlValue.Year y) {
            h.add(6).add(y.value());
        } else if (v instanceof SqlValue.Bit b) {
            h.add(7).add(b.value());
        } else if (v instanceof SqlValue.EnumIndex e) {
            h.add(8).add(e.index());
        } else if (v instanceof SqlValue.SetBits s) {
            h.add(9).add(s.bits());
        } else {
            // JSON or GEOMETRY cannot be in a key; hash the kind alone so that any such value conflicts
            h.add(10);
        }
    }

    /** FNV-1a over the fed values, finished with a 64-bit mix. */
    private static final class Hasher {
        private long h = 0xcbf29ce484222325L;

        static Hasher start() {
            return new Hasher();
        }

        Hasher add(long v) {
            for (int i = 0; i < 8; i++) {
                h = (h ^ ((v >>> (8 * i)) & 0xff)) * 0x100000001b3L;
            }
            return this;
        }

        Hasher add(byte[] b) {
            add(b.length);
            for (byte x : b) {
                h = (h ^ (x & 0xff)) * 0x100000001b3L;
            }
            return this;
        }

        Hasher add(String s) {
            return add(s.getBytes(StandardCharsets.UTF_8));
        }

        long finish() {
            long z = h;
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            return z ^ (z >>> 31);
        }
    }
}
