package dev.tidings.bounce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.tidings.bounce.ReturnedMail.Kind;
import dev.tidings.bounce.ReturnedMail.Report;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Returned mail as real mail systems write it (src/test/resources/bounces), and input meant to hurt. */
class ReturnedMailTest {

    private static final String DOMAIN = "@bounce.tidings.test";
    private static final List<String> SAMPLES = List.of(
            "postfix-user-unknown.eml",
            "postfix-delayed.eml",
            "exim-text.eml",
            "exchange-ndr.eml",
            "exchange-global-ndr.eml",
            "gmail-address-not-found.eml",
            "yahoo-text.eml",
            "qmail-text.eml",
            "mailbox-full.eml",
            "arf-yahoo-complaint.eml",
            "arf-aol-complaint.eml",
            "arf-microsoft-jmrp.eml",
            "out-of-office.eml",
            "ordinary-reply.eml",
            "garbage-truncated.eml");

    private static byte[] sample(String name) {
        try (InputStream in = ReturnedMailTest.class.getResourceAsStream("/bounces/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Report parse(String name) {
        return ReturnedMail.parse(sample(name));
    }

    private static Report parseText(String text) {
        return ReturnedMail.parse(text.getBytes(StandardCharsets.UTF_8));
    }

    // ---------------------------------------------------------------------------------------------
    // The corpus, one mail system at a time.

    @Test
    void postfixUserUnknownIsAHardBounce() {
        Report r = parse("postfix-user-unknown.eml");
        assertThat(r.kind()).isEqualTo(Kind.HARD);
        assertThat(r.format()).isEqualTo("dsn");
        assertThat(r.recipient()).isEqualTo("ghost.reader@example.org");
        assertThat(r.status()).isEqualTo("5.1.1");
        // the folded Diagnostic-Code, unfolded onto one line
        assertThat(r.diagnostic())
                .isEqualTo("smtp; 550 5.1.1 <ghost.reader@example.org>: Recipient address rejected: User unknown"
                        + " in virtual mailbox table");
        assertThat(r.returnTokens()).containsExactly("k7d2m9q4r1x8c3v6b5n0z2w4y6t8u1aa");
        assertThat(r.originalMessageId()).isEqualTo("<3f2c9a1e-5b7d-4c8e-9f10-2a3b4c5d6e7f@news.example.com>");
    }

    @Test
    void postfixDelayIsASoftBounceWithTheOriginalFromItsHeaders() {
        Report r = parse("postfix-delayed.eml");
        assertThat(r.kind()).isEqualTo(Kind.SOFT);
        assertThat(r.format()).isEqualTo("dsn");
        assertThat(r.recipient()).isEqualTo("slow.reader@example.net");
        assertThat(r.status()).isEqualTo("4.4.1");
        assertThat(r.diagnostic()).contains("X-Postfix;").contains("Connection timed out");
        assertThat(r.returnTokens()).containsExactly("p3n8x2q7v5c1m9d4k6r0t2w8y4z6a1bb");
        // text/rfc822-headers
        assertThat(r.originalMessageId()).isEqualTo("<9b1d4e7a-2c3f-4a5b-8c6d-0e1f2a3b4c5d@news.example.com>");
    }

    @Test
    void eximPlainTextBounceIsReadFromItsText() {
        Report r = parse("exim-text.eml");
        assertThat(r.kind()).isEqualTo(Kind.HARD);
        assertThat(r.format()).isEqualTo("text");
        assertThat(r.recipient()).isEqualTo("former.staff@example.org");
        assertThat(r.status()).isEqualTo("5.1.1");
        assertThat(r.diagnostic())
                .contains("550 5.1.1 <former.staff@example.org>: Recipient address rejected: User unknown");
        assertThat(r.returnTokens()).containsExactly("e5h2j8k4m1n7q3r9s6t0u2v8w4x1y7cc");
        // the Message-ID line of the copy quoted after the text
        assertThat(r.originalMessageId()).isEqualTo("<5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d@news.example.com>");
    }

    @Test
    void exchangeOnlineRecipientNotFoundIsAHardBounce() {
        Report r = parse("exchange-ndr.eml");
        assertThat(r.kind()).isEqualTo(Kind.HARD);
        assertThat(r.format()).isEqualTo("dsn");
        assertThat(r.recipient()).isEqualTo("nobody.home@example.com");
        assertThat(r.status()).isEqualTo("5.1.10");
        assertThat(r.diagnostic())
                .isEqualTo("smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address"
                        + " lookup");
        assertThat(r.returnTokens()).containsExactly("x9c4v7b2n5m8q1w3e6r0t4y7u2i5o8dd");
        assertThat(r.originalMessageId()).isEqualTo("<c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f@news.example.com>");
    }

    @Test
    void exchangeGlobalDeliveryStatusIsReadLikeTheClassicOne() {
        Report r = parse("exchange-global-ndr.eml");
        assertThat(r.kind()).isEqualTo(Kind.HARD);
        assertThat(r.format()).isEqualTo("dsn");
        assertThat(r.recipient()).isEqualTo("jörg.müller@example.com");
        assertThat(r.status()).isEqualTo("5.1.10");
        assertThat(r.diagnostic()).contains("550 5.1.10 RESOLVER.ADR.RecipientNotFound");
        // from the message/global-headers part's Return-Path
        assertThat(r.returnTokens()).containsExactly("g2l6o9b4a1l7d3s8n5r0x2q6w9e4t1ee");
        assertThat(r.originalMessageId()).isEqualTo("<e7f8a9b0-c1d2-4e3f-a4b5-c6d7e8f9a0b1@news.example.com>");
    }

    @Test
    void gmailAddressNotFoundUnfoldsTheMultiLineReply() {
        Report r = parse("gmail-address-not-found.eml");
        assertThat(r.kind()).isEqualTo(Kind.HARD);
        assertThat(r.format()).isEqualTo("dsn");
        assertThat(r.recipient()).isEqualTo("lost.reader@example.net");
        assertThat(r.status()).isEqualTo("5.1.1");
        assertThat(r.diagnostic())
                .startsWith("smtp; 550-5.1.1 The email account that you tried to reach does not exist. Please try"
                        + " 550-5.1.1 double-checking")
                .hasSizeLessThanOrEqualTo(ReturnedMail.MAX_DIAGNOSTIC);
        assertThat(r.returnTokens()).containsExactly("m4a7i1l9g2o5o8g3l6e0d4s2n7x5z1ff");
        assertThat(r.originalMessageId()).isEqualTo("<0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d@news.example.com>");
    }

    @Test
    void yahooFailureNoticeIsReadFromItsText() {
        Report r = parse("yahoo-text.eml");
        assertThat(r.kind()).isEqualTo(Kind.HARD);
        assertThat(r.format()).isEqualTo("text");
        assertThat(r.recipient()).isEqualTo("reader.gone@example.com");
        assertThat(r.status()).isNull(); // a bare 554, no enhanced code
        assertThat(r.diagnostic())
                .contains(
                        "554 delivery error: dd This user doesn't have a yahoo.com account (reader.gone@example.com)");
        assertThat(r.returnTokens()).containsExactly("y8a3h1o6o4m2a9i7l5t0e3x8t6b2n4gg");
        assertThat(r.originalMessageId()).isEqualTo("<1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e@news.example.com>");
    }

    @Test
    void qmailFailureNoticeIsReadFromItsText() {
        Report r = parse("qmail-text.eml");
        assertThat(r.kind()).isEqualTo(Kind.HARD);
        assertThat(r.format()).isEqualTo("text");
        assertThat(r.recipient()).isEqualTo("gone@example.net");
        assertThat(r.status()).isEqualTo("5.1.1");
        assertThat(r.diagnostic())
                .contains("550 5.1.1 <gone@example.net>: Recipient address rejected: User unknown")
                .doesNotContain("--- Below this line");
        assertThat(r.returnTokens()).containsExactly("q1m5a8i2l7s4e9n3d6p0r5o1g8r4a7hh");
        assertThat(r.originalMessageId()).isEqualTo("<2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f@news.example.com>");
    }

    @Test
    void aFullMailboxIsSoftEvenWhenTheSenderGaveUp() {
        Report r = parse("mailbox-full.eml");
        assertThat(r.kind()).isEqualTo(Kind.SOFT);
        assertThat(r.format()).isEqualTo("dsn");
        assertThat(r.recipient()).isEqualTo("full.box@example.net");
        assertThat(r.status()).isEqualTo("4.2.2");
        assertThat(r.diagnostic()).isEqualTo("SMTP; 452 4.2.2 Mailbox full");
        assertThat(r.returnTokens()).containsExactly("f6u1l3l9b5o2x8q4u7o0t2a6e3x9c5ii");
        assertThat(r.originalMessageId()).isEqualTo("<3d4e5f6a-7b8c-4d9e-8f0a-2b3c4d5e6f7a@news.example.com>");
    }

    @Test
    void yahooFeedbackReportIsAComplaint() {
        Report r = parse("arf-yahoo-complaint.eml");
        assertThat(r.kind()).isEqualTo(Kind.COMPLAINT);
        assertThat(r.format()).isEqualTo("arf");
        assertThat(r.recipient()).isEqualTo("complainer@example.com"); // Original-Rcpt-To, lower-cased
        assertThat(r.status()).isNull();
        assertThat(r.diagnostic()).isEqualTo("Feedback-Type: abuse; User-Agent: Yahoo!-Mail-Feedback/2.0");
        assertThat(r.returnTokens()).containsExactly("c2o7m4p9l1a5i8n3t6y0a4h2o9o5f1jj");
        assertThat(r.originalMessageId()).isEqualTo("<4e5f6a7b-8c9d-4e0f-9a1b-3c4d5e6f7a8b@news.example.com>");
    }

    @Test
    void aolFeedbackReportHidesTheRecipientButNamesTheSend() {
        Report r = parse("arf-aol-complaint.eml");
        assertThat(r.kind()).isEqualTo(Kind.COMPLAINT);
        assertThat(r.format()).isEqualTo("arf");
        assertThat(r.recipient()).isNull(); // redacted@… is not an address to act on
        assertThat(r.status()).isNull();
        assertThat(r.diagnostic()).isEqualTo("Feedback-Type: abuse; User-Agent: AOL SComp");
        assertThat(r.returnTokens()).containsExactly("a9o3l6s2c8o1m5p4f7b0l3r6e8d2a4kk");
        assertThat(r.originalMessageId()).isEqualTo("<5f6a7b8c-9d0e-4f1a-8b2c-4d5e6f7a8b9c@news.example.com>");
    }

    @Test
    void microsoftJunkMailReportNamesTheRecipientInTheOriginal() {
        Report r = parse("arf-microsoft-jmrp.eml");
        assertThat(r.kind()).isEqualTo(Kind.COMPLAINT);
        assertThat(r.format()).isEqualTo("arf");
        assertThat(r.recipient()).isEqualTo("casey.reader@example.net"); // X-HmXmrOriginalRecipient
        assertThat(r.status()).isNull();
        assertThat(r.diagnostic()).startsWith("Feedback-Type: abuse");
        assertThat(r.returnTokens()).containsExactly("j4m7r1p8h5o2t3m6a9i0l2j5u8n1k4ll");
        assertThat(r.originalMessageId()).isEqualTo("<6a7b8c9d-0e1f-4a2b-9c3d-5e6f7a8b9c0d@news.example.com>");
    }

    @Test
    void anOutOfOfficeReplyIsNothingEvenWithNumbersAndANullSender() {
        Report r = parse("out-of-office.eml");
        assertThat(r.kind()).isEqualTo(Kind.NONE);
        assertThat(r.format()).isEqualTo("none");
        assertThat(r.recipient()).isNull();
        assertThat(r.status()).isNull();
        assertThat(r.diagnostic()).isNull();
        assertThat(r.returnTokens()).containsExactly("o3o7f1f5i9c2e6a4w8a0y3r7e1p5l9mm");
    }

    @Test
    void anOrdinaryReplyIsNothing() {
        Report r = parse("ordinary-reply.eml");
        assertThat(r.kind()).isEqualTo(Kind.NONE);
        assertThat(r.format()).isEqualTo("none");
        assertThat(r.recipient()).isNull();
        assertThat(r.status()).isNull();
        assertThat(r.returnTokens()).containsExactly("r8e2p6l1y4f9r3o7m5r0e2a6d8e4r1oo");
    }

    @Test
    void garbageAndATruncatedReportAreNothing() {
        Report r = parse("garbage-truncated.eml");
        assertThat(r.kind()).isEqualTo(Kind.NONE);
        assertThat(r.recipient()).isNull();
        assertThat(r.status()).isNull();
        assertThat(r.originalMessageId()).isNull();
        assertThat(r.returnTokens()).containsExactly("z5z1z9z3z7z2z6z4z8z0z1z5z9z3z7nn");
    }

    @Test
    void crLfLineEndingsReadTheSameAsBareLineFeeds() {
        for (String name : List.of("postfix-user-unknown.eml", "exim-text.eml", "arf-yahoo-complaint.eml")) {
            String lf = new String(sample(name), StandardCharsets.UTF_8);
            String crlf = lf.replace("\r\n", "\n").replace("\n", "\r\n");
            assertThat(parseText(crlf)).as(name).isEqualTo(parse(name));
        }
    }

    @Test
    void everyReportIsWellFormed() {
        for (String name : SAMPLES) {
            assertWellFormed(parse(name), name);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Rules, case by case.

    private static final String DAEMON_HEADERS =
            """
            Return-Path: <>
            From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
            To: bounces+t0k3n%s
            Subject: Undelivered Mail Returned to Sender
            """
                    .formatted(DOMAIN);

    private static String dsn(String recipientBlock) {
        return DAEMON_HEADERS
                + """
                MIME-Version: 1.0
                Content-Type: multipart/report; report-type=delivery-status; boundary="b"

                --b
                Content-Type: text/plain

                Notification.

                --b
                Content-Type: message/delivery-status

                Reporting-MTA: dns; mx.example.net
                Original-Envelope-Id: 0a1b2c3d@news.example.com

                %s
                --b--
                """
                        .formatted(recipientBlock);
    }

    @Test
    void aDeliveryStatusOfDeliveredOrRelayedOnlyIsNothing() {
        Report r = parseText(
                dsn(
                        """
                Final-Recipient: rfc822; happy@example.com
                Action: delivered
                Status: 2.0.0

                Final-Recipient: rfc822; elsewhere@example.com
                Action: relayed
                Status: 2.0.0
                """));
        assertThat(r.kind()).isEqualTo(Kind.NONE);
        assertThat(r.format()).isEqualTo("dsn");
        assertThat(r.returnTokens()).containsExactly("t0k3n");
    }

    @Test
    void theFailedRecipientIsPreferredToAnEarlierDelayedOne() {
        Report r = parseText(
                dsn(
                        """
                Final-Recipient: rfc822; later@example.com
                Action: delayed
                Status: 4.4.7

                Final-Recipient: rfc822; Gone@Example.com
                Action: failed
                Status: 5.1.1
                """));
        assertThat(r.kind()).isEqualTo(Kind.HARD);
        assertThat(r.recipient()).isEqualTo("gone@example.com");
        assertThat(r.status()).isEqualTo("5.1.1");
        assertThat(r.diagnostic()).isNull();
        assertThat(r.originalMessageId()).isEqualTo("<0a1b2c3d@news.example.com>"); // Original-Envelope-Id
    }

    @Test
    void aMissingStatusIsTakenFromTheDiagnosticCode() {
        Report r = parseText(
                dsn(
                        """
                Final-Recipient: rfc822; blocked@example.com
                Action: failed
                Diagnostic-Code: smtp; 550 5.7.1 Service unavailable;
                  client host blocked using zen.example.org
                """));
        assertThat(r.kind()).isEqualTo(Kind.HARD);
        assertThat(r.status()).isEqualTo("5.7.1");
        assertThat(r.diagnostic())
                .isEqualTo("smtp; 550 5.7.1 Service unavailable; client host blocked using zen.example.org");
    }

    @Test
    void aFailureOnATemporaryCodeIsSoft() {
        Report r = parseText(
                dsn(
                        """
                Final-Recipient: rfc822; greylisted@example.com
                Action: failed
                Status: 4.7.1
                Diagnostic-Code: smtp; 451 4.7.1 Greylisted, please try again later
                """));
        assertThat(r.kind()).isEqualTo(Kind.SOFT);
        assertThat(r.status()).isEqualTo("4.7.1");
    }

    private static String arf(String feedbackFields, String originalTo) {
        return """
                From: feedback@fbl.example.net
                To: fbl@bounce.tidings.test
                Subject: Complaint
                MIME-Version: 1.0
                Content-Type: multipart/report; report-type=feedback-report; boundary="f"

                --f
                Content-Type: text/plain

                A complaint.

                --f
                Content-Type: message/feedback-report

                %s
                --f
                Content-Type: text/rfc822-headers

                Return-Path: <bounces+arfTok@bounce.tidings.test>
                To: %s
                Message-ID: <m-1@news.example.com>
                Subject: Hello

                --f--
                """
                .formatted(feedbackFields, originalTo);
    }

    @Test
    void withoutOriginalRcptToTheComplaintNamesTheOriginalsTo() {
        Report r = parseText(arf("Feedback-Type: fraud\nUser-Agent: FBL/1.0\nVersion: 1\n", "Pat <Pat@Example.org>"));
        assertThat(r.kind()).isEqualTo(Kind.COMPLAINT);
        assertThat(r.recipient()).isEqualTo("pat@example.org");
        assertThat(r.returnTokens()).containsExactly("arfTok");
        assertThat(r.originalMessageId()).isEqualTo("<m-1@news.example.com>");
    }

    @Test
    void notSpamAndAuthenticationFailureReportsAreNotComplaints() {
        for (String type : List.of("not-spam", "auth-failure")) {
            Report r =
                    parseText(arf("Feedback-Type: " + type + "\nUser-Agent: FBL/1.0\nVersion: 1\n", "a@example.org"));
            assertThat(r.kind()).as(type).isEqualTo(Kind.NONE);
            assertThat(r.format()).as(type).isEqualTo("arf");
        }
    }

    @Test
    void aDelayWarningInPlainTextIsSoft() {
        Report r = parseText(
                """
                Return-Path: <>
                From: Mail Delivery System <Mailer-Daemon@smtp.example.net>
                To: bounces+w4rn%s
                Subject: Warning: message 1w3Kq7-00A1b2-Mn delayed 24 hours
                Auto-Submitted: auto-replied

                This message was created automatically by mail delivery software.
                A message that you sent has not yet been delivered to one or more of its
                recipients after more than 24 hours on the queue on smtp.example.net.

                The address to which the message has not yet been delivered is:

                  slow@example.org
                    Delay reason: connection timed out

                No action is required on your part. Delivery attempts will continue for
                some time, and this warning may be repeated at intervals if the message
                remains undelivered.
                """
                        .formatted(DOMAIN));
        assertThat(r.kind()).isEqualTo(Kind.SOFT);
        assertThat(r.format()).isEqualTo("text");
        assertThat(r.recipient()).isEqualTo("slow@example.org");
        assertThat(r.returnTokens()).containsExactly("w4rn");
    }

    @Test
    void aTextBounceOverQuotaIsSoftDespiteA5xxCode() {
        Report r = parseText(
                DAEMON_HEADERS
                        + """

                <full@example.org>: host mx.example.org[198.51.100.9] said: 552 5.2.2
                    Mailbox quota exceeded for this recipient
                """);
        assertThat(r.kind()).isEqualTo(Kind.SOFT);
        assertThat(r.status()).isEqualTo("5.2.2");
        assertThat(r.recipient()).isEqualTo("full@example.org");
    }

    @Test
    void aReportWhoseBoundaryNeverAppearsIsReadFromItsText() {
        Report r = parseText(
                DAEMON_HEADERS
                        + """
                MIME-Version: 1.0
                Content-Type: multipart/report; report-type=delivery-status; boundary="declared"

                --used-instead
                Content-Type: text/plain

                <neko@example.org>: host aspmx.example.org[198.51.100.26]
                    said: 550-5.1.1 The email account that you tried to reach does not exist.
                --used-instead--
                """);
        assertThat(r.kind()).isEqualTo(Kind.HARD);
        assertThat(r.format()).isEqualTo("text");
        assertThat(r.recipient()).isEqualTo("neko@example.org");
        assertThat(r.status()).isEqualTo("5.1.1");
        assertThat(r.diagnostic()).contains("The email account that you tried to reach does not exist");
    }

    @Test
    void aReportInHtmlOnlyIsReadWithoutItsTags() {
        Report r = parseText(
                DAEMON_HEADERS
                        + """
                Content-Type: text/html; charset=utf-8
                Content-Transfer-Encoding: quoted-printable

                <html><body><p>Your message to <a href=3D"mailto:html.only@example.net">html=
                .only@example.net</a> couldn't be delivered.</p>
                <p>Reported error: <b>550 5.1.10</b> RESOLVER.ADR.RecipientNotFound</p></body></html>
                """);
        assertThat(r.kind()).isEqualTo(Kind.HARD);
        assertThat(r.recipient()).isEqualTo("html.only@example.net");
        assertThat(r.status()).isEqualTo("5.1.10");
        assertThat(r.diagnostic())
                .contains("550 5.1.10 RESOLVER.ADR.RecipientNotFound")
                .doesNotContain("<b>");
    }

    @Test
    void anAutoReplyIsNothingEvenWhenItReadsLikeABounce() {
        Report marked = parseText(
                """
                Return-Path: <>
                From: Helpdesk <helpdesk@example.org>
                To: bounces+auto1%s
                Subject: Auto: Delivery failure of your request
                X-Autoreply: yes
                Precedence: auto_reply

                We could not process your request: 550 5.1.1 user unknown.
                """
                        .formatted(DOMAIN));
        Report vacation = parseText(
                """
                Return-Path: <>
                From: Lee <lee@example.net>
                To: bounces+auto2%s
                Subject: Re: This week at Example: issue 42
                Auto-Submitted: auto-replied

                Away until the 5th; for issue 550 call 555 0199. Status 4.4.1 applies.
                """
                        .formatted(DOMAIN));
        assertThat(marked.kind()).isEqualTo(Kind.NONE);
        assertThat(marked.returnTokens()).containsExactly("auto1");
        assertThat(vacation.kind()).isEqualTo(Kind.NONE);
        assertThat(vacation.format()).isEqualTo("none");
        assertThat(vacation.returnTokens()).containsExactly("auto2");
    }

    @Test
    void aMailWithoutTheLooksOfAReportIsNothingWhateverItsCodes() {
        Report r = parseText(
                """
                From: Someone <someone@example.org>
                To: bounces+plain%s
                Subject: Question

                Remote host said: 550 5.1.1 <x@example.org>: Recipient address rejected
                """
                        .formatted(DOMAIN));
        assertThat(r.kind()).isEqualTo(Kind.NONE);
        assertThat(r.format()).isEqualTo("none");
        assertThat(r.returnTokens()).containsExactly("plain");
    }

    @Test
    void tokensKeepTheirCaseAndOrderAndAreDeduplicated() {
        String eighty = "A".repeat(40) + "b_-9".repeat(10);
        Report r = parseText(
                """
                Return-Path: <>
                To: bounces+AbC_1-x%1$s
                X-Original-To: bounces+AbC_1-x%1$s
                Delivered-To: BOUNCES+Second%1$s
                From: MAILER-DAEMON@mx.example.net
                Subject: failure notice
                Content-Type: text/plain

                Returned to bounces+AbC_1-x%1$s and bounces+third@else.example.com, <bounces+%2$s@example.com>.
                Not tokens: xbounces+nope@example.com, bounces+@example.com, bounces+has.dot@example.com,
                bounces+%2$sZ@example.com (81 characters), bounces+noat example.com.
                More: bounces+fifth@example.com bounces+sixth@example.com bounces+second@example.com
                """
                        .formatted(DOMAIN, eighty));
        assertThat(eighty).hasSize(80);
        assertThat(r.returnTokens()).containsExactly("AbC_1-x", "Second", "third", eighty, "fifth");
    }

    @Test
    void emptyAndNullInputAreNothing() {
        for (byte[] input : Arrays.asList(null, new byte[0], new byte[] {'\n'}, new byte[] {0})) {
            Report r = ReturnedMail.parse(input);
            assertThat(r.kind()).isEqualTo(Kind.NONE);
            assertThat(r.format()).isEqualTo("none");
            assertThat(r.returnTokens()).isEmpty();
            assertThat(r.recipient()).isNull();
        }
    }

    @Test
    void onlyTheFirstMaxBytesAreRead() {
        String head = DAEMON_HEADERS
                + """
                MIME-Version: 1.0
                Content-Type: multipart/mixed; boundary="m"

                --m
                Content-Type: text/plain

                <late@example.org>: host mx.example.org[198.51.100.9] said: 550 5.1.1 No such user

                --m
                Content-Type: application/octet-stream

                """;
        ByteArrayOutputStream big = new ByteArrayOutputStream();
        big.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
        byte[] filler = "0123456789abcdef".repeat(4).concat("\n").getBytes(StandardCharsets.US_ASCII);
        while (big.size() < ReturnedMail.MAX_BYTES + 100_000) {
            big.writeBytes(filler);
        }
        big.writeBytes("--m\nContent-Type: text/plain\n\nbounces+beyond@example.com\n--m--\n"
                .getBytes(StandardCharsets.US_ASCII));
        byte[] input = big.toByteArray();
        assertThat(input.length).isGreaterThan(ReturnedMail.MAX_BYTES);

        Report r = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> ReturnedMail.parse(input));
        assertThat(r.kind()).isEqualTo(Kind.HARD);
        assertThat(r.recipient()).isEqualTo("late@example.org");
        assertThat(r.returnTokens()).containsExactly("t0k3n"); // not "beyond": it lies past MAX_BYTES

        byte[] noise = new byte[4 * ReturnedMail.MAX_BYTES];
        new Random(7).nextBytes(noise);
        assertThat(assertTimeoutPreemptively(Duration.ofSeconds(2), () -> ReturnedMail.parse(noise))
                        .kind())
                .isEqualTo(Kind.NONE);
    }

    @Test
    void pathologicalInputIsBoundedInTime() {
        int size = ReturnedMail.MAX_BYTES;
        List<Supplier<String>> bodies = List.of(
                () -> repeat("bounces+" + "a".repeat(79) + "!", size), // almost tokens
                () -> repeat("bounces+", size),
                () -> repeat("5.5.", size), // almost status codes
                () -> repeat("550-", size),
                () -> repeat("a@a.", size), // almost addresses
                () -> repeat("a", size - 10) + "@example.com",
                () -> repeat("<", size),
                () -> repeat("=?utf-8?q?", size),
                () -> repeat("Message-ID: <<<<\n", size),
                () -> repeat("x ", size).replace('\n', ' ')); // one line of 256 KB
        List<String> inputs = new ArrayList<>();
        for (Supplier<String> body : bodies) {
            String b = body.get();
            inputs.add(DAEMON_HEADERS + "Content-Type: text/plain\n\n" + b);
            inputs.add(DAEMON_HEADERS + "Content-Type: text/html\n\n" + b);
            inputs.add(
                    dsn("Final-Recipient: rfc822; " + b.substring(0, 1000) + "\nAction: failed\nDiagnostic-Code: smtp; "
                            + b.substring(0, 60_000).replace("\n", "\n ")));
        }
        inputs.add(DAEMON_HEADERS + "Subject: " + repeat("=?utf-8?b?", size) + "\n\nbody"); // a 256 KB header line
        inputs.add(repeat("X-Many: header\n", size)); // far too many header fields
        inputs.add(repeat("Content-Type: multipart/mixed; boundary=\"n\"\n\n--n\n", size)); // nesting
        inputs.add(dsn(repeat("Action: failed\nStatus: 5.1.1\n\n", size - 1000))); // thousands of recipient blocks
        inputs.add("Content-Type: multipart/mixed; boundary=\"p\"\n\n" + repeat("--p\n\nx\n", size)); // parts
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            for (String input : inputs) {
                Report r = ReturnedMail.parse(input.getBytes(StandardCharsets.UTF_8));
                assertWellFormed(r, input.substring(0, 40));
            }
        });
    }

    @Test
    void damagedReportsNeverThrow() {
        Random random = new Random(42);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            for (String name : SAMPLES) {
                byte[] original = sample(name);
                for (int i = 0; i < 25; i++) {
                    byte[] damaged = Arrays.copyOf(original, 1 + random.nextInt(original.length));
                    for (int flips = random.nextInt(8); flips > 0; flips--) {
                        damaged[random.nextInt(damaged.length)] = (byte) random.nextInt(256);
                    }
                    assertWellFormed(ReturnedMail.parse(damaged), name + " #" + i);
                }
            }
        });
    }

    private static String repeat(String unit, int size) {
        return unit.repeat(Math.max(1, size / unit.length()));
    }

    private static void assertWellFormed(Report r, String what) {
        assertThat(r).as(what).isNotNull();
        assertThat(r.kind()).as(what).isNotNull();
        assertThat(r.format()).as(what).isIn("dsn", "arf", "text", "none");
        assertThat(r.returnTokens())
                .as(what)
                .isNotNull()
                .hasSizeLessThanOrEqualTo(5)
                .doesNotHaveDuplicates();
        r.returnTokens().forEach(t -> assertThat(t).as(what).matches("[A-Za-z0-9_-]{1,80}"));
        if (r.diagnostic() != null) {
            assertThat(r.diagnostic()).as(what).hasSizeBetween(1, ReturnedMail.MAX_DIAGNOSTIC);
            assertThat(r.diagnostic().chars().noneMatch(Character::isISOControl))
                    .as(what)
                    .isTrue();
        }
        if (r.recipient() != null) {
            assertThat(r.recipient())
                    .as(what)
                    .contains("@")
                    .isEqualTo(r.recipient().toLowerCase(java.util.Locale.ROOT));
        }
        if (r.originalMessageId() != null) {
            assertThat(r.originalMessageId()).as(what).startsWith("<").endsWith(">");
        }
    }
}
