package dev.tidings.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain SMTP client for the tests, as a returning mail server talks: {@code MAIL FROM:<>}, one
 * recipient, the message dot-stuffed. Answers the reply code of each step, so a test can see a
 * refusal at RCPT or DATA.
 */
public final class RawSmtp {

    /** The codes of MAIL, RCPT and the end of DATA (0 for a step not reached). */
    public record Replies(int mail, int rcpt, int data) {}

    private RawSmtp() {}

    public static Replies send(int port, String recipient, byte[] message) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = socket.getOutputStream();
            expect(in, 220);
            say(out, "EHLO mx.returning.example");
            expect(in, 250);
            say(out, "MAIL FROM:<>");
            int mail = reply(in);
            say(out, "RCPT TO:<" + recipient + ">");
            int rcpt = reply(in);
            if (rcpt >= 300) {
                say(out, "QUIT");
                return new Replies(mail, rcpt, 0);
            }
            say(out, "DATA");
            expect(in, 354);
            String text = new String(message, StandardCharsets.ISO_8859_1)
                    .replace("\r\n", "\n")
                    .replace("\n", "\r\n");
            List<String> lines = new ArrayList<>(List.of(text.split("\r\n", -1)));
            StringBuilder body = new StringBuilder();
            for (String line : lines) {
                body.append(line.startsWith(".") ? "." + line : line).append("\r\n");
            }
            body.append(".\r\n");
            out.write(body.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            int data = reply(in);
            say(out, "QUIT");
            return new Replies(mail, rcpt, data);
        }
    }

    private static void say(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static void expect(BufferedReader in, int code) throws IOException {
        int got = reply(in);
        if (got != code) {
            throw new IOException("expected " + code + ", got " + got);
        }
    }

    /** The code of a (possibly multi-line) reply. */
    private static int reply(BufferedReader in) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed");
            }
        } while (line.length() > 3 && line.charAt(3) == '-');
        return Integer.parseInt(line.substring(0, 3));
    }
}
