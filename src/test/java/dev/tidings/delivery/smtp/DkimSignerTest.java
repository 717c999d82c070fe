package dev.tidings.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.james.jdkim.DKIMVerifier;
import org.apache.james.jdkim.api.SignatureRecord;
import org.apache.james.jdkim.exceptions.FailException;
import org.apache.james.jdkim.exceptions.PermFailException;
import org.apache.james.jdkim.impl.BodyHasherImpl;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Signatures made by {@link DkimSigner} checked by an independent verifier (Apache James jDKIM). */
class DkimSignerTest {

    static final String DOMAIN = "news.example.com";
    static final String SELECTOR = "tidings2025";
    static final List<String> SIGNED = List.of(
            "From",
            "Reply-To",
            "To",
            "Subject",
            "Date",
            "Message-ID",
            "List-Id",
            "List-Unsubscribe",
            "List-Unsubscribe-Post",
            "MIME-Version",
            "Content-Type");

    static KeyPair keys;
    static String privateKey;
    static DkimSigner signer;

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        keys = generator.generateKeyPair();
        privateKey = Base64.getEncoder().encodeToString(keys.getPrivate().getEncoded());
        signer = new DkimSigner(privateKey, DOMAIN, SELECTOR, SIGNED);
    }

    @Test
    void aNewsletterVerifiesAndItsSignatureCoversListUnsubscribe() throws Exception {
        List<Map.Entry<String, String>> headers = newsletterHeaders();
        byte[] body = newsletterBody();

        String signature = signer.sign(headers, body);

        assertThat(signature).startsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;");
        assertThat(signature).doesNotEndWith("\r\n");
        List<String> lines = List.of(signature.split("\r\n", -1));
        assertThat(lines).hasSizeGreaterThan(1).allMatch(line -> line.length() <= 78);
        assertThat(lines.subList(1, lines.size())).allMatch(line -> line.startsWith(" "));
        String unfolded = signature.replace("\r\n", "");
        assertThat(unfolded).contains(" d=" + DOMAIN + ";").contains(" s=" + SELECTOR + ";");
        assertThat(unfolded).containsPattern(" t=\\d{10};");

        List<SignatureRecord> verified = verify(message(signature, headers, body));

        assertThat(verified).hasSize(1);
        SignatureRecord record = verified.get(0);
        assertThat(record.getDToken().toString()).isEqualTo(DOMAIN);
        assertThat(record.getSelector().toString()).isEqualTo(SELECTOR);
        assertThat(record.getHeaderCanonicalisationMethod()).isEqualTo("relaxed");
        assertThat(record.getBodyCanonicalisationMethod()).isEqualTo("relaxed");
        List<String> signedHeaders = lowercase(record.getHeaders());
        assertThat(signedHeaders)
                .containsExactly(
                        "from",
                        "to",
                        "subject",
                        "date",
                        "message-id",
                        "list-id",
                        "list-unsubscribe",
                        "list-unsubscribe-post",
                        "mime-version",
                        "content-type");
    }

    @Test
    void theBodyHashIsReusedOnlyForTheSameBytes() throws Exception {
        List<Map.Entry<String, String>> headers = newsletterHeaders();
        byte[] body = newsletterBody();
        DkimSigner fresh = new DkimSigner(privateKey, DOMAIN, SELECTOR, SIGNED);
        String first = fresh.bodyHashOf(body);
        assertThat(fresh.bodyHashOf(body.clone())).isEqualTo(first);
        // Same length, one byte apart: hashed again, and each signature verifies.
        byte[] other = body.clone();
        int at = new String(body, StandardCharsets.US_ASCII).indexOf("Read it online");
        other[at] = 'r';
        assertThat(fresh.bodyHashOf(other)).isNotEqualTo(first);
        for (byte[] each : List.of(body, other, body.clone(), other.clone())) {
            assertThat(verify(message(fresh.sign(headers, each), headers, each)))
                    .hasSize(1);
        }
    }

    @Test
    void aBodyChangedByOneByteFailsVerification() throws Exception {
        List<Map.Entry<String, String>> headers = newsletterHeaders();
        byte[] body = newsletterBody();
        String signature = signer.sign(headers, body);
        byte[] changed = body.clone();
        int at = new String(body, StandardCharsets.US_ASCII).indexOf("Read it online");
        changed[at] = 'r';

        assertThatThrownBy(() -> verify(message(signature, headers, changed)))
                .isInstanceOf(FailException.class)
                .hasMessageContaining("bodyhash");
        assertThat(verify(message(signature, headers, body))).hasSize(1);
    }

    @Test
    void aSignedHeaderChangedAfterSigningFailsVerification() throws Exception {
        List<Map.Entry<String, String>> headers = newsletterHeaders();
        byte[] body = newsletterBody();
        String signature = signer.sign(headers, body);
        List<Map.Entry<String, String>> changed = new ArrayList<>(headers);
        changed.replaceAll(h -> h.getKey().equals("Subject") ? Map.entry("Subject", "You won a prize") : h);

        assertThatThrownBy(() -> verify(message(signature, changed, body)))
                .isInstanceOf(FailException.class)
                .hasMessageContaining("does not verify");
    }

    @Test
    void whitespaceThatRelaxedCanonicalizationIgnoresMayChange() throws Exception {
        List<Map.Entry<String, String>> headers = newsletterHeaders();
        byte[] body = "Hello  world\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        String signature = signer.sign(headers, body);
        List<Map.Entry<String, String>> respaced = new ArrayList<>(headers);
        respaced.replaceAll(h -> h.getKey().equals("Subject") ? Map.entry("Subject", h.getValue() + "  ") : h);
        byte[] rebodied = "Hello \t world  \r\n".getBytes(StandardCharsets.US_ASCII);

        assertThat(verify(message(signature, respaced, rebodied))).hasSize(1);
    }

    @Test
    void aPemKeyIsAccepted() throws Exception {
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        DkimSigner fromPem = new DkimSigner("  " + pem, DOMAIN, SELECTOR, SIGNED);
        List<Map.Entry<String, String>> headers = newsletterHeaders();
        byte[] body = newsletterBody();

        assertThat(verify(message(fromPem.sign(headers, body), headers, body))).hasSize(1);
    }

    @Test
    void aKeyThatCannotBeReadIsRefusedWithoutRepeatingIt() {
        String garbage = "c2VjcmV0LWJ1dC1ub3QtYS1rZXk=";
        assertThatThrownBy(() -> new DkimSigner(garbage, DOMAIN, SELECTOR, SIGNED))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("private key")
                .hasMessageNotContaining(garbage)
                .hasMessageNotContaining("c2VjcmV0");
        String notBase64 = "this is%not*a key";
        assertThatThrownBy(() -> new DkimSigner(notBase64, DOMAIN, SELECTOR, SIGNED))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("private key")
                .hasMessageNotContaining(notBase64)
                .hasMessageNotContaining("%");
        String truncated = privateKey.substring(0, 200);
        assertThatThrownBy(() -> new DkimSigner(truncated, DOMAIN, SELECTOR, SIGNED))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining(truncated.substring(40, 80));
    }

    @Test
    void anEmptyBodyCanonicalizesToNothing() throws Exception {
        // RFC 6376 3.4.4: under "relaxed" an empty body (or one of empty lines only) is the null
        // input, whose SHA-256 is this well-known value (only "simple" turns it into one CRLF).
        String emptyHash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
        List<Map.Entry<String, String>> headers = newsletterHeaders();

        for (String body : List.of("", "\r\n", "\r\n \t\r\n\r\n")) {
            byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
            String signature = signer.sign(headers, bytes);

            assertThat(signature.replace("\r\n", "")).contains(" bh=" + emptyHash + ";");
            assertThat(verify(message(signature, headers, bytes), true)).hasSize(1);
        }
    }

    @Test
    void randomBodiesOfWhitespaceAndEmptyLinesVerify() throws Exception {
        // CRLF-terminated bodies (as SMTP carries them) with every mix of WSP runs, leading and
        // trailing WSP, blank and empty lines; a fixed seed keeps a failure reproducible.
        Random random = new Random(6376);
        String[] pieces = {"word", "x", " ", "  ", "\t", " \t ", "\r\n", "\r\n\r\n", " \r\n", "=\r\n"};
        List<Map.Entry<String, String>> headers = newsletterHeaders();
        for (int n = 0; n < 60; n++) {
            StringBuilder body = new StringBuilder();
            for (int i = random.nextInt(12); i > 0; i--) {
                body.append(pieces[random.nextInt(pieces.length)]);
            }
            body.append("\r\n");
            byte[] bytes = body.toString().getBytes(StandardCharsets.US_ASCII);

            String signature = signer.sign(headers, bytes);

            assertThat(verify(message(signature, headers, bytes), true))
                    .as(body.toString().replace("\r\n", "<CRLF>").replace("\t", "<TAB>"))
                    .hasSize(1);
        }
    }

    @Test
    void aFieldThatOccursTwiceIsSignedBottomUp() throws Exception {
        List<Map.Entry<String, String>> headers = new ArrayList<>(newsletterHeaders());
        headers.add(3, Map.entry("To", "second@example.org"));
        byte[] body = newsletterBody();
        String signature = signer.sign(headers, body);

        List<SignatureRecord> verified = verify(message(signature, headers, body));

        assertThat(lowercase(verified.get(0).getHeaders())).startsWith("from", "to", "to", "subject");
        List<Map.Entry<String, String>> swapped = new ArrayList<>(headers);
        swapped.set(3, headers.get(1));
        swapped.set(1, headers.get(3));
        assertThatThrownBy(() -> verify(message(signature, swapped, body))).isInstanceOf(FailException.class);
    }

    @Test
    void signsFromSeveralThreadsAtOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<byte[]>> messages = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                int n = i;
                messages.add(pool.submit(() -> {
                    List<Map.Entry<String, String>> headers = new ArrayList<>(newsletterHeaders());
                    headers.set(1, Map.entry("To", "reader" + n + "@example.org"));
                    byte[] body = ("Issue for reader " + n + "\r\n").getBytes(StandardCharsets.US_ASCII);
                    return message(signer.sign(headers, body), headers, body);
                }));
            }
            for (Future<byte[]> message : messages) {
                assertThat(verify(message.get())).hasSize(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aMessageWithoutFromIsRefused() {
        List<Map.Entry<String, String>> headers = new ArrayList<>(newsletterHeaders());
        headers.removeIf(h -> h.getKey().equals("From"));
        assertThatThrownBy(() -> signer.sign(headers, new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DkimSigner(privateKey, DOMAIN, SELECTOR, List.of("To", "Subject")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // --- the message, and the verifier

    static List<Map.Entry<String, String>> newsletterHeaders() {
        return List.of(
                Map.entry("From", "\"The Weekly  Tidings\" <issues@news.example.com>"),
                Map.entry("To", "reader@example.org"),
                Map.entry("Subject", "Issue 42:\tspring  cleaning, part  two "),
                Map.entry("Date", "Tue, 03 Jun 2025 09:30:00 +0000"),
                Map.entry("Message-ID", "<issue-42.7f3c9a@news.example.com>"),
                Map.entry("List-Id", "The Weekly Tidings <weekly.news.example.com>"),
                Map.entry(
                        "List-Unsubscribe",
                        "<https://news.example.com/u/0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c?list=weekly>,"
                                + " <mailto:unsubscribe@news.example.com?subject=unsubscribe-0f9e8d7c6b5a>"),
                Map.entry("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                Map.entry("MIME-Version", "1.0"),
                Map.entry("Content-Type", "multipart/alternative; boundary=\"=_tidings_b0undary_42\""),
                Map.entry("X-Mailer", "Tidings"));
    }

    static byte[] newsletterBody() {
        String crlf = "\r\n";
        String body = "This is a multi-part message in MIME format." + crlf
                + crlf
                + "--=_tidings_b0undary_42" + crlf
                + "Content-Type: text/plain; charset=UTF-8" + crlf
                + "Content-Transfer-Encoding: quoted-printable" + crlf
                + crlf
                + "Spring cleaning,   part two   " + crlf
                + "\t\tIndented with tabs,\t and  mixed \t runs.\t" + crlf
                + "   " + crlf
                + "Read it online: https://news.example.com/weekly/42" + crlf
                + crlf
                + "--=_tidings_b0undary_42" + crlf
                + "Content-Type: text/html; charset=UTF-8" + crlf
                + "Content-Transfer-Encoding: quoted-printable" + crlf
                + crlf
                + "<html><body>  <h1>Spring cleaning</h1>  " + crlf
                + "<p>Part\ttwo.</p></body></html>" + crlf
                + "--=_tidings_b0undary_42--" + crlf
                + crlf
                + "  " + crlf
                + crlf;
        return body.getBytes(StandardCharsets.US_ASCII);
    }

    /** The full message as the transport writes it: the signature first, then the header, then the body. */
    static byte[] message(String signature, List<Map.Entry<String, String>> headers, byte[] body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((signature + "\r\n").getBytes(StandardCharsets.UTF_8));
        for (Map.Entry<String, String> header : headers) {
            out.write((header.getKey() + ": " + header.getValue() + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        return out.toByteArray();
    }

    static List<SignatureRecord> verify(byte[] message) throws Exception {
        return verify(message, false);
    }

    /**
     * @param rfcEmptyBody jDKIM 0.5 canonicalizes an empty body under "relaxed" as one CRLF (its
     *     "simple" rule) where RFC 6376 3.4.4 has the null input; when set, only that case is
     *     hashed per the RFC, everything else is left to jDKIM.
     */
    static List<SignatureRecord> verify(byte[] message, boolean rfcEmptyBody) throws Exception {
        String record = "v=DKIM1; k=rsa; p="
                + Base64.getEncoder().encodeToString(keys.getPublic().getEncoded());
        DKIMVerifier verifier =
                new DKIMVerifier((method, selector, domain) -> {
                    if (SELECTOR.contentEquals(selector) && DOMAIN.contentEquals(domain)) {
                        return List.of(record);
                    }
                    throw new PermFailException("no key for " + selector + "._domainkey." + domain);
                }) {
                    @Override
                    protected BodyHasherImpl newBodyHasher(SignatureRecord signature) throws PermFailException {
                        return rfcEmptyBody ? new RfcEmptyBodyHasher(signature) : super.newBodyHasher(signature);
                    }
                };
        return verifier.verify(new ByteArrayInputStream(message));
    }

    /** jDKIM's body hasher, except that a body with no content hashes as the null input. */
    static final class RfcEmptyBodyHasher extends BodyHasherImpl {
        private boolean content;

        RfcEmptyBodyHasher(SignatureRecord signature) throws PermFailException {
            super(signature);
        }

        @Override
        public OutputStream getOutputStream() {
            return new FilterOutputStream(super.getOutputStream()) {
                @Override
                public void write(int b) throws IOException {
                    content |= b != '\r' && b != '\n' && b != ' ' && b != '\t';
                    out.write(b);
                }
            };
        }

        @Override
        public byte[] getDigest() {
            byte[] digest = super.getDigest();
            if (content) {
                return digest;
            }
            try {
                return MessageDigest.getInstance("SHA-256").digest();
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static List<String> lowercase(List<CharSequence> names) {
        return names.stream()
                .map(n -> n.toString().trim().toLowerCase(Locale.ROOT))
                .toList();
    }
}
