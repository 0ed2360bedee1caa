package io.drsp.controller;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The pairs whose entity runs in this controller right now. With several controllers a pair's entity is a cluster
 * singleton that may be starting, running or handed over; the API serves a pair here only while its entity runs here,
 * so no command or status question ever travels to an entity in another process (they are local messages only).
 */
final class LocalEntities {
    private final Set<String> running = ConcurrentHashMap.newKeySet();

    boolean runsHere(String pairId) {
        return running.contains(pairId);
    }

    /** {@code entity}, noting while it runs (from its start to its stop, restarts included). */
    Behavior<PairProtocol.Command> tracked(String pairId, Behavior<PairProtocol.Command> entity) {
        return Behaviors.setup(ctx -> {
            running.add(pairId);
            return Behaviors.intercept(() -> new BehaviorInterceptor<PairProtocol.Command, PairProtocol.Command>(PairProtocol.Command.class) {
                @Override
                public Behavior<PairProtocol.Command> aroundReceive(TypedActorContext<PairProtocol.Command> c, PairProtocol.Command msg,
                                                                  ReceiveTarget<PairProtocol.Command> target) {
                    return target.apply(c, msg);
                }

                @Override
                public Behavior<PairProtocol.Command> aroundSignal(TypedActorContext<PairProtocol.Command> c, Signal signal,
                                                                 SignalTarget<PairProtocol.Command> target) {
                    if (signal instanceof PostStop) {
                        running.remove(pairId);
                    }
                    return target.apply(c, signal);
                }
            }, entity);
        });
    }
}
