package io.drsp.cli;

/** Turns a failure into the one sentence a DBA reads on the terminal. */
final class Refusal {
    private Refusal() {
    }

    static String sentence(Throwable t) {
        Throwable cause = t;
        while ((cause.getMessage() == null || cause.getMessage().isBlank()) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
    }
}
