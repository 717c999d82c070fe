package dev.tidings.subscriber;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tidings.common.ValidEmail;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.nio.charset.StandardCharsets;

public final class SubscriberRequests {

    /** Attributes are for personalisation, not storage: a JSON object of at most this many bytes. */
    static final int MAX_ATTRIBUTE_BYTES = 4096;

    private SubscriberRequests() {}

    public record Create(
            @ValidEmail String email,
            @Size(max = 200) @Pattern(regexp = "^[^\\r\\n]*$", message = "must be one line") String name,
            JsonNode attributes,
            String status) {}

    record Signup(
            @ValidEmail String email,
            @Size(max = 200) @Pattern(regexp = "^[^\\r\\n]*$", message = "must be one line") String name) {}

    /** What is wrong with an attributes value, or null when nothing is. */
    static String attributesProblem(JsonNode attributes) {
        if (attributes == null || attributes.isNull()) {
            return null;
        }
        if (!attributes.isObject()) {
            return "must be a JSON object";
        }
        if (attributes.toString().getBytes(StandardCharsets.UTF_8).length > MAX_ATTRIBUTE_BYTES) {
            return "must be at most " + MAX_ATTRIBUTE_BYTES + " bytes of JSON";
        }
        return null;
    }
}
