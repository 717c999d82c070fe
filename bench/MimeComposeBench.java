import dev.tidings.delivery.smtp.DkimSigner;
import dev.tidings.delivery.smtp.MimeWriter;
import dev.tidings.delivery.smtp.SigningProvider;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.james.jdkim.DKIMSigner;

/**
 * Composing (and DKIM-signing) one newsletter mail: ours (MimeWriter + DkimSigner) against the
 * libraries (Jakarta Mail, i.e. Eclipse Angus, writing a MimeMessage; Apache James jDKIM signing it).
 * The same ~6 KB multipart/alternative mail, personalised (every mail's body differs, so no body hash
 * is reused), rsa-sha256 relaxed/relaxed over the same headers, RSA-2048. Run after a build:
 *
 *   ./mvnw -q dependency:build-classpath -Dmdep.outputFile=target/cp-test.txt -Dmdep.includeScope=test
 *   java -cp "target/classes:$(cat target/cp-test.txt)" bench/MimeComposeBench.java [rounds] [mails]
 *
 * Prints microseconds per mail for each way, each round (the first rounds include JIT warm-up), the
 * ways interleaved round by round so that the machine's drift hits them alike.
 */
public class MimeComposeBench {

    static final List<String> SIGNED = List.of("From", "To", "Subject", "Date", "Message-ID", "List-Id",
            "List-Unsubscribe", "List-Unsubscribe-Post", "MIME-Version", "Content-Type");

    interface Way {
        byte[] mail(int i) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6;
        int mails = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
        StringBuilder markdown = new StringBuilder("# The Delivery Benchmark\n");
        for (int i = 1; markdown.length() < 2400; i++) {
            markdown.append("## Section ").append(i).append("\n\nHello Reader, this is the weekly dispatch. We measured")
                    .append(" how fast the delivery engine moves an issue from publish to the last accepted mail, and")
                    .append(" this paragraph is filler text of ordinary words so that the message has a realistic")
                    .append(" size on the wire. *Item ").append(i).append("* with a link.\n\n");
        }
        String text = markdown.toString();
        String html = "<html><body>" + text.replace("\n\n", "</p>\n<p>") + "</body></html>";

        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        byte[] pkcs8 = generator.generateKeyPair().getPrivate().getEncoded();
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(pkcs8)
                + "\n-----END PRIVATE KEY-----\n";
        DkimSigner ours = new DkimSigner(pem, "example.com", "bench", SIGNED);
        String template = "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=bench; "
                + "h=" + String.join(":", SIGNED) + "; bh=; b=;";
        // jDKIM with the JDK's provider (as it comes), and with ACCP put first as anyone could.
        DKIMSigner jdkimJdk = new DKIMSigner(template,
                KeyFactory.getInstance("RSA", "SunRsaSign").generatePrivate(new PKCS8EncodedKeySpec(pkcs8)));
        Provider accp = SigningProvider.get();
        Session session = Session.getInstance(new Properties());

        Way mimeWriter = i -> MimeWriter.alternative(headers(i), personal(text, i), personal(html, i),
                "=_0190abcd12347000800000000000000", null);
        Way mimeWriterDkim = i -> MimeWriter.alternative(headers(i), personal(text, i), personal(html, i),
                "=_0190abcd12347000800000000000000", ours);
        Way jakarta = i -> jakarta(session, i, personal(text, i), personal(html, i));
        Way jakartaJdkimJdk = i -> signed(jdkimJdk, jakarta(session, i, personal(text, i), personal(html, i)));

        for (int round = 1; round <= rounds; round++) {
            StringBuilder line = new StringBuilder("round " + round + ":");
            line.append(run(" MimeWriter", mimeWriter, mails));
            line.append(run(" | Jakarta Mail", jakarta, mails));
            line.append(run(" | MimeWriter+DkimSigner(" + SigningProvider.name() + ")", mimeWriterDkim, mails / 5));
            line.append(run(" | Jakarta Mail+jDKIM(JDK)", jakartaJdkimJdk, mails / 5));
            if (accp != null) {
                Security.insertProviderAt(accp, 1);
                try {
                    DKIMSigner jdkimAccp = new DKIMSigner(template, KeyFactory.getInstance("RSA", accp)
                            .generatePrivate(new PKCS8EncodedKeySpec(pkcs8)));
                    line.append(run(" | Jakarta Mail+jDKIM(ACCP first)",
                            i -> signed(jdkimAccp, jakarta(session, i, personal(text, i), personal(html, i))),
                            mails / 5));
                } finally {
                    Security.removeProvider(accp.getName());
                }
            }
            System.out.println(line);
        }
    }

    static String run(String name, Way way, int n) throws Exception {
        long bytes = 0;
        long started = System.nanoTime();
        for (int i = 0; i < n; i++) {
            bytes += way.mail(i).length;
        }
        long took = System.nanoTime() - started;
        return String.format("%s %.1f us (%d B)", name, took / 1e3 / n, bytes / n);
    }

    static String personal(String body, int i) {
        return body.replace("Hello Reader", "Hello Reader " + i);
    }

    static List<Map.Entry<String, String>> headers(int i) {
        return List.of(
                Map.entry("From", "\"Bench\" <bench@example.com>"),
                Map.entry("To", "reader" + i + "@example" + (i % 97) + ".com"),
                Map.entry("Subject", "Bench issue for Reader " + i),
                Map.entry("Date", "Sat, 5 Dec 2026 17:00:00 +0000"),
                Map.entry("Message-ID", "<0190abcd-1234-7000-8000-" + String.format("%012d", i) + "@localhost>"),
                Map.entry("List-Id", "\"Bench\" <bench.localhost>"),
                Map.entry("List-Unsubscribe", "<https://localhost/p/bench/unsubscribe?token=" + i + ">"),
                Map.entry("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"));
    }

    static byte[] jakarta(Session session, int i, String text, String html) throws Exception {
        MimeMessage message = new MimeMessage(session) {
            @Override
            protected void updateMessageID() throws jakarta.mail.MessagingException {
                setHeader("Message-ID", "<0190abcd-1234-7000-8000-" + String.format("%012d", i) + "@localhost>");
            }
        };
        message.setFrom(new InternetAddress("bench@example.com", "Bench"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("reader" + i + "@example" + (i % 97) + ".com"));
        message.setSubject("Bench issue for Reader " + i, "UTF-8");
        message.setHeader("Date", "Sat, 5 Dec 2026 17:00:00 +0000");
        message.setHeader("List-Id", "\"Bench\" <bench.localhost>");
        message.setHeader("List-Unsubscribe", "<https://localhost/p/bench/unsubscribe?token=" + i + ">");
        message.setHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        MimeMultipart alternative = new MimeMultipart("alternative");
        MimeBodyPart plain = new MimeBodyPart();
        plain.setText(text, "UTF-8", "plain");
        MimeBodyPart rich = new MimeBodyPart();
        rich.setText(html, "UTF-8", "html");
        alternative.addBodyPart(plain);
        alternative.addBodyPart(rich);
        message.setContent(alternative);
        message.saveChanges();
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        message.writeTo(out);
        return out.toByteArray();
    }

    static byte[] signed(DKIMSigner signer, byte[] mail) throws Exception {
        byte[] header = (signer.sign(new ByteArrayInputStream(mail)) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[header.length + mail.length];
        System.arraycopy(header, 0, all, 0, header.length);
        System.arraycopy(mail, 0, all, header.length, mail.length);
        return all;
    }
}
