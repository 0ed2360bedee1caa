package io.drsp.controller;

import io.drsp.agent.ClusterRoles;
import io.drsp.core.config.ControllerPeer;
import io.drsp.core.config.ControllerSettings;
import io.drsp.core.config.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The controllers of the configuration as this one sees them in the Pekko cluster: which is up, and which drives the
 * pairs. Every pair's entity is a cluster singleton, which Pekko runs on the oldest controller that is up, so that
 * controller is the owner the API forwards to.
 */
final class ControllerCluster {
    private final ControllerSettings settings;
    private final Cluster cluster;
    private final LocalEntities local;

    ControllerCluster(ControllerSettings settings, Cluster cluster, LocalEntities local) {
        this.settings = settings;
        this.cluster = cluster;
        this.local = local;
    }

    /** A single controller serves every pair; one of several only a pair whose entity runs in it now. */
    boolean servesHere(String pairId) {
        return !highlyAvailable() || local.runsHere(pairId);
    }

    boolean highlyAvailable() {
        return settings.highlyAvailable();
    }

    ControllerPeer self() {
        return settings.self();
    }

    /** The controller the pairs' singletons run on, if one is up. */
    Optional<ControllerPeer> owner() {
        Member oldest = null;
        for (Member m : cluster.state().getMembers()) {
            if (m.hasRole(ClusterRoles.CONTROLLER) && m.status() == MemberStatus.up() && (oldest == null || m.isOlderThan(oldest))) {
                oldest = m;
            }
        }
        return oldest == null ? Optional.empty() : peerAt(oldest.address());
    }

    /** {@code peer} is still the owner, and this controller's failure detector still reaches it. */
    boolean isReachableOwner(ControllerPeer peer) {
        if (!owner().map(peer::equals).orElse(false)) {
            return false;
        }
        for (Member m : cluster.state().getUnreachable()) {
            if (peerAt(m.address()).map(peer::equals).orElse(false)) {
                return false;
            }
        }
        return true;
    }

    /** This controller as it sees itself: an "up" one is a member of a cluster that has had a majority. */
    ControllerMember selfMember() {
        return members().stream().filter(m -> m.name().equals(self().name())).findFirst().orElseThrow();
    }

    /** Every configured controller with its state as seen from here, in name order. */
    List<ControllerMember> members() {
        Optional<ControllerPeer> owner = owner();
        Set<Member> unreachable = cluster.state().getUnreachable();
        List<ControllerMember> out = new ArrayList<>();
        for (ControllerPeer peer : settings.peers()) {
            Member member = null;
            for (Member m : cluster.state().getMembers()) {
                if (m.hasRole(ClusterRoles.CONTROLLER) && peerAt(m.address()).map(peer::equals).orElse(false)) {
                    member = m;
                }
            }
            out.add(new ControllerMember(peer.name(), ClusterRoles.address(peer.remoting()),
                    member == null ? "absent" : member.status().toString().toLowerCase(java.util.Locale.ROOT),
                    member != null && !unreachable.contains(member), owner.map(peer::equals).orElse(false)));
        }
        return out;
    }

    private Optional<ControllerPeer> peerAt(Address address) {
        if (address.host().isEmpty() || address.port().isEmpty()) {
            return Optional.empty();
        }
        Endpoint at = new Endpoint(address.host().get(), (Integer) address.port().get());
        return settings.peers().stream().filter(p -> p.remoting().equals(at)).findFirst();
    }
}
