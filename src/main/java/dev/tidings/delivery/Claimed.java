package dev.tidings.delivery;

import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * A send this instance has claimed (status 'sending', under lease), with what it needs to deliver
 * it. {@code lease} is the claim's token: an outcome is written only while the send still carries
 * it, so an instance whose claim was handed to another (it was taken for dead) cannot overwrite
 * the claim of the instance that took over. {@code deferrals} counts the throttles that did not
 * count as attempts; {@code createdAt} is when the send was planned (its age for {@code max-age}).
 */
public record Claimed(
        UUID sendId,
        OffsetDateTime lease,
        UUID issueId,
        UUID subscriberId,
        int attempts,
        String email,
        String name,
        String subscriberStatus,
        JsonObject attributes,
        int deferrals,
        OffsetDateTime createdAt) {

    /** The recipient's domain, as written (lower-cased by the callers that key on it). */
    String domain() {
        return email.substring(email.lastIndexOf('@') + 1);
    }
}
