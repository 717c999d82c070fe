package dev.tidings.testing;

import static dev.tidings.testing.Accounts.client;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
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
        Map<String, Object> body = new HashMap<>(Map.of("email", email, "status", status));
        return as(token)
                .contentType(ContentType.JSON)
                .body(body)
                .post(ApiPaths.subscribers(newsletterId))
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }
}
