package dev.tidings.subscriber;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.UUID;

/** A saved segment: a named audience rule of a newsletter. */
public record Segment(UUID id, String name, JsonNode rule, Instant createdAt, Instant updatedAt) {}
