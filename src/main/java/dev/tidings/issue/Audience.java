package dev.tidings.issue;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tidings.common.Problem;
import dev.tidings.subscriber.AudienceRule;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;

/**
 * An issue's audience (API.md): a saved segment or an inline rule; none means every active
 * subscriber. Once the issue starts sending, {@code rule} holds the rule it is sent with (a
 * segment's rule frozen at that moment).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Audience(UUID segmentId, JsonNode rule) {

    /**
     * The {@code audience} field of a request: null for JSON null (every active subscriber),
     * otherwise exactly one of {@code segmentId} or {@code rule}; what is wrong goes to {@code errors}.
     */
    static Audience parse(JsonNode node, List<Problem.FieldError> errors) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            errors.add(new Problem.FieldError("audience", "must be {\"segmentId\": ...} or {\"rule\": ...}, or null"));
            return null;
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("segmentId") && !name.equals("rule")) {
                errors.add(
                        new Problem.FieldError("audience." + name, "is not a field of an audience (segmentId, rule)"));
                return null;
            }
        }
        if (node.has("segmentId") == node.has("rule")) {
            errors.add(new Problem.FieldError("audience", "give exactly one of segmentId or rule"));
            return null;
        }
        if (node.has("segmentId")) {
            JsonNode id = node.get("segmentId");
            try {
                return new Audience(UUID.fromString(id.isTextual() ? id.asText().strip() : ""), null);
            } catch (IllegalArgumentException e) {
                errors.add(
                        new Problem.FieldError("audience.segmentId", "must be the id of a segment of this newsletter"));
                return null;
            }
        }
        AudienceRule rule = AudienceRule.parse(node.get("rule"), "audience.rule", errors);
        return rule == null ? null : new Audience(null, rule.json());
    }
}
