package io.drsp.flashback;

import java.nio.file.Path;
import java.util.List;

/** Where the binlog to undo comes from. */
public sealed interface BinlogInput {

    /** A server's own binlog, through the replication protocol (needs REPLICATION SLAVE and REPLICATION CLIENT). */
    record FromServer(ConnectionSettings server) implements BinlogInput {
    }

    /** Binlog or relay log files, in order. */
    record FromFiles(List<Path> files) implements BinlogInput {
        public FromFiles {
            files = List.copyOf(files);
            if (files.isEmpty()) {
                throw new IllegalArgumentException("no binlog files given");
            }
        }
    }
}
