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
     * @param boundary a boundary that starts with "=_", which quoted-printable content can never contain
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
        byte[] bodyBytes = body.toArray();

        Bytes message = new Bytes(bodyBytes.length + 1024);
        if (signer != null) {
            message.ascii(signer.sign(all, bodyBytes)).ascii("\r\n");
        }
        for (Map.Entry<String, String> header : all) {
            writeHeader(message, header.getKey(), header.getValue());
        }
        message.ascii("\r\n").bytes(bodyBytes);
        return message.toArray();
    }

    private static void part(Bytes out, String boundary, String type, String content) {
        out.ascii("--").ascii(boundary).ascii("\r\nContent-Type: ").ascii(type);
        if (isSevenBit(content)) {
            // Plain ASCII in short lines goes as it is: several times cheaper than quoted-printable.
            out.ascii("; charset=UTF-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n");
            sevenBit(out, content);
        } else {
            out.ascii("; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
            quotedPrintable(out, content);
        }
        out.ascii("\r\n");
    }

    /** ASCII without control characters (but tab and line breaks), lines of at most 998 characters (RFC 5322 2.1.1). */
    static boolean isSevenBit(String content) {
        int line = 0;
        for (int i = 0, n = content.length(); i < n; i++) {
            char c = content.charAt(i);
            if (c == '\n' || c == '\r') {
                line = 0;
            } else if ((c < 32 && c != '\t') || c > 126 || ++line > 998) {
                return false;
            }
        }
        return true;
    }

    /** The text with every line break as CRLF. */
    private static void sevenBit(Bytes out, String text) {
        int n = text.length();
        out.ensure(n + n / 8 + 2);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c == '\r' || c == '\n') {
                if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
                    i++;
                }
                out.ensure(2 + n - i);
                out.data[out.size++] = '\r';
                out.data[out.size++] = '\n';
            } else {
                out.data[out.size++] = (byte) c;
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
     * Quoted-printable (RFC 2045 6.7) of the UTF-8 text; line breaks become CRLF. Written straight
     * into the array (this runs over every byte of every mail).
     */
    static void quotedPrintable(Bytes out, String text) {
        int n = text.length();
        int column = 0;
        for (int i = 0; i < n; i++) {
            out.ensure(16); // the most one character can take: a soft break and four escaped bytes
            byte[] d = out.data;
            int p = out.size;
            char c = text.charAt(i);
            if (c == '\r' || c == '\n') {
                if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
                    i++;
                }
                d[p++] = '\r';
                d[p++] = '\n';
                column = 0;
            } else if (c < 128) {
                boolean literal = (c >= 33 && c <= 126 && c != '=')
                        || ((c == ' ' || c == '\t')
                                && i + 1 < n
                                && text.charAt(i + 1) != '\r'
                                && text.charAt(i + 1) != '\n');
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
                int cp = Character.codePointAt(text, i);
                if (Character.isSupplementaryCodePoint(cp)) {
                    i++;
                } else if (Character.isSurrogate(c)) {
                    cp = 0xFFFD; // a lone surrogate: the replacement character
                }
                int width = 3 * utf8Length(cp);
                if (column + width > MAX_LINE - 1) {
                    d[p++] = '=';
                    d[p++] = '\r';
                    d[p++] = '\n';
                    column = 0;
                }
                if (cp < 0x800) {
                    p = escape(d, p, 0xC0 | (cp >> 6));
                    p = escape(d, p, 0x80 | (cp & 0x3F));
                } else if (cp < 0x10000) {
                    p = escape(d, p, 0xE0 | (cp >> 12));
                    p = escape(d, p, 0x80 | ((cp >> 6) & 0x3F));
                    p = escape(d, p, 0x80 | (cp & 0x3F));
                } else {
                    p = escape(d, p, 0xF0 | (cp >> 18));
                    p = escape(d, p, 0x80 | ((cp >> 12) & 0x3F));
                    p = escape(d, p, 0x80 | ((cp >> 6) & 0x3F));
                    p = escape(d, p, 0x80 | (cp & 0x3F));
                }
                column += width;
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

        Bytes ascii(String s, int from, int to) {
            ensure(to - from);
            for (int i = from; i < to; i++) {
                data[size++] = (byte) s.charAt(i);
            }
            return this;
        }

        Bytes bytes(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, data, size, b.length);
            size += b.length;
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
