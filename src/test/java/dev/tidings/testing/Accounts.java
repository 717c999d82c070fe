package dev.tidings.testing;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** Test helpers that go through the public API, as a client would. */
public final class Accounts {

    public static final String PASSWORD = "correct horse battery";

    private Accounts() {}

    /** A fresh address on each call, so tests never share accounts. */
    public static String newEmail() {
        return "writer-" + UUID.randomUUID().toString().substring(0, 12) + "@example.com";
    }

    /** A request from its own client address (the tests trust X-Forwarded-For), so throttles don't collide. */
    public static RequestSpecification client() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String address = "10." + random.nextInt(256) + "." + random.nextInt(256) + "." + (1 + random.nextInt(254));
        return given().header("X-Forwarded-For", address);
    }

    public static void signup(String email) {
        client().contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", PASSWORD, "name", "Test Writer"))
                .post("/api/auth/signup")
                .then()
                .statusCode(202);
    }

    /** Signs up and verifies with the mailed code; answers the code mail's position (1). */
    public static void verifiedAccount(Mailbox mailbox, String email) {
        signup(email);
        String code = mailbox.awaitCode(email, 1);
        client().contentType(ContentType.JSON)
                .body(Map.of("email", email, "code", code))
                .post("/api/auth/verify")
                .then()
                .statusCode(204);
    }

    /** Logs in and answers the session cookie's value. */
    public static String login(String email) {
        return client().contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", PASSWORD))
                .post("/api/auth/login")
                .then()
                .statusCode(204)
                .extract()
                .cookie("tidings_session");
    }

    /** Asks for a password reset of a verified account (202); answers the mailed code. */
    public static String resetCode(Mailbox mailbox, String email) {
        client().contentType(ContentType.JSON)
                .body(Map.of("email", email))
                .post("/api/auth/password-reset")
                .then()
                .statusCode(202);
        return mailbox.awaitCode(email, 2);
    }

    /** Tries to log in with the given password; answers the HTTP status. */
    public static int loginStatus(String email, String password) {
        return client().contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", password))
                .post("/api/auth/login")
                .statusCode();
    }

    /** A verified account with an API token; answers the token. */
    public static String tokenFor(Mailbox mailbox, String email) {
        verifiedAccount(mailbox, email);
        String session = login(email);
        return client().cookie("tidings_session", session)
                .contentType(ContentType.JSON)
                .body(Map.of("name", "tests"))
                .post("/api/tokens")
                .then()
                .statusCode(201)
                .extract()
                .path("token");
    }
}
