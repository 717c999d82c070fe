package dev.tidings.issue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tidings.account.CurrentAccount;
import dev.tidings.common.Page;
import dev.tidings.common.PageRequest;
import dev.tidings.common.PatchBody;
import dev.tidings.web.Ids;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
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
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

/** Issues of a newsletter (drafts, edits, preview). Test sends and publishing are in delivery. */
@Path("/api/newsletters/{id}")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
@Tag(name = "Issues")
public class IssueResource {

    private final IssueService issues;
    private final CurrentAccount current;

    public IssueResource(IssueService issues, CurrentAccount current) {
        this.issues = issues;
        this.current = current;
    }

    @POST
    @Path("/issues")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary =
                    "Create a draft from {subject, bodyMarkdown} or {subject, bodyHtml}; optional bodyText, preheader."
                            + " Subject and bodies are Qute templates with subscriber.name, subscriber.email,"
                            + " subscriber.attributes.<key> and unsubscribeUrl")
    public Uni<RestResponse<Issue>> create(@PathParam("id") String id, IssueRequests.Create body) {
        UUID newsletterId = newsletter(id);
        return issues.create(current.id(), newsletterId, body)
                .map(created -> RestResponse.ResponseBuilder.<Issue>created(
                                URI.create("/api/newsletters/" + newsletterId + "/issues/" + created.id()))
                        .entity(created)
                        .build());
    }

    @GET
    @Path("/issues")
    @Operation(summary = "Issues, newest first; ?status= filters")
    public Uni<Page<Issue>> list(
            @PathParam("id") String id,
            @QueryParam("status") String status,
            @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor) {
        return issues.list(current.id(), newsletter(id), status, PageRequest.of(limit, cursor));
    }

    @GET
    @Path("/issues/{iid}")
    public Uni<Issue> get(@PathParam("id") String id, @PathParam("iid") String iid) {
        return issues.get(current.id(), newsletter(id), issue(iid));
    }

    @PATCH
    @Path("/issues/{iid}")
    @Consumes({MediaType.APPLICATION_JSON, "application/merge-patch+json"})
    @Operation(summary = "Edit subject, preheader and bodies (merge patch); only drafts and scheduled issues")
    public Uni<Issue> patch(@PathParam("id") String id, @PathParam("iid") String iid, JsonNode body) {
        return issues.patch(current.id(), newsletter(id), issue(iid), PatchBody.of(body));
    }

    @DELETE
    @Path("/issues/{iid}")
    @Operation(summary = "Delete an issue that is not being sent")
    public Uni<Void> delete(@PathParam("id") String id, @PathParam("iid") String iid) {
        return issues.delete(current.id(), newsletter(id), issue(iid));
    }

    @GET
    @Path("/issues/{iid}/preview")
    @Operation(summary = "Subject, HTML and text as the subscriber (?subscriberId=) or a sample reader gets them")
    public Uni<RenderedMail> preview(
            @PathParam("id") String id, @PathParam("iid") String iid, @QueryParam("subscriberId") String subscriberId) {
        UUID subscriber =
                subscriberId == null || subscriberId.isBlank() ? null : Ids.parse(subscriberId, "This subscriber");
        return issues.preview(current.id(), newsletter(id), issue(iid), subscriber);
    }

    private static UUID newsletter(String id) {
        return Ids.parse(id, "This newsletter");
    }

    private static UUID issue(String iid) {
        return Ids.parse(iid, "This issue");
    }
}
