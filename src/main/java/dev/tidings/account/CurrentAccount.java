package dev.tidings.account;

import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import java.util.UUID;

/** The account of an authenticated request (resources annotated {@code @Authenticated}). */
@RequestScoped
public class CurrentAccount {

    private final SecurityIdentity identity;

    public CurrentAccount(SecurityIdentity identity) {
        this.identity = identity;
    }

    public UUID id() {
        if (identity.isAnonymous()) {
            throw new UnauthorizedException();
        }
        return UUID.fromString(identity.getPrincipal().getName());
    }
}
