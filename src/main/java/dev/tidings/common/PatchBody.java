package dev.tidings.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A JSON merge-patch body (RFC 7396 style): an absent field stays as it is, {@code null} clears
 * it. Reads typed fields, collects every error, and {@link #validate()} reports them all at once,
 * together with every field of the body that no reader asked for (a typo is a 400, not ignored).
 */
public final class PatchBody {

    private final ObjectNode body;
    private final List<Problem.FieldError> errors = new ArrayList<>();
    private final java.util.Set<String> known = new java.util.HashSet<>();

    private PatchBody(ObjectNode body) {
        this.body = body;
    }

    public static PatchBody of(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ProblemException.badRequest("not-an-object", "Invalid request", "The body must be a JSON object");
        }
        return new PatchBody((ObjectNode) body);
    }

    public boolean has(String field) {
        known.add(field);
        return body.has(field);
    }

    /** Applies a text field when present: trimmed, at most {@code max} characters, no line breaks. */
    public PatchBody text(String field, int max, boolean nullable, Consumer<String> apply) {
        known.add(field);
        if (!body.has(field)) {
            return this;
        }
        JsonNode value = body.get(field);
        if (value.isNull()) {
            if (nullable) {
                apply.accept(null);
            } else {
                errors.add(new Problem.FieldError(field, "must not be null"));
            }
            return this;
        }
        if (!value.isTextual()) {
            errors.add(new Problem.FieldError(field, "must be a string"));
            return this;
        }
        String text = value.asText().strip();
        if (text.isEmpty() && !nullable) {
            errors.add(new Problem.FieldError(field, "must not be blank"));
        } else if (text.length() > max) {
            errors.add(new Problem.FieldError(field, "must be at most " + max + " characters"));
        } else if (text.contains("\r") || text.contains("\n")) {
            errors.add(new Problem.FieldError(field, "must be one line"));
        } else {
            apply.accept(text.isEmpty() ? null : text);
        }
        return this;
    }

    /** Applies an email field when present (see {@link EmailAddress}). */
    public PatchBody email(String field, boolean nullable, Consumer<String> apply) {
        known.add(field);
        if (!body.has(field)) {
            return this;
        }
        JsonNode value = body.get(field);
        if (value.isNull() && nullable) {
            apply.accept(null);
            return this;
        }
        String problem = value.isTextual() ? EmailAddress.problemWith(value.asText()) : "must be a string";
        if (problem != null) {
            errors.add(new Problem.FieldError(field, problem));
        } else {
            apply.accept(EmailAddress.parse(value.asText(), field).value());
        }
        return this;
    }

    public PatchBody bool(String field, Consumer<Boolean> apply) {
        known.add(field);
        if (!body.has(field)) {
            return this;
        }
        JsonNode value = body.get(field);
        if (!value.isBoolean()) {
            errors.add(new Problem.FieldError(field, "must be true or false"));
        } else {
            apply.accept(value.asBoolean());
        }
        return this;
    }

    /** Applies a raw JSON field when present; {@code check} answers an error message or null. */
    public PatchBody json(String field, java.util.function.Function<JsonNode, String> check, Consumer<JsonNode> apply) {
        known.add(field);
        if (!body.has(field)) {
            return this;
        }
        String problem = check.apply(body.get(field));
        if (problem != null) {
            errors.add(new Problem.FieldError(field, problem));
        } else {
            apply.accept(body.get(field));
        }
        return this;
    }

    public void addError(String field, String message) {
        errors.add(new Problem.FieldError(field, message));
    }

    /** Throws a 400 listing every field error found so far, and every field nobody read. */
    public void validate() {
        body.fieldNames().forEachRemaining(field -> {
            if (!known.contains(field)) {
                errors.add(new Problem.FieldError(field, "unknown field; check its spelling"));
            }
        });
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
    }
}
