package dev.tidings.account;

import dev.tidings.common.ProblemException;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/me")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
@Tag(name = "Accounts")
public class MeResource {

    private final AccountRepository accounts;
    private final CurrentAccount current;

    public MeResource(AccountRepository accounts, CurrentAccount current) {
        this.accounts = accounts;
        this.current = current;
    }

    @GET
    @WithSession
    public Uni<AccountResponses.Me> me() {
        return accounts.findById(current.id()).map(account -> {
            if (account == null) {
                throw ProblemException.notFound("This account");
            }
            return new AccountResponses.Me(account.id, account.email, account.name, account.createdAt);
        });
    }
}
