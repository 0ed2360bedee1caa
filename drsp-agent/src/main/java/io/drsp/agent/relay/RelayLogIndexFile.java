package io.drsp.agent.relay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * MySQL's relay log index file ({@code @@relay_log_index}): one relay file per line, oldest first, written as
 * {@code ./relay.000001} relative to the index file's directory, or absolute when {@code relay_log} is.
 */
final class RelayLogIndexFile {

    private RelayLogIndexFile() {
    }

    /** The relay files listed now, in relay order; empty if the index file is gone ({@code RESET REPLICA ALL}). */
    static List<Path> read(Path indexFile) {
        List<String> lines;
        try {
            lines = Files.readAllLines(indexFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new ArrayList<>();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read relay log index " + indexFile, e);
        }
        Path dir = indexFile.toAbsolutePath().getParent();
        List<Path> files = new ArrayList<>(lines.size());
        for (String line : lines) {
            String name = line.strip();
            if (!name.isEmpty()) {
                files.add(dir.resolve(name).normalize());
            }
        }
        return files;
    }
}
