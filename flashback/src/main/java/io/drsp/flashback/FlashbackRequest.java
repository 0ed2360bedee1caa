package io.drsp.flashback;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One flashback, as {@code drsp flashback} takes it: {@code --host/--port/--user} (or binlog files) is
 * {@code source}; {@code --exclude-gtids S | --gtids G | --start-time/--stop-time} is {@code selection};
 * {@code --databases/--tables} is {@code filter}; the target defaults to the source server;
 * {@code --dry-run DIR} and {@code --sql-log-bin} are in {@code options}.
 *
 * @param spillDir where selected row events are kept on disk during the run (a temporary file, removed after)
 */
public record FlashbackRequest(BinlogInput source, Selection selection, TableFilter filter, ConnectionSettings target,
                               FlashbackApplier.Options options, Path spillDir) {

    public FlashbackRequest {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(selection, "selection");
        filter = filter == null ? TableFilter.ALL : filter;
        if (target == null) {
            if (source instanceof BinlogInput.FromServer s) {
                target = s.server();
            } else {
                throw new IllegalArgumentException("reading binlog files needs a target server to apply to");
            }
        }
        options = options == null ? FlashbackApplier.Options.defaults() : options;
        spillDir = spillDir == null ? Path.of(System.getProperty("java.io.tmpdir")) : spillDir;
    }

    /** Reverse what a server's own binlog holds, on that server, with the default options. */
    public static FlashbackRequest onServer(ConnectionSettings server, Selection selection) {
        return new FlashbackRequest(new BinlogInput.FromServer(server), selection, TableFilter.ALL, null, null, null);
    }

    public FlashbackRequest withFilter(TableFilter f) {
        return new FlashbackRequest(source, selection, f, target, options, spillDir);
    }

    public FlashbackRequest withOptions(FlashbackApplier.Options o) {
        return new FlashbackRequest(source, selection, filter, target, o, spillDir);
    }
}
