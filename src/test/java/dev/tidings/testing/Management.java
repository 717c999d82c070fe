package dev.tidings.testing;

import static io.restassured.RestAssured.given;

import io.quarkus.test.common.http.TestHTTPResourceManager;
import io.restassured.specification.RequestSpecification;
import java.net.URI;

/** Requests to the app's management interface (health, metrics, API documents), a port of its own. */
public final class Management {

    private Management() {}

    public static RequestSpecification request() {
        URI uri = URI.create(TestHTTPResourceManager.getManagementUri());
        return given().baseUri(uri.getScheme() + "://" + uri.getHost()).port(uri.getPort());
    }
}
