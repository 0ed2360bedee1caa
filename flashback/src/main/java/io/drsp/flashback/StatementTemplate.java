package io.drsp.flashback;

/**
 * A statement rendered once by jOOQ with a marker where rows go, split there: only the rows' literals are
 * written per batch, since the rest depends on the table alone.
 */
record StatementTemplate(String head, String tail) {
    /** Cannot occur in an identifier (MySQL forbids U+0000 in them), so it marks the rows' place unambiguously. */
    static final String ROWS = "\u0000";

    static StatementTemplate split(String rendered) {
        int at = rendered.indexOf(ROWS);
        if (at < 0 || rendered.indexOf(ROWS, at + 1) >= 0) {
            throw new IllegalStateException("expected one rows marker in " + rendered.replace(ROWS, "<ROWS>"));
        }
        return new StatementTemplate(rendered.substring(0, at), rendered.substring(at + 1));
    }
}
