package io.drsp.core.gtid;

/**
 * One transaction identifier: the uuid of the server that originally committed it and its
 * sequence number (gno) on that server.
 *
 * @param uuid source server uuid, stored in lower case
 * @param gno  1 to {@link #MAX_GNO}
 */
public record Gtid(String uuid, long gno) {

    /**
     * The largest gno MySQL 8.0 accepts. MySQL keeps intervals half-open ({@code [start, end)}),
     * so {@code 2^63-1} itself can never be a gno: its {@code parse_gno} rejects it.
     */
    public static final long MAX_GNO = Long.MAX_VALUE - 1;

    public Gtid {
        uuid = UuidText.require(uuid);
        if (gno < 1 || gno > MAX_GNO) {
            throw new IllegalArgumentException("gno " + gno + " of " + uuid + " is out of range, expected 1 to " + MAX_GNO);
        }
    }

    /** Parses {@code uuid:gno}, the form of {@code @@gtid_next} and of a binlog GTID event. */
    public static Gtid parse(String text) {
        String trimmed = text.strip();
        int colon = trimmed.indexOf(':');
        String gnoText = colon < 0 ? "" : trimmed.substring(colon + 1).strip();
        if (gnoText.isEmpty() || !gnoText.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("\"" + text + "\" is not a single GTID, expected uuid:gno");
        }
        // The set parser gives the precise refusal for a bad uuid or a gno out of range.
        GtidSet single = GtidSet.parse(trimmed);
        String uuid = single.uuids().first();
        return new Gtid(uuid, single.intervals(uuid).get(0).first());
    }

    @Override
    public String toString() {
        return uuid + ":" + gno;
    }
}
