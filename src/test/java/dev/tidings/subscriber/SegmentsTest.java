package dev.tidings.subscriber;

import static dev.tidings.testing.Newsletters.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Database;
import dev.tidings.testing.Issues;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.WriterTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Saved segments, audience rules and their counts (API.md "Audience: tags and segments"). */
@QuarkusTest
class SegmentsTest extends WriterTest {

    private String segments() {
        return ApiPaths.newsletter(newsletter) + "/segments";
    }

    private String subscriber(String email, String status, List<String> tags, Map<String, Object> attributes) {
        Map<String, Object> body = new HashMap<>(Map.of("email", email, "status", status));
        if (attributes != null) {
            body.put("attributes", attributes);
        }
        String id = Newsletters.addSubscriber(token, newsletter, body);
        if (!tags.isEmpty()) {
            as(token)
                    .contentType(ContentType.JSON)
                    .body(Map.of("tags", tags))
                    .put(ApiPaths.subscriber(newsletter, id) + "/tags")
                    .then()
                    .statusCode(200);
        }
        return id;
    }

    private long[] count(Object rule) {
        JsonPath answer = as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("rule", rule))
                .post(segments() + "/count")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        return new long[] {answer.getLong("active"), answer.getLong("total")};
    }

    private static Map<String, Object> all(Object... conditions) {
        return Map.of("all", List.of(conditions));
    }

    private static Map<String, Object> any(Object... conditions) {
        return Map.of("any", List.of(conditions));
    }

    private static Map<String, Object> attr(String name, String op, Object value) {
        Map<String, Object> condition = new HashMap<>(Map.of("attribute", name, "op", op));
        if (value != null) {
            condition.put("value", value);
        }
        return condition;
    }

    private void seedAudience() {
        subscriber(
                "ann@example.com",
                "active",
                List.of("vip", "early"),
                Map.of(
                        "plan",
                        "pro",
                        "seats",
                        12,
                        "city",
                        "Lisbon",
                        "renews",
                        "2027-03-01T00:00:00Z",
                        "langs",
                        List.of("pt", "en")));
        subscriber(
                "bob@example.com",
                "active",
                List.of("early"),
                Map.of("plan", "free", "seats", 1, "city", "Porto", "renews", "not a date"));
        subscriber("cy@example.com", "active", List.of(), Map.of("plan", "pro", "seats", 3, "renews", "2026-01-15"));
        subscriber(
                "dee@example.com",
                "unsubscribed",
                List.of("vip"),
                Map.of("plan", "pro", "renews", "2027-01-01T10:00:00+02:00"));
        subscriber(
                "eve@example.com",
                "pending",
                List.of("vip"),
                Map.of("seats", "12", "renews", "2025-12-31T23:59:59.900Z"));
    }

    @Test
    void everyKindOfConditionCountsWhatItShould() {
        seedAudience();
        Object[][] cases = {
            {all(Map.of("tag", "vip")), 1, 3},
            {all(Map.of("tag", " VIP ")), 1, 3},
            {all(Map.of("notTag", "vip")), 2, 2},
            {all(Map.of("tag", "vip"), Map.of("tag", "early")), 1, 1},
            {any(Map.of("tag", "vip"), Map.of("tag", "early")), 2, 4},
            {all(attr("plan", "eq", "pro")), 2, 3},
            {all(attr("plan", "ne", "pro")), 1, 2},
            {all(attr("seats", "eq", 12)), 1, 1},
            {all(attr("seats", "gt", 2)), 2, 2},
            {all(attr("seats", "gte", 3)), 2, 2},
            {all(attr("seats", "lt", 3)), 1, 1},
            {all(attr("seats", "lte", 3)), 2, 2},
            {all(attr("city", "contains", "BON")), 1, 1},
            {all(attr("langs", "contains", "en")), 1, 1},
            {all(attr("city", "exists", null)), 2, 2},
            {all(attr("city", "exists", false)), 1, 3},
            {all(attr("renews", "after", "2026-06-01")), 1, 2},
            {all(attr("renews", "before", "2026-06-01T00:00:00Z")), 1, 2},
            {all(attr("renews", "after", "2027-01-01T07:59:59Z")), 1, 2},
            {all(attr("renews", "after", "2027-01-01T08:00:00Z")), 1, 1},
            {all(Map.of("status", "unsubscribed")), 0, 1},
            {all(Map.of("subscribedAfter", "2000-01-01T00:00:00Z")), 3, 5},
            {all(Map.of("subscribedBefore", "2000-01-01")), 0, 0},
            {any(all(Map.of("tag", "vip"), attr("plan", "eq", "pro")), all(attr("seats", "lt", 2))), 2, 3},
            {all(attr("plan", "eq", "'; DROP TABLE subscriber; --")), 0, 0},
            {all(Map.of("tag", "x') OR true --")), 0, 0},
        };
        for (Object[] c : cases) {
            assertThat(count(c[0]))
                    .as("%s", c[0])
                    .containsExactly(((Integer) c[1]).longValue(), ((Integer) c[2]).longValue());
        }
        assertThat(Database.strings("SELECT count(*) FROM subscriber WHERE newsletter_id = ?::uuid", newsletter))
                .containsExactly("5");
    }

    @Test
    void engagementConditionsReadOpensAndClicks() {
        String ann = subscriber("ann@example.com", "active", List.of(), null);
        String bob = subscriber("bob@example.com", "active", List.of(), null);
        subscriber("cy@example.com", "active", List.of(), null);
        String sent = Issues.draft(newsletter);
        Database.update(
                "UPDATE issue SET status = 'sent', published_at = now(), finished_at = now() WHERE id = ?::uuid", sent);
        Database.update(
                "INSERT INTO mail_engagement (issue_id, subscriber_id, opens, first_open_at, last_open_at)"
                        + " VALUES (?::uuid, ?::uuid, 1, now() - interval '3 days', now() - interval '3 days')",
                sent,
                ann);
        Database.update(
                "INSERT INTO subscriber_engagement (subscriber_id, last_open_at, last_click_at)"
                        + " VALUES (?::uuid, now() - interval '3 days', NULL), (?::uuid, NULL, now() - interval '40 days')",
                ann,
                bob);
        assertThat(count(all(Map.of("opened", Map.of("withinDays", 7))))).containsExactly(1L, 1L);
        assertThat(count(all(Map.of("opened", Map.of("withinDays", 2))))).containsExactly(0L, 0L);
        assertThat(count(all(Map.of("clicked", Map.of("withinDays", 60))))).containsExactly(1L, 1L);
        assertThat(count(all(Map.of("clicked", Map.of("withinDays", 30))))).containsExactly(0L, 0L);
        assertThat(count(all(Map.of("notOpened", Map.of("lastIssues", 1))))).containsExactly(2L, 2L);
    }

    @Test
    void segmentsAreSavedNormalisedListedRenamedAndDeleted() {
        String id = as(token)
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "name",
                        " Pro readers ",
                        "rule",
                        all(Map.of("tag", "VIP"), attr("since", "after", "2026-01-01"))))
                .post(segments())
                .then()
                .statusCode(201)
                .header("Location", containsString("/segments/"))
                .body("name", equalTo("Pro readers"))
                .body("rule.all[0].tag", equalTo("vip"))
                .body("rule.all[1].value", equalTo("2026-01-01T00:00:00Z"))
                .body("createdAt", notNullValue())
                .extract()
                .path("id");
        as(token).get(segments()).then().statusCode(200).body("items.id", hasItem(id));
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("name", "Renamed"))
                .patch(segments() + "/" + id)
                .then()
                .statusCode(200)
                .body("name", equalTo("Renamed"))
                .body("rule.all[0].tag", equalTo("vip"));
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("rule", any(Map.of("tag", "a"))))
                .patch(segments() + "/" + id)
                .then()
                .statusCode(200)
                .body("rule.any[0].tag", equalTo("a"));
        as(token).delete(segments() + "/" + id).then().statusCode(204);
        as(token).get(segments() + "/" + id).then().statusCode(404);
    }

    @Test
    void badRulesAreRefusedNamingTheFieldAndChangeNothing() {
        Map<String, Object> deep = all(Map.of("tag", "x"));
        for (int i = 0; i < 6; i++) {
            deep = all(deep);
        }
        Object[][] cases = {
            {Map.of("name", "x", "rule", all(Map.of("colour", "red"))), "rule.all[0].colour"},
            {Map.of("name", "x", "rule", all(attr("plan", "like", "p"))), "rule.all[0].op"},
            {Map.of("name", "x", "rule", all(attr("seats", "gt", "ten"))), "rule.all[0].value"},
            {Map.of("name", "x", "rule", all(attr("since", "before", "yesterday"))), "rule.all[0].value"},
            {
                Map.of("name", "x", "rule", all(Map.of("attribute", "plan", "op", "eq", "value", "a", "x", 1))),
                "rule.all[0].x"
            },
            {
                Map.of("name", "x", "rule", any(Map.of("opened", Map.of("withinDays", 0)))),
                "rule.any[0].opened.withinDays"
            },
            {Map.of("name", "x", "rule", any(Map.of("notOpened", Map.of("days", 3)))), "rule.any[0].notOpened"},
            {Map.of("name", "x", "rule", all(Map.of("tag", "a;b"))), "rule.all[0].tag"},
            {Map.of("name", "x", "rule", all(Map.of("tag", "a", "notTag", "b"))), "rule.all[0]"},
            {Map.of("name", "x", "rule", all(Map.of("status", "erased"))), "rule.all[0].status"},
            {Map.of("name", "x", "rule", Map.of("all", List.of())), "rule.all"},
            {Map.of("name", "x", "rule", Map.of("tag", "vip")), "rule"},
            {Map.of("name", "x", "rule", deep), "rule.all[0].all[0].all[0].all[0].all[0].all"},
            {Map.of("name", "x"), "rule"},
            {Map.of("rule", all(Map.of("tag", "a"))), "name"},
            {Map.of("name", "x", "rule", all(Map.of("tag", "a")), "colour", "red"), "colour"},
        };
        for (Object[] c : cases) {
            as(token)
                    .contentType(ContentType.JSON)
                    .body(c[0])
                    .post(segments())
                    .then()
                    .statusCode(400)
                    .contentType(containsString("application/problem+json"))
                    .body("errors.field", hasItem(((String) c[1])))
                    .body(org.hamcrest.Matchers.not(containsString("Exception")));
        }
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("rule", all(attr("n", "lt", List.of(1)))))
                .post(segments() + "/count")
                .then()
                .statusCode(400)
                .body("errors.field", hasItem("rule.all[0].value"));
        as(token).get(segments()).then().statusCode(200).body("items.size()", equalTo(0));
    }

    @Test
    void aSegmentADraftOrScheduledIssueUsesCannotBeDeleted() {
        String segment = as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("name", "VIPs", "rule", all(Map.of("tag", "vip"))))
                .post(segments())
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        String issue = as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("subject", "For VIPs", "bodyMarkdown", "Hi", "audience", Map.of("segmentId", segment)))
                .post(ApiPaths.issues(newsletter))
                .then()
                .statusCode(201)
                .body("audience.segmentId", equalTo(segment))
                .extract()
                .path("id");
        as(token)
                .delete(segments() + "/" + segment)
                .then()
                .statusCode(409)
                .body("type", equalTo("/problems/segment-in-use"))
                .body("detail", containsString("For VIPs"));
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("scheduledAt", "2099-01-01T00:00:00Z"))
                .post(ApiPaths.issue(newsletter, issue) + "/publish")
                .then()
                .statusCode(202)
                .body("status", equalTo("scheduled"));
        as(token).delete(segments() + "/" + segment).then().statusCode(409);
        as(token).post(ApiPaths.issue(newsletter, issue) + "/cancel").then().statusCode(202);
        as(token).delete(segments() + "/" + segment).then().statusCode(204);
        as(token).get(ApiPaths.issue(newsletter, issue)).then().statusCode(200);
    }

    @Test
    void anIssueAudienceIsValidatedAndClearable() {
        String other = Newsletters.create(token, Newsletters.newSlug(), false);
        String foreign = as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("name", "Elsewhere", "rule", all(Map.of("tag", "x"))))
                .post(ApiPaths.newsletter(other) + "/segments")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        Object[][] cases = {
            {Map.of("segmentId", foreign), "audience.segmentId"},
            {Map.of("segmentId", "nope"), "audience.segmentId"},
            {Map.of("segmentId", foreign, "rule", all(Map.of("tag", "x"))), "audience"},
            {Map.of("rule", all(Map.of("tag", ""))), "audience.rule.all[0].tag"},
            {Map.of("everyone", true), "audience.everyone"},
            {"vip", "audience"},
        };
        for (Object[] c : cases) {
            as(token)
                    .contentType(ContentType.JSON)
                    .body(Map.of("subject", "S", "bodyMarkdown", "Hi", "audience", c[0]))
                    .post(ApiPaths.issues(newsletter))
                    .then()
                    .statusCode(400)
                    .body("errors.field", hasItem((String) c[1]));
        }
        as(token).get(ApiPaths.issues(newsletter)).then().body("items.size()", equalTo(0));
        String issue = as(token)
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "subject", "S", "bodyMarkdown", "Hi", "audience", Map.of("rule", any(Map.of("tag", "VIP")))))
                .post(ApiPaths.issues(newsletter))
                .then()
                .statusCode(201)
                .body("audience.rule.any[0].tag", equalTo("vip"))
                .extract()
                .path("id");
        Map<String, Object> clear = new HashMap<>();
        clear.put("audience", null);
        as(token)
                .contentType(ContentType.JSON)
                .body(clear)
                .patch(ApiPaths.issue(newsletter, issue))
                .then()
                .statusCode(200)
                .body("audience", org.hamcrest.Matchers.nullValue());
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("audience", Map.of("segmentId", foreign)))
                .patch(ApiPaths.issue(newsletter, issue))
                .then()
                .statusCode(400)
                .body("errors.field", hasItem("audience.segmentId"));
    }

    @Test
    void bulkTaggingBySegmentRuleTagsExactlyTheMatches() {
        seedAudience();
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "add",
                        List.of("pro-plan"),
                        "remove",
                        List.of("early"),
                        "segment",
                        all(attr("plan", "eq", "pro"))))
                .post(ApiPaths.subscribers(newsletter) + "/tags")
                .then()
                .statusCode(202)
                .body("matched", equalTo(3));
        assertThat(count(all(Map.of("tag", "pro-plan")))).containsExactly(2L, 3L);
        assertThat(count(all(Map.of("tag", "early")))).containsExactly(1L, 1L);
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("add", List.of("x"), "segment", all(Map.of("bogus", 1))))
                .post(ApiPaths.subscribers(newsletter) + "/tags")
                .then()
                .statusCode(400)
                .body("errors.field", hasItem("segment.all[0].bogus"));
    }

    @Test
    void aSegmentAddWaitingForTheNewsletterLockCountsTheSegmentsAddedWhileItWaited() throws Exception {
        // 199 of the 200 allowed.
        Database.update(
                "INSERT INTO segment (id, newsletter_id, name, rule, created_at, updated_at)"
                        + " SELECT uuid_v7(), ?::uuid, 'seeded ' || g, '{\"all\": [{\"tag\": \"x\"}]}'::jsonb,"
                        + " now(), now() FROM generate_series(1, 199) g",
                newsletter);
        int answer = dev.tidings.testing.RowLockRace.run(
                "SELECT 1 FROM newsletter WHERE id = ?::uuid FOR NO KEY UPDATE",
                newsletter,
                () -> as(token)
                        .contentType(ContentType.JSON)
                        .body(Map.of("name", "Late", "rule", all(Map.of("tag", "late"))))
                        .post(segments())
                        .statusCode(),
                // the 200th, added while the API's insert waits for the newsletter row
                "INSERT INTO segment (id, newsletter_id, name, rule, created_at, updated_at)"
                        + " VALUES (uuid_v7(), ?::uuid, 'the 200th', '{\"all\": [{\"tag\": \"y\"}]}'::jsonb,"
                        + " now(), now())",
                newsletter);
        assertThat(answer).isEqualTo(409);
        assertThat(Database.strings("SELECT name FROM segment WHERE newsletter_id = ?::uuid", newsletter))
                .hasSize(200)
                .doesNotContain("Late");
    }

    @Test
    void anotherAccountsSegmentsAre404() {
        String segment = as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("name", "Mine", "rule", all(Map.of("tag", "x"))))
                .post(segments())
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        String stranger = Accounts.tokenFor(mailbox, Accounts.newEmail());
        as(stranger).get(segments() + "/" + segment).then().statusCode(404);
        as(stranger).delete(segments() + "/" + segment).then().statusCode(404);
        as(stranger)
                .contentType(ContentType.JSON)
                .body(Map.of("rule", all(Map.of("tag", "x"))))
                .post(segments() + "/count")
                .then()
                .statusCode(404);
        as(token).get(segments() + "/" + segment).then().statusCode(200);
    }
}
