package dev.tidings.newsletter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tidings.account.CurrentAccount;
import dev.tidings.common.Page;
import dev.tidings.common.PageRequest;
import dev.tidings.common.PatchBody;
import dev.tidings.web.Ids;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.net.URI;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

@Path("/api/newsletters")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
@Tag(name = "Newsletters")
public class NewsletterResource {

    private final NewsletterService newsletters;
    private final CurrentAccount current;

    public NewsletterResource(NewsletterService newsletters, CurrentAccount current) {
        this.newsletters = newsletters;
        this.current = current;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<NewsletterView>> create(@NotNull @Valid NewsletterRequests.Create body) {
        return newsletters
                .create(current.id(), body)
                .map(created -> RestResponse.ResponseBuilder.<NewsletterView>created(
                                URI.create("/api/newsletters/" + created.id()))
                        .entity(created)
                        .build());
    }

    @GET
    public Uni<Page<NewsletterView>> list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        return newsletters.list(current.id(), PageRequest.of(limit, cursor));
    }

    @GET
    @Path("/{id}")
    public Uni<NewsletterView> get(@PathParam("id") String id) {
        return newsletters.get(current.id(), Ids.parse(id, "This newsletter"));
    }

    @PATCH
    @Path("/{id}")
    @Consumes({MediaType.APPLICATION_JSON, "application/merge-patch+json"})
    public Uni<NewsletterView> patch(@PathParam("id") String id, JsonNode body) {
        return newsletters.patch(current.id(), Ids.parse(id, "This newsletter"), PatchBody.of(body));
    }

    @DELETE
    @Path("/{id}")
    public Uni<Void> delete(@PathParam("id") String id) {
        return newsletters.delete(current.id(), Ids.parse(id, "This newsletter"));
    }
}
