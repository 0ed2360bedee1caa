package io.drsp.flashback;

/** A binlog file and byte offset; files compare by their numeric suffix, as MySQL numbers them. */
public record BinlogPosition(String file, long position) implements Comparable<BinlogPosition> {

    @Override
    public int compareTo(BinlogPosition o) {
        int c = compareFiles(file, o.file);
        return c != 0 ? c : Long.compare(position, o.position);
    }

    static int compareFiles(String a, String b) {
        int da = a.lastIndexOf('.');
        int db = b.lastIndexOf('.');
        if (da > 0 && db > 0 && a.substring(0, da).equals(b.substring(0, db))) {
            try {
                return Long.compare(Long.parseLong(a.substring(da + 1)), Long.parseLong(b.substring(db + 1)));
            } catch (NumberFormatException e) {
                // fall through to the text comparison
            }
        }
        return a.compareTo(b);
    }

    @Override
    public String toString() {
        return file + ":" + position;
    }
}
