package io.drsp.flashback;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The selected transactions' raw rows events, on disk, so that a range of many GB or one transaction of millions
 * of rows is read back newest first with only one event in memory at a time. Heap use is 8 bytes per
 * transaction (the offset of its trailer) plus the distinct table definitions.
 *
 * <p>Layout: per rows event {@code [type:int][tableDef:int][length:int][body]}; after a transaction's events its
 * trailer {@code [gtid:UTF][commitMicros:long][inserted:long][updated:long][deleted:long][events:int][offset:long]*}.
 */
final class SpillStore implements AutoCloseable {
    private final Path file;
    private final DataOutputStream out;
    private long written;
    private long[] trailers = new long[1024];
    private int count;
    private final List<TableDef> tableDefs = new ArrayList<>();
    private final java.util.Map<TableDef, Integer> tableDefIds = new java.util.HashMap<>();
    private volatile FileChannel reader;

    /** One spilled transaction, as read back from its trailer. */
    record SpilledTransaction(String gtid, long commitMicros, long inserted, long updated, long deleted, long[] eventOffsets) {
        long rows() {
            return inserted + updated + deleted;
        }
    }

    /** One spilled rows event: binlog event type, its table and raw body. */
    record SpilledEvent(int type, TableDef table, byte[] body) {
    }

    SpillStore(Path dir) {
        try {
            Files.createDirectories(dir);
            this.file = Files.createTempFile(dir, "flashback-", ".spill");
            this.out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a spill file in " + dir, e);
        }
    }

    private long[] pendingOffsets = new long[64];
    private int pending;

    void writeEvent(int type, TableDef table, byte[] body) {
        Integer id = tableDefIds.get(table);
        if (id == null) {
            id = tableDefs.size();
            tableDefs.add(table);
            tableDefIds.put(table, id);
        }
        try {
            if (pending == pendingOffsets.length) {
                pendingOffsets = Arrays.copyOf(pendingOffsets, pending * 2);
            }
            pendingOffsets[pending++] = written;
            out.writeInt(type);
            out.writeInt(id);
            out.writeInt(body.length);
            out.write(body);
            written += 12 + body.length;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write spill file " + file, e);
        }
    }

    /** Ends the current transaction: writes its trailer. */
    void endTransaction(String gtid, long commitMicros, long inserted, long updated, long deleted) {
        try {
            long at = written;
            java.io.ByteArrayOutputStream trailer = new java.io.ByteArrayOutputStream(64 + 8 * pending);
            DataOutputStream t = new DataOutputStream(trailer);
            t.writeUTF(gtid);
            t.writeLong(commitMicros);
            t.writeLong(inserted);
            t.writeLong(updated);
            t.writeLong(deleted);
            t.writeInt(pending);
            for (int i = 0; i < pending; i++) {
                t.writeLong(pendingOffsets[i]);
            }
            trailer.writeTo(out);
            written += trailer.size();
            pending = 0;
            if (count == trailers.length) {
                trailers = Arrays.copyOf(trailers, count * 2);
            }
            trailers[count++] = at;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write spill file " + file, e);
        }
    }

    /** Where the last transaction's trailer is: what {@link #dropTransaction} takes. */
    long lastTrailer() {
        return trailers[count - 1];
    }

    /**
     * Forgets a transaction ended earlier (an XA branch prepared in the range and then rolled back: its rows never
     * took effect). Before {@link #seal} only; its bytes stay in the file, unread.
     */
    void dropTransaction(long trailer) {
        for (int i = count - 1; i >= 0; i--) {
            if (trailers[i] == trailer) {
                System.arraycopy(trailers, i + 1, trailers, i, count - i - 1);
                count--;
                return;
            }
        }
        throw new IllegalStateException("no spilled transaction ends at " + trailer);
    }

    /** Drops events written since the last trailer (a transaction that ended up not selected or refused). */
    void discardPending() {
        pending = 0;
    }

    int transactions() {
        return count;
    }

    long bytes() {
        return written;
    }

    /** Transaction {@code i} in binlog order (0 is the oldest). */
    SpilledTransaction transaction(int i) {
        ByteBuffer head = read(trailers[i], 2);
        int utfLength = head.getShort() & 0xffff;
        ByteBuffer b = read(trailers[i], 2 + utfLength + 36);
        byte[] utf = new byte[2 + utfLength];
        b.get(utf);
        String gtid;
        try {
            gtid = new java.io.DataInputStream(new java.io.ByteArrayInputStream(utf)).readUTF();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long ts = b.getLong();
        long ins = b.getLong();
        long upd = b.getLong();
        long del = b.getLong();
        int events = b.getInt();
        ByteBuffer offs = read(trailers[i] + 2 + utfLength + 36, 8L * events);
        long[] offsets = new long[events];
        for (int e = 0; e < events; e++) {
            offsets[e] = offs.getLong();
        }
        return new SpilledTransaction(gtid, ts, ins, upd, del, offsets);
    }

    SpilledEvent event(long offset) {
        ByteBuffer head = read(offset, 12);
        int type = head.getInt();
        int table = head.getInt();
        int length = head.getInt();
        byte[] bytes = new byte[length];
        read(offset + 12, ByteBuffer.wrap(bytes));
        return new SpilledEvent(type, tableDefs.get(table), bytes);
    }

    /**
     * Opened once, on first read; positional reads on it are safe from several apply threads at once, so only
     * opening it takes the lock.
     */
    private FileChannel reader() throws IOException {
        FileChannel r = reader;
        if (r != null) {
            return r;
        }
        synchronized (this) {
            if (reader == null) {
                out.flush();
                reader = FileChannel.open(file, StandardOpenOption.READ);
            }
            return reader;
        }
    }

    private ByteBuffer read(long at, long length) {
        return read(at, ByteBuffer.allocate(Math.toIntExact(length)));
    }

    private ByteBuffer read(long at, ByteBuffer b) {
        try {
            FileChannel reader = reader();
            while (b.hasRemaining()) {
                if (reader.read(b, at + b.position()) < 0) {
                    throw new IOException("spill file " + file + " ends at " + (at + b.position()));
                }
            }
            return b.flip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read spill file " + file, e);
        }
    }

    /** Finishes writing; reading may start. */
    void seal() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write spill file " + file, e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
            if (reader != null) {
                reader.close();
            }
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove spill file " + file, e);
        }
    }
}
