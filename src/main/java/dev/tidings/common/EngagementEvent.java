package dev.tidings.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.UUID;

/**
 * One thing a reader (or a machine on their behalf) did, as it travels on the {@code
 * tidings.events} topic (keyed by issue): an open or a click (by send), a complaint or an
 * unsubscribe (by subscriber). {@code id} is made where it happened, so the consumer stores and
 * counts it once however often it is delivered. {@code machine} is what was known there (a known
 * prefetching proxy); the consumer adds what only it can tell (timing).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EngagementEvent(
        UUID id, String type, UUID issueId, UUID sendId, UUID subscriberId, Integer link, boolean machine, Instant at) {

    public static final String TOPIC = "tidings.events";

    public static EngagementEvent open(UUID issueId, UUID sendId, boolean machine) {
        return new EngagementEvent(UUID.randomUUID(), "open", issueId, sendId, null, null, machine, Instant.now());
    }

    public static EngagementEvent click(UUID issueId, UUID sendId, int link, boolean machine) {
        return new EngagementEvent(UUID.randomUUID(), "click", issueId, sendId, null, link, machine, Instant.now());
    }

    /**
     * An unsubscribe or complaint, about the issue (or the send) named, or else the latest issue
     * sent to the subscriber.
     */
    public static EngagementEvent ofSubscriber(String type, UUID subscriberId, UUID issueId, UUID sendId) {
        return new EngagementEvent(UUID.randomUUID(), type, issueId, sendId, subscriberId, null, false, Instant.now());
    }
}
