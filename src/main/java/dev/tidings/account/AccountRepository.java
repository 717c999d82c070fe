package dev.tidings.account;

import dev.tidings.common.EmailAddress;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

@ApplicationScoped
public class AccountRepository implements PanacheRepositoryBase<Account, UUID> {

    /** Case-insensitive, matching the unique index on {@code lower(email)}. */
    public Uni<Account> findByEmail(EmailAddress email) {
        return find("lower(email) = lower(?1)", email.value()).firstResult();
    }
}
