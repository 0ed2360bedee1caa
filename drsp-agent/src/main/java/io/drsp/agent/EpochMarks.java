package io.drsp.agent;

import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * One {@link EpochMark} per cluster pair, shared by every agent of one actor system: once a newer owner has reached
 * any member of the pair here, the older owner is refused at all of them, not only at the member it reached. It also
 * outlives an agent that its supervisor restarts.
 */
public final class EpochMarks implements Extension {
    private final ConcurrentHashMap<String, EpochMark> marks = new ConcurrentHashMap<>();

    EpochMark of(String cluster) {
        return marks.computeIfAbsent(cluster, EpochMark::new);
    }

    public static EpochMarks get(ActorSystem<?> system) {
        return Id.INSTANCE.apply(system);
    }

    static final class Id extends ExtensionId<EpochMarks> {
        static final Id INSTANCE = new Id();

        @Override
        public EpochMarks createExtension(ActorSystem<?> system) {
            return new EpochMarks();
        }
    }
}
