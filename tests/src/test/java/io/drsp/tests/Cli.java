package io.drsp.tests;

import io.drsp.cli.Drsp;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs one drsp command line in this JVM, as a script would, capturing its output and exit code. */
final class Cli {
    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    private Cli() {
    }

    /** {@code drsp status 1 --json}, which must succeed. */
    static com.fasterxml.jackson.databind.JsonNode status(String conf) throws Exception {
        Result r = run("status", "1", "--json", "--config", conf);
        org.junit.jupiter.api.Assertions.assertEquals(0, r.exitCode(), r.toString());
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
    }

    static synchronized Result run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try (PrintStream po = new PrintStream(o, true, StandardCharsets.UTF_8);
             PrintStream pe = new PrintStream(e, true, StandardCharsets.UTF_8)) {
            System.setOut(po);
            System.setErr(pe);
            int code = Drsp.run(args);
            return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
