package io.drsp.flashback;

import com.github.shyiko.mysql.binlog.BinaryLogClient;
import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.event.EventHeaderV4;
import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.RotateEventData;
import io.drsp.core.gtid.GtidSet;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads a server's binlog through the replication protocol, asking with a GTID set for everything not in it
 * (COM_BINLOG_DUMP_GTID), so the server itself starts at the first binlog file that matters. The dump is
 * non-blocking (the server ends the stream at the end of its binlog instead of waiting), and events at or past
 * {@link SourceState#end()} are not passed on.
 */
public final class ServerBinlogSource implements BinlogSource {
    private final ConnectionSettings server;
    private final GtidSet notWanted;
    private final BinlogPosition end;

    /**
     * @param notWanted transactions the server need not send (it sends every other one it still has)
     * @param end       stop before this position (the binlog end when the run started)
     */
    public ServerBinlogSource(ConnectionSettings server, GtidSet notWanted, BinlogPosition end) {
        this.server = server;
        this.notWanted = notWanted;
        this.end = end;
    }

    @Override
    public void stream(EventSink sink) throws IOException {
        BinaryLogClient client = new BinaryLogClient(server.host(), server.port(), server.user(), server.password());
        BinlogTls.configure(client, server.jdbcOptions());
        client.setEventDeserializer(BinlogSource.newDeserializer());
        client.setBlocking(false); // server_id 0: the server closes the stream at its binlog end
        client.setKeepAlive(false);
        client.setGtidSet(notWanted.toCompactString());
        client.setGtidSetFallbackToPurged(false);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        String[] file = {null};
        boolean[] stopped = {false};
        client.registerEventListener(event -> {
            if (stopped[0]) {
                return;
            }
            try {
                if (event.getHeader().getEventType() == EventType.ROTATE) {
                    file[0] = ((RotateEventData) event.getData()).getBinlogFilename();
                    return; // a rotate is only where we are, not content
                }
                if (file[0] != null && event.getHeader() instanceof EventHeaderV4 h && h.getNextPosition() > 0
                        && new BinlogPosition(file[0], h.getPosition()).compareTo(end) >= 0) {
                    stop(client, stopped);
                    return;
                }
                if (!sink.accept(file[0], event)) {
                    stop(client, stopped);
                }
            } catch (Throwable t) {
                // The library would only log what a listener throws; keep it and end the stream.
                failure.compareAndSet(null, t);
                stop(client, stopped);
            }
        });
        client.registerLifecycleListener(new BinaryLogClient.AbstractLifecycleListener() {
            @Override
            public void onCommunicationFailure(BinaryLogClient c, Exception ex) {
                if (!stopped[0]) {
                    failure.compareAndSet(null, ex);
                }
            }

            @Override
            public void onEventDeserializationFailure(BinaryLogClient c, Exception ex) {
                failure.compareAndSet(null, ex);
                stop(c, stopped);
            }
        });
        client.connect();
        Throwable t = failure.get();
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new IOException("reading the binlog of " + server + " failed: " + t.getMessage(), t);
        }
    }

    private static void stop(BinaryLogClient client, boolean[] stopped) {
        stopped[0] = true;
        try {
            client.disconnect();
        } catch (IOException e) {
            // the stream is over either way
        }
    }

    @SuppressWarnings("unused")
    private static boolean isContent(Event e) {
        return e.getHeader().getEventType() != EventType.HEARTBEAT;
    }
}
