package io.drsp.agent;

import java.nio.ByteBuffer;
import java.util.function.BiFunction;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pekko's TLS engines, configured as {@code pekko.remote.artery.ssl.config-ssl-engine} says, whose server side also
 * logs each handshake it refuses: Pekko itself reports a failed handshake only on the side that opened the connection,
 * so the member an unknown host tried to join (a controller, an agent) would not say that anyone had tried. A peer
 * without a certificate the trust store vouches for, or without TLS at all, is refused by the engine while it reads
 * the peer's handshake, so that is where the refusal is caught and named.
 */
public final class DrspSslEngineProvider extends ConfigSSLEngineProvider {
    private static final Logger log = LoggerFactory.getLogger(DrspSslEngineProvider.class);

    public DrspSslEngineProvider(ActorSystem system) {
        super(system);
    }

    @Override
    public SSLEngine createServerSSLEngine(String hostname, int port) {
        return new Refusals(super.createServerSSLEngine(hostname, port));
    }

    /** The engine Pekko would use, logging the first exception of its handshake; every call is passed on unchanged. */
    private static final class Refusals extends SSLEngine {
        private final SSLEngine engine;
        private boolean logged;

        Refusals(SSLEngine engine) {
            super(engine.getPeerHost(), engine.getPeerPort());
            this.engine = engine;
        }

        private SSLException refused(SSLException e) {
            if (!logged) { // once per connection: the engine repeats its failure on every later call
                logged = true;
                // Pekko gives a server engine this member's own address: the peer's is not known here.
                log.warn("refused a TLS handshake on the remoting port{}: {}", engine.getPeerHost() == null ? ""
                        : " " + engine.getPeerHost() + ":" + engine.getPeerPort(), e.getMessage());
            }
            return e;
        }

        @Override
        public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
            try {
                return engine.wrap(srcs, offset, length, dst);
            } catch (SSLException e) {
                throw refused(e);
            }
        }

        @Override
        public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) throws SSLException {
            try {
                return engine.unwrap(src, dsts, offset, length);
            } catch (SSLException e) {
                throw refused(e);
            }
        }

        @Override
        public Runnable getDelegatedTask() {
            return engine.getDelegatedTask();
        }

        @Override
        public void closeInbound() throws SSLException {
            engine.closeInbound();
        }

        @Override
        public boolean isInboundDone() {
            return engine.isInboundDone();
        }

        @Override
        public void closeOutbound() {
            engine.closeOutbound();
        }

        @Override
        public boolean isOutboundDone() {
            return engine.isOutboundDone();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return engine.getSupportedCipherSuites();
        }

        @Override
        public String[] getEnabledCipherSuites() {
            return engine.getEnabledCipherSuites();
        }

        @Override
        public void setEnabledCipherSuites(String[] suites) {
            engine.setEnabledCipherSuites(suites);
        }

        @Override
        public String[] getSupportedProtocols() {
            return engine.getSupportedProtocols();
        }

        @Override
        public String[] getEnabledProtocols() {
            return engine.getEnabledProtocols();
        }

        @Override
        public void setEnabledProtocols(String[] protocols) {
            engine.setEnabledProtocols(protocols);
        }

        @Override
        public SSLSession getSession() {
            return engine.getSession();
        }

        @Override
        public SSLSession getHandshakeSession() {
            return engine.getHandshakeSession();
        }

        @Override
        public void beginHandshake() throws SSLException {
            engine.beginHandshake();
        }

        @Override
        public SSLEngineResult.HandshakeStatus getHandshakeStatus() {
            return engine.getHandshakeStatus();
        }

        @Override
        public void setUseClientMode(boolean mode) {
            engine.setUseClientMode(mode);
        }

        @Override
        public boolean getUseClientMode() {
            return engine.getUseClientMode();
        }

        @Override
        public void setNeedClientAuth(boolean need) {
            engine.setNeedClientAuth(need);
        }

        @Override
        public boolean getNeedClientAuth() {
            return engine.getNeedClientAuth();
        }

        @Override
        public void setWantClientAuth(boolean want) {
            engine.setWantClientAuth(want);
        }

        @Override
        public boolean getWantClientAuth() {
            return engine.getWantClientAuth();
        }

        @Override
        public void setEnableSessionCreation(boolean flag) {
            engine.setEnableSessionCreation(flag);
        }

        @Override
        public boolean getEnableSessionCreation() {
            return engine.getEnableSessionCreation();
        }

        @Override
        public SSLParameters getSSLParameters() {
            return engine.getSSLParameters();
        }

        @Override
        public void setSSLParameters(SSLParameters params) {
            engine.setSSLParameters(params);
        }

        @Override
        public String getApplicationProtocol() {
            return engine.getApplicationProtocol();
        }

        @Override
        public String getHandshakeApplicationProtocol() {
            return engine.getHandshakeApplicationProtocol();
        }

        @Override
        public void setHandshakeApplicationProtocolSelector(BiFunction<SSLEngine, List<String>, String> selector) {
            engine.setHandshakeApplicationProtocolSelector(selector);
        }

        @Override
        public BiFunction<SSLEngine, List<String>, String> getHandshakeApplicationProtocolSelector() {
            return engine.getHandshakeApplicationProtocolSelector();
        }
    }
}
