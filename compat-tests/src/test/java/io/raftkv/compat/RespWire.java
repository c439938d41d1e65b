package io.raftkv.compat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A raw RESP connection: sends commands as multibulks and reads back exactly one reply's bytes, unparsed. */
final class RespWire implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RespWire(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        in = new java.io.BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Sends argv and returns the reply's exact bytes as Latin-1 text. */
    String call(List<String> argv) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(("*" + argv.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (String a : argv) {
            byte[] bytes = a.getBytes(StandardCharsets.ISO_8859_1);
            b.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(bytes);
            b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.write(b.toByteArray());
        out.flush();
        StringBuilder reply = new StringBuilder();
        readReply(reply);
        return reply.toString();
    }

    private void readReply(StringBuilder sb) throws IOException {
        String line = readLine();
        sb.append(line).append("\r\n");
        char type = line.charAt(0);
        if (type == '$') {
            int len = Integer.parseInt(line.substring(1));
            if (len >= 0) {
                byte[] data = in.readNBytes(len + 2);
                sb.append(new String(data, StandardCharsets.ISO_8859_1));
            }
        } else if (type == '*') {
            int n = Integer.parseInt(line.substring(1));
            for (int i = 0; i < n; i++) {
                readReply(sb);
            }
        }
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\r') {
                int lf = in.read();
                if (lf != '\n') {
                    throw new IOException("expected LF after CR, got " + lf);
                }
                return sb.toString();
            }
            sb.append((char) c);
        }
        throw new IOException("connection closed mid-reply after: " + sb);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
