package io.drsp.core.gtid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Checks every operation against the obvious model, a {@code Set<Gtid>}, on random sets drawn from a
 * small universe (3 uuids, gnos 1..60) so that overlaps and adjacencies are the rule.
 * Re-run a failure with {@code -Ddrsp.seed=<seed from the message>}.
 */
class GtidSetModelTest {

    private static final List<String> UUIDS = List.of(
            "00000000-0000-0000-0000-00000000000a",
            "3e11fa47-71ca-11e1-9e33-c80aa9429562",
            "ffffffff-aaaa-11e1-9e33-c80aa9429562");
    private static final int MAX = 60;
    private static final int CASES = 5000;

    private final long seed = Long.getLong("drsp.seed", System.nanoTime());
    private final Random random = new Random(seed);

    @Test
    void parseOfMessyTextMatchesModelAndPrintsCanonically() {
        for (int c = 0; c < CASES; c++) {
            Set<Gtid> model = randomModel();
            String messy = messyText(model);
            GtidSet set = GtidSet.parse(messy);
            String why = why(c, "parse of " + quoted(messy));
            assertEquals(model, expand(set), why);
            assertEquals(canonical(model), set.toString(), why);
            assertEquals(canonical(model).replace(",\n", ","), set.toCompactString(), why);
            assertEquals(set, GtidSet.parse(set.toString()), why);
            assertEquals(set, GtidSet.parse(set.toCompactString()), why);
        }
    }

    @Test
    void operationsMatchModel() {
        for (int c = 0; c < CASES; c++) {
            Set<Gtid> ma = randomModel();
            Set<Gtid> mb = randomModel();
            GtidSet a = build(ma);
            GtidSet b = build(mb);
            String ctx = why(c, "a=" + quoted(a.toCompactString()) + " b=" + quoted(b.toCompactString()));

            Set<Gtid> union = new HashSet<>(ma);
            union.addAll(mb);
            Set<Gtid> intersection = new HashSet<>(ma);
            intersection.retainAll(mb);
            Set<Gtid> difference = new HashSet<>(ma);
            difference.removeAll(mb);

            assertEquals(union, expand(a.union(b)), "union, " + ctx);
            assertEquals(intersection, expand(a.intersect(b)), "intersect, " + ctx);
            assertEquals(difference, expand(a.subtract(b)), "subtract, " + ctx);
            assertEquals(ma.containsAll(mb), a.containsAll(b), "containsAll, " + ctx);
            assertEquals(ma.isEmpty(), a.isEmpty(), "isEmpty, " + ctx);
            assertEquals(ma.size(), a.size(), "size, " + ctx);
            assertEquals(a.union(b), b.union(a), "union commutes, " + ctx);
            assertEquals(a, a.subtract(b).union(a.intersect(b)), "a = (a-b)+(a&b), " + ctx);
            assertTrue(a.union(b).containsAll(a), "a+b contains a, " + ctx);

            for (String uuid : UUIDS) {
                for (long gno = 1; gno <= MAX + 1; gno++) {
                    Gtid gtid = new Gtid(uuid, gno);
                    assertEquals(ma.contains(gtid), a.contains(gtid), "contains " + gtid + ", " + ctx);
                }
                Set<Gtid> only = new HashSet<>();
                ma.stream().filter(g -> g.uuid().equals(uuid)).forEach(only::add);
                assertEquals(only, expand(a.forUuid(uuid)), "forUuid " + uuid + ", " + ctx);
                assertCanonical(a.union(b).intervals(uuid), ctx);
                assertCanonical(a.subtract(b).intervals(uuid), ctx);
                assertCanonical(a.intersect(b).intervals(uuid), ctx);
            }
            Set<String> uuids = new TreeSet<>();
            ma.forEach(g -> uuids.add(g.uuid()));
            assertEquals(uuids, a.uuids(), "uuids, " + ctx);

            Gtid extra = new Gtid(UUIDS.get(random.nextInt(3)), 1 + random.nextInt(MAX));
            Set<Gtid> added = new HashSet<>(ma);
            added.add(extra);
            assertEquals(added, expand(a.add(extra)), "add " + extra + ", " + ctx);
        }
    }

    @Test
    void equalSetsBuiltDifferentlyAreEqualWithEqualHashCodes() {
        for (int c = 0; c < CASES; c++) {
            Set<Gtid> model = randomModel();
            List<Gtid> shuffled = new ArrayList<>(model);
            Collections.shuffle(shuffled, random);
            GtidSet.Builder oneByOne = GtidSet.builder();
            shuffled.forEach(oneByOne::add);
            GtidSet x = oneByOne.build();
            GtidSet y = GtidSet.parse(messyText(model));
            String why = why(c, "model " + new TreeSet<>(model.stream().map(Gtid::toString).toList()));
            assertEquals(x, y, why);
            assertEquals(x.hashCode(), y.hashCode(), why);
            assertEquals(model, expand(x), why);
        }
    }

    private String why(int c, String what) {
        return "seed " + seed + " (rerun with -Ddrsp.seed=" + seed + "), case " + c + ": " + what;
    }

    private Set<Gtid> randomModel() {
        Set<Gtid> model = new HashSet<>();
        int ranges = random.nextInt(7);
        for (int r = 0; r < ranges; r++) {
            String uuid = UUIDS.get(random.nextInt(UUIDS.size()));
            int first = 1 + random.nextInt(MAX);
            int last = Math.min(MAX, first + (random.nextBoolean() ? 0 : random.nextInt(15)));
            for (int gno = first; gno <= last; gno++) {
                model.add(new Gtid(uuid, gno));
            }
        }
        return model;
    }

    /** The model written the way people and servers write it: any order, any case, repeats, splits, whitespace. */
    private String messyText(Set<Gtid> model) {
        List<String> pieces = new ArrayList<>();
        List<Gtid> gtids = new ArrayList<>(model);
        Collections.shuffle(gtids, random);
        int i = 0;
        while (i < gtids.size()) {
            Gtid g = gtids.get(i);
            String uuid = random.nextBoolean() ? g.uuid() : g.uuid().toUpperCase(Locale.ROOT);
            StringBuilder piece = new StringBuilder(uuid);
            int intervals = 1 + random.nextInt(3);
            for (int k = 0; k < intervals && i < gtids.size() && gtids.get(i).uuid().equals(g.uuid()); k++, i++) {
                long gno = gtids.get(i).gno();
                long last = gno;
                while (model.contains(new Gtid(g.uuid(), last + 1)) && random.nextInt(3) > 0) {
                    last++;
                }
                piece.append(random.nextInt(5) == 0 ? " : " : ":").append(gno);
                if (last != gno || random.nextInt(4) == 0) {
                    piece.append('-').append(last);
                }
            }
            pieces.add(piece.toString());
            if (random.nextInt(4) == 0) {
                pieces.add(piece.toString());
            }
        }
        String[] separators = {",", ",\n", ", ", " ,\n  "};
        StringBuilder text = new StringBuilder(random.nextBoolean() ? "" : " \n");
        for (int p = 0; p < pieces.size(); p++) {
            if (p > 0) {
                text.append(separators[random.nextInt(separators.length)]);
            }
            text.append(pieces.get(p));
        }
        return text.append(random.nextBoolean() ? "" : "\n ").toString();
    }

    private static GtidSet build(Set<Gtid> model) {
        GtidSet.Builder builder = GtidSet.builder();
        model.forEach(builder::add);
        return builder.build();
    }

    private static Set<Gtid> expand(GtidSet set) {
        Set<Gtid> gtids = new HashSet<>();
        for (String uuid : set.uuids()) {
            for (GtidInterval interval : set.intervals(uuid)) {
                for (long gno = interval.first(); gno <= interval.last(); gno++) {
                    gtids.add(new Gtid(uuid, gno));
                }
            }
        }
        return gtids;
    }

    /** MySQL's print computed straight from the model, independently of GtidSet's own printing. */
    private static String canonical(Set<Gtid> model) {
        List<String> parts = new ArrayList<>();
        for (String uuid : UUIDS) {
            StringBuilder part = new StringBuilder();
            for (int gno = 1; gno <= MAX; gno++) {
                if (model.contains(new Gtid(uuid, gno)) && (gno == 1 || !model.contains(new Gtid(uuid, gno - 1)))) {
                    int last = gno;
                    while (model.contains(new Gtid(uuid, last + 1))) {
                        last++;
                    }
                    part.append(':').append(gno);
                    if (last != gno) {
                        part.append('-').append(last);
                    }
                }
            }
            if (part.length() > 0) {
                parts.add(uuid + part);
            }
        }
        return String.join(",\n", parts);
    }

    private static void assertCanonical(List<GtidInterval> intervals, String ctx) {
        for (int i = 1; i < intervals.size(); i++) {
            assertTrue(intervals.get(i).first() > intervals.get(i - 1).last() + 1,
                    "intervals " + intervals + " are not sorted, disjoint and non-adjacent, " + ctx);
        }
    }

    private static String quoted(String text) {
        return "\"" + text.replace("\n", "\\n") + "\"";
    }
}
