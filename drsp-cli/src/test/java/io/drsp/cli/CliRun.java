package io.drsp.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** One drsp command line run as a script runs it, with its exit code and output captured (and echoed for the test log). */
record CliRun(int code, String out, String err) {

    static CliRun drsp(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Drsp.run(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        CliRun r = new CliRun(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        System.out.print(r.out);
        System.err.print(r.err);
        return r;
    }
}
