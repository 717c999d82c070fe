package dev.tidings.delivery.smtp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes a multipart/alternative message (RFC 2045/2046) straight to bytes: text and HTML parts in
 * quoted-printable, header values RFC 2047-encoded when they are not plain ASCII, long headers
 * folded at spaces, and, when a signer is given, a DKIM-Signature on top. A part that is plain
 * ASCII in lines of at most 998 characters goes as 7bit, unencoded. (The transport dot-stuffs.)
 */
public final class MimeWriter {

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_LINE = 76;
    private static final Pattern NOT_IN_NAMES = Pattern.compile("[\\r\\n\"\\\\<>]");

    private MimeWriter() {}

    /**
     * @param headers header fields in order, values one line each, already ASCII (see {@link #encodeText})
     * @param boundary a boundary that starts with "=_", which no part can contain: quoted-printable
     *     encodes every "=", and a part goes as it is (7bit) only if it has no "=_"
     */
    public static byte[] alternative(
            List<Map.Entry<String, String>> headers, String text, String html, String boundary, DkimSigner signer) {
        Bytes body = new Bytes(text.length() + html.length() + 512);
        part(body, boundary, "text/plain", text);
        part(body, boundary, "text/html", html);
        body.ascii("--").ascii(boundary).ascii("--\r\n");

        List<Map.Entry<String, String>> all = new ArrayList<>(headers.size() + 2);
        all.addAll(headers);
        all.add(Map.entry("MIME-Version", "1.0"));
        all.add(Map.entry("Content-Type", "multipart/alternative; boundary=\"" + boundary + "\""));

        Bytes head = new Bytes(1024);
        if (signer != null) {
            head.ascii(signer.sign(all, body.toArray())).ascii("\r\n");
        }
        for (Map.Entry<String, String> header : all) {
            writeHeader(head, header.getKey(), header.getValue());
        }
        head.ascii("\r\n");
        // One array of the exact size, filled once (the body is most of it).
        byte[] message = new byte[head.size + body.size];
        System.arraycopy(head.data, 0, message, 0, head.size);
        System.arraycopy(body.data, 0, message, head.size, body.size);
        return message;
    }

    private static void part(Bytes out, String boundary, String type, String content) {
        // Encoded once: for ASCII text this is a vectorised check and a plain array copy.
        byte[] utf8 = content.getBytes(StandardCharsets.UTF_8);
        out.ascii("--").ascii(boundary).ascii("\r\nContent-Type: ").ascii(type);
        int mark = out.size;
        // Plain ASCII in short lines goes as it is: several times cheaper than quoted-printable.
        out.ascii("; charset=UTF-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n");
        if (!sevenBit(out, content, utf8)) {
            out.size = mark;
            out.ascii("; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
            quotedPrintable(out, utf8);
        }
        out.ascii("\r\n");
    }

    /**
     * Writes the text with every line break as CRLF if it is 7bit data (RFC 2045 2.7: ASCII, no NUL,
     * lines of at most 998 characters) without "=_"; otherwise answers false, having written part of it, which
     * the caller discards. Lines are found with String.indexOf, which the JIT vectorises: this runs
     * over every byte of every mail.
     */
    static boolean sevenBit(Bytes out, String text, byte[] utf8) {
        int n = text.length();
        if (utf8.length != n || text.indexOf(0) >= 0) {
            return false; // a character beyond ASCII takes two or more bytes
        }
        if (text.contains("=_")) {
            return false; // could be a boundary line (they all start "=_"): quoted-printable hides it
        }
        int line = 0;
        int lf = text.indexOf('\n');
        int cr = text.indexOf('\r');
        while (true) {
            int end = lf < 0 ? (cr < 0 ? n : cr) : (cr < 0 ? lf : Math.min(lf, cr));
            if (end - line > 998) {
                return false;
            }
            out.bytes(utf8, line, end);
            if (end == n) {
                return true;
            }
            out.ascii("\r\n");
            line = end + (end == cr && lf == cr + 1 ? 2 : 1);
            if (lf >= 0 && lf < line) {
                lf = text.indexOf('\n', line);
            }
            if (cr >= 0 && cr < line) {
                cr = text.indexOf('\r', line);
            }
        }
    }

    /** A header value as RFC 2047 encoded-words (UTF-8, base64) if it has anything but printable ASCII. */
    public static String encodeText(String value) {
        if (isPlainAscii(value)) {
            return value;
        }
        // Encoded-words of 60 characters at most (36 bytes of UTF-8), never splitting a character, so that
        // even the first one fits on a line after the header name.
        StringBuilder out = new StringBuilder();
        int start = 0;
        while (start < value.length()) {
            int end = start;
            int bytes = 0;
            while (end < value.length()) {
                int cp = value.codePointAt(end);
                int n = utf8Length(cp);
                if (bytes + n > 36) {
                    break;
                }
                bytes += n;
                end += Character.charCount(cp);
            }
            if (out.length() > 0) {
                out.append(' ');
            }
            out.append("=?UTF-8?B?")
                    .append(Base64.getEncoder()
                            .encodeToString(value.substring(start, end).getBytes(StandardCharsets.UTF_8)))
                    .append("?=");
            start = end;
        }
        return out.toString();
    }

    /** An address with a display name: {@code "Name" <a@b>}, the name encoded if it is not ASCII. */
    public static String address(String displayName, String email) {
        String name = displayName == null
                ? ""
                : NOT_IN_NAMES.matcher(displayName).replaceAll("").strip();
        if (name.isEmpty()) {
            return email;
        }
        return (isPlainAscii(name) ? "\"" + name + "\"" : encodeText(name)) + " <" + email + ">";
    }

    private static boolean isPlainAscii(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 32 || c > 126) {
                return false;
            }
        }
        return true;
    }

    private static int utf8Length(int cp) {
        return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }

    /** "Name: value", folded at spaces so lines stay under 78 characters where the value allows. */
    private static void writeHeader(Bytes out, String name, String value) {
        out.ascii(name).ascii(": ");
        if (!isPlainAscii(value)) {
            // Only an internationalised address (RFC 6532) gets here; nothing in it can end the header.
            out.bytes(value.replaceAll("[\\r\\n]", " ").getBytes(StandardCharsets.UTF_8))
                    .ascii("\r\n");
            return;
        }
        int column = name.length() + 2;
        int start = 0;
        while (column + (value.length() - start) > 78) {
            int limit = start + (78 - column);
            int space = value.lastIndexOf(' ', limit);
            if (space <= start) {
                space = value.indexOf(' ', limit);
                if (space < 0) {
                    break; // one long word: it stays as it is (the hard limit is 998)
                }
            }
            out.ascii(value, start, space).ascii("\r\n");
            start = space; // the space begins the continuation line
            column = 0;
        }
        out.ascii(value, start, value.length()).ascii("\r\n");
    }

    /**
     * Quoted-printable (RFC 2045 6.7) of UTF-8 text; line breaks become CRLF, and a soft break never
     * splits the bytes of one character. Written straight into the array (this runs over every byte
     * of every mail that is not plain ASCII).
     */
    static void quotedPrintable(Bytes out, byte[] text) {
        int n = text.length;
        int column = 0;
        for (int i = 0; i < n; i++) {
            out.ensure(16); // the most one character can take: a soft break and four escaped bytes
            byte[] d = out.data;
            int p = out.size;
            int c = text[i] & 0xFF;
            if (c == '\r' || c == '\n') {
                if (c == '\r' && i + 1 < n && text[i + 1] == '\n') {
                    i++;
                }
                d[p++] = '\r';
                d[p++] = '\n';
                column = 0;
            } else if (c < 128) {
                boolean literal = (c >= 33 && c <= 126 && c != '=')
                        || ((c == ' ' || c == '\t') && i + 1 < n && text[i + 1] != '\r' && text[i + 1] != '\n');
                if (column + (literal ? 1 : 3) > MAX_LINE - 1) {
                    d[p++] = '=';
                    d[p++] = '\r';
                    d[p++] = '\n';
                    column = 0;
                }
                if (literal && !(c == '.' && column == 0)) {
                    d[p++] = (byte) c;
                    column++;
                } else {
                    p = escape(d, p, c);
                    column += 3;
                }
            } else {
                // A UTF-8 sequence: its length from the lead byte (String.getBytes wrote it, so it is whole).
                int length = Math.min(c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1, n - i);
                if (column + 3 * length > MAX_LINE - 1) {
                    d[p++] = '=';
                    d[p++] = '\r';
                    d[p++] = '\n';
                    column = 0;
                }
                for (int k = 0; k < length; k++) {
                    p = escape(d, p, text[i + k] & 0xFF);
                }
                i += length - 1;
                column += 3 * length;
            }
            out.size = p;
        }
    }

    private static int escape(byte[] d, int p, int b) {
        d[p] = '=';
        d[p + 1] = HEX[(b >> 4) & 0xF];
        d[p + 2] = HEX[b & 0xF];
        return p + 3;
    }

    /** A growable byte array (unsynchronized, unlike ByteArrayOutputStream). */
    static final class Bytes {
        byte[] data;
        int size;

        Bytes(int capacity) {
            data = new byte[Math.max(64, capacity)];
        }

        void add(byte b) {
            if (size == data.length) {
                data = java.util.Arrays.copyOf(data, data.length * 2);
            }
            data[size++] = b;
        }

        Bytes ascii(String s) {
            return ascii(s, 0, s.length());
        }

        /** Only for ASCII text: copies the low eight bits of each character (an array copy for most strings). */
        @SuppressWarnings("deprecation")
        Bytes ascii(String s, int from, int to) {
            ensure(to - from);
            s.getBytes(from, to, data, size);
            size += to - from;
            return this;
        }

        Bytes bytes(byte[] b) {
            return bytes(b, 0, b.length);
        }

        Bytes bytes(byte[] b, int from, int to) {
            ensure(to - from);
            System.arraycopy(b, from, data, size, to - from);
            size += to - from;
            return this;
        }

        void ensure(int more) {
            if (size + more > data.length) {
                data = java.util.Arrays.copyOf(data, Math.max(data.length * 2, size + more));
            }
        }

        byte[] toArray() {
            return java.util.Arrays.copyOf(data, size);
        }
    }
}
