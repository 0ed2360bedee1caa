package io.drsp.agent;

import io.drsp.core.config.Endpoint;
import io.drsp.core.config.UserRef;
import io.drsp.core.gtid.GtidSet;
import io.drsp.core.mysql.MysqlAdmin;
import io.drsp.core.mysql.ReplicaStatus;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * This DR member's replication link: configuring it with its delay, stopping it with its relay log kept, dropping it,
 * and the recovery's replay to an exact GTID set. Never loses retrieved relay log: it may be all that is left of a
 * lost production.
 */
final class Links {
    private static final Duration IO_THREAD_DEADLINE = Duration.ofSeconds(15);

    private final MemberConnection member;
    private final NodeKey key;
    private final UserRef replication;
    private final RelayLog relayLog;

    Links(MemberConnection member, UserRef replication, RelayLog relayLog) {
        this.member = member;
        this.key = member.key();
        this.replication = replication;
        this.relayLog = relayLog;
    }

    /**
     * Makes this DR shard replicate from {@code source} with {@code delaySeconds}, and read-only. Idempotent: a link
     * already pointing at the source only gets its delay changed, with the receiver left running, so relay log
     * already retrieved is never thrown away (it may be all that is left of a lost production).
     */
    /**
     * The link's TLS, as drsp.tls.mysql asks: the receiver verifies production's certificate against the CA (the path
     * is read by the DR server, so the file must be there on its host) and, with verify-identity, its host name.
     * Without it the options are left out, which a CHANGE REPLICATION SOURCE keeps as they were: a link drsp made
     * with TLS and now makes without is turned back by SOURCE_SSL = 0.
     */
    private String sslOptions() {
        return member.tls().map(t -> ", SOURCE_SSL = 1, SOURCE_SSL_CA = " + MemberConnection.literal(t.ca().toString())
                + ", SOURCE_SSL_VERIFY_SERVER_CERT = " + (t.verifyIdentity() ? 1 : 0)).orElse(", SOURCE_SSL = 0");
    }

    String ensureLink(Endpoint source, int delaySeconds) {
        try (MysqlAdmin s = member.session(); Statement st = s.connection().createStatement()) {
            st.execute("SET GLOBAL super_read_only = ON");
            Optional<ReplicaStatus> current = s.replicaStatus();
            boolean sameSource = current.isPresent() && current.get().sourceHost().equals(source.host())
                    && current.get().sourcePort() == source.port() && current.get().sourceUser().equals(replication.name())
                    && current.get().sslAllowed() == member.tls().isPresent()
                    && current.get().sslCaFile().equals(member.tls().map(t -> t.ca().toString()).orElse(""));
            if (sameSource && !current.get().autoPosition() && !current.get().ioThreadRunning()
                    && current.get().retrievedGtidSet().subtract(s.gtidExecuted()).isEmpty()) {
                sameSource = false; // position-based after a recovery, nothing left to apply: back to auto-position, losslessly
            }
            String detail;
            if (!sameSource) {
                st.execute("STOP REPLICA");
                String password = replication.password().resolve();
                try {
                    st.execute("CHANGE REPLICATION SOURCE TO SOURCE_HOST = " + MemberConnection.literal(source.host())
                            + ", SOURCE_PORT = " + source.port() + ", SOURCE_USER = " + MemberConnection.literal(replication.name())
                            + ", SOURCE_PASSWORD = " + MemberConnection.literal(password) + ", SOURCE_AUTO_POSITION = 1"
                            + ", GET_SOURCE_PUBLIC_KEY = 1, SOURCE_CONNECT_RETRY = 5, SOURCE_DELAY = " + delaySeconds
                            + sslOptions());
                } catch (SQLException e) {
                    throw new SQLException(e.getMessage().replace(password, "***"), e.getSQLState(), e.getErrorCode());
                }
                detail = "link configured from " + source + " with delay " + delaySeconds + " s";
            } else if (current.get().sqlDelay() != delaySeconds) {
                st.execute("STOP REPLICA SQL_THREAD");
                changeDelayKeepingRelayLog(s, st, delaySeconds);
                detail = "delay changed from " + current.get().sqlDelay() + " s to " + delaySeconds + " s";
            } else {
                detail = "link from " + source + " already has delay " + delaySeconds + " s";
            }
            st.execute("START REPLICA");
            // Applied relay log is of no use to DR (recoveries and the relay index read only what is unapplied), and
            // a delay change with the receiver stopped, a recovery or an older drsp may have left purging off.
            st.execute("SET GLOBAL relay_log_purge = ON");
            awaitReceiverConnected(s, source);
            return detail;
        } catch (SQLException e) {
            throw new MysqlOperationException(member.where() + ": cannot configure its link: " + e.getMessage(), e);
        }
    }

    private void awaitReceiverConnected(MysqlAdmin s, Endpoint source) {
        Instant deadline = Instant.now().plus(IO_THREAD_DEADLINE);
        ReplicaStatus r = null;
        while (Instant.now().isBefore(deadline)) {
            r = s.replicaStatus().orElseThrow();
            if (r.lastIoError().isPresent()) {
                throw new MysqlOperationException(key.describe() + " cannot replicate from " + source + ": "
                        + r.lastIoError().get().describe());
            }
            if (r.ioThreadRunning() && r.sqlThreadRunning()) {
                return;
            }
            MemberConnection.pause(100);
        }
        throw new MysqlOperationException(key.describe() + ": receiver from " + source + " not running after "
                + IO_THREAD_DEADLINE.toSeconds() + " s (" + (r == null ? "?" : r.ioRunning() + ", " + r.ioState()) + ")");
    }

    /** Stops both replication threads and keeps the relay log, so a later recover or sync loses nothing. */
    String stopLink() {
        try (MysqlAdmin s = member.session(); Statement st = s.connection().createStatement()) {
            if (s.replicaStatus().isEmpty()) {
                return "no link configured";
            }
            st.execute("STOP REPLICA");
            return "link stopped, relay log kept";
        } catch (SQLException e) {
            throw new MysqlOperationException(member.where() + ": cannot stop its link: " + e.getMessage(), e);
        }
    }

    /**
     * Stops replicating and forgets the link with its relay log (RESET REPLICA ALL). Switchback uses it twice: on a
     * production primary that has caught up with DR, and on a DR primary before it follows production again, whose
     * relay log still holds the production transactions laststamp rolled back, under GTIDs production reuses for new
     * ones. Only ever after drsp has checked that nothing in that relay log is still needed. Idempotent.
     */
    String dropLink() {
        try (MysqlAdmin s = member.session(); Statement st = s.connection().createStatement()) {
            if (s.replicaStatus().isEmpty()) {
                return "no link configured";
            }
            st.execute("STOP REPLICA");
            relayLog.discard(() -> st.execute("RESET REPLICA ALL"));
            return "link and relay log discarded";
        } catch (SQLException e) {
            throw new MysqlOperationException(member.where() + ": cannot discard its link: " + e.getMessage(), e);
        }
    }

    /**
     * Starts applying the relay log up to exactly {@code target} (the whole GTID set this shard must have executed),
     * with the delay lifted: a recovery must not wait out SOURCE_DELAY. Idempotent: a shard already at the target
     * is left alone, and an applier already running towards it keeps running.
     */
    String startReplay(GtidSet target) {
        try (MysqlAdmin s = member.session(); Statement st = s.connection().createStatement()) {
            GtidSet executed = s.gtidExecuted();
            ReplicaStatus link = s.replicaStatus().orElseThrow(() -> new MysqlOperationException(
                    key.describe() + " has no link to replay from; run sync first"));
            if (link.ioThreadRunning()) {
                throw new MysqlOperationException(key.describe() + ": its receiver is still running; stopsync first");
            }
            if (executed.containsAll(target)) {
                return "already at the target";
            }
            if (link.sqlThreadRunning()) {
                return "applier already running";
            }
            if (link.sqlDelay() != 0) {
                changeDelayKeepingRelayLog(s, st, 0);
            }
            st.execute("START REPLICA SQL_THREAD UNTIL SQL_AFTER_GTIDS = '" + target.toCompactString() + "'");
            return "replaying " + target.subtract(executed).size() + " transactions";
        } catch (SQLException e) {
            throw new MysqlOperationException(member.where() + ": cannot start the replay: " + e.getMessage(), e);
        }
    }

    /**
     * Changes SOURCE_DELAY without losing a byte of relay log. With the receiver stopped, MySQL deletes every relay
     * log file on CHANGE REPLICATION SOURCE unless the statement names a relay log position; the retrieved but not
     * yet applied transactions may be all that is left of a lost production. So the applier's own current position
     * is named, which keeps the files. MySQL then sets relay_log_purge off for good; {@link #ensureLink} turns it back
     * on, or applied relay log would pile up for as long as sync runs.
     * Found by the recovery test: a recover that lifted the delay with the receiver stopped had lost its backlog.
     */
    private static void changeDelayKeepingRelayLog(MysqlAdmin s, Statement st, int delaySeconds) throws SQLException {
        ReplicaStatus r = s.replicaStatus().orElseThrow();
        if (r.sqlThreadRunning()) {
            throw new SQLException("the applier must be stopped to change the delay");
        }
        // Naming a relay position is refused while auto-positioning is on, so the link goes position-based: it then
        // continues exactly from the receiver's own source position, and ensureLink returns it to auto-positioning
        // once that costs nothing (relay log fully applied).
        String keep = r.ioThreadRunning() ? "" : ", SOURCE_AUTO_POSITION = 0, RELAY_LOG_FILE = " + MemberConnection.literal(r.relayLogFile())
                + ", RELAY_LOG_POS = " + r.relayLogPos();
        st.execute("CHANGE REPLICATION SOURCE TO SOURCE_DELAY = " + delaySeconds + keep);
        GtidSet after = s.replicaStatus().orElseThrow().retrievedGtidSet();
        if (!after.containsAll(r.retrievedGtidSet())) {
            throw new SQLException("changing the delay lost retrieved relay log (" + r.retrievedGtidSet().subtract(after)
                    .toCompactString() + "); stop and investigate before anything else");
        }
    }

}
