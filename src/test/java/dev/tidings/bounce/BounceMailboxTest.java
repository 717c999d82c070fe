package dev.tidings.bounce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tidings.testing.InjectMailbox;
import dev.tidings.testing.Mailbox;
import dev.tidings.testing.RawSmtp;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The bounce mailbox end to end: an issue delivered over SMTP, then real-shaped returned mail
 * (src/test/resources/bounces) sent back over SMTP to the VERP address of one send, as the
 * receiving server would. A hard bounce suppresses the subscriber within seconds, a complaint marks
 * it complained, a soft bounce is only noted; altered tokens, auto-replies and strangers change
 * nothing.
 */
@QuarkusTest
class BounceMailboxTest {

    private static final Pattern VERP = Pattern.compile("bounces\\+[A-Za-z0-9_-]+@bounce\\.tidings\\.test");

    @InjectMailbox
    Mailbox mailbox;

    @Inject
    BounceMailbox bounceMailbox;

    /** A sample from the corpus, addressed back to {@code returnPath} (every VERP address in it replaced). */
    static byte[] sample(String name, String returnPath) throws IOException {
        try (InputStream in = BounceMailboxTest.class.getResourceAsStream("/bounces/" + name)) {
            String text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return VERP.matcher(text)
                    .replaceAll(Matcher.quoteReplacement(returnPath))
                    .getBytes(StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void aHardBounceMailedBackSuppressesTheSubscriberWithinSeconds() throws Exception {
        Delivered d = Delivered.of(this, mailbox, 2);
        long started = System.nanoTime();
        RawSmtp.Replies replies = RawSmtp.send(
                bounceMailbox.port(),
                d.returnPaths().get(0),
                sample("postfix-user-unknown.eml", d.returnPaths().get(0)));
        assertThat(replies.rcpt()).isEqualTo(250);
        assertThat(replies.data()).isEqualTo(250);
        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> "bounced".equals(d.subscriberStatus(0)));
        long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
        System.out.printf("BounceMailboxTest: subscriber suppressed %d ms after the bounce was mailed%n", millis);
        assertThat(d.sendStatus(0)).isEqualTo("bounced");
        assertThat(d.sendNote(0))
                .startsWith("hard bounce returned by mail (dsn)")
                .contains("5.1.1");
        // The subscriber's activity (its page in the web admin) says so, with the reply.
        assertThat(d.activity(0).getString("items[0].type")).isEqualTo("bounce");
        assertThat(d.activity(0).getString("items[0].detail")).contains("5.1.1");
        // the other reader is untouched
        assertThat(d.subscriberStatus(1)).isEqualTo("active");
        assertThat(d.sendStatus(1)).isEqualTo("sent");

        // The same bounce again (a returning server's retry) changes nothing more.
        RawSmtp.send(
                bounceMailbox.port(),
                d.returnPaths().get(0),
                sample("postfix-user-unknown.eml", d.returnPaths().get(0)));
        assertThat(d.sendStatus(0)).isEqualTo("bounced");
    }

    @Test
    void nonStandardBouncesAndComplaintsAreReadToo() throws Exception {
        Delivered d = Delivered.of(this, mailbox, 4);
        RawSmtp.send(
                bounceMailbox.port(),
                d.returnPaths().get(0),
                sample("exim-text.eml", d.returnPaths().get(0)));
        RawSmtp.send(
                bounceMailbox.port(),
                d.returnPaths().get(1),
                sample("arf-yahoo-complaint.eml", d.returnPaths().get(1)));
        RawSmtp.send(
                bounceMailbox.port(),
                d.returnPaths().get(2),
                sample("mailbox-full.eml", d.returnPaths().get(2)));
        RawSmtp.send(
                bounceMailbox.port(),
                d.returnPaths().get(3),
                sample("exchange-ndr.eml", d.returnPaths().get(3)));
        assertThat(d.subscriberStatus(0)).isEqualTo("bounced");
        assertThat(d.sendNote(0)).startsWith("hard bounce returned by mail (text)");
        assertThat(d.subscriberStatus(1)).isEqualTo("complained");
        assertThat(d.sendNote(1)).startsWith("complaint returned by mail (arf)");
        // soft: noted on the send only
        assertThat(d.subscriberStatus(2)).isEqualTo("active");
        assertThat(d.sendStatus(2)).isEqualTo("sent");
        assertThat(d.sendNote(2)).startsWith("soft bounce returned by mail").contains("4.2.2");
        assertThat(d.activity(2).getString("items[0].type")).isEqualTo("sent");
        assertThat(d.activity(2).getString("items[0].detail")).startsWith("soft bounce");
        assertThat(d.subscriberStatus(3)).isEqualTo("bounced");
    }

    @Test
    void aFeedbackLoopReportToTheRegisteredAddressIsTracedThroughTheQuotedOriginal() throws Exception {
        Delivered d = Delivered.of(this, mailbox, 1);
        // The provider mails its complaint reports to the one address registered with it; the
        // report quotes the original mail, whose Return-Path names the send.
        byte[] report = sample("arf-microsoft-jmrp.eml", d.returnPaths().get(0));
        assertThat(new String(report, StandardCharsets.ISO_8859_1))
                .contains(d.returnPaths().get(0));
        RawSmtp.Replies replies = RawSmtp.send(bounceMailbox.port(), "bounces+fbl@bounce.tidings.test", report);
        assertThat(replies.rcpt()).isEqualTo(250);
        assertThat(replies.data()).isEqualTo(250);
        assertThat(d.subscriberStatus(0)).isEqualTo("complained");
        assertThat(d.sendNote(0)).startsWith("complaint returned by mail (arf)");
    }

    @Test
    void forgedTokensAutoRepliesAndStrangersChangeNothing() throws Exception {
        Delivered d = Delivered.of(this, mailbox, 2);
        String genuine = d.returnPaths().get(0);
        // One hex digit of the signature changed: a token that does not verify is dropped (250, nothing done).
        int at = genuine.indexOf('@') - 1;
        String forged = genuine.substring(0, at) + (genuine.charAt(at) == '0' ? '1' : '0') + genuine.substring(at + 1);
        RawSmtp.Replies replies =
                RawSmtp.send(bounceMailbox.port(), forged, sample("postfix-user-unknown.eml", forged));
        assertThat(replies.data()).isEqualTo(250);
        // Another send's id with a made-up signature.
        String made =
                "bounces+" + UUID.randomUUID().toString().replace("-", "") + "0".repeat(20) + "@bounce.tidings.test";
        RawSmtp.send(bounceMailbox.port(), made, sample("postfix-user-unknown.eml", made));
        // An out-of-office reply to a genuine address is no bounce.
        RawSmtp.send(bounceMailbox.port(), genuine, sample("out-of-office.eml", genuine));
        assertThat(d.subscriberStatus(0)).isEqualTo("active");
        assertThat(d.sendStatus(0)).isEqualTo("sent");
        assertThat(d.sendNote(0)).isNull();

        // Anything but bounces+<token>@ is refused at RCPT; an oversized mail at DATA.
        assertThat(RawSmtp.send(
                                bounceMailbox.port(),
                                "postmaster@bounce.tidings.test",
                                sample("postfix-user-unknown.eml", genuine))
                        .rcpt())
                .isEqualTo(550);
        byte[] huge = ("Subject: big\r\n\r\n" + "x".repeat(300 * 1024)).getBytes(StandardCharsets.ISO_8859_1);
        assertThat(RawSmtp.send(bounceMailbox.port(), genuine, huge).data()).isEqualTo(552);
        assertThat(d.subscriberStatus(0)).isEqualTo("active");
    }
}
