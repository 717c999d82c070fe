package dev.tidings.delivery;

import static dev.tidings.testing.Accounts.newEmail;
import static dev.tidings.testing.Newsletters.newSlug;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.Issues;
import dev.tidings.testing.Mailbox;
import dev.tidings.testing.Newsletters;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.mail.internet.MimeMessage;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** With a DKIM key configured, every mail is signed, and the signature covers List-Unsubscribe. */
@QuarkusTest
@TestProfile(DkimTest.WithKey.class)
class DkimTest {

    public static class WithKey implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(2048);
                String key = Base64.getEncoder()
                        .encodeToString(generator.generateKeyPair().getPrivate().getEncoded());
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

    Mailbox mailbox;

    @Test
    void mailsAreSignedOverTheUnsubscribeHeaders() {
        String token = Accounts.tokenFor(mailbox, newEmail());
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
    }
}
