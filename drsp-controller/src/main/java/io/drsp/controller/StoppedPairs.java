package io.drsp.controller;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The pairs this controller has stopped driving because another controller took them over. The API answers for them
 * at once, naming why, instead of asking an entity that is gone and answering only when the ask times out.
 */
final class StoppedPairs {
    private final Set<String> stopped = ConcurrentHashMap.newKeySet();

    boolean contains(String cluster) {
        return stopped.contains(cluster);
    }

    /**
     * Watches the entities; an entity ends only by stopping itself when superseded (a failure, a journal failure too,
     * restarts it), so its end means exactly that.
     */
    Behavior<Void> watcher(Map<String, ActorRef<PairProtocol.Command>> entities) {
        return Behaviors.setup(ctx -> {
            Map<ActorRef<?>, String> clusters = new java.util.HashMap<>();
            entities.forEach((cluster, ref) -> {
                clusters.put(ref, cluster);
                ctx.watch(ref);
            });
            return Behaviors.receive(Void.class)
                    .onSignal(Terminated.class, t -> {
                        String cluster = clusters.get(t.getRef());
                        if (cluster != null) {
                            stopped.add(cluster);
                        }
                        return Behaviors.same();
                    })
                    .build();
        });
    }
}
