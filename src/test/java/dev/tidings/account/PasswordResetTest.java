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
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
class PasswordResetTest {

    private static final String NEW_PASSWORD = "a brand new passphrase";

    @InjectMailbox
    Mailbox mailbox;

    @Test
    void resetAnswersAlikeForUnknownAddressesAndMailsOnlyRealOnes() throws Exception {
        String unknown = newEmail();
        client().contentType(ContentType.JSON)
                .body(Map.of("email", unknown))
                .post("/api/auth/password-reset")
                .then()
                .statusCode(202)
                .body("status", equalTo("reset_sent"));
        String known = newEmail();
        Accounts.verifiedAccount(mailbox, known);
        client().contentType(ContentType.JSON)
                .body(Map.of("email", known))
                .post("/api/auth/password-reset")
                .then()
                .statusCode(202)
                .body("status", equalTo("reset_sent"));
        assertThat(Mailbox.subject(mailbox.awaitMessage(known, 2))).startsWith("Your Tidings password reset code");
        assertThat(mailbox.countAfterQuietPeriod(unknown)).isZero();
    }

    @Test
    void confirmingChangesThePasswordAndEndsEverySessionAndToken() {
        String email = newEmail();
        String token = Accounts.tokenFor(mailbox, email);
        String session = Accounts.login(email);
        client().auth().oauth2(token).get("/api/me").then().statusCode(200);

        String code = Accounts.resetCode(mailbox, email);
        client().contentType(ContentType.JSON)
                .body(Map.of("email", email, "code", code, "newPassword", NEW_PASSWORD))
                .post("/api/auth/password-reset/confirm")
                .then()
                .statusCode(204);

        client().auth().oauth2(token).get("/api/me").then().statusCode(401);
        client().cookie("tidings_session", session).get("/api/me").then().statusCode(401);
        assertThat(Accounts.loginStatus(email, PASSWORD)).isEqualTo(401);
        assertThat(Accounts.loginStatus(email, NEW_PASSWORD)).isEqualTo(204);
    }

    @Test
    void aBadCodeIs400AndChangesNothing() {
        String email = newEmail();
        Accounts.verifiedAccount(mailbox, email);
        String code = Accounts.resetCode(mailbox, email);
        client().contentType(ContentType.JSON)
                .body(Map.of(
                        "email",
                        email,
                        "code",
                        code.equals("111111") ? "222222" : "111111",
                        "newPassword",
                        NEW_PASSWORD))
                .post("/api/auth/password-reset/confirm")
                .then()
                .statusCode(400)
                .contentType("application/problem+json");
        // The verification code (purpose VERIFY) is no reset code either.
        Accounts.login(email);
    }

    @Test
    void theNewPasswordIsValidated() {
        client().contentType(ContentType.JSON)
                .body(Map.of("email", newEmail(), "code", "123456", "newPassword", "short"))
                .post("/api/auth/password-reset/confirm")
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("newPassword"));
    }
}
