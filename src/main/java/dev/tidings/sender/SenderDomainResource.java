package dev.tidings.sender;

import dev.tidings.account.CurrentAccount;
import dev.tidings.common.Page;
import dev.tidings.common.PageRequest;
import dev.tidings.common.ProblemException;
import dev.tidings.web.Ids;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.net.URI;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

/** Sender domains (API.md "Sender domains"). */
@Path("/api/domains")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
@Tag(name = "Sender domains")
public class SenderDomainResource {

    /** The body of {@code POST /api/domains}. */
    public record AddDomain(String domain) {}

    private final SenderDomainService domains;
    private final CurrentAccount current;

    public SenderDomainResource(SenderDomainService domains, CurrentAccount current) {
        this.domains = domains;
        this.current = current;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Add a sender domain: {domain}; answers the DNS records to publish (DKIM key made here,"
                    + " return-path CNAME, SPF and DMARC suggestions)")
    public Uni<RestResponse<SenderDomain>> add(AddDomain body) {
        if (body == null) {
            throw ProblemException.invalid("domain", "is required, e.g. news.example.com");
        }
        return domains.add(current.id(), body.domain())
                .map(d -> RestResponse.ResponseBuilder.<SenderDomain>create(RestResponse.Status.CREATED)
                        .location(URI.create("/api/domains/" + d.id()))
                        .entity(d)
                        .build());
    }

    @GET
    @Operation(summary = "Your sender domains, newest first")
    public Uni<Page<SenderDomain>> list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        return domains.list(current.id(), PageRequest.of(limit, cursor));
    }

    @GET
    @Path("/{did}")
    @Operation(summary = "A sender domain with its records and what the last check found")
    public Uni<SenderDomain> get(@PathParam("did") String did) {
        return domains.get(current.id(), id(did));
    }

    @POST
    @Path("/{did}/verify")
    @Operation(
            summary =
                    "Check the domain's DNS records now; verified once the DKIM and return-path records are" + " found")
    public Uni<SenderDomain> verify(@PathParam("did") String did) {
        return domains.verify(current.id(), id(did));
    }

    @DELETE
    @Path("/{did}")
    @Operation(summary = "Delete a sender domain; 409 while a newsletter sends from it")
    public Uni<Void> delete(@PathParam("did") String did) {
        return domains.delete(current.id(), id(did));
    }

    private static UUID id(String did) {
        return Ids.parse(did, "This sender domain");
    }
}
