package dev.tidings.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.BodyPart;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.MimeUtility;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** What MimeWriter writes, read back by Jakarta Mail as a mail client would. */
class MimeWriterTest {

    private static final String TEXT = "Grüße, Zoë! Ünïcödé and emoji 🎉 and CJK 日本語\n"
            + ".a line that starts with a dot\n"
            + ".\n"
            + "trailing spaces   \n"
            + "tab\tinside and equals = sign, and =2E literal\n"
            + "x".repeat(200) + "\n"
            + "é".repeat(60) + "\r\n"
            + "last line without a break";
    private static final String HTML = "<p>Grüße <a href=\"https://example.com/a?b=c&amp;d=e\">link</a></p>\n" + "<p>"
            + "long words ".repeat(40) + "</p>";

    @Test
    void aMailClientReadsBackExactlyWhatWasWritten() throws Exception {
        String subject = "Weekly news: Grüße aus Köln — " + "ünïcödé ".repeat(12);
        String unsubscribe = "<https://tidings.example.com/p/unsubscribe?token=" + "a".repeat(120) + ">, "
                + "<mailto:unsubscribe@example.com?subject=unsubscribe>";
        byte[] bytes = MimeWriter.alternative(
                List.of(
                        Map.entry("From", MimeWriter.address("Zoë \"The\" <Editor>", "news@example.com")),
                        Map.entry("To", "reader@example.org"),
                        Map.entry("Subject", MimeWriter.encodeText(subject)),
                        Map.entry("List-Unsubscribe", unsubscribe)),
                TEXT,
                HTML,
                "=_0123456789abcdef",
                null);

        MimeMessage mail = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(bytes));
        assertThat(mail.getSubject()).isEqualTo(subject);
        InternetAddress from = (InternetAddress) mail.getFrom()[0];
        assertThat(from.getAddress()).isEqualTo("news@example.com");
        assertThat(from.getPersonal()).isEqualTo("Zoë The Editor");
        assertThat(MimeUtility.unfold(mail.getHeader("List-Unsubscribe", null))).isEqualTo(unsubscribe);
        MimeMultipart alternative = (MimeMultipart) mail.getContent();
        assertThat(alternative.getContentType()).startsWith("multipart/alternative");
        assertThat(alternative.getCount()).isEqualTo(2);
        BodyPart text = alternative.getBodyPart(0);
        BodyPart html = alternative.getBodyPart(1);
        assertThat(text.isMimeType("text/plain")).isTrue();
        assertThat(html.isMimeType("text/html")).isTrue();
        assertThat(normalized(text.getContent())).isEqualTo(normalized(TEXT));
        assertThat(normalized(html.getContent())).isEqualTo(normalized(HTML));
    }

    @Test
    void linesAreShortAsciiAndNeverStartWithADot() {
        byte[] bytes = MimeWriter.alternative(
                List.of(Map.entry("Subject", MimeWriter.encodeText("Ünïcödé ".repeat(30)))),
                TEXT,
                HTML,
                "=_boundary",
                null);
        String wire = new String(bytes, StandardCharsets.ISO_8859_1);
        for (String line : wire.split("\r\n", -1)) {
            assertThat(line.length()).as(line).isLessThanOrEqualTo(78);
            assertThat(line)
                    .as("quoted-printable never starts a line with a dot")
                    .doesNotStartWith(".");
            assertThat(line.chars().allMatch(c -> c >= 32 && c < 127 || c == '\t'))
                    .as(line)
                    .isTrue();
        }
        assertThat(wire).doesNotContain("\n\n").doesNotContain("\r\r").endsWith("--=_boundary--\r\n");
    }

    @Test
    void plainAsciiStaysReadableAndHeaderBreaksCannotBeInjected() {
        assertThat(MimeWriter.encodeText("Hello readers")).isEqualTo("Hello readers");
        assertThat(MimeWriter.address("Bad\r\nBcc: victim@example.com", "news@example.com"))
                .doesNotContain("\r")
                .doesNotContain("\n");
        byte[] bytes = MimeWriter.alternative(
                List.of(Map.entry("Subject", "one\r\nBcc: victim@example.com")), "t", "<p>h</p>", "=_b", null);
        assertThat(new String(bytes, StandardCharsets.US_ASCII)).doesNotContain("\r\nBcc:");
    }

    @Test
    void plainAsciiPartsGoUnencodedAndLongLinesStillGetQuotedPrintable() throws Exception {
        String ascii = "Hello reader,\n.a dot first\nequals = stays\r\nend";
        String longLine = "word ".repeat(250); // 1,250 characters: over SMTP's 998
        byte[] bytes = MimeWriter.alternative(List.of(Map.entry("Subject", "s")), ascii, longLine, "=_b", null);
        String wire = new String(bytes, StandardCharsets.US_ASCII);
        assertThat(wire)
                .contains(
                        "Content-Transfer-Encoding: 7bit\r\n\r\nHello reader,\r\n.a dot first\r\nequals = stays\r\nend")
                .contains("Content-Transfer-Encoding: quoted-printable");
        MimeMessage mail = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(bytes));
        MimeMultipart alternative = (MimeMultipart) mail.getContent();
        assertThat(normalized(alternative.getBodyPart(0).getContent())).isEqualTo(normalized(ascii));
        assertThat(normalized(alternative.getBodyPart(1).getContent())).isEqualTo(longLine);
    }

    @Test
    void aPartThatCouldHoldABoundaryLineIsQuotedPrintableSoItCannotEndThePart() throws Exception {
        // The boundary is the (known to the writer, and to a subscriber who read the
        // archive): a body or a subscriber's name carrying the boundary line must stay text.
        String boundary = "=_0193f5a2b7c84d0e9f1a2b3c4d5e6f70";
        String injected =
                "Hi\n--" + boundary + "\nContent-Type: text/html\n\n<script>x</script>\n--" + boundary + "--\n";
        assertThat(part(injected)).startsWith("qp:").doesNotContain("\r\n--" + boundary);
        byte[] bytes =
                MimeWriter.alternative(List.of(Map.entry("Subject", "s")), injected, "<p>ok</p>", boundary, null);
        MimeMessage mail = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(bytes));
        MimeMultipart alternative = (MimeMultipart) mail.getContent();
        assertThat(alternative.getCount()).isEqualTo(2);
        assertThat(normalized(alternative.getBodyPart(0).getContent())).isEqualTo(normalized(injected));
        assertThat(normalized(alternative.getBodyPart(1).getContent())).isEqualTo("<p>ok</p>");
        assertThat(part("a=b_c = _")).startsWith("7bit:");
    }

    @Test
    void sevenBitMeansAsciiWithoutNulInLinesOf998AndEveryLineBreakBecomesCrlf() {
        assertThat(part("a\nb\r\nc\rd\n")).isEqualTo("7bit:a\r\nb\r\nc\r\nd\r\n");
        assertThat(part("\n\n")).isEqualTo("7bit:\r\n\r\n");
        assertThat(part("")).isEqualTo("7bit:");
        assertThat(part("form\ffeed and tab\t")).isEqualTo("7bit:form\ffeed and tab\t");
        assertThat(part("x".repeat(998) + "\n" + "y".repeat(998))).startsWith("7bit:");
        assertThat(part("x".repeat(999))).startsWith("qp:");
        assertThat(part("short\n" + "x".repeat(999) + "\nshort")).startsWith("qp:");
        assertThat(part("nul\0inside")).isEqualTo("qp:nul=00inside");
        assertThat(part("caf\u00e9")).isEqualTo("qp:caf=C3=A9");
    }

    @Test
    void quotedPrintableNeverSplitsTheBytesOfOneCharacter() {
        String text = "a" + "€".repeat(40) + "\n" + "🎉".repeat(30);
        MimeWriter.Bytes out = new MimeWriter.Bytes(64);
        MimeWriter.quotedPrintable(out, text.getBytes(StandardCharsets.UTF_8));
        String wire = new String(out.toArray(), StandardCharsets.US_ASCII);
        for (String line : wire.split("\r\n")) {
            assertThat(line.length()).isLessThanOrEqualTo(76);
            String content = line.endsWith("=") ? line.substring(0, line.length() - 1) : line;
            // every line holds whole characters: it decodes on its own without a replacement character
            byte[] decoded = decodeQuotedPrintable(content);
            assertThat(new String(decoded, StandardCharsets.UTF_8)).doesNotContain("\uFFFD");
        }
        assertThat(new String(decodeQuotedPrintable(wire.replace("=\r\n", "")), StandardCharsets.UTF_8)
                        .replace("\r\n", "\n"))
                .isEqualTo(text);
    }

    /** What the part writer chose and wrote: "7bit:" or "qp:" and the content. */
    private static String part(String content) {
        MimeWriter.Bytes out = new MimeWriter.Bytes(64);
        byte[] utf8 = content.getBytes(StandardCharsets.UTF_8);
        if (MimeWriter.sevenBit(out, content, utf8)) {
            return "7bit:" + new String(out.toArray(), StandardCharsets.US_ASCII);
        }
        out = new MimeWriter.Bytes(64);
        MimeWriter.quotedPrintable(out, utf8);
        return "qp:" + new String(out.toArray(), StandardCharsets.US_ASCII);
    }

    private static byte[] decodeQuotedPrintable(String s) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '=') {
                out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }

    private static String normalized(Object content) {
        return content.toString().replace("\r\n", "\n");
    }
}
