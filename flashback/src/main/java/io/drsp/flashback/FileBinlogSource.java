package io.drsp.flashback;

import com.github.shyiko.mysql.binlog.BinaryLogFileReader;
import com.github.shyiko.mysql.binlog.event.Event;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads binlog (or relay log) files in the given order. Each file is read only up to the size it had when this
 * source was made, so a file the server is still writing is cut at what existed then; an event cut in half at
 * that point ends the file (it belongs to a transaction that had not committed).
 */
public final class FileBinlogSource implements BinlogSource {
    private final List<Path> files;
    private final List<Long> sizes = new ArrayList<>();

    public FileBinlogSource(List<Path> files) throws IOException {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no binlog files given");
        }
        this.files = List.copyOf(files);
        for (Path p : files) {
            sizes.add(Files.size(p));
        }
    }

    @Override
    public void stream(EventSink sink) throws IOException {
        for (int i = 0; i < files.size(); i++) {
            Path p = files.get(i);
            String name = p.getFileName().toString();
            try (InputStream in = new Bounded(Files.newInputStream(p), sizes.get(i));
                 BinaryLogFileReader reader = new BinaryLogFileReader(in, BinlogSource.newDeserializer())) {
                while (true) {
                    Event e;
                    try {
                        e = reader.readEvent();
                    } catch (EOFException cut) {
                        break;
                    }
                    if (e == null) {
                        break;
                    }
                    if (!sink.accept(name, e)) {
                        return;
                    }
                }
            }
        }
    }

    private static final class Bounded extends FilterInputStream {
        private long left;

        Bounded(InputStream in, long limit) {
            super(new java.io.BufferedInputStream(in, 1 << 16));
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(Math.min(n, left));
            left -= s;
            return s;
        }

        @Override
        public int available() throws IOException {
            return (int) Math.min(super.available(), left);
        }
    }
}
