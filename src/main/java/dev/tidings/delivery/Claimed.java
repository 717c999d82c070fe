package dev.tidings.delivery;

import io.vertx.core.json.JsonObject;
import java.util.UUID;

/** A send this instance has claimed (status 'sending', under lease), with what it needs to deliver it. */
public record Claimed(
        UUID sendId,
        UUID issueId,
        UUID subscriberId,
        int attempts,
        String email,
        String name,
        String subscriberStatus,
        JsonObject attributes) {}
