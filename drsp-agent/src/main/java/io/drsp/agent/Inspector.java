package io.drsp.agent;

import io.drsp.core.config.Endpoint;
import io.drsp.core.config.Site;
import io.drsp.core.gtid.GtidSet;
import io.drsp.core.mysql.MysqlAdmin;
import io.drsp.core.mysql.ReplicaStatus;
import io.drsp.core.mysql.ReplicationError;
import io.drsp.core.mysql.Role;
import io.drsp.core.mysql.SettingViolation;
import io.drsp.agent.relay.RelayIndex;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Looking at this member: its GTID state, read-only flags, settings, link and relay figures, the production time its
 * data stands at, a recovery cut from its relay index, and its snapshot for a snapshot point. An unreachable member
 * is a normal answer, not an exception.
 */
final class Inspector {
    private final MemberConnection member;
    private final NodeKey key;
    private final Endpoint endpoint;
    private final RelayLog relayLog;
    private final Heartbeat heartbeat;

    Inspector(MemberConnection member, RelayLog relayLog, Heartbeat heartbeat) {
        this.member = member;
        this.key = member.key();
        this.endpoint = member.endpoint();
        this.relayLog = relayLog;
        this.heartbeat = heartbeat;
    }

    private Role role() {
        return key.site() == Site.PRODUCTION ? Role.PRODUCTION_SHARD : Role.DR_SHARD;
    }

    private static Long boxed(java.util.OptionalLong v) {
        return v.isPresent() ? v.getAsLong() : null;
    }

    private static boolean isOn(Optional<String> flag) {
        return flag.map(v -> v.equalsIgnoreCase("ON") || v.equals("1")).orElse(false);
    }

    NodeInspection look(boolean full) {
        try (MysqlAdmin s = member.session()) {
            List<String> violations = full ? s.checkRequiredSettings(role()).stream().map(SettingViolation::describe).toList() : List.of();
            GtidSet executed = s.gtidExecuted();
            boolean superReadOnly = isOn(s.variable("super_read_only"));
            boolean readOnly = isOn(s.variable("read_only"));
            NodeInspection.LinkView link = s.replicaStatus()
                    .map(r -> linkView(r, executed, full ? relayLog.figures(s, r, executed) : new RelayLog.Figures(null, null, null))).orElse(null);
            Long applied = full ? appliedSourceTime(s.connection()) : null;
            XaOps.Prepared xa = full ? XaOps.preparedNow(s) : null;
            return new NodeInspection(key.toString(), endpoint.toString(), true, null, s.serverUuid(), executed.toString(),
                    s.gtidPurged().toString(), superReadOnly, readOnly, violations, link, applied, NodeInspection.nowMicros(),
                    xa == null ? null : xa.xids().size(), xa == null ? null : xa.oldestSeconds(), heartbeat.writtenMicros());
        } catch (RuntimeException | SQLException e) {
            return NodeInspection.unreachable(key, endpoint.toString(), e.getMessage(), heartbeat.writtenMicros());
        }
    }

    private static NodeInspection.LinkView linkView(ReplicaStatus r, GtidSet executed, RelayLog.Figures relay) {
        GtidSet backlog = r.retrievedGtidSet().subtract(executed);
        return new NodeInspection.LinkView(r.ioRunning(), r.sqlRunning(), r.sqlState(),
                r.lastIoError().map(e -> e.describe()).orElse(null), r.lastSqlError().map(e -> e.describe()).orElse(null),
                r.sourceHost() + ":" + r.sourcePort(), r.sqlDelay(),
                r.sqlRemainingDelay().isPresent() ? r.sqlRemainingDelay().getAsLong() : null,
                r.retrievedGtidSet().toString(), executed.toString(), backlog.size(), relay.backlogBytes(), boxed(r.secondsBehindSource()),
                r.lastIoError().map(ReplicationError::errno).orElse(null), r.lastSqlError().map(ReplicationError::errno).orElse(null),
                r.relayLogSpace(), relay.lastRetrievedSourceMicros(), relay.relayDiskFreeBytes(), r.sslAllowed());
    }

    /**
     * The production time this instance stands at. The applier's own record of the last original commit time is
     * exact but resets when mysqld restarts; the replicated heartbeat survives restarts and keeps moving while
     * production is idle. The later of the two is the truth.
     */
    private Long appliedSourceTime(Connection c) throws SQLException {
        Long best = null;
        if (key.site() == Site.DR) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT CAST(COALESCE(MAX(UNIX_TIMESTAMP(LAST_APPLIED_TRANSACTION_ORIGINAL_COMMIT_TIMESTAMP)), 0) * 1000000 AS SIGNED)"
                            + " FROM performance_schema.replication_applier_status_by_worker WHERE CHANNEL_NAME = ''")) {
                if (rs.next() && rs.getLong(1) > 0) {
                    best = rs.getLong(1);
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT ts_us FROM " + Heartbeat.SCHEMA + ".heartbeat WHERE shard = ?")) {
            ps.setString(1, key.shard());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    best = best == null ? rs.getLong(1) : Math.max(best, rs.getLong(1));
                }
            }
        } catch (SQLException e) {
            if (e.getErrorCode() != 1146 && e.getErrorCode() != 1049) { // no heartbeat table yet is normal
                throw e;
            }
        }
        return best;
    }

    /**
     * What this DR shard's relay index says about a recovery target: the retrieved transactions it selects, their
     * bytes, and the shard's window (last applied and last retrieved production times). Reads only relay log
     * written since the last call.
     */
    ShardCut cut(CutRequest request) {
        try (MysqlAdmin s = member.session()) {
            RelayIndex relayIndex = relayLog.fresh(s);
            GtidSet executed = s.gtidExecuted();
            boolean applierRunning = s.replicaStatus().map(ReplicaStatus::sqlThreadRunning).orElse(false);
            Long lastApplied = appliedSourceTime(s.connection());
            return RelayCut.answer(relayIndex, request, key.toString(), s.serverUuid(), executed, lastApplied,
                    applierRunning);
        } catch (RuntimeException | SQLException e) {
            return ShardCut.failed(key, member.where() + ": " + e.getMessage());
        }
    }

    /** This member's GTID set and binary log position: what a snapshot point records per member. */
    MemberSnapshot snapshot() {
        try (MysqlAdmin s = member.session(); Statement st = s.connection().createStatement();
             ResultSet rs = st.executeQuery("SHOW MASTER STATUS")) {
            String file = null;
            long pos = 0;
            if (rs.next()) {
                file = rs.getString("File");
                pos = rs.getLong("Position");
            }
            return new MemberSnapshot(key.toString(), endpoint.toString(), s.gtidExecuted().toString(), file, pos,
                    NodeInspection.nowMicros(), Map.of());
        } catch (SQLException e) {
            throw new MysqlOperationException(member.where() + ": cannot read its GTID set and binlog position: "
                    + e.getMessage(), e);
        }
    }

}
