package dev.tidings.web;

import static dev.tidings.testing.Accounts.client;
import static org.hamcrest.Matchers.equalTo;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.InjectMailbox;
import dev.tidings.testing.Mailbox;
import dev.tidings.testing.Writer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Cookie-authenticated state changes cannot be forged from another site. */
@QuarkusTest
class CsrfTest {

    @InjectMailbox
    Mailbox mailbox;

    String session;
    String token;

    @BeforeEach
    void signIn() {
        Writer writer = Writer.of(this, mailbox);
        token = writer.token;
        session = Accounts.login(writer.email);
    }

    @Test
    void aRequestFromAnotherOriginIsRefused() {
        client().cookie("tidings_session", session)
                .header("Origin", "https://evil.example")
                .contentType(ContentType.JSON)
                .body(Map.of("name", "planted"))
                .post("/api/tokens")
                .then()
                .statusCode(403)
                .contentType("application/problem+json")
                .body("title", equalTo("Cross-site request refused"));
    }

    @Test
    void aBrowserSayingCrossSiteIsRefused() {
        client().cookie("tidings_session", session)
                .header("Sec-Fetch-Site", "cross-site")
                .contentType(ContentType.JSON)
                .body(Map.of("name", "planted"))
                .post("/api/tokens")
                .then()
                .statusCode(403);
        client().cookie("tidings_session", session)
                .header("Sec-Fetch-Site", "same-site")
                .delete("/api/tokens/00000000-0000-0000-0000-000000000000")
                .then()
                .statusCode(403);
    }

    @Test
    void aFormPostWithTheCookieIsRefused() {
        client().cookie("tidings_session", session)
                .contentType(ContentType.URLENC)
                .formParam("name", "planted")
                .post("/api/tokens")
                .then()
                .statusCode(403);
        client().cookie("tidings_session", session)
                .contentType("text/plain")
                .body("{\"name\":\"planted\"}")
                .post("/api/tokens")
                .then()
                .statusCode(403);
        client().cookie("tidings_session", session)
                .get("/api/tokens")
                .then()
                .statusCode(200)
                .body("items.name", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasItem("planted")));
    }

    @Test
    void sameOriginJsonWithTheCookieIsAccepted() {
        client().cookie("tidings_session", session)
                .header("Origin", io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port)
                .header("Sec-Fetch-Site", "same-origin")
                .contentType(ContentType.JSON)
                .body(Map.of("name", "mine"))
                .post("/api/tokens")
                .then()
                .statusCode(201);
    }

    @Test
    void bearerTokensCarryNoAmbientAuthorityAndAreNotChecked() {
        client().auth()
                .oauth2(token)
                .header("Origin", "https://tool.example")
                .contentType(ContentType.JSON)
                .body(Map.of("name", "from a script"))
                .post("/api/tokens")
                .then()
                .statusCode(201);
    }

    @Test
    void anAuthorizationHeaderOtherThanBearerDoesNotSkipTheCheck() {
        client().cookie("tidings_session", session)
                .header("Authorization", "Basic Zm9vOmJhcg==")
                .header("Origin", "https://evil.example")
                .contentType(ContentType.JSON)
                .body(Map.of("name", "planted"))
                .post("/api/tokens")
                .then()
                .statusCode(403)
                .contentType("application/problem+json");
    }

    @Test
    void aBodyWithoutAContentTypeCountsAsAForm() {
        // A page can send fetch(url, {method: 'POST', body: new Blob([...]), credentials: 'include'}):
        // no Content-Type at all, and no preflight.
        dev.tidings.testing.RawHttp.Answer answer = dev.tidings.testing.RawHttp.to(io.restassured.RestAssured.port)
                .send(
                        "POST",
                        "/api/tokens",
                        Map.of("Cookie", "tidings_session=" + session),
                        "{\"name\":\"planted\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        org.assertj.core.api.Assertions.assertThat(answer.status()).isEqualTo(403);
        client().cookie("tidings_session", session)
                .get("/api/tokens")
                .then()
                .body("items.name", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasItem("planted")));
    }
}
