package dev.tidings.engagement;

import dev.tidings.account.CurrentAccount;
import dev.tidings.common.Page;
import dev.tidings.common.PageRequest;
import dev.tidings.web.Ids;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** An issue's report and a subscriber's activity (API.md "Engagement"). */
@Path("/api/newsletters/{id}")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
@Tag(name = "Engagement")
public class EngagementResource {

    private final EngagementService engagement;
    private final CurrentAccount current;

    public EngagementResource(EngagementService engagement, CurrentAccount current) {
        this.engagement = engagement;
        this.current = current;
    }

    @GET
    @Path("/issues/{iid}/report")
    @Operation(
            summary = "Delivered, bounced, complaints, unsubscribes, opens and clicks (unique, total, machine),"
                    + " clicks per link and an hourly timeline")
    public Uni<EngagementService.Report> report(@PathParam("id") String id, @PathParam("iid") String iid) {
        return engagement.report(current.id(), Ids.parse(id, "This newsletter"), Ids.parse(iid, "This issue"));
    }

    @GET
    @Path("/subscribers/{sid}/activity")
    @Operation(summary = "The subscriber's mails, opens, clicks, bounces, complaints and unsubscribes, newest first")
    public Uni<Page<EngagementService.Activity>> activity(
            @PathParam("id") String id,
            @PathParam("sid") String sid,
            @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor) {
        return engagement.activity(
                current.id(),
                Ids.parse(id, "This newsletter"),
                Ids.parse(sid, "This subscriber"),
                PageRequest.of(limit, cursor));
    }
}
