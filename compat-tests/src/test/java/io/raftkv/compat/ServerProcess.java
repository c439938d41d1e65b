package io.raftkv.compat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real RaftKV server process started through {@code bin/raftkv-server}, as a user would, on a free loopback
 * port with its own data folder. Output goes to a log file under {@code target/} for post-mortems.
 */
public final class ServerProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Path dataDir;
    private final int port;
    private final List<String> extraArgs;
    private Process process;
    private Path logFile;
    private int starts;

    public ServerProcess(Path dataDir, String... extraArgs) throws IOException {
        this(dataDir, freePort(), extraArgs);
    }

    public ServerProcess(Path dataDir, int port, String... extraArgs) {
        this.dataDir = dataDir;
        this.port = port;
        this.extraArgs = List.of(extraArgs);
    }

    public static Path projectRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("bin/raftkv-server"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find bin/raftkv-server above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    /**
     * A new temporary folder for server data, deleted with everything in it when the test JVM exits (the servers
     * are stopped by then: every test closes the ones it started).
     */
    public static Path tempDir(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (var paths = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException | RuntimeException e) {
                System.err.println("could not delete " + dir + ": " + e);
            }
        }, "delete " + dir.getFileName()));
        return dir;
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return logFile;
    }

    /** Starts the process and waits (bounded) until it answers PING. */
    public ServerProcess start() throws IOException, InterruptedException {
        Files.createDirectories(dataDir);
        List<String> cmd = new ArrayList<>(List.of(projectRoot().resolve("bin/raftkv-server").toString(),
                "--port", Integer.toString(port), "--bind", "127.0.0.1", "--dir", dataDir.toString()));
        cmd.addAll(extraArgs);
        Path logs = projectRoot().resolve("compat-tests/target/server-logs");
        Files.createDirectories(logs);
        logFile = logs.resolve(dataDir.getFileName() + "-" + port + "-" + (++starts) + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile());
        pb.environment().remove("RAFTKV_JAVA_OPTS"); // the shipped defaults (bin/raftkv-server)
        process = pb.start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("server exited with " + process.exitValue() + "; log: "
                        + Files.readString(logFile));
            }
            if (pingOk()) {
                return this;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("server did not answer PING within " + START_TIMEOUT + "; log: "
                + Files.readString(logFile));
    }

    private boolean pingOk() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[7];
            int n = in.readNBytes(buf, 0, 7);
            return n == 7 && new String(buf, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGKILL: no shutdown hook, no final sync; what was acknowledged must already be on disk. */
    public void kill9() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** SIGTERM and wait. */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        kill9();
    }
}
