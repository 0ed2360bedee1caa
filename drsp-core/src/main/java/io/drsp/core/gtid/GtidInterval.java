package io.drsp.core.gtid;

/**
 * A closed range of gnos of one source, printed the way MySQL prints it: {@code n} or {@code first-last}.
 *
 * @param first first gno, at least 1
 * @param last  last gno (inclusive), at least {@code first}, at most {@link Gtid#MAX_GNO}
 */
public record GtidInterval(long first, long last) {

    public GtidInterval {
        if (first < 1 || last < first || last > Gtid.MAX_GNO) {
            throw new IllegalArgumentException("interval " + first + "-" + last
                    + " is not valid, expected 1 <= first <= last <= " + Gtid.MAX_GNO);
        }
    }

    /** Number of transactions in the interval. */
    public long size() {
        return last - first + 1;
    }

    @Override
    public String toString() {
        return first == last ? Long.toString(first) : first + "-" + last;
    }
}
