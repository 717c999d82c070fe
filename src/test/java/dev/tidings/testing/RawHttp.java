package dev.tidings.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * HTTP/1.1 over a plain socket, for what REST Assured cannot do: connect from another loopback
 * address (127.0.0.2 is not a trusted proxy), send a body without any Content-Type, and stream a
 * chunked body of any size while watching for an early answer.
 */
public final class RawHttp {

    /** An answer: status, headers (lower-case names) and body; {@code bytesSent} of the request body. */
    public record Answer(int status, Map<String, String> headers, String body, long bytesSent) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final int port;
    private final InetAddress from;

    private RawHttp(int port, InetAddress from) {
        this.port = port;
        this.from = from;
    }

    /** Requests to the app under test on {@code port}, from the local address {@code from}. */
    public static RawHttp to(int port, String from) {
        try {
            return new RawHttp(port, InetAddress.getByName(from));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static RawHttp to(int port) {
        return to(port, "127.0.0.1");
    }

    /** A request with a body of known length; {@code headers} are sent as given (no defaults). */
    public Answer send(String method, String path, Map<String, String> headers, byte[] body) {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            StringBuilder head =
                    new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: localhost:" + port + "\r\n");
            headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
            if (body != null) {
                head.append("Content-Length: ").append(body.length).append("\r\n");
            }
            head.append("Connection: close\r\n\r\n");
            try {
                out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
                if (body != null) {
                    out.write(body);
                }
                out.flush();
            } catch (IOException e) {
                // The server answered before the body was all sent (e.g. 413 on the declared length)
                // and closed the connection: its answer is still there to read.
            }
            return read(socket.getInputStream(), body == null ? 0 : body.length);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Streams a chunked body of {@code total} bytes made of {@code filler} until the server
     * answers (or everything is sent); answers the server's reply and how much was written.
     */
    public Answer streamChunked(String method, String path, Map<String, String> headers, byte[] prefix, long total) {
        try (Socket socket = connect()) {
            socket.setSoTimeout((int) Duration.ofSeconds(60).toMillis());
            OutputStream out = socket.getOutputStream();
            StringBuilder head =
                    new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: localhost:" + port + "\r\n");
            headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
            head.append("Transfer-Encoding: chunked\r\n\r\n");
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            AtomicLong sent = new AtomicLong();
            AtomicBoolean answered = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                byte[] chunk = new byte[64 * 1024];
                java.util.Arrays.fill(chunk, (byte) 'a');
                try {
                    writeChunk(out, prefix);
                    sent.addAndGet(prefix.length);
                    while (!answered.get() && sent.get() < total) {
                        int n = (int) Math.min(chunk.length, total - sent.get());
                        writeChunk(out, n == chunk.length ? chunk : java.util.Arrays.copyOf(chunk, n));
                        sent.addAndGet(n);
                    }
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } catch (IOException e) {
                    // The server closed the connection after answering: what a well-behaved server does.
                }
            });
            writer.setDaemon(true);
            writer.start();
            Answer answer = read(socket.getInputStream(), -1);
            answered.set(true);
            writer.join(Duration.ofSeconds(10).toMillis());
            return new Answer(answer.status(), answer.headers(), answer.body(), sent.get());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(from, 0));
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        socket.setSoTimeout((int) Duration.ofSeconds(30).toMillis());
        return socket;
    }

    private static void writeChunk(OutputStream out, byte[] data) throws IOException {
        if (data.length == 0) {
            return;
        }
        out.write((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(data);
        out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Reads one response: status line, headers, and a Content-Length or chunked body. */
    private static Answer read(InputStream in, long sent) throws IOException {
        String status = line(in);
        if (status == null) {
            throw new IOException("the server closed the connection without answering");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = line(in); line != null && !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            headers.put(
                    line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                    line.substring(colon + 1).strip());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            for (int size = Integer.parseInt(line(in).split(";")[0].strip(), 16);
                    size > 0;
                    size = Integer.parseInt(line(in).split(";")[0].strip(), 16)) {
                body.write(in.readNBytes(size));
                line(in);
            }
        } else if (headers.containsKey("content-length")) {
            body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
        }
        return new Answer(Integer.parseInt(status.split(" ")[1]), headers, body.toString(StandardCharsets.UTF_8), sent);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(c);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }
}
