package dev.tidings.newsletter;

import dev.tidings.common.ValidEmail;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

public final class NewsletterRequests {

    static final String SLUG = "^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$";
    static final String SLUG_MESSAGE =
            "must be 3 to 64 lower-case letters, digits or hyphens, not starting or ending with a hyphen";
    private static final String ONE_LINE = "^[^\\r\\n]*$";

    private NewsletterRequests() {}

    public record Create(
            @NotNull @Pattern(regexp = SLUG, message = SLUG_MESSAGE) String slug,
            @NotBlank @Size(max = 200) @Pattern(regexp = ONE_LINE, message = "must be one line") String name,
            @NotBlank @Size(max = 200) @Pattern(regexp = ONE_LINE, message = "must be one line") String fromName,
            @ValidEmail String fromEmail,
            @ValidEmail(optional = true) String replyTo,
            Boolean doubleOptIn,
            Boolean trackOpens,
            Boolean trackClicks) {}
}
