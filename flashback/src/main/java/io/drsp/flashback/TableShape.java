package io.drsp.flashback;

import java.util.ArrayList;
import java.util.List;

/**
 * A table as the binlog describes it, plus what only the target's dictionary knows: which columns are generated
 * (never written; the server computes them) and whether a UNIQUE key other than the primary key exists (then
 * several rows cannot be updated by one statement: uniqueness is checked row by row, so only the original order
 * is known to pass). Also decides how a row is identified.
 */
public record TableShape(TableDef def, List<Boolean> generated, boolean secondaryUnique) {

    public TableShape {
        generated = List.copyOf(generated);
        if (generated.size() != def.columns().size()) {
            throw new IllegalArgumentException("generated flags for " + generated.size() + " of " + def.columns().size() + " columns");
        }
    }

    /** Whether UPDATEs of several rows may be one statement: {@link #joinsOnKey} and no other UNIQUE key. */
    public boolean allowsMultiRowUpdate() {
        return joinsOnKey() && !secondaryUnique;
    }

    /**
     * Whether rows can be found by joining on the primary key: one of integer or DECIMAL columns (a join on a
     * string key could mix collations, one on a temporal key would compare text).
     */
    public boolean joinsOnKey() {
        if (!hasPrimaryKey()) {
            return false;
        }
        for (int c : def.primaryKey()) {
            switch (def.columns().get(c).type()) {
                case BinlogColumnType.TINY, BinlogColumnType.SHORT, BinlogColumnType.INT24, BinlogColumnType.LONG,
                     BinlogColumnType.LONGLONG, BinlogColumnType.NEWDECIMAL -> {
                    // joins on these compare as numbers, exactly
                }
                default -> {
                    return false;
                }
            }
        }
        return true;
    }

    public boolean hasPrimaryKey() {
        return !def.primaryKey().isEmpty();
    }

    /** Columns an INSERT or UPDATE names: every non-generated one, invisible ones included. */
    public List<Integer> writable() {
        List<Integer> w = new ArrayList<>();
        for (int i = 0; i < generated.size(); i++) {
            if (!generated.get(i)) {
                w.add(i);
            }
        }
        return w;
    }

    /** Columns compared to find a row whose image is known, beyond the primary key; all non-generated ones. */
    public List<Integer> nonKeyComparable() {
        List<Integer> c = new ArrayList<>();
        for (int i = 0; i < generated.size(); i++) {
            if (!generated.get(i) && !def.primaryKey().contains(i)) {
                c.add(i);
            }
        }
        return c;
    }
}
