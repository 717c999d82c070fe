package dev.tidings.web;

import dev.tidings.account.AccountIdentityProvider;
import dev.tidings.config.TidingsConfig;
import io.quarkus.security.credential.TokenCredential;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.Cookie;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;

/**
 * Reads the caller's credential: {@code Authorization: Bearer <api token>} or the session cookie.
 * Which account it belongs to is decided by {@code account.AccountIdentityProvider}.
 */
@ApplicationScoped
public class AuthMechanism implements HttpAuthenticationMechanism {

    private final TidingsConfig config;

    public AuthMechanism(TidingsConfig config) {
        this.config = config;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
        TokenCredential credential = credential(context);
        if (credential == null) {
            return Uni.createFrom().nullItem();
        }
        TokenAuthenticationRequest request = new TokenAuthenticationRequest(credential);
        return identityProviderManager.authenticate(HttpSecurityUtils.setRoutingContextAttribute(request, context));
    }

    private TokenCredential credential(RoutingContext context) {
        String authorization = context.request().getHeader("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return new TokenCredential(authorization.substring(7).strip(), AccountIdentityProvider.API_TOKEN);
        }
        Cookie cookie = context.request().getCookie(config.auth().cookieName());
        if (cookie != null && !cookie.getValue().isBlank()) {
            return new TokenCredential(cookie.getValue(), AccountIdentityProvider.SESSION);
        }
        return null;
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, null, null));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(TokenAuthenticationRequest.class);
    }
}
