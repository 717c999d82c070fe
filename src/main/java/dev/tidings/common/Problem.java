package dev.tidings.common;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * An RFC 9457 problem details body; {@code errors} lists the fields a validation failure names.
 * {@code extensions} are further members a client can act on (e.g. the id of the import that is
 * already running), written beside the standard ones.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(
        String type,
        String title,
        int status,
        String detail,
        List<FieldError> errors,
        @JsonIgnore Map<String, Object> extensions) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public record FieldError(String field, String message) {}

    /** The {@code type} of a problem: {@code /problems/<slug>}. */
    public static String type(String slug) {
        return "/problems/" + slug;
    }

    public Problem(String type, String title, int status, String detail, List<FieldError> errors) {
        this(type, title, status, detail, errors, Map.of());
    }

    @JsonAnyGetter
    Map<String, Object> members() {
        return extensions == null ? Map.of() : extensions;
    }
}
