package io.drsp.controller;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.agent.ClusterRoles;
import io.drsp.core.config.ControllerPeer;
import io.drsp.core.config.ControllerSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.AddressFromURIString;

/**
 * Which controllers one joins. Pekko lets only the first seed node form a cluster by itself, and it does so when no
 * other seed answers within a few seconds: a first controller restarted on a busy host would then form a second
 * cluster beside the running one (min-nr-of-members keeps it from driving, but it would never rejoin). So the first
 * controller asks the others' APIs first: if one of them is up in a cluster, it joins that cluster and never itself.
 */
final class SeedNodes {
    private SeedNodes() {
    }

    static List<Address> toJoin(io.drsp.core.config.DrspConfig config, ApiToken token) {
        ControllerSettings settings = config.controller();
        List<ControllerPeer> peers = settings.peers();
        ControllerPeer self = settings.self();
        List<Address> others = new ArrayList<>();
        for (ControllerPeer p : peers) {
            if (!p.equals(self)) {
                others.add(AddressFromURIString.parse(ClusterRoles.address(p.remoting())));
            }
        }
        if (!peers.get(0).equals(self) || anyOtherUp(config, peers, self, token)) {
            return others; // not the first seed, or a cluster runs: join it, never form one alone
        }
        List<Address> all = new ArrayList<>();
        all.add(AddressFromURIString.parse(ClusterRoles.address(self.remoting())));
        all.addAll(others);
        return all;
    }

    private static boolean anyOtherUp(io.drsp.core.config.DrspConfig config, List<ControllerPeer> peers, ControllerPeer self,
                                      ApiToken token) {
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
        io.drsp.core.config.ApiTransport.client(config).ifPresent(client::sslContext);
        HttpClient http = client.build();
        String scheme = io.drsp.core.config.ApiTransport.scheme(config);
        ObjectMapper json = new ObjectMapper();
        for (ControllerPeer p : peers) {
            if (p.equals(self)) {
                continue;
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(scheme + "://" + p.http().host() + ":" + p.http().port()
                                + "/api/v1/clusters")).timeout(Duration.ofSeconds(3)).header("Authorization", "Bearer " + token.value()).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && json.readTree(r.body()).path("controller").path("status").asText().equals("up")) {
                    return true;
                }
            } catch (Exception e) {
                // not answering: not up
            }
        }
        return false;
    }
}
