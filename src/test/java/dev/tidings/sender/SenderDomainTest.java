package dev.tidings.sender;

import static dev.tidings.testing.Newsletters.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Database;
import dev.tidings.testing.InjectMailbox;
import dev.tidings.testing.Issues;
import dev.tidings.testing.Mailbox;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.TestDns;
import dev.tidings.testing.Writer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.security.KeyFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.james.jdkim.DKIMVerifier;
import org.apache.james.jdkim.api.SignatureRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sender domains against a real DNS server (testing/TestDns, over UDP): records missing, wrong and
 * present; the publish and test-send rule (409 until the From domain is verified); mail from a
 * verified domain signed with its own key (checked by Apache jDKIM) and sent with a VERP envelope
 * sender at its return-path host; the key encrypted at rest.
 */
@QuarkusTest
class SenderDomainTest {

    @InjectMailbox
    Mailbox mailbox;

    static TestDns dns;

    @BeforeAll
    static void dns() {
        dns = TestDns.start();
    }

    static String newDomain() {
        return "news-" + UUID.randomUUID().toString().substring(0, 8) + ".tidings-test.org";
    }

    JsonPath add(String token, String domain) {
        return as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("domain", domain))
                .post("/api/domains")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath();
    }

    static JsonPath verify(String token, String id) {
        return as(token)
                .post("/api/domains/" + id + "/verify")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    static Map<String, Object> record(JsonPath domain, String purpose) {
        List<Map<String, Object>> records = domain.getList("records");
        return records.stream()
                .filter(r -> purpose.equals(r.get("purpose")))
                .findFirst()
                .orElseThrow();
    }

    /** Publishes the DKIM and return-path records exactly as the API lists them. */
    static void publish(JsonPath domain) {
        Map<String, Object> dkim = record(domain, "dkim");
        Map<String, Object> returnPath = record(domain, "return-path");
        dns.txt((String) dkim.get("name"), (String) dkim.get("value"));
        dns.cname((String) returnPath.get("name"), (String) returnPath.get("value"));
    }

    @Test
    void aNewDomainListsItsRecordsAndIsVerifiedOnlyOnceDkimAndReturnPathAreFound() {
        Writer writer = Writer.of(this, mailbox);
        String name = newDomain();
        JsonPath added = add(writer.token, name.toUpperCase() + ".");
        String id = added.getString("id");
        assertThat(added.getString("domain")).isEqualTo(name);
        assertThat(added.getString("status")).isEqualTo("pending");
        assertThat(added.getList("records.purpose")).containsExactly("dkim", "return-path", "spf", "dmarc");
        assertThat(added.getList("records.ok", Boolean.class)).containsOnly(false);
        Map<String, Object> dkim = record(added, "dkim");
        assertThat(dkim.get("type")).isEqualTo("TXT");
        assertThat((String) dkim.get("name")).matches("tidings\\d{6}\\._domainkey\\." + name.replace(".", "\\."));
        assertThat((String) dkim.get("value")).startsWith("v=DKIM1; k=rsa; p=MIIBIjAN");
        Map<String, Object> returnPath = record(added, "return-path");
        assertThat(returnPath.get("type")).isEqualTo("CNAME");
        assertThat(returnPath.get("name")).isEqualTo("tidings-bounces." + name);
        assertThat(returnPath.get("value")).isEqualTo("bounce.tidings.test");
        assertThat((String) record(added, "spf").get("value")).isEqualTo("v=spf1 include:bounce.tidings.test ~all");
        assertThat((String) record(added, "dmarc").get("name")).isEqualTo("_dmarc." + name);

        // Nothing published: still pending, each record says what was found.
        int asked = dns.questions();
        JsonPath nothing = verify(writer.token, id);
        assertThat(dns.questions()).as("the DNS server was asked").isGreaterThanOrEqualTo(asked + 4);
        assertThat(nothing.getString("status")).isEqualTo("pending");
        assertThat(record(nothing, "dkim").get("found")).isEqualTo("no TXT record");
        assertThat(record(nothing, "return-path").get("found")).isEqualTo("no CNAME record");

        // Wrong records: a key that is not ours, a CNAME elsewhere.
        dns.txt((String) dkim.get("name"), "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwrong");
        dns.cname((String) returnPath.get("name"), "elsewhere.example.net");
        JsonPath wrong = verify(writer.token, id);
        assertThat(wrong.getString("status")).isEqualTo("pending");
        assertThat((String) record(wrong, "dkim").get("found"))
                .startsWith("TXT \"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwrong");
        assertThat(record(wrong, "return-path").get("found")).isEqualTo("CNAME elsewhere.example.net");

        // The right ones (the 392-character key split into 255-byte strings, as DNS hosts do).
        dns.remove((String) dkim.get("name")).remove((String) returnPath.get("name"));
        publish(added);
        JsonPath verified = verify(writer.token, id);
        assertThat(verified.getString("status")).isEqualTo("verified");
        assertThat(verified.getString("verifiedAt")).isNotNull();
        assertThat(record(verified, "dkim").get("ok")).isEqualTo(true);
        assertThat(record(verified, "return-path").get("ok")).isEqualTo(true);
        assertThat(record(verified, "spf").get("ok"))
                .as("recommended, not required")
                .isEqualTo(false);

        // SPF and DMARC as suggested turn their marks on too.
        dns.txt(name, (String) record(added, "spf").get("value"));
        dns.txt("_dmarc." + name, "v=DMARC1; p=quarantine");
        assertThat(verify(writer.token, id).getList("records.ok", Boolean.class))
                .containsOnly(true);

        // The DKIM record removed later: the domain is failing.
        dns.remove((String) dkim.get("name"));
        assertThat(verify(writer.token, id).getString("status")).isEqualTo("failing");
        publish(added);
        assertThat(verify(writer.token, id).getString("status")).isEqualTo("verified");
    }

    @Test
    void aDomainBelongsToOneAccountAndBadNamesAreRefused() {
        Writer writer = Writer.of(this, mailbox);
        Writer other = Writer.create(mailbox, false);
        String name = newDomain();
        String id = add(writer.token, name).getString("id");

        as(writer.token)
                .contentType(ContentType.JSON)
                .body(Map.of("domain", name))
                .post("/api/domains")
                .then()
                .statusCode(409)
                .body("type", containsString("sender-domain-exists"));
        as(other.token)
                .contentType(ContentType.JSON)
                .body(Map.of("domain", name))
                .post("/api/domains")
                .then()
                .statusCode(409)
                .body("type", containsString("sender-domain-taken"));
        as(other.token).get("/api/domains/" + id).then().statusCode(404);
        as(other.token).post("/api/domains/" + id + "/verify").then().statusCode(404);
        as(other.token).delete("/api/domains/" + id).then().statusCode(404);
        as(writer.token)
                .contentType(ContentType.JSON)
                .body(Map.of("domain", "example.com"))
                .post("/api/domains")
                .then()
                .statusCode(409)
                .body("type", containsString("shared-sender-domain"));

        for (String bad : List.of(
                "",
                "localhost",
                "ann@example.org",
                "https://example.org/",
                "exa mple.org",
                "-bad.example.org",
                "10.0.0.1",
                "a..example.org",
                "x".repeat(64) + ".example.org")) {
            as(writer.token)
                    .contentType(ContentType.JSON)
                    .body(Map.of("domain", bad))
                    .post("/api/domains")
                    .then()
                    .statusCode(400)
                    .body("errors[0].field", equalTo("domain"));
        }
        as(writer.token)
                .contentType(ContentType.JSON)
                .body("{\"domain\": 5, \"extra\": true}")
                .post("/api/domains")
                .then()
                .statusCode(400);

        List<String> mine = as(writer.token)
                .get("/api/domains?limit=500")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("items.domain");
        assertThat(mine).contains(name);
        assertThat(as(other.token)
                        .get("/api/domains")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getList("items.domain"))
                .doesNotContain(name);
    }

    @Test
    void publishAndTestSendNeedAVerifiedFromDomainAndMailIsSignedWithItsOwnKey() throws Exception {
        Writer writer = Writer.of(this, mailbox);
        String name = newDomain();
        String newsletter = writer.newNewsletter(false);
        as(writer.token)
                .contentType(ContentType.JSON)
                .body(Map.of("fromEmail", "editor@" + name))
                .patch(ApiPaths.newsletter(newsletter))
                .then()
                .statusCode(200);
        String reader = "signed-" + UUID.randomUUID().toString().substring(0, 8) + "@example.net";
        Newsletters.addSubscriber(writer.token, newsletter, reader, "active");
        String issue = Issues.draft(newsletter);

        // Not added at all: 409 saying what to do, nothing published.
        as(writer.token)
                .contentType(ContentType.JSON)
                .body("{}")
                .post(ApiPaths.issue(newsletter, issue) + "/publish")
                .then()
                .statusCode(409)
                .body("type", containsString("/problems/sender-domain-unverified"))
                .body("detail", containsString("POST /api/domains"))
                .body("domain", equalTo(name));
        as(writer.token)
                .contentType(ContentType.JSON)
                .body(Map.of("emails", List.of(reader)))
                .post(ApiPaths.issue(newsletter, issue) + "/test")
                .then()
                .statusCode(409)
                .body("type", containsString("/problems/sender-domain-unverified"));
        as(writer.token)
                .get(ApiPaths.issue(newsletter, issue))
                .then()
                .statusCode(200)
                .body("status", equalTo("draft"));

        // Added but not verified: still 409. Another account verifying it does not help this one.
        JsonPath added = add(writer.token, name);
        as(writer.token)
                .contentType(ContentType.JSON)
                .body("{}")
                .post(ApiPaths.issue(newsletter, issue) + "/publish")
                .then()
                .statusCode(409)
                .body("detail", containsString("verify it"));

        publish(added);
        assertThat(verify(writer.token, added.getString("id")).getString("status"))
                .isEqualTo("verified");
        // The delete rule: a newsletter sends from it.
        as(writer.token)
                .delete("/api/domains/" + added.getString("id"))
                .then()
                .statusCode(409)
                .body("type", containsString("sender-domain-in-use"));

        as(writer.token)
                .contentType(ContentType.JSON)
                .body("{}")
                .post(ApiPaths.issue(newsletter, issue) + "/publish")
                .then()
                .statusCode(202);
        MimeMessage mail = mailbox.awaitMessage(reader, 1);
        String signature = Mailbox.header(mail, "DKIM-Signature");
        String selector = ((String) record(added, "dkim").get("name")).split("\\.")[0];
        assertThat(signature).contains("d=" + name).contains("s=" + selector);
        String returnPath = Mailbox.header(mail, "Return-Path");
        assertThat(returnPath).matches("<bounces\\+[0-9a-f]{52}@tidings-bounces\\." + name.replace(".", "\\.") + ">");

        // jDKIM asks the real DNS server for the key, as a receiving server would.
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        mail.writeTo(received);
        DKIMVerifier verifier = new DKIMVerifier((method, s, d) -> {
            try {
                var lookup = new org.xbill.DNS.Lookup(s + "._domainkey." + d, org.xbill.DNS.Type.TXT);
                lookup.setResolver(new org.xbill.DNS.SimpleResolver("127.0.0.1") {
                    {
                        setPort(TestDns.PORT);
                    }
                });
                lookup.setCache(null);
                org.xbill.DNS.Record[] answers = lookup.run();
                return answers == null
                        ? List.of()
                        : java.util.Arrays.stream(answers)
                                .map(r -> String.join("", ((org.xbill.DNS.TXTRecord) r).getStrings()))
                                .toList();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        List<SignatureRecord> verified = verifier.verify(new ByteArrayInputStream(received.toByteArray()));
        assertThat(verified)
                .as("a signature that verifies with the published key")
                .hasSize(1);
        assertThat(verified.get(0).getDToken().toString()).isEqualTo(name);
    }

    @jakarta.inject.Inject
    SenderDomainService service;

    @Test
    void domainsAreCheckedAgainOnTheirOwnAndNeverVerifiedOnesAreReleased() {
        Writer writer = Writer.of(this, mailbox);
        JsonPath due = add(writer.token, newDomain());
        JsonPath stale = add(writer.token, newDomain());
        publish(due);
        // Nobody asks to verify: the schedule does, for a domain checked long enough ago.
        Database.update(
                "UPDATE sender_domain SET checked_at = now() - interval '7 hours' WHERE id = ?::uuid",
                due.getString("id"));
        Database.update(
                "UPDATE sender_domain SET created_at = now() - interval '8 days', checked_at = now()"
                        + " WHERE id = ?::uuid",
                stale.getString("id"));
        service.recheck().await().atMost(java.time.Duration.ofSeconds(30));
        as(writer.token)
                .get("/api/domains/" + due.getString("id"))
                .then()
                .statusCode(200)
                .body("status", equalTo("verified"));
        as(writer.token).get("/api/domains/" + stale.getString("id")).then().statusCode(404);
        // Released: another account may now add it.
        Writer other = Writer.create(mailbox, false);
        add(other.token, stale.getString("domain"));
    }

    @Test
    void theDomainLimitHoldsUnderParallelAddsAndAddingIsRateLimited() throws Exception {
        Writer writer = Writer.create(mailbox, false);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(25);
        try {
            List<java.util.concurrent.Future<Integer>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 25; i++) {
                String name = newDomain();
                answers.add(pool.submit(() -> as(writer.token)
                        .contentType(ContentType.JSON)
                        .body(Map.of("domain", name))
                        .post("/api/domains")
                        .statusCode()));
            }
            List<Integer> codes = new java.util.ArrayList<>();
            for (var answer : answers) {
                codes.add(answer.get());
            }
            assertThat(codes).filteredOn(c -> c == 201).hasSize(20);
            assertThat(codes).filteredOn(c -> c == 409).hasSize(5);
        } finally {
            pool.shutdownNow();
        }
        List<String> ids = as(writer.token)
                .get("/api/domains?limit=100")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("items.id");
        assertThat(ids).hasSize(20);
        for (String id : ids.subList(0, 10)) {
            as(writer.token).delete("/api/domains/" + id).then().statusCode(204);
        }
        // 25 adds counted this hour; 5 more are allowed (30 per hour), then 429.
        for (int i = 0; i < 5; i++) {
            add(writer.token, newDomain());
        }
        as(writer.token)
                .contentType(ContentType.JSON)
                .body(Map.of("domain", newDomain()))
                .post("/api/domains")
                .then()
                .statusCode(429)
                .header("Retry-After", org.hamcrest.Matchers.notNullValue());
    }

    @Test
    void anAddWaitingForTheAccountLockCountsTheDomainsAddedWhileItWaited() throws Exception {
        Writer writer = Writer.create(mailbox, false);
        String accountId = Database.strings("SELECT id::text FROM account WHERE email = ?", writer.email)
                .get(0);
        String first = add(writer.token, newDomain()).getString("id");
        // 18 more straight into the table (each add through the API makes a key and counts
        // against the hourly limit): 19 of the 20 allowed.
        Database.update(
                "INSERT INTO sender_domain (id, account_id, domain, selector, public_key, private_key)"
                        + " SELECT uuid_v7(), account_id, 'n' || g || '-' || domain, selector, public_key,"
                        + " private_key FROM sender_domain, generate_series(1, 18) g WHERE id = ?::uuid",
                first);
        String late = newDomain();
        int answer = dev.tidings.testing.RowLockRace.run(
                "SELECT 1 FROM account WHERE id = ?::uuid FOR NO KEY UPDATE",
                accountId,
                () -> as(writer.token)
                        .contentType(ContentType.JSON)
                        .body(Map.of("domain", late))
                        .post("/api/domains")
                        .statusCode(),
                // the 20th, added while the API's add waits for the account row
                "INSERT INTO sender_domain (id, account_id, domain, selector, public_key, private_key)"
                        + " SELECT uuid_v7(), account_id, 'twentieth-' || domain, selector, public_key,"
                        + " private_key FROM sender_domain WHERE id = ?::uuid",
                first);
        assertThat(answer).isEqualTo(409);
        assertThat(Database.strings("SELECT domain FROM sender_domain WHERE account_id = ?::uuid", accountId))
                .hasSize(20)
                .doesNotContain(late);
    }

    @Test
    void thePrivateKeyIsStoredEncrypted() throws Exception {
        Writer writer = Writer.of(this, mailbox);
        String id = add(writer.token, newDomain()).getString("id");
        byte[] stored = Database.bytes("SELECT private_key FROM sender_domain WHERE id = '" + id + "'");
        assertThat(stored.length).isGreaterThan(1000);
        String text = new String(stored, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(text).doesNotContain("PRIVATE KEY");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(stored)))
                .isInstanceOf(java.security.spec.InvalidKeySpecException.class);
    }
}
