package dev.tidings.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.RawHttp;
import dev.tidings.testing.WriterTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Bodies are refused while they are read: a chunked body (no Content-Length) over the 1 MiB limit
 * of JSON and form routes gets a 413 problem long before its end, and the server never holds it.
 * Only the CSV import takes more, up to its own limit, streamed to disk.
 */
@QuarkusTest
class BodyLimitTest extends WriterTest {

    @Override
    protected boolean doubleOptIn() {
        return true;
    }

    private static final long FIFTY_MB = 50L * 1024 * 1024;

    @Test
    void aChunkedFiftyMegabyteBodyToAPublicRouteIsRefusedWhileReading() {
        assertRefusedWhileReading("/p/" + slug + "/subscribe", Map.of("Content-Type", "application/json"));
    }

    @Test
    void aChunkedFiftyMegabyteFormToAPublicRouteIsRefusedWhileReading() {
        assertRefusedWhileReading(
                "/p/" + slug + "/subscribe", Map.of("Content-Type", "application/x-www-form-urlencoded"));
    }

    @Test
    void aChunkedFiftyMegabyteBodyToAnAdminRouteIsRefusedWhileReading() {
        assertRefusedWhileReading(
                "/api/newsletters", Map.of("Content-Type", "application/json", "Authorization", "Bearer " + token));
    }

    @Test
    void http2IsNotSpokenSoNoBodyArrivesWithoutALength() throws Exception {
        // HTTP/2 carries a body in DATA frames with neither Content-Length nor Transfer-Encoding,
        // and Quarkus's REST layer cannot take an HTTP/2 request the body handler has read (every
        // POST with a body failed with 500). The app speaks HTTP/1.1; HTTP/2 ends at the proxy.
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try {
            io.vertx.core.http.HttpClient client = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
                    .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2)
                    .setHttp2ClearTextUpgrade(false));
            java.util.concurrent.CompletableFuture<io.vertx.core.http.HttpClientResponse> answer = client.request(
                            io.vertx.core.http.HttpMethod.POST, RestAssured.port, "localhost", "/api/auth/login")
                    .compose(request -> request.putHeader("Content-Type", "application/json")
                            .send("{\"email\":\"h2@example.com\",\"password\":\"wrong password\"}"))
                    .toCompletionStage()
                    .toCompletableFuture();
            Throwable failure = null;
            io.vertx.core.http.HttpClientResponse response = null;
            try {
                response = answer.get(15, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                failure = e.getCause();
            }
            assertThat(response == null ? null : response.version() + " " + response.statusCode())
                    .as("no HTTP/2 answer (the attempt fails: %s)", failure)
                    .isNull();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void aDeclaredLengthOverTheLimitIsRefusedAtOnce() {
        byte[] body = ("{\"email\":\"" + "a".repeat(2 * 1024 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
        RawHttp.Answer answer = RawHttp.to(RestAssured.port)
                .send("POST", "/p/" + slug + "/subscribe", Map.of("Content-Type", "application/json"), body);
        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
        assertThat(answer.body()).contains("\"status\":413");
    }

    @Test
    void theCsvImportTakesMoreThanTheJsonLimit() {
        String id = Newsletters.create(token, Newsletters.newSlug(), false);
        StringBuilder csv = new StringBuilder("email,name,note\n");
        int rows = 0;
        while (csv.length() < 2 * 1024 * 1024) {
            csv.append("big")
                    .append(rows++)
                    .append("@example.org,Reader,")
                    .append("n".repeat(200))
                    .append('\n');
        }
        String location = Newsletters.startImport(token, id, csv.toString());
        JsonPath result = Newsletters.awaitImport(token, location, java.time.Duration.ofSeconds(60));
        assertThat(result.getString("status")).isEqualTo("done");
        assertThat(result.getInt("created")).isEqualTo(rows);
    }

    @Test
    void aCsvImportOverItsOwnLimitIsRefusedWithAProblem() {
        String id = Newsletters.create(token, Newsletters.newSlug(), false);
        long limit = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("tidings.import.max-size", io.quarkus.runtime.configuration.MemorySize.class)
                .map(io.quarkus.runtime.configuration.MemorySize::asLongValue)
                .orElse(200L * 1024 * 1024);
        RawHttp.Answer answer = RawHttp.to(RestAssured.port)
                .streamChunked(
                        "POST",
                        ApiPaths.imports(id),
                        Map.of("Content-Type", "text/csv", "Authorization", "Bearer " + token),
                        "email,name\n".getBytes(StandardCharsets.UTF_8),
                        limit + 4 * 1024 * 1024);
        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
    }

    @Test
    void aFormBodyWithNoFieldIsAnsweredNotHeld() {
        // A multipart body whose boundary never comes, or a url-encoded one of only separators: the body
        // handler finds no field, and the request must get an answer, not hang until the client gives up
        // (the REST layer waited to parse a body that had already been read).
        String issue = dev.tidings.testing.Issues.draft(newsletter);
        Map<String, byte[]> bodies = Map.of(
                "multipart/form-data; boundary=xyz",
                "{\"email\":\"a@b.c\",\"email\":\"d@e.f\",".getBytes(StandardCharsets.UTF_8),
                "application/x-www-form-urlencoded",
                "&&&".getBytes(StandardCharsets.UTF_8));
        bodies.forEach((type, body) -> {
            Map<String, String> headers = Map.of("Content-Type", type, "Authorization", "Bearer " + token);
            for (String path : java.util.List.of(
                    ApiPaths.issue(newsletter, issue) + "/publish",
                    "/api/newsletters",
                    "/p/" + slug + "/subscribe",
                    "/p/" + slug + "/unsubscribe?token=x")) {
                RawHttp.Answer answer = RawHttp.to(RestAssured.port).send("POST", path, headers, body);
                assertThat(answer.status()).as(type + " to " + path).isBetween(400, 499);
                assertThat(answer.header("Content-Type"))
                        .as(type + " to " + path)
                        .matches("(application/problem\\+json|text/html).*");
            }
        });
        assertThat(dev.tidings.testing.Database.strings("SELECT status FROM issue WHERE id = ?::uuid", issue))
                .containsExactly("draft");
    }

    private void assertRefusedWhileReading(String path, Map<String, String> headers) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long allocatedBefore = threads.getTotalThreadAllocatedBytes();
        byte[] prefix = headers.get("Content-Type").contains("json")
                ? "{\"email\":\"".getBytes(StandardCharsets.UTF_8)
                : "email=".getBytes(StandardCharsets.UTF_8);
        RawHttp.Answer answer = RawHttp.to(RestAssured.port).streamChunked("POST", path, headers, prefix, FIFTY_MB);
        long allocated = threads.getTotalThreadAllocatedBytes() - allocatedBefore;

        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
        assertThat(answer.body()).contains("\"status\":413").doesNotContain("Exception");
        assertThat(answer.bytesSent())
                .as("the server answers once the limit is passed, not after reading everything")
                .isLessThan(FIFTY_MB / 2);
        // This JVM runs the app and the test client; the client streams without keeping anything.
        assertThat(allocated)
                .as("bytes allocated by the whole process while the 50 MB body was refused")
                .isLessThan(24L * 1024 * 1024);
    }
}
