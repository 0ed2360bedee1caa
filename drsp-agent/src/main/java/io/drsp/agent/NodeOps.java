package io.drsp.agent;

import io.drsp.core.config.Endpoint;
import io.drsp.core.config.TlsSettings;
import io.drsp.core.config.UserRef;
import io.drsp.core.gtid.GtidSet;
import java.time.Duration;
import java.util.Optional;

/**
 * Everything an agent does to its MySQL instance, as plain blocking JDBC: the actor only decides when. One door, by
 * concern behind it: {@link Inspector} looks, {@link Links} runs the link and the replay, {@link Fence} closes and
 * opens the member for writes, {@link Heartbeat} writes production's heartbeat, {@link RelayLog} keeps the relay
 * index, {@link XaOps}, {@link DrillOps} and {@link LaststampOps} do XA completion, the drill's work and switchback's
 * laststamp. Each is made once, for the agent's life.
 */
public final class NodeOps implements AutoCloseable {
    /** drsp's own schema on production shards, replicated like any data: the pt-heartbeat idea. */
    public static final String HEARTBEAT_SCHEMA = Heartbeat.SCHEMA;

    private final MemberConnection member;
    private final RelayLog relayLog;
    private final Heartbeat heartbeat;
    private final Inspector inspector;
    private final Links links;
    private final Fence fence;
    private final XaOps xa;
    private final DrillOps drill;
    private final LaststampOps laststamp;

    /** @param tls how drsp's sessions and this node's DR link reach MySQL ({@code drsp.tls.mysql}), empty for plain */
    public NodeOps(NodeKey key, Endpoint endpoint, UserRef admin, UserRef replication, Optional<TlsSettings.Mysql> tls) {
        this.member = new MemberConnection(key, endpoint, admin, tls);
        this.relayLog = new RelayLog(member);
        this.heartbeat = new Heartbeat(member);
        this.inspector = new Inspector(member, relayLog, heartbeat);
        this.links = new Links(member, replication, relayLog);
        this.fence = new Fence(member);
        this.xa = new XaOps(member);
        this.drill = new DrillOps(member);
        this.laststamp = new LaststampOps(member, drill);
    }

    public NodeKey key() {
        return member.key();
    }

    public Endpoint endpoint() {
        return member.endpoint();
    }

    /** XA branches on this instance (XA RECOVER, completing them), with the same account. */
    public XaOps xa() {
        return xa;
    }

    /** The drill's operations on this instance (flashback, catch-up, purge, checksums), with the same account. */
    public DrillOps drill() {
        return drill;
    }

    /** Switchback's laststamp on this production primary (its plan and archive), with the same account. */
    public LaststampOps laststamp() {
        return laststamp;
    }

    /** A full look at the instance; an unreachable one is a normal answer, not an exception. */
    public NodeInspection inspect() {
        return inspector.look(true);
    }

    /**
     * The applier's part of {@link #inspect}, cheap enough to poll several times a second during a replay: GTID sets,
     * read-only flags and the link, without the settings check, the relay backlog bytes or the applied time (the
     * answer's violations list is empty because it was not checked, and its backlog bytes are null).
     */
    public NodeInspection inspectApplier() {
        return inspector.look(false);
    }

    /** What this DR shard's relay index says about a recovery target (see {@link Inspector}). */
    public ShardCut cut(CutRequest request) {
        return inspector.cut(request);
    }

    /** This member's GTID set and binary log position: what a snapshot point records per member. */
    public MemberSnapshot snapshot() {
        return inspector.snapshot();
    }

    /** Keeps this DR shard's relay index current; no-op without a link. */
    public void refreshRelayIndex() {
        relayLog.refresh();
    }

    /** Makes this DR shard replicate from {@code source} with {@code delaySeconds}, and read-only (see {@link Links}). */
    public String ensureLink(Endpoint source, int delaySeconds) {
        return links.ensureLink(source, delaySeconds);
    }

    /** Stops both replication threads and keeps the relay log. */
    public String stopLink() {
        return links.stopLink();
    }

    /** Stops replicating and forgets the link with its relay log (RESET REPLICA ALL); only once nothing in it is needed. */
    public String dropLink() {
        return links.dropLink();
    }

    /** Applies the relay log up to exactly {@code target}, with the delay lifted. */
    public String startReplay(GtidSet target) {
        return links.startReplay(target);
    }

    /** Waits up to {@code bound} for open transactions to end, then super_read_only (see {@link Fence}). */
    public String closeForWrites(Duration bound, boolean leavePrepared) {
        return fence.closeForWrites(bound, leavePrepared);
    }

    /** Read-only means {@code super_read_only}: not even an administrator's session may write by accident. */
    public String setReadOnly(boolean readOnly) {
        return fence.setReadOnly(readOnly);
    }

    /** Writes this production shard's heartbeat (see {@link Heartbeat}). */
    public void writeHeartbeat() {
        heartbeat.write();
    }

    @Override
    public void close() {
        heartbeat.close();
    }
}
