package dev.tidings.delivery.smtp;

import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/** RFC 5321 4.5.2: a line that starts with a dot gets one more, so no line of content ends DATA. */
final class DotStuffing {

    private static final String DOT_LINE = "\n.";

    private DotStuffing() {}

    /** The message ready for DATA; it shares the array when no line starts with a dot (the usual case). */
    static Buffer apply(byte[] message) {
        // Lines that start with a dot are found with String.indexOf over a Latin-1 copy of the bytes:
        // the JIT vectorises it, and it costs less than a loop over every byte of every mail.
        String lines = new String(message, StandardCharsets.ISO_8859_1);
        boolean first = lines.startsWith(".");
        int dots = first ? 1 : 0;
        for (int i = lines.indexOf(DOT_LINE); i >= 0; i = lines.indexOf(DOT_LINE, i + 2)) {
            dots++;
        }
        if (dots == 0) {
            return Buffer.buffer(Unpooled.wrappedBuffer(message));
        }
        byte[] stuffed = new byte[message.length + dots];
        int from = 0;
        int to = 0;
        if (first) {
            stuffed[to++] = '.';
        }
        for (int i = lines.indexOf(DOT_LINE); i >= 0; i = lines.indexOf(DOT_LINE, i + 2)) {
            int end = i + 1; // up to and including the line break
            System.arraycopy(message, from, stuffed, to, end - from);
            to += end - from;
            from = end;
            stuffed[to++] = '.';
        }
        System.arraycopy(message, from, stuffed, to, message.length - from);
        return Buffer.buffer(Unpooled.wrappedBuffer(stuffed));
    }
}
