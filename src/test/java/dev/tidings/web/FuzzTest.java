package dev.tidings.web;

import static dev.tidings.testing.Accounts.newEmail;
import static dev.tidings.testing.Newsletters.as;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tidings.testing.Accounts;
import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Database;
import dev.tidings.testing.InjectMailbox;
import dev.tidings.testing.Issues;
import dev.tidings.testing.Mailbox;
import dev.tidings.testing.Management;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.RawHttp;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Throws malformed requests at every operation of the OpenAPI document: garbage path parameters,
 * query strings and headers, bodies of the wrong type, shape, encoding or depth. Every answer must
 * be below 500, in problem details or the friendly HTML page, with no internals; a 4xx must change
 * nothing; and the process must still be alive at the end. The corpus is generated from a seed
 * (printed; {@code -Dfuzz.seed=} replays a run, {@code -Dfuzz.cases=} sets cases per operation).
 */
@QuarkusTest
class FuzzTest {

    private static final List<String> NASTY = List.of(
            "",
            " ",
            "null",
            "undefined",
            "0",
            "-1",
            "99999999999999999999999999",
            "1e309",
            "NaN",
            "true",
            "[]",
            "{}",
            "../../etc/passwd",
            "%2e%2e%2f",
            "%00",
            "%",
            "%zz",
            "'; DROP TABLE subscriber; --",
            "\" OR 1=1 --",
            "${jndi:ldap://x/a}",
            "{#for i in 999999999}{i}{/for}",
            "{inject:mailer}",
            "<script>alert(1)</script>",
            "\u0000",
            "\uFFFF\uD800",
            "Ω≈ç√∫˜µ≤≥÷",
            "a@b",
            "x".repeat(600),
            "00000000-0000-0000-0000-000000000000",
            "not-a-uuid");

    private static final List<String> CONTENT_TYPES = List.of(
            "application/json",
            "application/json; charset=ISO-8859-1",
            "application/merge-patch+json",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=xyz",
            "text/plain",
            "text/csv",
            "application/xml",
            "*/*",
            "garbage",
            "");

    @InjectMailbox
    Mailbox mailbox;

    private final ObjectMapper json = new ObjectMapper();

    record Operation(String method, String path, List<String> query) {}

    @Test
    void malformedRequestsToEveryRouteAnswer4xxProblemsAndChangeNothing() throws Exception {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        int cases = Integer.getInteger("fuzz.cases", 12);
        System.out.println("FuzzTest seed " + seed + " (-Dfuzz.seed=" + seed + " replays it)");
        Random random = new Random(seed);

        String email = newEmail();
        String token = Accounts.tokenFor(mailbox, email);
        String slug = Newsletters.newSlug();
        String newsletter = Newsletters.create(token, slug, true);
        // Not active: an issue published by a valid request would have nobody to send to.
        String subscriber = Newsletters.addSubscriber(token, newsletter, newEmail(), "unsubscribed");
        String issue = Issues.draft(newsletter);
        String tokenId = as(token).get("/api/tokens").then().extract().path("items[0].id");
        Map<String, String> real = Map.of(
                "id", newsletter, "iid", issue, "sid", subscriber, "slug", slug, "importId", UUID.randomUUID() + "");

        List<Operation> operations = operations();
        assertThat(operations).as("operations in the OpenAPI document").hasSizeGreaterThan(25);
        int requests = 0;
        List<String> problems = new ArrayList<>();
        for (Operation operation : operations) {
            for (int i = 0; i < cases; i++) {
                String path = path(operation, real, tokenId, random);
                Map<String, String> headers = headers(token, random);
                byte[] body = body(random);
                String fingerprint = fingerprint(email, newsletter);
                RawHttp.Answer answer;
                try {
                    answer = RawHttp.to(RestAssured.port).send(operation.method(), path, headers, body);
                } catch (IllegalStateException e) {
                    problems.add(operation.method() + " " + path + " " + headers + " body of "
                            + (body == null ? "none" : body.length + " bytes: " + preview(body)) + ": no answer ("
                            + e.getMessage() + ")");
                    continue;
                }
                requests++;
                String what =
                        operation.method() + " " + path + " " + headers.get("Content-Type") + " -> " + answer.status();
                if (answer.status() >= 500) {
                    problems.add(what + " " + answer.body());
                }
                String type = answer.header("Content-Type");
                // Refused by the HTTP codec before any handler sees the request, with an empty body: a
                // request line or headers over its limits (414, 431), or a path that does not decode (400).
                boolean codec = (answer.status() == 414
                                || answer.status() == 431
                                || answer.status() == 400 && path.matches(".*%([^0-9A-Fa-f].|.[^0-9A-Fa-f]|.?$).*"))
                        && answer.header("Content-Type") == null
                        && answer.body().isEmpty();
                if (answer.status() >= 400
                        && !codec
                        && (type == null
                                || !(type.startsWith("application/problem+json") || type.startsWith("text/html")))) {
                    problems.add(what + ": answered " + type);
                }
                if (answer.body().contains("Exception") || answer.body().contains("\"stack\"")) {
                    problems.add(what + ": internals in " + answer.body());
                }
                if (answer.status() >= 400 && !fingerprint.equals(fingerprint(email, newsletter))) {
                    problems.add(what + ": changed state");
                }
                if (answer.status() < 400) {
                    settle(email, newsletter); // what a valid request started (a publish) may go on a moment
                }
            }
        }
        System.out.println("FuzzTest sent " + requests + " requests to " + operations.size() + " operations");
        assertThat(problems).as("seed " + seed).isEmpty();
        Management.request().get("/q/health/live").then().statusCode(200);
        // The account still works as before.
        as(token).get(ApiPaths.newsletter(newsletter)).then().statusCode(200);
    }

    /** Every operation of the app's OpenAPI document (except the management ones). */
    private List<Operation> operations() throws Exception {
        String document = Management.request()
                .accept(ContentType.JSON)
                .get("/q/openapi?format=json")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        JsonNode paths = json.readTree(document).get("paths");
        List<Operation> operations = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            for (Iterator<Map.Entry<String, JsonNode>> m = entry.getValue().fields(); m.hasNext(); ) {
                Map.Entry<String, JsonNode> method = m.next();
                if (!List.of("get", "post", "put", "patch", "delete").contains(method.getKey())) {
                    continue;
                }
                List<String> query = new ArrayList<>();
                for (JsonNode parameter : method.getValue().path("parameters")) {
                    if ("query".equals(parameter.path("in").asText())) {
                        query.add(parameter.path("name").asText());
                    }
                }
                operations.add(new Operation(method.getKey().toUpperCase(), entry.getKey(), query));
            }
        }
        return operations;
    }

    /**
     * The path with its parameters filled: half the time with the account's real ids (so the body
     * reaches validation), else with garbage. DELETE only ever gets garbage: it must not delete the
     * fixtures.
     */
    private static String path(Operation operation, Map<String, String> real, String tokenId, Random random) {
        String path = operation.path();
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < path.length()) {
            int open = path.indexOf('{', i);
            if (open < 0) {
                out.append(path.substring(i));
                break;
            }
            int close = path.indexOf('}', open);
            out.append(path, i, open);
            String name = path.substring(open + 1, close);
            boolean useReal = random.nextBoolean() && !operation.method().equals("DELETE");
            String value = useReal
                    ? (name.equals("id") && path.startsWith("/api/tokens") ? tokenId : real.getOrDefault(name, "x"))
                    : pick(NASTY, random);
            out.append(encode(value.isEmpty() ? "_" : value));
            i = close + 1;
        }
        if (!operation.query().isEmpty() && random.nextBoolean()) {
            out.append('?');
            for (String name : operation.query()) {
                out.append(name).append('=').append(encode(pick(NASTY, random))).append('&');
            }
            if (random.nextInt(4) == 0) {
                out.append("%&&==%zz");
            }
        }
        return out.toString();
    }

    private static Map<String, String> headers(String token, Random random) {
        Map<String, String> headers = new LinkedHashMap<>();
        String type = pick(CONTENT_TYPES, random);
        if (!type.isEmpty()) {
            headers.put("Content-Type", type);
        }
        switch (random.nextInt(5)) {
            case 0 -> {}
            case 1 -> headers.put(
                    "Authorization", "Bearer " + pick(NASTY, random).replaceAll("[\\r\\n\\x00]", ""));
            case 2 -> headers.put("Authorization", "Basic Zm9vOmJhcg==");
            default -> headers.put("Authorization", "Bearer " + token);
        }
        if (random.nextInt(4) == 0) {
            headers.put("Idempotency-Key", "k".repeat(1 + random.nextInt(3000)));
        }
        if (random.nextInt(6) == 0) {
            headers.put("Accept", pick(List.of("text/html", "application/xml", "*/*", "garbage"), random));
        }
        if (random.nextInt(8) == 0) {
            headers.put("Origin", "https://evil.example");
        }
        return headers;
    }

    /** A malformed body: bytes, broken or deep JSON, wrong types, odd encodings, or none. */
    private byte[] body(Random random) throws Exception {
        return switch (random.nextInt(10)) {
            case 0 -> null;
            case 1 -> {
                byte[] bytes = new byte[random.nextInt(4096)];
                random.nextBytes(bytes);
                yield bytes;
            }
            case 2 -> ("[".repeat(5000) + "]".repeat(5000)).getBytes(StandardCharsets.UTF_8);
            case 3 -> "{\"a\":{\"b\":".repeat(3000).getBytes(StandardCharsets.UTF_8);
            case 4 -> ("{\"email\":" + pick(NASTY, random).length() + ",\"subject\":[],\"scheduledAt\":\"yesterday\","
                            + "\"emails\":{\"0\":1},\"attributes\":\"x\",\"status\":7}")
                    .getBytes(StandardCharsets.UTF_8);
            case 5 -> ("{\"" + pick(NASTY, random).replace("\"", "") + "\":\""
                            + pick(NASTY, random).replace("\"", "") + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            case 6 -> "{\"email\":\"a@b.c\",\"email\":\"d@e.f\",".getBytes(StandardCharsets.UTF_8);
            case 7 -> "email=%zz&name=%E0%A4%A&&=".getBytes(StandardCharsets.UTF_8);
            case 8 -> ("{\"n\":" + "9".repeat(5000) + "}").getBytes(StandardCharsets.UTF_8);
            default -> json.writeValueAsBytes(
                    Map.of("subject", random.nextInt(), "bodyMarkdown", List.of(1, 2), "slug", Map.of("a", 1)));
        };
    }

    /**
     * What a request could have changed: the fuzzing account's rows, and the global tables an
     * anonymous request can reach. (Not rate_limit or code attempts: counting a refused request is
     * the point of those.)
     */
    private static String fingerprint(String email, String newsletter) {
        return String.join(
                "|",
                Database.strings(
                        """
                        SELECT concat_ws(',',
                          (SELECT count(*) FROM account),
                          (SELECT count(*) FROM account WHERE verified_at IS NOT NULL),
                          (SELECT count(*) FROM newsletter),
                          (SELECT count(*) FROM api_token),
                          (SELECT count(*) FROM login_session),
                          (SELECT string_agg(slug || name || from_email || double_opt_in, ',' ORDER BY id)
                             FROM newsletter WHERE account_id = (SELECT id FROM account WHERE lower(email) = lower(?))),
                          (SELECT string_agg(status || coalesce(name, '') || attributes::text, ',' ORDER BY id)
                             FROM subscriber WHERE newsletter_id = ?::uuid),
                          (SELECT string_agg(status || subject || updated_at, ',' ORDER BY id)
                             FROM issue WHERE newsletter_id = ?::uuid),
                          (SELECT count(*) FROM send s JOIN issue i ON i.id = s.issue_id WHERE i.newsletter_id = ?::uuid),
                          (SELECT count(*) FROM subscriber_import WHERE newsletter_id = ?::uuid),
                          (SELECT count(*) FROM suppression),
                          (SELECT count(*) FROM account_code))
                        """,
                        email,
                        newsletter,
                        newsletter,
                        newsletter,
                        newsletter));
    }

    /**
     * Waits until the fingerprint stops changing and no issue is still sending (at most ten
     * seconds): a published issue (with nobody to send to) is finished by the dispatcher's next
     * tick, a second later, which a quiet quarter of a second does not cover.
     */
    private static void settle(String email, String newsletter) throws InterruptedException {
        String before = fingerprint(email, newsletter);
        for (int i = 0; i < 40; i++) {
            Thread.sleep(250);
            String now = fingerprint(email, newsletter);
            if (now.equals(before) && sending(newsletter) == 0) {
                return;
            }
            before = now;
        }
    }

    private static int sending(String newsletter) {
        return Integer.parseInt(Database.strings(
                        "SELECT count(*) FROM issue WHERE newsletter_id = ?::uuid AND status = 'sending'", newsletter)
                .get(0));
    }

    private static String preview(byte[] body) {
        String text = new String(body, 0, Math.min(body.length, 80), StandardCharsets.ISO_8859_1);
        return text.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private static String pick(List<String> values, Random random) {
        return values.get(random.nextInt(values.size()));
    }

    /**
     * Percent-encodes a value as a client would, except the {@code %} of values meant as broken
     * escapes ({@code %zz}, a lone {@code %}), which the HTTP layer must refuse.
     */
    private static String encode(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (Character.isLetterOrDigit(c) && c < 127 || "-._~!$'()*+,;=:@%".indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }
}
