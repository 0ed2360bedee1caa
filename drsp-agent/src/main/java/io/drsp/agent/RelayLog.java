package io.drsp.agent;

import io.drsp.core.config.Site;
import io.drsp.core.gtid.GtidSet;
import io.drsp.core.mysql.MysqlAdmin;
import io.drsp.core.mysql.ReplicaStatus;
import io.drsp.agent.relay.RelayIndex;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * This DR member's relay log as drsp reads it: one relay index per member, kept current (the agent's warm-up, recovery
 * cuts and status all read through it, under one lock), and what it adds to MySQL's status.
 */
final class RelayLog {
    private final MemberConnection member;
    private final NodeKey key;
    /** Guards {@link #relayIndex}. */
    private final ReentrantLock relayLock = new ReentrantLock();
    private RelayIndex relayIndex;

    RelayLog(MemberConnection member) {
        this.member = member;
        this.key = member.key();
    }

    private MysqlAdmin session() {
        return member.session();
    }

    /** Runs {@code discard} (which deletes the relay log files) and forgets the index that described them. */
    void discard(SqlAction discard) throws SQLException {
        relayLock.lock();
        try {
            discard.run();
            relayIndex = null; // it described files that are gone; new ones may take the same names
        } finally {
            relayLock.unlock();
        }
    }

    interface SqlAction {
        void run() throws SQLException;
    }

    /** Where MySQL keeps this instance's relay log index: the agent runs on the database host and reads it there. */
    static Path indexFile(MysqlAdmin s) {
        Path index = Path.of(s.variable("relay_log_index").orElseThrow());
        return index.isAbsolute() ? index : Path.of(s.variable("datadir").orElseThrow()).resolve(index);
    }

    /**
     * Keeps this DR shard's relay index current, so that a recovery cut or a status after an agent restart does not
     * have to read the whole relay log first (a full build reads it at a few hundred MB/s). No-op without a link.
     */
    void refresh() {
        if (key.site() != Site.DR) {
            return;
        }
        try (MysqlAdmin s = session()) {
            if (s.replicaStatus().isPresent()) {
                fresh(s);
            }
        }
    }

    /** The relay index brought up to date with the relay log, built on first use. */
    RelayIndex fresh(MysqlAdmin s) {
        Path indexFile = indexFile(s);
        relayLock.lock();
        try {
            if (relayIndex == null || !relayIndex.indexFile().equals(indexFile)) {
                relayIndex = RelayIndex.open(indexFile);
            } else {
                relayIndex.refresh();
            }
            return relayIndex;
        } finally {
            relayLock.unlock();
        }
    }

    /**
     * Relay bytes of the retrieved but unapplied transactions, from the relay index: MySQL's own numbers cannot say
     * it (Relay_Log_Space counts every relay file, the current one's applied part too). Null while
     * the index is first being built or busy: status answers at once rather than wait for a read of the relay log.
     */
    Figures figures(MysqlAdmin s, ReplicaStatus r, GtidSet executed) {
        GtidSet backlog = r.retrievedGtidSet().subtract(executed);
        Long free = diskFree(s);
        Figures unknown = new Figures(backlog.isEmpty() ? 0L : null, null, free);
        try {
            if (!relayLock.tryLock(1, TimeUnit.SECONDS)) {
                return unknown;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unknown;
        }
        try {
            if (relayIndex == null) {
                return unknown;
            }
            RelayIndex index = fresh(s); // the lock is reentrant; the refresh reads only new relay log
            java.util.OptionalLong last = index.lastCommitMicros();
            return new Figures(backlog.isEmpty() ? 0L : index.bytesOf(backlog), last.isPresent() ? last.getAsLong() : null, free);
        } finally {
            relayLock.unlock();
        }
    }

    /**
     * What the relay index adds to MySQL's status: the unapplied transactions' bytes, and the production commit time
     * of the newest transaction retrieved (what a loss of production now would keep: the RPO's side on DR).
     */
    record Figures(Long backlogBytes, Long lastRetrievedSourceMicros, Long relayDiskFreeBytes) {
    }

    /** Free bytes where the relay log lives: the agent runs on the database host, so it asks the file system. */
    private static Long diskFree(MysqlAdmin s) {
        try {
            Path dir = indexFile(s).toAbsolutePath().getParent();
            return java.nio.file.Files.getFileStore(dir).getUsableSpace();
        } catch (java.io.IOException | RuntimeException e) {
            return null; // not on this host, or not readable by the agent: shown as unknown
        }
    }

}
