package io.drsp.flashback;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Runs administrative work on a server that may be super read-only: super_read_only is turned off for the work and
 * restored afterwards, while read_only stays on, so applications still cannot write meanwhile.
 */
public final class SuperReadOnly {
    /** Work done while super_read_only is lifted. */
    @FunctionalInterface
    public interface Work {
        void run() throws SQLException;
    }

    private SuperReadOnly() {
    }

    public static void lifted(Statement st, Work work) throws SQLException {
        boolean on;
        try (ResultSet rs = st.executeQuery("SELECT @@GLOBAL.super_read_only")) {
            rs.next();
            on = rs.getBoolean(1);
        }
        if (on) {
            st.execute("SET GLOBAL super_read_only = OFF");
        }
        try {
            work.run();
        } finally {
            if (on) {
                st.execute("SET GLOBAL super_read_only = ON");
            }
        }
    }
}
