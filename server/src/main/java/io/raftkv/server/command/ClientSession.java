package io.raftkv.server.command;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One client connection's state (CLIENT LIST's fields). Written only on the connection's event loop; other
 * threads (CLIENT LIST, INFO) read the volatile fields and may see a slightly stale picture, as in Redis.
 */
public final class ClientSession {

    private static final AtomicLong NEXT_ID = new AtomicLong(1);

    private final long id = NEXT_ID.getAndIncrement();
    private final String addr;
    private final String laddr;
    private final long createdMillis;
    private volatile String name = "";
    private volatile String libName = "";
    private volatile String libVersion = "";
    private volatile boolean authenticated;
    private volatile String lastCommand = "NULL";
    private volatile long lastInteractionMillis;
    private volatile int db;
    private volatile boolean readonlyMode;
    private volatile int protocol = 2;
    private boolean closeAfterReply;

    public ClientSession(String addr, String laddr, long nowMillis, boolean authenticated) {
        this.addr = addr;
        this.laddr = laddr;
        this.createdMillis = nowMillis;
        this.lastInteractionMillis = nowMillis;
        this.authenticated = authenticated;
    }

    public long id() {
        return id;
    }

    public String addr() {
        return addr;
    }

    public String laddr() {
        return laddr;
    }

    public long createdMillis() {
        return createdMillis;
    }

    public String name() {
        return name;
    }

    public void name(String n) {
        name = n;
    }

    public String libName() {
        return libName;
    }

    public void libName(String n) {
        libName = n;
    }

    public String libVersion() {
        return libVersion;
    }

    public void libVersion(String v) {
        libVersion = v;
    }

    public boolean authenticated() {
        return authenticated;
    }

    public void authenticated(boolean a) {
        authenticated = a;
    }

    public String lastCommand() {
        return lastCommand;
    }

    public long lastInteractionMillis() {
        return lastInteractionMillis;
    }

    public void touched(String command, long nowMillis) {
        lastCommand = command;
        lastInteractionMillis = nowMillis;
    }

    public int db() {
        return db;
    }

    public void db(int d) {
        db = d;
    }

    /** QUIT (or a fatal error) asked for the connection to close once every earlier reply is written. Event loop only. */
    public boolean closeAfterReply() {
        return closeAfterReply;
    }

    public void closeAfterReply(boolean c) {
        closeAfterReply = c;
    }

    /** READONLY was sent: a follower may answer reads on this connection (cluster mode). */
    public boolean readonlyMode() {
        return readonlyMode;
    }

    public void readonlyMode(boolean r) {
        readonlyMode = r;
    }

    /**
     * The RESP version this connection's replies are written in, as HELLO's protover: 2 (every connection starts
     * there) or 3. Any thread may read it (CLIENT LIST); the encoder reads it on the event loop.
     */
    public int protocol() {
        return protocol;
    }

    /**
     * Switches the replies to RESP {@code version} (2 or 3). Event loop only, from a LOCAL command (HELLO): replies to
     * the commands received before it keep the version in force when those commands arrived, as in Redis.
     */
    public void protocol(int version) {
        if (version != 2 && version != 3) {
            throw new IllegalArgumentException("RESP version must be 2 or 3: " + version);
        }
        protocol = version;
    }
}
