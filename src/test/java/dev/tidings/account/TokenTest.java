package dev.tidings.account;

import static dev.tidings.testing.Accounts.client;
import static dev.tidings.testing.Accounts.newEmail;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.Database;
import dev.tidings.testing.InjectMailbox;
import dev.tidings.testing.Mailbox;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
class TokenTest {

    @InjectMailbox
    Mailbox mailbox;

    @Test
    void aTokenIsShownOnceStoredHashedAndWorksAsBearer() {
        String email = newEmail();
        String token = Accounts.tokenFor(mailbox, email);
        assertThat(token).startsWith("tid_");
        client().auth().oauth2(token).get("/api/me").then().statusCode(200).body("email", equalTo(email));
        assertThat(Database.strings("SELECT token_hash FROM api_token")).doesNotContain(token);

        client().auth()
                .oauth2(token)
                .get("/api/tokens")
                .then()
                .statusCode(200)
                .body("items", hasSize(1))
                .body("items[0].name", equalTo("tests"))
                .body("items[0].token", nullValue())
                .body("nextCursor", nullValue());
    }

    @Test
    void createAnswers201WithLocationAndValidatesTheName() {
        String token = Accounts.tokenFor(mailbox, newEmail());
        client().auth()
                .oauth2(token)
                .contentType(ContentType.JSON)
                .body(Map.of("name", "deploy script"))
                .post("/api/tokens")
                .then()
                .statusCode(201)
                .header("Location", org.hamcrest.Matchers.containsString("/api/tokens/"))
                .body("name", equalTo("deploy script"))
                .body("createdAt", org.hamcrest.Matchers.notNullValue());
        client().auth()
                .oauth2(token)
                .contentType(ContentType.JSON)
                .body(Map.of("name", " "))
                .post("/api/tokens")
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("name"));
    }

    @Test
    void aRevokedTokenStopsWorking() {
        String email = newEmail();
        String token = Accounts.tokenFor(mailbox, email);
        String session = Accounts.login(email);
        String id = client().cookie("tidings_session", session)
                .get("/api/tokens")
                .then()
                .extract()
                .path("items[0].id");
        client().cookie("tidings_session", session)
                .delete("/api/tokens/" + id)
                .then()
                .statusCode(204);
        client().auth().oauth2(token).get("/api/me").then().statusCode(401);
        client().cookie("tidings_session", session)
                .delete("/api/tokens/" + id)
                .then()
                .statusCode(404);
    }

    @Test
    void anotherAccountsTokenIsNotFound() {
        String mine = Accounts.tokenFor(mailbox, newEmail());
        String theirs = Accounts.tokenFor(mailbox, newEmail());
        String theirId = client().auth()
                .oauth2(theirs)
                .get("/api/tokens")
                .then()
                .extract()
                .path("items[0].id");
        client().auth()
                .oauth2(mine)
                .delete("/api/tokens/" + theirId)
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
        client().auth().oauth2(mine).delete("/api/tokens/not-a-uuid").then().statusCode(404);
        client().auth().oauth2(theirs).get("/api/me").then().statusCode(200);
    }

    @Test
    void theListIsCursorPaginatedNewestFirst() {
        String token = Accounts.tokenFor(mailbox, newEmail());
        for (int i = 1; i <= 4; i++) {
            client().auth()
                    .oauth2(token)
                    .contentType(ContentType.JSON)
                    .body(Map.of("name", "token " + i))
                    .post("/api/tokens")
                    .then()
                    .statusCode(201);
        }
        List<String> names = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            var request = client().auth().oauth2(token).queryParam("limit", 2);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            JsonPath page =
                    request.get("/api/tokens").then().statusCode(200).extract().jsonPath();
            names.addAll(page.getList("items.name"));
            cursor = page.getString("nextCursor");
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(3);
        assertThat(names).containsExactly("token 4", "token 3", "token 2", "token 1", "tests");
    }

    @Test
    void badPagingParametersAre400() {
        String token = Accounts.tokenFor(mailbox, newEmail());
        client().auth()
                .oauth2(token)
                .queryParam("limit", 0)
                .get("/api/tokens")
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("limit"));
        client().auth()
                .oauth2(token)
                .queryParam("limit", 501)
                .get("/api/tokens")
                .then()
                .statusCode(400);
        client().auth()
                .oauth2(token)
                .queryParam("limit", "ten")
                .get("/api/tokens")
                .then()
                .statusCode(400);
        client().auth()
                .oauth2(token)
                .queryParam("cursor", "garbage!")
                .get("/api/tokens")
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("cursor"));
    }
}
