package dev.tidings.account;

import static dev.tidings.testing.Accounts.PASSWORD;
import static dev.tidings.testing.Accounts.client;
import static dev.tidings.testing.Accounts.newEmail;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.Database;
import dev.tidings.testing.InjectMailbox;
import dev.tidings.testing.Mailbox;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.mail.internet.MimeMessage;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
class SignupAndVerifyTest {

    @InjectMailbox
    Mailbox mailbox;

    @Test
    void signupMailsAMultipartCodeThatVerifiesTheAccount() throws Exception {
        String email = newEmail();
        client().contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", PASSWORD, "name", "Ada"))
                .post("/api/auth/signup")
                .then()
                .statusCode(202)
                .body("status", equalTo("verification_sent"));

        MimeMessage mail = mailbox.awaitMessage(email, 1);
        assertThat(mail.getContentType()).startsWith("multipart/alternative");
        String code = mailbox.awaitCode(email, 1);
        assertThat(Mailbox.part(mail, "text/plain")).get().asString().contains(code);
        assertThat(Mailbox.part(mail, "text/html"))
                .get()
                .asString()
                .contains(code)
                .contains("<html");

        // Not verified yet: the right password gets 403.
        client().contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", PASSWORD))
                .post("/api/auth/login")
                .then()
                .statusCode(403)
                .contentType("application/problem+json");

        client().contentType(ContentType.JSON)
                .body(Map.of("email", email, "code", code))
                .post("/api/auth/verify")
                .then()
                .statusCode(204);
        String session = Accounts.login(email);
        client().cookie("tidings_session", session)
                .get("/api/me")
                .then()
                .statusCode(200)
                .body("email", equalTo(email))
                .body("name", equalTo("Ada"))
                .body("id", not(equalTo(null)))
                .body("createdAt", org.hamcrest.Matchers.matchesPattern("\\d{4}-\\d\\d-\\d\\dT.*Z"));
    }

    @Test
    void signupOfARegisteredAddressAnswersAlikeAndOnlyNotifiesTheOwner() {
        String email = newEmail();
        Accounts.verifiedAccount(mailbox, email);
        String before = Database.passwordHashOf(email);

        client().contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", "someone else's password"))
                .post("/api/auth/signup")
                .then()
                .statusCode(202)
                .body("status", equalTo("verification_sent"));

        MimeMessage notice = mailbox.awaitMessage(email, 2);
        assertThat(Mailbox.subject(notice)).isEqualTo("You already have a Tidings account");
        assertThat(Database.passwordHashOf(email)).isEqualTo(before);
        Accounts.login(email);
    }

    @Test
    void invalidSignupListsEveryWrongFieldAndStoresNothing() {
        String email = "not-an-address";
        client().contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", "short", "name", "x".repeat(101)))
                .post("/api/auth/signup")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("title", equalTo("Invalid request"))
                .body("type", not(equalTo(null)))
                .body("errors.field", containsInAnyOrder("email", "password", "name"));
        client().contentType(ContentType.JSON)
                .body(Map.of("email", "a@example.com", "password", "x".repeat(129)))
                .post("/api/auth/signup")
                .then()
                .statusCode(400)
                .body("errors", hasSize(1))
                .body("errors[0].field", equalTo("password"));
        assertThat(Database.countAccounts(email)).isZero();
        assertThat(Database.countAccounts("a@example.com")).isZero();
    }

    @Test
    void malformedOrMissingBodiesAreProblems() {
        client().contentType(ContentType.JSON)
                .body("{\"email\": ")
                .post("/api/auth/signup")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("detail", not(containsString("Exception")))
                .body("detail", not(containsString("jackson")));
        client().contentType(ContentType.JSON)
                .post("/api/auth/signup")
                .then()
                .statusCode(400)
                .contentType("application/problem+json");
        client().contentType(ContentType.JSON)
                .body("{\"email\": [1,2], \"password\": \"0123456789\"}")
                .post("/api/auth/signup")
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("email"));
        client().contentType(ContentType.TEXT)
                .body("email=a@example.com")
                .post("/api/auth/signup")
                .then()
                .statusCode(415)
                .contentType("application/problem+json");
    }

    @Test
    void addressesAreTrimmedAndTheirDomainsCompareCaseInsensitively() {
        String local = "Mixed.Case-" + System.nanoTime();
        String typed = "  " + local + "@EXAMPLE.COM ";
        client().contentType(ContentType.JSON)
                .body(Map.of("email", typed, "password", PASSWORD))
                .post("/api/auth/signup")
                .then()
                .statusCode(202);
        String stored = local + "@example.com";
        String code = mailbox.awaitCode(stored, 1);
        assertThat(Database.emailsLike(local)).containsExactly(stored);

        // The same account whatever the case: a second sign-up does not create another row.
        client().contentType(ContentType.JSON)
                .body(Map.of("email", local.toLowerCase() + "@Example.Com", "password", PASSWORD))
                .post("/api/auth/signup")
                .then()
                .statusCode(202);
        String newest = mailbox.awaitCode(stored, 2);
        assertThat(Database.emailsLike(local)).hasSize(1);

        // Only the newest code counts.
        client().contentType(ContentType.JSON)
                .body(Map.of("email", stored, "code", code.equals(newest) ? "000000" : code))
                .post("/api/auth/verify")
                .then()
                .statusCode(400);
        client().contentType(ContentType.JSON)
                .body(Map.of("email", stored.toUpperCase(), "code", newest))
                .post("/api/auth/verify")
                .then()
                .statusCode(204);
    }

    @Test
    void theDatabaseRefusesTwoAccountsDifferingOnlyInCase() {
        String email = newEmail();
        Accounts.signup(email);
        assertThat(Database.insertAccountFails(email.toUpperCase())).isTrue();
    }

    @Test
    void wrongCodesCountAndTheFifthInvalidatesTheCode() {
        String email = newEmail();
        Accounts.signup(email);
        String code = mailbox.awaitCode(email, 1);
        String wrong = code.equals("123456") ? "654321" : "123456";
        for (int i = 0; i < 5; i++) {
            client().contentType(ContentType.JSON)
                    .body(Map.of("email", email, "code", wrong))
                    .post("/api/auth/verify")
                    .then()
                    .statusCode(400)
                    .contentType("application/problem+json")
                    .body("title", equalTo("Invalid code"));
        }
        client().contentType(ContentType.JSON)
                .body(Map.of("email", email, "code", code))
                .post("/api/auth/verify")
                .then()
                .statusCode(400);
    }

    @Test
    void aUsedCodeCannotBeReused() {
        String email = newEmail();
        Accounts.signup(email);
        String code = mailbox.awaitCode(email, 1);
        Map<String, String> body = Map.of("email", email, "code", code);
        client().contentType(ContentType.JSON)
                .body(body)
                .post("/api/auth/verify")
                .then()
                .statusCode(204);
        client().contentType(ContentType.JSON)
                .body(body)
                .post("/api/auth/verify")
                .then()
                .statusCode(400);
    }

    @Test
    void anExpiredCodeIsRefused() {
        String email = newEmail();
        Accounts.signup(email);
        String code = mailbox.awaitCode(email, 1);
        Database.expireCodesOf(email);
        client().contentType(ContentType.JSON)
                .body(Map.of("email", email, "code", code))
                .post("/api/auth/verify")
                .then()
                .statusCode(400);
    }

    @Test
    void verifyingAnUnknownAddressLooksLikeAWrongCode() {
        client().contentType(ContentType.JSON)
                .body(Map.of("email", newEmail(), "code", "123456"))
                .post("/api/auth/verify")
                .then()
                .statusCode(400)
                .body("title", equalTo("Invalid code"));
    }
}
