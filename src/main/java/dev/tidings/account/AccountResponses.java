package dev.tidings.account;

import java.time.Instant;
import java.util.UUID;

/** Bodies the account endpoints answer with. */
public final class AccountResponses {

    private AccountResponses() {}

    public record Me(UUID id, String email, String name, Instant createdAt) {}

    /** The only time a token's secret is shown. */
    public record CreatedToken(UUID id, String name, String token, Instant createdAt) {}

    public record TokenSummary(UUID id, String name, Instant createdAt, Instant lastUsedAt) {
        static TokenSummary of(ApiToken token) {
            return new TokenSummary(token.id, token.name, token.createdAt, token.lastUsedAt);
        }
    }
}
