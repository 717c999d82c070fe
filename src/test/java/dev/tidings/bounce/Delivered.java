package dev.tidings.bounce;

import static dev.tidings.testing.Newsletters.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Database;
import dev.tidings.testing.Issues;
import dev.tidings.testing.Mailbox;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.Writer;
import io.restassured.http.ContentType;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

/**
 * An issue delivered over SMTP to {@code n} readers of a new newsletter, with what each reader's
 * mail carried: the envelope sender (Return-Path) and the Message-ID; and the states a bounce test
 * looks at afterwards.
 */
record Delivered(
        Writer writer, String newsletter, List<String> readers, List<String> returnPaths, List<String> messageIds) {

    static Delivered of(Object test, Mailbox mailbox, int n) {
        Writer writer = Writer.of(test, mailbox);
        String newsletter = writer.newNewsletter(false);
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<String> readers = IntStream.range(0, n)
                .mapToObj(i -> "r" + i + "-" + run + "@example.org")
                .toList();
        readers.forEach(r -> Newsletters.addSubscriber(writer.token, newsletter, r, "active"));
        String issue = Issues.draft(newsletter);
        as(writer.token)
                .contentType(ContentType.JSON)
                .body("{}")
                .post(ApiPaths.issue(newsletter, issue) + "/publish")
                .then()
                .statusCode(202);
        List<MimeMessage> mails =
                readers.stream().map(r -> mailbox.awaitMessage(r, 1)).toList();
        List<String> returnPaths = mails.stream()
                .map(m -> Mailbox.header(m, "Return-Path").replaceAll("[<>]", ""))
                .toList();
        returnPaths.forEach(rp -> assertThat(rp).matches("bounces\\+[0-9a-f]{52}@bounce\\.tidings\\.test"));
        List<String> messageIds =
                mails.stream().map(m -> Mailbox.header(m, "Message-ID")).toList();
        await().atMost(Duration.ofSeconds(30)).until(() -> Database.strings(
                        "SELECT count(*) FROM send WHERE issue_id = ?::uuid AND status = 'sent'", issue)
                .get(0)
                .equals(String.valueOf(n)));
        return new Delivered(writer, newsletter, readers, returnPaths, messageIds);
    }

    String subscriberStatus(int i) {
        return as(writer.token)
                .get(ApiPaths.subscribers(newsletter) + "?limit=500")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getString("items.find { it.email == '" + readers.get(i) + "' }.status");
    }

    /** The reader's activity as the API lists it (what the subscriber page shows). */
    io.restassured.path.json.JsonPath activity(int i) {
        String id = as(writer.token)
                .get(ApiPaths.subscribers(newsletter) + "?limit=500")
                .then()
                .extract()
                .jsonPath()
                .getString("items.find { it.email == '" + readers.get(i) + "' }.id");
        return as(writer.token)
                .get(ApiPaths.subscriber(newsletter, id) + "/activity")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    String sendStatus(int i) {
        return Database.strings("SELECT status FROM send WHERE id = ?::uuid", sendId(i))
                .get(0);
    }

    String sendNote(int i) {
        return Database.strings("SELECT last_error FROM send WHERE id = ?::uuid", sendId(i))
                .get(0);
    }

    boolean deliveredAt(int i) {
        return Database.strings("SELECT delivered_at FROM send WHERE id = ?::uuid", sendId(i))
                        .get(0)
                != null;
    }

    /** The send id the reader's VERP token names (its first 32 hex digits). */
    String sendId(int i) {
        String hex = returnPaths.get(i).substring("bounces+".length(), "bounces+".length() + 32);
        return hex.replaceFirst("(\\w{8})(\\w{4})(\\w{4})(\\w{4})(\\w{12})", "$1-$2-$3-$4-$5");
    }
}
