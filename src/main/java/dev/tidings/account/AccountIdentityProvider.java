package dev.tidings.account;

import dev.tidings.common.Secrets;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Resolves a session cookie or an API token to its account with one indexed query on the token's
 * hash. The principal's name is the account id.
 */
@ApplicationScoped
public class AccountIdentityProvider implements IdentityProvider<TokenAuthenticationRequest> {

    /** The credential types the web layer's authentication mechanism reads from a request. */
    public static final String API_TOKEN = "api-token";

    public static final String SESSION = "session";

    private static final Logger LOG = Logger.getLogger(AccountIdentityProvider.class);

    private final Pool pool;
    private final ApiTokenRepository tokens;

    public AccountIdentityProvider(Pool pool, ApiTokenRepository tokens) {
        this.pool = pool;
        this.tokens = tokens;
    }

    @Override
    public Class<TokenAuthenticationRequest> getRequestType() {
        return TokenAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(
            TokenAuthenticationRequest request, AuthenticationRequestContext context) {
        String type = request.getToken().getType();
        String hash = Secrets.sha256(request.getToken().getToken());
        Uni<RowSet<Row>> rows = API_TOKEN.equals(type)
                ? pool.preparedQuery(
                                """
                                SELECT a.id AS account_id, a.email, t.id AS token_id, t.last_used_at
                                FROM api_token t JOIN account a ON a.id = t.account_id
                                WHERE t.token_hash = $1
                                """)
                        .execute(Tuple.of(hash))
                : pool.preparedQuery(
                                """
                                SELECT a.id AS account_id, a.email
                                FROM login_session s JOIN account a ON a.id = s.account_id
                                WHERE s.token_hash = $1 AND s.expires_at > now()
                                """)
                        .execute(Tuple.of(hash));
        return rows.map(found -> {
            if (found.size() == 0) {
                throw new AuthenticationFailedException();
            }
            Row row = found.iterator().next();
            if (API_TOKEN.equals(type)) {
                noteTokenUse(row.getUUID("token_id"), row.getOffsetDateTime("last_used_at"));
            }
            return QuarkusSecurityIdentity.builder()
                    .setPrincipal(new QuarkusPrincipal(row.getUUID("account_id").toString()))
                    .addAttribute("email", row.getString("email"))
                    .addAttribute("credential", type)
                    .build();
        });
    }

    /** Records when a token was last used, at most once a minute so reads stay reads. */
    private void noteTokenUse(UUID tokenId, OffsetDateTime lastUsed) {
        if (lastUsed != null
                && lastUsed.isAfter(OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(1))) {
            return;
        }
        tokens.noteUse(tokenId)
                .subscribe()
                .with(ok -> {}, failure -> LOG.debugf("could not note token use: %s", failure.getMessage()));
    }
}
