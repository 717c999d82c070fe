package dev.tidings.account;

import dev.tidings.common.Cursor;
import dev.tidings.common.Page;
import dev.tidings.common.PageRequest;
import dev.tidings.common.ProblemException;
import dev.tidings.common.Secrets;
import dev.tidings.common.Timestamps;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/** API tokens: created with a secret shown once, listed without it, revoked by deletion. */
@ApplicationScoped
public class TokenService {

    /** Tokens carry a prefix so that secret scanners can recognise a leaked one. */
    static final String PREFIX = "tid_";

    private final ApiTokenRepository tokens;

    public TokenService(ApiTokenRepository tokens) {
        this.tokens = tokens;
    }

    @WithTransaction
    public Uni<AccountResponses.CreatedToken> create(UUID accountId, String name) {
        String secret = Secrets.newToken(PREFIX);
        ApiToken token = new ApiToken();
        token.id = UUID.randomUUID();
        token.accountId = accountId;
        token.name = name.strip();
        token.tokenHash = Secrets.sha256(secret);
        token.createdAt = Timestamps.now();
        return tokens.persist(token)
                .map(saved -> new AccountResponses.CreatedToken(saved.id, saved.name, secret, saved.createdAt));
    }

    @WithSession
    public Uni<Page<AccountResponses.TokenSummary>> list(UUID accountId, PageRequest page) {
        return tokens.page(accountId, page.withOneMore())
                .map(rows -> Page.of(
                        rows, page.limit(), t -> new Cursor(t.createdAt, t.id), AccountResponses.TokenSummary::of));
    }

    /** Another account's token answers 404, exactly like a missing one. */
    @WithTransaction
    public Uni<Void> revoke(UUID accountId, UUID tokenId) {
        return tokens.deleteOwned(tokenId, accountId).map(deleted -> {
            if (deleted == 0) {
                throw ProblemException.notFound("This token");
            }
            return null;
        });
    }
}
