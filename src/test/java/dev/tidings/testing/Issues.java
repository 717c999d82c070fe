package dev.tidings.testing;

import java.util.UUID;

/** Draft issues written straight into the database, for tests of delivery on its own. */
public final class Issues {

    private Issues() {}

    public static String draft(String newsletterId, String subject, String html, String text) {
        String id = UUID.randomUUID().toString();
        Database.update(
                "INSERT INTO issue (id, newsletter_id, subject, body_html, body_text, status, created_at, updated_at)"
                        + " VALUES (?::uuid, ?::uuid, ?, ?, ?, 'draft', now(), now())",
                id,
                newsletterId,
                subject,
                html,
                text);
        return id;
    }

    public static String draft(String newsletterId) {
        return draft(
                newsletterId,
                "Issue for {subscriber.name}",
                "<p>Hello {subscriber.name}!</p><p><a href=\"{unsubscribeUrl}\">Unsubscribe</a></p>",
                "Hello {subscriber.name}!\nUnsubscribe: {unsubscribeUrl}");
    }
}
