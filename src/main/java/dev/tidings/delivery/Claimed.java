package dev.tidings.delivery;

import io.vertx.core.json.JsonObject;
import java.util.UUID;

/**
 * A send this instance has claimed (status 'sending', under lease), with what it needs to deliver
 * it. {@code lease} is the claim's token: an outcome is written only while the send still carries
 * it, so an instance whose lease ran out cannot overwrite the claim of the instance that took over.
 */
public record Claimed(
        UUID sendId,
        java.time.OffsetDateTime lease,
        UUID issueId,
        UUID subscriberId,
        int attempts,
        String email,
        String name,
        String subscriberStatus,
        JsonObject attributes) {}
