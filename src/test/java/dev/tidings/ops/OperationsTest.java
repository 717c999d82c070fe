package dev.tidings.ops;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.tidings.testing.KafkaTestBroker;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Health, metrics and the API documents live on the management interface (its own port), not on
 * the port that faces the internet.
 */
@QuarkusTest
class OperationsTest {

    private static RequestSpecification management() {
        return dev.tidings.testing.Management.request();
    }

    @Test
    void operationsEndpointsAreNotOnThePublicPort() {
        for (String path : new String[] {"/q/metrics", "/q/health/ready", "/q/openapi", "/q/swagger-ui"}) {
            given().get(path).then().statusCode(404);
        }
    }

    @Test
    void livenessAndReadinessAreUpWithDatabaseAndBroker() {
        management().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        management()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem(equalTo("Kafka")))
                .body("checks.name", hasItem(containsString("Reactive PostgreSQL")));
    }

    @Test
    void readinessGoesDownWhileTheBrokerIsStoppedAndRecovers() {
        KafkaTestBroker.stopBroker();
        try {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(
                            () -> management().get("/q/health/ready").then().statusCode(503));
            management().get("/q/health/live").then().statusCode(200);
        } finally {
            KafkaTestBroker.startBroker();
        }
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> management().get("/q/health/ready").then().statusCode(200));
    }

    @Test
    void metricsAreExposedForPrometheus() {
        management()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("http_server_requests_seconds"))
                .body(containsString("jvm_memory_used_bytes"));
    }

    @Test
    void refusedRequestsToMadeUpPathsDoNotCrowdOutTheRoutesMetrics() {
        // A request refused before a route template was known (a method the path does not take, a
        // cross-site origin) carried its raw path into the uri tag: a client could fill the registry's
        // 100 uri values with made-up paths, and the metrics of routes first asked for after that were dropped.
        for (int i = 0; i < 60; i++) {
            given().get("/p/made-up-" + i + "/subscribe").then().statusCode(405);
            given().header("Origin", "https://evil.example")
                    .contentType("application/json")
                    .body("{}")
                    .post("/api/newsletters/made-up-" + i)
                    .then()
                    .statusCode(403);
        }
        given().get("/p/no-such-newsletter/archive").then().statusCode(404);
        String metrics =
                management().get("/q/metrics").then().statusCode(200).extract().asString();
        org.assertj.core.api.Assertions.assertThat(metrics)
                .doesNotContain("made-up-")
                .contains("uri=\"/p/{slug}/archive\"");
    }

    @Test
    void aQuietConnectionIsClosedWithinAMinute() {
        // Quarkus keeps an idle connection 30 minutes by default: a client sending half a request
        // head now and then could hold thousands (SlowClientTest shows the timeout at work).
        java.time.Duration idle = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("quarkus.http.idle-timeout", java.time.Duration.class)
                .orElse(java.time.Duration.ofMinutes(30));
        org.assertj.core.api.Assertions.assertThat(idle).isLessThanOrEqualTo(java.time.Duration.ofMinutes(1));
    }

    @Test
    void theOpenApiDocumentDescribesTheAccountEndpoints() {
        management()
                .accept("application/json")
                .get("/q/openapi")
                .then()
                .statusCode(200)
                .body(containsString("/api/auth/signup"))
                .body(containsString("/api/auth/password-reset/confirm"))
                .body(containsString("/api/tokens/{id}"))
                .body(containsString("/api/me"));
        management().redirects().follow(true).get("/q/swagger-ui").then().statusCode(200);
    }

    @Test
    void unknownApiPathsAnswerProblemDetails() {
        given().get("/api/no-such-thing")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("status", equalTo(404));
        given().put("/api/me").then().statusCode(405).contentType("application/problem+json");
    }
}
