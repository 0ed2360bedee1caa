package io.drsp.agent.relay;

import com.github.shyiko.mysql.binlog.BinaryLogFileReader;
import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDeserializer;
import io.drsp.core.gtid.Gtid;
import io.drsp.core.gtid.GtidSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * The relay index of one DR shard: for every complete transaction in its relay log, the GTID, production's
 * {@code original_commit_timestamp}, where it ends in the relay log, its size and any XA identity. This is how drsp
 * turns "recover to 10:00:00" into the GTID set to replay, since MySQL itself has no "replay until time".
 *
 * <p>{@link #refresh()} reads only relay bytes it has not read before: new files and the new complete events of the
 * file being written. Transactions of relay files MySQL purged after applying them leave the index. Nothing is
 * persisted: {@link #open} rebuilds the index from the relay files, which reads them several times faster than
 * {@code mysqlbinlog} decodes them (see {@code bench/relay-index/RESULTS.md}), so an agent restart costs seconds.
 *
 * <p>Answers describe the relay log as of the last refresh. All methods are thread-safe.
 */
public final class RelayIndex {

    private static final int READ_BUFFER = 1 << 20;
    private static final int HEAD_BYTES = 512;

    private final Path indexFile;
    private final byte[] buffer = new byte[READ_BUFFER];
    /** Every relay file met, by id; ids grow in relay order and are never reused. */
    private final List<RelayFile> files = new ArrayList<>();
    /** Files listed in the index and present, by path. */
    private final Map<Path, RelayFile> live = new LinkedHashMap<>();

    private TransactionTable table;
    private TransactionAssembler assembler;
    private EventDeserializer deserializer;
    private GtidSet retrievedCache;

    private RelayIndex(Path indexFile) {
        this.indexFile = indexFile.toAbsolutePath().normalize();
        resetState();
    }

    /**
     * Opens the relay log of a DR shard through its index file ({@code SELECT @@relay_log_index}, resolved against
     * {@code @@datadir}) and indexes every relay file listed in it.
     *
     * @throws IllegalArgumentException if the index file does not exist
     */
    public static RelayIndex open(Path relayLogIndexFile) {
        Objects.requireNonNull(relayLogIndexFile, "relay log index file");
        if (!Files.isRegularFile(relayLogIndexFile)) {
            throw new IllegalArgumentException("relay log index " + relayLogIndexFile + " does not exist; expected the "
                    + "file named by @@relay_log_index in the DR shard's data directory");
        }
        RelayIndex index = new RelayIndex(relayLogIndexFile);
        index.refresh();
        return index;
    }

    /** The relay log index file this index follows. */
    public Path indexFile() {
        return indexFile;
    }

    /**
     * Brings the index up to date with the relay log: forgets transactions of purged files, then reads new complete
     * events from where the last refresh stopped (a transaction cut at the end of the file being written is indexed
     * once the rest of it arrives).
     */
    public synchronized RefreshResult refresh() {
        try {
            List<Path> listed = RelayLogIndexFile.read(indexFile);
            long dropped = dropVanished(listed);
            if (!sameFilesAsBefore()) {
                // RESET REPLICA, or a CHANGE REPLICATION SOURCE TO that purged the relay log: MySQL starts again at
                // relay.000001, so a name no longer says which file it is. Forget everything and read afresh.
                dropped += table.size();
                resetState();
            }
            for (Path p : listed) {
                live.computeIfAbsent(p, path -> {
                    RelayFile f = new RelayFile(files.size(), path);
                    files.add(f);
                    return f;
                });
            }
            long before = table.size();
            long bytes = 0;
            int filesRead = 0;
            for (int i = 0; i < listed.size(); i++) {
                RelayFile f = live.get(listed.get(i));
                if (f.finished) {
                    continue;
                }
                bytes += read(f);
                filesRead++;
                if (i < listed.size() - 1) {
                    // MySQL lists a new relay file only after closing the previous one, and the list was read before
                    // this file's size: nothing more will be written to it.
                    f.finished = true;
                } else {
                    break;
                }
            }
            long added = table.size() - before;
            if (added > 0 || dropped > 0) {
                retrievedCache = null;
            }
            return new RefreshResult(added, dropped, bytes, filesRead);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read relay log of " + indexFile, e);
        }
    }

    /**
     * Whether every relay file read before is still the same file: not shorter than what was read, and starting
     * with the same bytes (the relay log's own format description with its creation time, then the previous-GTIDs
     * set), so a relay.000012 recreated after a reset is never taken for the one indexed earlier.
     */
    private boolean sameFilesAsBefore() throws IOException {
        for (RelayFile f : live.values()) {
            if (f.head == null) {
                continue;
            }
            try (FileChannel channel = FileChannel.open(f.path, StandardOpenOption.READ)) {
                if (channel.size() < f.readUpTo || !Arrays.equals(f.head, readHead(channel, f.head.length))) {
                    return false;
                }
            } catch (NoSuchFileException e) {
                // purged between the listing and now; the next refresh drops it
            }
        }
        return true;
    }

    private static byte[] readHead(FileChannel channel, int length) throws IOException {
        ByteBuffer head = ByteBuffer.allocate((int) Math.min(length, channel.size()));
        while (head.hasRemaining() && channel.read(head, head.position()) >= 0) {
            // read until full
        }
        return head.array();
    }

    /** Every indexed transaction, i.e. complete in a relay file still listed and present at the last refresh. */
    public synchronized GtidSet retrieved() {
        if (retrievedCache == null) {
            retrievedCache = table.gtids(i -> true);
        }
        return retrievedCache;
    }

    /**
     * The retrieved transactions whose production {@code original_commit_timestamp} is at or before {@code t} (µs
     * since the epoch). Whole transactions only. This is a filter on commit time, not a prefix of the relay log: if
     * production's clock stepped back, a later transaction with an earlier time is included and an earlier one with
     * a later time is not.
     */
    public synchronized GtidSet committedAtOrBefore(long originalCommitMicros) {
        return table.gtids(i -> table.commitMicros(i) <= originalCommitMicros);
    }

    /** The newest original commit time among retrieved transactions: where the recoverable window ends. */
    public synchronized OptionalLong lastCommitMicros() {
        if (table.size() == 0) {
            return OptionalLong.empty();
        }
        long max = Long.MIN_VALUE;
        for (int i = 0; i < table.size(); i++) {
            max = Math.max(max, table.commitMicros(i));
        }
        return OptionalLong.of(max);
    }

    /** The oldest original commit time among retrieved transactions. */
    public synchronized OptionalLong firstCommitMicros() {
        if (table.size() == 0) {
            return OptionalLong.empty();
        }
        long min = Long.MAX_VALUE;
        for (int i = 0; i < table.size(); i++) {
            min = Math.min(min, table.commitMicros(i));
        }
        return OptionalLong.of(min);
    }

    /** Relay bytes of the indexed transactions in {@code set}: what replaying them reads (for dry runs). */
    public synchronized long bytesOf(GtidSet set) {
        IntPredicate in = table.in(set);
        long sum = 0;
        for (int i = 0; i < table.size(); i++) {
            if (in.test(i)) {
                sum += table.bytes(i);
            }
        }
        return sum;
    }

    /** The indexed transactions in {@code set}, in relay order (for XA resolution and reports). */
    public synchronized List<RelayTransaction> transactionsIn(GtidSet set) {
        IntPredicate in = table.in(set);
        List<RelayTransaction> out = new ArrayList<>();
        for (int i = 0; i < table.size(); i++) {
            if (in.test(i)) {
                out.add(new RelayTransaction(table.gtid(i), table.commitMicros(i), files.get(table.fileId(i)).name(),
                        table.endPosition(i), table.bytes(i), table.xa(i)));
            }
        }
        return out;
    }

    /**
     * What replaying to {@code applied + cut} would apply, in relay order: the planner refuses a cut that is not a
     * prefix of the unapplied relay log, since MySQL's applier would run through its holes.
     */
    public synchronized ReplayClosure replayClosure(GtidSet cut, GtidSet applied) {
        return table.replayClosure(cut, applied);
    }

    /** The planner's view of this shard for time {@code t}, given what the shard has applied (see {@link XaView}). */
    public synchronized XaView xaView(long t, GtidSet applied) {
        return xaView(committedAtOrBefore(t), applied, Set.of());
    }

    /**
     * The planner's view of this shard for a cut: how many unapplied transactions in relay order lie before the first
     * one outside {@code cut}, and the XA statements the planner needs. Those are every unapplied one, the applied
     * XA PREPAREs whose decision is not applied (branches left prepared on DR), and the applied statements of the
     * global transactions in {@code gtrids} (what other shards hold in doubt): a whole relay log of applied XA
     * history would not fit in an answer and says nothing the planner needs.
     */
    public synchronized XaView xaView(GtidSet cut, GtidSet applied, Set<String> gtrids) {
        IntPredicate done = table.in(applied);
        IntPredicate inCut = table.in(cut);
        long ordinal = 0;
        long cutLength = -1;
        List<XaView.Statement> statements = new ArrayList<>();
        Map<String, XaView.Statement> preparedOnDr = new LinkedHashMap<>(); // by sqlXid
        for (int i = 0; i < table.size(); i++) {
            boolean isApplied = done.test(i);
            if (!isApplied && cutLength < 0 && !inCut.test(i)) {
                cutLength = ordinal; // a prefix: MySQL's applier goes in relay order
            }
            XaInfo x = table.xa(i);
            if (x != null) {
                XaView.Statement st = new XaView.Statement(table.gtid(i), isApplied ? -1 : ordinal, table.commitMicros(i), x, isApplied);
                if (!isApplied || gtrids.contains(x.gtrid())) {
                    statements.add(st);
                } else if (x.phase() == XaPhase.PREPARE) {
                    preparedOnDr.put(x.sqlXid(), st);
                } else if (x.phase() == XaPhase.COMMIT || x.phase() == XaPhase.ROLLBACK) {
                    preparedOnDr.remove(x.sqlXid());
                }
            }
            if (!isApplied) {
                ordinal++;
            }
        }
        statements.addAll(preparedOnDr.values());
        statements.sort(java.util.Comparator.comparingLong(XaView.Statement::ordinal)); // applied (-1) first, stable
        return new XaView(cutLength < 0 ? ordinal : cutLength, statements);
    }

    /** The first {@code n} unapplied transactions in relay order: a planned cut as the GTID set to replay to. */
    public synchronized GtidSet unappliedPrefix(long n, GtidSet applied) {
        IntPredicate done = table.in(applied);
        int end = 0; // relay index just past the n-th unapplied transaction
        for (long seen = 0; end < table.size() && seen < n; end++) {
            if (!done.test(end)) {
                seen++;
            }
        }
        int last = end;
        return table.gtids(i -> i < last && !done.test(i));
    }

    /** Number of indexed transactions. */
    public synchronized long size() {
        return table.size();
    }

    private void resetState() {
        files.clear();
        live.clear();
        table = new TransactionTable();
        assembler = new TransactionAssembler(table);
        deserializer = RelayEventDeserializers.forRelayFile();
        retrievedCache = null;
    }

    /** Forgets files no longer listed or no longer on disk, and their transactions. */
    private long dropVanished(List<Path> listed) {
        Set<Path> listedNow = new HashSet<>(listed);
        Set<Integer> gone = new HashSet<>();
        live.values().removeIf(f -> {
            if (listedNow.contains(f.path) && Files.exists(f.path)) {
                return false;
            }
            gone.add(f.id);
            if (!f.finished) {
                assembler.reset(); // the file being read is gone: its open transaction can never complete
            }
            return true;
        });
        listed.removeIf(p -> !Files.exists(p)); // listed but already deleted: MySQL is purging it right now
        return gone.isEmpty() ? 0 : table.removeFiles(gone::contains);
    }

    /**
     * Reads the new complete events of one relay file and feeds them to the assembler.
     *
     * @return bytes read
     */
    private long read(RelayFile f) throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(f.path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return 0; // purged between listing and opening; the next refresh drops it
        }
        try (channel) {
            long size = channel.size();
            if (f.head == null || f.head.length < HEAD_BYTES && size > f.head.length) {
                f.head = readHead(channel, HEAD_BYTES);
            }
            long start = f.readUpTo;
            long magicBytes = 0;
            if (start == 0) {
                if (size < CompleteEventsInputStream.MAGIC.length) {
                    return 0; // just created, header not yet written
                }
                byte[] magic = new byte[CompleteEventsInputStream.MAGIC.length];
                channel.read(ByteBuffer.wrap(magic), 0);
                if (!Arrays.equals(magic, CompleteEventsInputStream.MAGIC)) {
                    throw new RelayLogCorruptException(f.name(), 0, "not a binary log file (no magic number)");
                }
                start = magic.length;
                magicBytes = magic.length;
            }
            CompleteEventsInputStream in = new CompleteEventsInputStream(channel, f.name(), start, size, buffer);
            BinaryLogFileReader reader = new BinaryLogFileReader(in, deserializer);
            long position = start;
            for (Event e = reader.readEvent(); e != null; e = reader.readEvent()) {
                RelayEventHeader h = (RelayEventHeader) e.getHeader();
                long length = h.getEventLength();
                position += length;
                if (in.position() != position) {
                    throw new RelayLogCorruptException(f.name(), position - length, "the event of type " + h.typeCode()
                            + " and length " + length + " was decoded to position " + in.position()
                            + "; its checksum setting or layout is not what its format description says");
                }
                assembler.accept(h.typeCode(), e.getData(), length, f.id, position);
                f.readUpTo = position; // per event: a failure further on must not make the next refresh index twice
            }
            return position - start + magicBytes;
        }
    }

    /** One relay file as far as the index has read it. */
    private static final class RelayFile {
        final int id;
        final Path path;
        /** The file's first bytes as first read, up to {@link #HEAD_BYTES}: its identity. */
        byte[] head;
        long readUpTo;
        boolean finished;

        RelayFile(int id, Path path) {
            this.id = id;
            this.path = path;
        }

        String name() {
            return path.getFileName().toString();
        }
    }
}
