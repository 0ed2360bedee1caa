package io.drsp.flashback;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Decides which reversed transactions may be applied at the same time. Transactions are submitted in the order a
 * serial flashback would apply them (newest source transaction first); each one waits for every earlier-submitted
 * transaction whose {@link Writeset} it shares a hash with, and for all of them when it conflicts with
 * everything. Nothing else orders them: there is no commit order to keep, since transactions that may commit in
 * either order touch no common row.
 *
 * <p>Memory is bounded by a window: at most {@code window} submitted and unfinished transactions holding at
 * most {@code hashBudget} hashes between them; {@link #submit} blocks until there is room. Only unfinished
 * transactions are remembered (a finished one can no longer be waited for), so the last-writer map never
 * outgrows the window.
 *
 * <p>After a failure nothing more is handed out: transactions already running finish, those waiting (on the
 * failed one or merely in the queue) never start.
 */
final class DependencyScheduler {

    /** One reversed transaction in the graph. Fields other than the final ones are guarded by the scheduler's lock. */
    static final class Node {
        final long seq;
        final SpillStore.SpilledTransaction tx;
        final Writeset writeset;
        private int waitingFor;
        private final List<Node> dependents = new ArrayList<>(2);

        Node(long seq, SpillStore.SpilledTransaction tx, Writeset writeset) {
            this.seq = seq;
            this.tx = tx;
            this.writeset = writeset;
        }
    }

    private final int window;
    private final long hashBudget;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<Long, Node> lastWriter = new HashMap<>();
    private final Set<Node> unfinished = Collections.newSetFromMap(new IdentityHashMap<>());
    private final PriorityQueue<Node> ready = new PriorityQueue<>(Comparator.comparingLong(n -> n.seq));
    private final Set<Node> running = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Running transactions rolled back by a lock conflict, waiting in {@link #awaitOthersAfterLockConflict}: they hold no locks. */
    private final Set<Node> rolledBack = Collections.newSetFromMap(new IdentityHashMap<>());
    private Node lastEverything;
    private long hashesHeld;
    private boolean closed;
    private boolean stopped;

    DependencyScheduler(int window, long hashBudget) {
        if (window < 1 || hashBudget < 1) {
            throw new IllegalArgumentException("window " + window + ", hash budget " + hashBudget);
        }
        this.window = window;
        this.hashBudget = hashBudget;
    }

    /**
     * Adds the next transaction in serial order, after waiting for room in the window. Returns false, adding
     * nothing, once the run has stopped.
     */
    boolean submit(Node n) throws InterruptedException {
        lock.lock();
        try {
            while (!stopped && !unfinished.isEmpty()
                    && (unfinished.size() >= window || hashesHeld + n.writeset.hashes().length > hashBudget)) {
                changed.await();
            }
            if (stopped) {
                return false;
            }
            Set<Node> before = Collections.newSetFromMap(new IdentityHashMap<>());
            if (n.writeset.everything()) {
                before.addAll(unfinished);
            } else {
                for (long h : n.writeset.hashes()) {
                    Node w = lastWriter.get(h);
                    if (w != null) {
                        before.add(w);
                    }
                }
            }
            if (lastEverything != null) {
                before.add(lastEverything);
            }
            for (Node d : before) {
                d.dependents.add(n);
            }
            n.waitingFor = before.size();
            for (long h : n.writeset.hashes()) {
                lastWriter.put(h, n);
            }
            if (n.writeset.everything()) {
                lastEverything = n;
            }
            hashesHeld += n.writeset.hashes().length;
            unfinished.add(n);
            if (n.waitingFor == 0) {
                ready.add(n);
                changed.signalAll();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next transaction whose predecessors have all committed, lowest in serial order first; blocks until
     * there is one. Null when there will be none: everything submitted is done, or the run stopped.
     */
    Node next() throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                if (stopped || closed && unfinished.isEmpty()) {
                    return null;
                }
                Node n = ready.poll();
                if (n != null) {
                    running.add(n);
                    return n;
                }
                changed.await();
            }
        } finally {
            lock.unlock();
        }
    }

    /** A transaction handed out by {@link #next} has committed (releases its dependents) or failed (stops the run). */
    void finished(Node n, boolean committed) {
        lock.lock();
        try {
            running.remove(n);
            rolledBack.remove(n);
            unfinished.remove(n);
            hashesHeld -= n.writeset.hashes().length;
            for (long h : n.writeset.hashes()) {
                lastWriter.remove(h, n);
            }
            if (lastEverything == n) {
                lastEverything = null;
            }
            if (committed) {
                for (Node d : n.dependents) {
                    if (--d.waitingFor == 0) {
                        ready.add(d);
                    }
                }
            } else {
                stopped = true;
            }
            n.dependents.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Called by a running transaction rolled back by a deadlock or lock wait timeout, before it runs again: waits
     * until every other transaction running now has ended. Retrying at once would meet the same lock holders,
     * which on a busy machine may not even have been scheduled since, and can lose the same deadlock every time.
     * A transaction waiting here holds no locks, so nothing waits for it while it waits: of two rolled back
     * together, the later runs again at once and the earlier once it has ended, so no two wait for each other.
     */
    void awaitOthersAfterLockConflict(Node n) throws InterruptedException {
        lock.lock();
        try {
            rolledBack.add(n);
            changed.signalAll();
            Set<Node> holders = Collections.newSetFromMap(new IdentityHashMap<>());
            holders.addAll(running);
            holders.removeAll(rolledBack);
            while (!stopped && holders.stream().anyMatch(h -> running.contains(h) && !rolledBack.contains(h))) {
                changed.await();
            }
        } finally {
            rolledBack.remove(n);
            lock.unlock();
        }
    }

    /** No more submissions: workers end once the graph is empty. */
    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Stops handing out transactions (a failure outside the workers). */
    void stop() {
        lock.lock();
        try {
            stopped = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    boolean isStopped() {
        lock.lock();
        try {
            return stopped;
        } finally {
            lock.unlock();
        }
    }
}
