package dev.tidings.delivery;

import static dev.tidings.testing.Newsletters.newSlug;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tidings.testing.InjectMailbox;
import dev.tidings.testing.Issues;
import dev.tidings.testing.Mailbox;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.Writer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.james.jdkim.DKIMVerifier;
import org.apache.james.jdkim.api.SignatureRecord;
import org.apache.james.jdkim.exceptions.FailException;
import org.junit.jupiter.api.Test;

/**
 * With a DKIM key configured, every mail is signed, the signature verifies (checked by Apache
 * jDKIM, independently of our signer) as the SMTP server received it, and it covers
 * List-Unsubscribe and List-Unsubscribe-Post.
 */
@QuarkusTest
@TestProfile(DkimTest.WithKey.class)
class DkimTest {

    static final KeyPair KEYS = keys();

    static KeyPair keys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static class WithKey implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                String key =
                        Base64.getEncoder().encodeToString(KEYS.getPrivate().getEncoded());
                return Map.of(
                        "quarkus.mailer.dkim.enabled", "true",
                        "quarkus.mailer.dkim.private-key", key,
                        "quarkus.mailer.dkim.sdid", "example.com",
                        "quarkus.mailer.dkim.selector", "tidings");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @InjectMailbox
    Mailbox mailbox;

    @Test
    void mailsAreSignedOverTheUnsubscribeHeaders() throws Exception {
        String token = Writer.of(this, mailbox).token;
        String newsletter = Newsletters.create(token, newSlug(), false);
        String email = "signed-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        Newsletters.addSubscriber(token, newsletter, email, "active");
        String issue = Issues.draft(newsletter);
        DeliveryFixture f = new DeliveryFixture(token, newsletter, "example.com");
        f.publish(issue);
        f.awaitStatus(issue, "sent");
        MimeMessage mail = mailbox.awaitMessage(email, 1);
        String signature = Mailbox.header(mail, "DKIM-Signature");
        assertThat(signature).isNotNull().contains("d=example.com").contains("s=tidings");
        String signed = signature.replaceAll("\\s", "").toLowerCase();
        String headers = signed.substring(signed.indexOf("h=") + 2, signed.indexOf(';', signed.indexOf("h=")));
        assertThat(List.of(headers.split(":")))
                .contains("list-unsubscribe", "list-unsubscribe-post", "from", "subject");

        ByteArrayOutputStream received = new ByteArrayOutputStream();
        mail.writeTo(received);
        String record = "v=DKIM1; k=rsa; p="
                + Base64.getEncoder().encodeToString(KEYS.getPublic().getEncoded());
        DKIMVerifier verifier = new DKIMVerifier((method, selector, domain) -> {
            assertThat(selector.toString()).isEqualTo("tidings");
            assertThat(domain.toString()).isEqualTo("example.com");
            return List.of(record);
        });
        List<SignatureRecord> verified = verifier.verify(new ByteArrayInputStream(received.toByteArray()));
        assertThat(verified).as("a signature that verifies").hasSize(1);

        // and one changed byte in the body breaks it
        String tampered = received.toString(StandardCharsets.ISO_8859_1).replace("Hello", "Hallo");
        assertThat(tampered).isNotEqualTo(received.toString(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(
                        () -> verifier.verify(new ByteArrayInputStream(tampered.getBytes(StandardCharsets.ISO_8859_1))))
                .isInstanceOf(FailException.class);
    }
}
