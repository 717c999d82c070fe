package dev.tidings.issue;

import java.util.Map;
import java.util.UUID;

/** Who a mail is rendered for: the personalisation data of one subscriber. */
public record Recipient(UUID subscriberId, String email, String name, Map<String, Object> attributes) {}
