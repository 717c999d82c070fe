package dev.tidings.delivery;

import java.util.List;
import java.util.UUID;

/**
 * One Kafka record on {@code tidings.send-jobs}: some send records of one issue to deliver. A job
 * delivered twice is harmless: only sends still {@code queued} can be claimed. Fields a later
 * version adds are ignored (request bodies are strict; records between replicas are not).
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
public record SendJob(UUID issueId, List<UUID> sendIds) {}
