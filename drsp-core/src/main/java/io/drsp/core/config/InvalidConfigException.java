package io.drsp.core.config;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code drsp.conf} cannot be used. Lists every problem found, one per line as
 * {@code <file>: <config.path>: <what is wrong>, expected <what>}, so that one edit fixes them all
 * instead of one restart per typo.
 */
public final class InvalidConfigException extends RuntimeException {

    private final Path file;
    private final List<String> problems;

    public InvalidConfigException(Path file, List<String> problems) {
        super(String.join("\n", problems.stream().map(p -> file + ": " + p).toList()));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("an invalid configuration has at least one problem");
        }
        this.file = file;
        this.problems = List.copyOf(problems);
    }

    public Path file() {
        return file;
    }

    /** The problems without the file prefix, each {@code <config.path>: <what is wrong>, expected <what>}. */
    public List<String> problems() {
        return problems;
    }
}
