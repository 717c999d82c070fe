package dev.tidings.testing;

import static dev.tidings.testing.Accounts.client;
import static org.awaitility.Awaitility.await;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** Creates newsletters and subscribers through the API. */
public final class Newsletters {

    private Newsletters() {}

    public static RequestSpecification as(String token) {
        return client().auth().oauth2(token);
    }

    public static String newSlug() {
        return "news-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A newsletter with double opt-in as given; answers its id. */
    public static String create(String token, String slug, boolean doubleOptIn) {
        return as(token)
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "slug",
                        slug,
                        "name",
                        "Weekly " + slug,
                        "fromName",
                        "The Editor",
                        "fromEmail",
                        "editor@example.com",
                        "doubleOptIn",
                        doubleOptIn))
                .post(ApiPaths.NEWSLETTERS)
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    public static String addSubscriber(String token, String newsletterId, String email, String status) {
        return addSubscriber(token, newsletterId, new HashMap<>(Map.of("email", email, "status", status)));
    }

    /** A subscriber made from {@code body} (the API's fields); asserts 201 and answers its id. */
    public static String addSubscriber(String token, String newsletterId, Map<String, Object> body) {
        return as(token)
                .contentType(ContentType.JSON)
                .body(body)
                .post(ApiPaths.subscribers(newsletterId))
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    /** Uploads {@code csv} as an import into the newsletter; asserts 202 and answers the import's URL. */
    public static String startImport(String token, String newsletterId, String csv) {
        return as(token)
                .contentType("text/csv")
                .body(csv)
                .post(ApiPaths.imports(newsletterId))
                .then()
                .statusCode(202)
                .extract()
                .header("Location");
    }

    /** Waits until the import at {@code location} is no longer running; answers its final state. */
    public static JsonPath awaitImport(String token, String location, Duration atMost) {
        await().atMost(atMost).until(() -> !"running"
                .equals(as(token).get(location).then().extract().path("status")));
        return as(token).get(location).then().extract().jsonPath();
    }
}
