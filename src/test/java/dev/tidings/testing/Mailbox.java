package dev.tidings.testing;

import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.util.GreenMail;
import jakarta.mail.BodyPart;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the test SMTP server received, read as a mail client would. */
public class Mailbox {

    private static final Pattern CODE = Pattern.compile("\\b(\\d{6})\\b");

    private final GreenMail greenMail;

    public Mailbox(GreenMail greenMail) {
        this.greenMail = greenMail;
    }

    public List<MimeMessage> messagesTo(String address) {
        return Arrays.stream(greenMail.getReceivedMessages())
                .filter(m -> recipients(m).stream().anyMatch(r -> r.equalsIgnoreCase(address)))
                .toList();
    }

    /** Waits for the {@code n}th mail (1-based) to {@code address}. */
    public MimeMessage awaitMessage(String address, int n) {
        await().atMost(Duration.ofSeconds(20)).until(() -> messagesTo(address).size() >= n);
        return messagesTo(address).get(n - 1);
    }

    /** Waits for the {@code n}th mail to {@code address} and answers the six-digit code in it. */
    public String awaitCode(String address, int n) {
        MimeMessage message = awaitMessage(address, n);
        Matcher matcher = CODE.matcher(subject(message));
        if (!matcher.find()) {
            throw new AssertionError("no code in the subject '" + subject(message) + "'");
        }
        return matcher.group(1);
    }

    /** Asserts that nothing more arrives for {@code address} for a moment. */
    public int countAfterQuietPeriod(String address) throws InterruptedException {
        Thread.sleep(1500);
        return messagesTo(address).size();
    }

    public static String subject(MimeMessage message) {
        try {
            return message.getSubject();
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The text/plain or text/html part of a multipart/alternative mail. */
    public static Optional<String> part(MimeMessage message, String mimeType) {
        try {
            if (!(message.getContent() instanceof MimeMultipart multipart)) {
                return Optional.empty();
            }
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart part = multipart.getBodyPart(i);
                if (part.isMimeType(mimeType)) {
                    return Optional.of(part.getContent().toString());
                }
            }
            return Optional.empty();
        } catch (MessagingException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> recipients(MimeMessage message) {
        try {
            return Arrays.stream(Optional.ofNullable(message.getRecipients(Message.RecipientType.TO))
                            .orElse(new jakarta.mail.Address[0]))
                    .map(a -> ((jakarta.mail.internet.InternetAddress) a).getAddress())
                    .toList();
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }
}
