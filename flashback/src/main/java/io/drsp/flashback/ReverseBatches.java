package io.drsp.flashback;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Turns a spilled transaction into rendered batches, in the order they must run: its reverse (events newest
 * first) or, for the archive, its forward SQL. One event is decoded at a time. Not thread-safe (one renderer):
 * each apply session has its own.
 */
final class ReverseBatches {
    private final SpillStore spill;
    private final Map<TableName, TableShape> shapes;
    private final IntFunction<String> charsets;
    private final SqlRenderer renderer;
    private final FlashbackApplier.Options options;

    ReverseBatches(SpillStore spill, Map<TableName, TableShape> shapes, IntFunction<String> charsets, FlashbackApplier.Options options) {
        this.spill = spill;
        this.shapes = shapes;
        this.charsets = charsets;
        this.renderer = new SqlRenderer(options.verifyImages());
        this.options = options;
    }

    void reverse(SpillStore.SpilledTransaction tx, Consumer<List<RenderedStatement>> sink) {
        Batcher batcher = new Batcher(sink);
        long[] offsets = tx.eventOffsets();
        for (int e = offsets.length - 1; e >= 0; e--) {
            SpillStore.SpilledEvent ev = spill.event(offsets[e]);
            RowsEvent rows = RowsEventDecoder.decode(ev.type(), ev.body(), ev.table(), charsets);
            for (RowStatement s : ReverseRowBuilder.reverse(shapes.get(ev.table().name()), rows)) {
                batcher.add(s);
            }
        }
        batcher.flush();
    }

    void forward(SpillStore.SpilledTransaction tx, Consumer<List<RenderedStatement>> sink) {
        Batcher batcher = new Batcher(sink);
        for (long offset : tx.eventOffsets()) {
            SpillStore.SpilledEvent ev = spill.event(offset);
            RowsEvent rows = RowsEventDecoder.decode(ev.type(), ev.body(), ev.table(), charsets);
            for (RowStatement s : ReverseRowBuilder.forward(shapes.get(ev.table().name()), rows)) {
                batcher.add(s);
            }
        }
        batcher.flush();
    }

    /** Groups consecutive statements of one kind on one table, up to the batch limits, and renders them. */
    private final class Batcher {
        private final Consumer<List<RenderedStatement>> sink;
        private final List<RowStatement> pending = new ArrayList<>();
        private long bytes;

        Batcher(Consumer<List<RenderedStatement>> sink) {
            this.sink = sink;
        }

        void add(RowStatement s) {
            if (!pending.isEmpty()) {
                RowStatement last = pending.get(pending.size() - 1);
                if (last.getClass() != s.getClass() || !last.table().def().name().equals(s.table().def().name())
                        || pending.size() >= options.batchRows() || bytes >= options.batchBytes()) {
                    flush();
                }
            }
            pending.add(s);
            bytes += estimate(s);
        }

        void flush() {
            if (!pending.isEmpty()) {
                sink.accept(renderer.render(pending));
                pending.clear();
                bytes = 0;
            }
        }
    }

    private static long estimate(RowStatement s) {
        SqlValue[] image = s instanceof RowStatement.InsertRow r ? r.image()
                : s instanceof RowStatement.DeleteRow r ? r.image() : ((RowStatement.UpdateRow) s).to();
        long n = 16L * image.length;
        for (SqlValue v : image) {
            if (v instanceof SqlValue.Bytes b) {
                n += 2L * b.bytes().length;
            } else if (v instanceof SqlValue.Geometry g) {
                n += 2L * g.internal().length;
            } else if (v instanceof SqlValue.Json) {
                n += 256;
            }
        }
        return s instanceof RowStatement.UpdateRow ? 2 * n : n;
    }
}
