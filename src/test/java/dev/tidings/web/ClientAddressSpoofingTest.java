package dev.tidings.web;

import static dev.tidings.testing.Accounts.newEmail;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.testing.InjectMailbox;
import dev.tidings.testing.Mailbox;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.RawHttp;
import dev.tidings.testing.Writer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * The tests' only trusted proxy is 127.0.0.1 ({@code quarkus.http.proxy.trusted-proxies}). A
 * client connecting from 127.0.0.2 is not a proxy: whatever X-Forwarded-For it sends, it is keyed
 * as 127.0.0.2, so rotating the header does not escape a limit. IPv6 clients are keyed by /64.
 */
@QuarkusTest
class ClientAddressSpoofingTest {

    @InjectMailbox
    Mailbox mailbox;

    private static String randomIp() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "198.51." + r.nextInt(256) + "." + (1 + r.nextInt(254));
    }

    @Test
    void rotatingForwardedForFromAnUntrustedClientDoesNotEscapeTheLoginLimit() {
        RawHttp untrusted = RawHttp.to(
                RestAssured.port, "127.0.0." + (2 + ThreadLocalRandom.current().nextInt(200)));
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 31; i++) {
            String body = "{\"email\":\"" + newEmail() + "\",\"password\":\"spray password\"}";
            statuses.add(untrusted
                    .send(
                            "POST",
                            "/api/auth/login",
                            Map.of("Content-Type", "application/json", "X-Forwarded-For", randomIp()),
                            body.getBytes(StandardCharsets.UTF_8))
                    .status());
        }
        assertThat(statuses.subList(0, 30)).containsOnly(401);
        assertThat(statuses.get(30)).as("the 31st failure from one address").isEqualTo(429);
    }

    @Test
    void rotatingForwardedForFromAnUntrustedClientDoesNotEscapeTheSignupLimit() {
        String token = Writer.of(this, mailbox).token;
        String slug = Newsletters.newSlug();
        Newsletters.create(token, slug, true);
        RawHttp untrusted = RawHttp.to(
                RestAssured.port, "127.0.0." + (2 + ThreadLocalRandom.current().nextInt(200)));
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            String body = "{\"email\":\"" + newEmail() + "\"}";
            statuses.add(untrusted
                    .send(
                            "POST",
                            "/p/" + slug + "/subscribe",
                            Map.of("Content-Type", "application/json", "X-Forwarded-For", randomIp()),
                            body.getBytes(StandardCharsets.UTF_8))
                    .status());
        }
        assertThat(statuses.subList(0, 10)).containsOnly(202);
        assertThat(statuses.get(10)).as("the 11th sign-up from one address").isEqualTo(429);
    }

    @Test
    void ipv6ClientsAreKeyedByTheirSlash64() {
        // From the trusted proxy: each request names another address of the same /64.
        String prefix =
                "2001:db8:" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000)) + ":7:";
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 31; i++) {
            statuses.add(RestAssured.given()
                    .header(
                            "X-Forwarded-For",
                            prefix + Integer.toHexString(i + 1) + ":0:0:" + Integer.toHexString(i + 7))
                    .contentType("application/json")
                    .body(Map.of("email", newEmail(), "password", "spray password"))
                    .post("/api/auth/login")
                    .statusCode());
        }
        assertThat(statuses.subList(0, 30)).containsOnly(401);
        assertThat(statuses.get(30)).isEqualTo(429);
    }
}
