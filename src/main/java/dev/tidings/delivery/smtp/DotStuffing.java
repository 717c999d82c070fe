package dev.tidings.delivery.smtp;

import io.vertx.core.buffer.Buffer;

/** RFC 5321 4.5.2: a line that starts with a dot gets one more, so no line of content ends DATA. */
final class DotStuffing {

    private DotStuffing() {}

    static Buffer apply(byte[] message) {
        int dots = 0;
        for (int i = 0; i < message.length; i++) {
            if (message[i] == '.' && (i == 0 || message[i - 1] == '\n')) {
                dots++;
            }
        }
        if (dots == 0) {
            return Buffer.buffer(message);
        }
        byte[] stuffed = new byte[message.length + dots];
        int j = 0;
        for (int i = 0; i < message.length; i++) {
            if (message[i] == '.' && (i == 0 || message[i - 1] == '\n')) {
                stuffed[j++] = '.';
            }
            stuffed[j++] = message[i];
        }
        return Buffer.buffer(stuffed);
    }
}
