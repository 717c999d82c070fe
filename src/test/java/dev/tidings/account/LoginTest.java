package dev.tidings.account;

import static dev.tidings.testing.Accounts.PASSWORD;
import static dev.tidings.testing.Accounts.client;
import static dev.tidings.testing.Accounts.newEmail;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.InjectMailbox;
import dev.tidings.testing.Mailbox;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
class LoginTest {

    @InjectMailbox
    Mailbox mailbox;

    @Test
    void loginSetsAHardenedSessionCookie() {
        String email = newEmail();
        Accounts.verifiedAccount(mailbox, email);
        Response response = client().contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", PASSWORD))
                .post("/api/auth/login");
        assertThat(response.statusCode()).isEqualTo(204);
        String setCookie = response.header("Set-Cookie");
        assertThat(setCookie)
                .startsWith("tidings_session=")
                .containsIgnoringCase("HttpOnly")
                .containsIgnoringCase("Secure")
                .containsIgnoringCase("SameSite=Lax")
                .containsIgnoringCase("Path=/")
                .containsIgnoringCase("Max-Age=1209600");
        assertThat(response.cookie("tidings_session")).hasSizeGreaterThanOrEqualTo(40);
    }

    @Test
    void logoutExpiresTheCookieAndEndsTheSessionOnTheServer() {
        String email = newEmail();
        Accounts.verifiedAccount(mailbox, email);
        String session = Accounts.login(email);
        client().cookie("tidings_session", session).get("/api/me").then().statusCode(200);

        Response logout = client().cookie("tidings_session", session).post("/api/auth/logout");
        assertThat(logout.statusCode()).isEqualTo(204);
        assertThat(logout.header("Set-Cookie")).startsWith("tidings_session=;").containsIgnoringCase("Max-Age=0");

        // A client that ignores the expiry still cannot use the old value.
        client().cookie("tidings_session", session)
                .get("/api/me")
                .then()
                .statusCode(401)
                .contentType("application/problem+json");
    }

    @Test
    void meWithoutValidCredentialsIs401Problem() {
        client().get("/api/me")
                .then()
                .statusCode(401)
                .contentType("application/problem+json")
                .body("status", equalTo(401));
        client().cookie("tidings_session", "forged").get("/api/me").then().statusCode(401);
        client().header("Authorization", "Bearer tid_forged")
                .get("/api/me")
                .then()
                .statusCode(401);
    }

    @Test
    void unknownAddressAndWrongPasswordAnswerAlike() {
        String email = newEmail();
        Accounts.verifiedAccount(mailbox, email);
        List<Long> wrongPassword = new ArrayList<>();
        List<Long> unknown = new ArrayList<>();
        String wrongBody = null;
        String unknownBody = null;
        for (int i = 0; i < 3; i++) {
            Response a = client().contentType(ContentType.JSON)
                    .body(Map.of("email", email, "password", "wrong password " + i))
                    .post("/api/auth/login");
            Response b = client().contentType(ContentType.JSON)
                    .body(Map.of("email", newEmail(), "password", "wrong password " + i))
                    .post("/api/auth/login");
            assertThat(a.statusCode()).isEqualTo(401);
            assertThat(b.statusCode()).isEqualTo(401);
            wrongBody = a.body().asString();
            unknownBody = b.body().asString();
            wrongPassword.add(a.time());
            unknown.add(b.time());
        }
        assertThat(unknownBody).isEqualTo(wrongBody);
        // Both paths run one bcrypt check: neither is several times faster than the other.
        long medianWrong = wrongPassword.stream().sorted().toList().get(1);
        long medianUnknown = unknown.stream().sorted().toList().get(1);
        assertThat(medianUnknown).isGreaterThan(medianWrong / 3);
        assertThat(medianWrong).isGreaterThan(medianUnknown / 3);
    }

    @Test
    void repeatedFailuresForOneAccountAreThrottledWithRetryAfter() {
        String email = newEmail();
        Accounts.verifiedAccount(mailbox, email);
        for (int i = 0; i < 5; i++) {
            client().contentType(ContentType.JSON)
                    .body(Map.of("email", email, "password", "guess number " + i))
                    .post("/api/auth/login")
                    .then()
                    .statusCode(401);
        }
        // From yet another address, and even with the right password: the account is throttled.
        Response throttled = client().contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", PASSWORD))
                .post("/api/auth/login");
        assertThat(throttled.statusCode()).isEqualTo(429);
        assertThat(throttled.contentType()).isEqualTo("application/problem+json");
        assertThat(Integer.parseInt(throttled.header("Retry-After"))).isBetween(1, 900);
    }

    @Test
    void repeatedFailuresFromOneAddressAreThrottled() {
        String address = "192.0.2." + (1 + (int) (Math.random() * 250));
        for (int i = 0; i < 30; i++) {
            io.restassured.RestAssured.given()
                    .header("X-Forwarded-For", address)
                    .contentType(ContentType.JSON)
                    .body(Map.of("email", newEmail(), "password", "spray password"))
                    .post("/api/auth/login")
                    .then()
                    .statusCode(401);
        }
        io.restassured.RestAssured.given()
                .header("X-Forwarded-For", address)
                .contentType(ContentType.JSON)
                .body(Map.of("email", newEmail(), "password", "spray password"))
                .post("/api/auth/login")
                .then()
                .statusCode(429)
                .header("Retry-After", org.hamcrest.Matchers.notNullValue());
        // Another client is not affected.
        String email = newEmail();
        Accounts.verifiedAccount(mailbox, email);
        Accounts.login(email);
    }

    @Test
    void loginValidatesItsBody() {
        client().contentType(ContentType.JSON)
                .body(Map.of("email", "nobody"))
                .post("/api/auth/login")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", org.hamcrest.Matchers.containsInAnyOrder("email", "password"));
    }
}
