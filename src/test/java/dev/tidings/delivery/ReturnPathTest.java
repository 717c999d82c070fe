package dev.tidings.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Locale;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** The VERP envelope sender: names its send, fits SMTP's local-part limit, cannot be forged. */
class ReturnPathTest {

    static ReturnPath withKey(String key) {
        return new ReturnPath((purpose, body) -> {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
                mac.update(purpose.getBytes(StandardCharsets.UTF_8));
                return mac.doFinal(body);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void anAddressNamesItsSendAndSurvivesAChangeOfCase() {
        ReturnPath path = withKey("k");
        UUID send = UUID.randomUUID();
        String address = path.address(send, "bounces.example.com");
        assertThat(address).matches("bounces\\+[0-9a-f]{52}@bounces\\.example\\.com");
        assertThat(address.substring(0, address.indexOf('@')).length()).isLessThanOrEqualTo(64);
        String token = ReturnPath.tokenOf(address);
        assertThat(path.verify(token)).contains(send);
        assertThat(path.verify(token.toUpperCase(Locale.ROOT))).contains(send);
        assertThat(ReturnPath.tokenOf("<" + address.toUpperCase(Locale.ROOT) + ">"))
                .isEqualToIgnoringCase(token);
    }

    @Test
    void anAlteredMadeUpOrForeignTokenNamesNothing() {
        ReturnPath path = withKey("k");
        UUID send = UUID.randomUUID();
        String token = path.token(send);
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            String altered = token.substring(0, i) + (c == '0' ? '1' : '0') + token.substring(i + 1);
            assertThat(path.verify(altered)).as("digit %d changed", i).isEmpty();
        }
        assertThat(path.verify(UUID.randomUUID().toString().replace("-", "") + "0".repeat(20)))
                .isEmpty();
        assertThat(withKey("another key").verify(token))
                .as("signed by another installation")
                .isEmpty();
        assertThat(path.verify(token + "0")).isEmpty();
        assertThat(path.verify(null)).isEmpty();
        assertThat(path.verify("zz" + token.substring(2))).isEmpty();
        assertThat(ReturnPath.tokenOf("postmaster@example.com")).isNull();
        assertThat(ReturnPath.tokenOf(null)).isNull();
    }
}
