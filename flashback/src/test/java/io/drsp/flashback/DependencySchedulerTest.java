package io.drsp.flashback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The scheduler alone, without MySQL: conflicting transactions never overlap and keep their order. */
class DependencySchedulerTest {

    private static DependencyScheduler.Node node(long seq, boolean everything, long... hashes) {
        return new DependencyScheduler.Node(seq, new SpillStore.SpilledTransaction("t" + seq, 0, 1, 0, 0, new long[0]),
                new Writeset(hashes, everything));
    }

    private static boolean conflict(DependencyScheduler.Node a, DependencyScheduler.Node b) {
        if (a.writeset.everything() || b.writeset.everything()) {
            return true;
        }
        for (long x : a.writeset.hashes()) {
            for (long y : b.writeset.hashes()) {
                if (x == y) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void conflictingTransactionsRunInSubmissionOrderAndNeverTogether() throws Exception {
        for (long seed = 1; seed <= 30; seed++) {
            Random r = new Random(seed);
            int count = 400;
            List<DependencyScheduler.Node> nodes = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int k = 1 + r.nextInt(3);
                long[] hashes = new long[k];
                for (int j = 0; j < k; j++) {
                    hashes[j] = r.nextInt(12); // few keys: many conflicts
                }
                hashes = java.util.Arrays.stream(hashes).distinct().sorted().toArray();
                nodes.add(node(i, r.nextInt(60) == 0, hashes));
            }
            DependencyScheduler s = new DependencyScheduler(1 + r.nextInt(20), 5 + r.nextInt(40));
            AtomicLong clock = new AtomicLong();
            long[] start = new long[count];
            long[] end = new long[count];
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                Thread t = new Thread(() -> {
                    try {
                        DependencyScheduler.Node n;
                        while ((n = s.next()) != null) {
                            start[(int) n.seq] = clock.incrementAndGet();
                            Thread.yield();
                            end[(int) n.seq] = clock.incrementAndGet();
                            s.finished(n, true);
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                });
                t.start();
                workers.add(t);
            }
            for (DependencyScheduler.Node n : nodes) {
                assertTrue(s.submit(n));
            }
            s.close();
            for (Thread t : workers) {
                t.join(30_000);
                assertFalse(t.isAlive(), "worker stuck, seed " + seed);
            }
            assertTrue(errors.isEmpty(), errors.toString());
            for (int j = 0; j < count; j++) {
                assertTrue(end[j] > 0, "never ran: " + j + ", seed " + seed);
                for (int i = 0; i < j; i++) {
                    if (conflict(nodes.get(i), nodes.get(j))) {
                        assertTrue(end[i] < start[j], "seed " + seed + ": " + j + " started before " + i + " ended");
                    }
                }
            }
        }
    }

    @Test
    void afterAFailureNothingMoreIsHandedOut() throws Exception {
        DependencyScheduler s = new DependencyScheduler(10, 100);
        DependencyScheduler.Node a = node(0, false, 1);
        DependencyScheduler.Node b = node(1, false, 2);
        DependencyScheduler.Node c = node(2, false, 1); // waits for a
        DependencyScheduler.Node d = node(3, false, 3); // independent, ready
        for (DependencyScheduler.Node n : List.of(a, b, c, d)) {
            assertTrue(s.submit(n));
        }
        assertEquals(a, s.next());
        assertEquals(b, s.next());
        s.finished(a, false);
        s.finished(b, true); // was running: it may still commit
        assertNull(s.next(), "neither c (dependent) nor d (not started) may run after a failure");
        assertFalse(s.submit(node(4, false, 9)));
    }

    @Test
    void aTransactionRolledBackByALockConflictRunsAgainOnceTheOthersRunningThenHaveEnded() throws Exception {
        DependencyScheduler s = new DependencyScheduler(10, 100);
        DependencyScheduler.Node a = node(0, false, 1);
        DependencyScheduler.Node b = node(1, false, 2);
        DependencyScheduler.Node c = node(2, false, 3);
        for (DependencyScheduler.Node n : List.of(a, b, c)) {
            assertTrue(s.submit(n));
        }
        assertEquals(a, s.next());
        assertEquals(b, s.next());
        Thread retry = new Thread(() -> {
            try {
                s.awaitOthersAfterLockConflict(a);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        retry.start();
        awaitState(retry, Thread.State.WAITING);
        assertEquals(c, s.next(), "c started after the conflict: a does not wait for it");
        s.finished(b, true);
        retry.join(10_000);
        assertFalse(retry.isAlive(), "b ended, so a may run again");
    }

    @Test
    void ofTwoTransactionsRolledBackTheLaterRunsAgainAtOnceAndTheEarlierAfterIt() throws Exception {
        DependencyScheduler s = new DependencyScheduler(10, 100);
        DependencyScheduler.Node a = node(0, false, 1);
        DependencyScheduler.Node b = node(1, false, 2);
        assertTrue(s.submit(a));
        assertTrue(s.submit(b));
        assertEquals(a, s.next());
        assertEquals(b, s.next());
        Thread retryA = new Thread(() -> {
            try {
                s.awaitOthersAfterLockConflict(a);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        retryA.start();
        awaitState(retryA, Thread.State.WAITING);
        s.awaitOthersAfterLockConflict(b); // a, waiting, holds no locks: b runs again at once
        assertTrue(retryA.isAlive(), "a waits for b's second run");
        s.finished(b, true);
        retryA.join(10_000);
        assertFalse(retryA.isAlive(), "b ended, so a may run again");
    }

    private static void awaitState(Thread t, Thread.State state) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (t.getState() != state) {
            assertTrue(System.nanoTime() < deadline, t + " never reached " + state + ", is " + t.getState());
            Thread.onSpinWait();
        }
    }
}
