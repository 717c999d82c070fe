package dev.tidings.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tidings.engagement.EngagementService;
import dev.tidings.issue.IssueService;
import dev.tidings.newsletter.NewsletterService;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An issue's report: delivered, opens and clicks (people's, with machines' apart), complaints and
 * unsubscribes, opens and clicks per hour as a chart (uPlot, from a webjar) with the same numbers
 * as a table, and the links by clicks.
 */
@Path("/app/newsletters/{id}/issues/{iid}/report")
@Produces(MediaType.TEXT_HTML)
public class ReportPages {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A figure of the summary: a label, the number, and a rate or note under it. */
    public record Figure(String label, String value, String note) {}

    private final AdminSupport support;
    private final NewsletterService newsletters;
    private final IssueService issues;
    private final EngagementService engagement;

    public ReportPages(
            AdminSupport support, NewsletterService newsletters, IssueService issues, EngagementService engagement) {
        this.support = support;
        this.newsletters = newsletters;
        this.issues = issues;
        this.engagement = engagement;
    }

    @GET
    public Uni<Response> report(HttpServerRequest request, @PathParam("id") String id, @PathParam("iid") String iid) {
        return support.page(request, w -> newsletters
                .get(w.accountId(), NewsletterPages.newsletterId(id))
                .flatMap(n -> issues.get(w.accountId(), n.id(), IssuePages.issueId(iid))
                        .flatMap(issue -> engagement
                                .report(w.accountId(), n.id(), issue.id())
                                .map(r -> AdminSupport.html(
                                        200,
                                        AdminViews.report(
                                                w.email(), w.csrf(), n, issue, r, figures(r), timeline(r)))))));
    }

    static List<Figure> figures(EngagementService.Report r) {
        List<Figure> figures = new ArrayList<>();
        figures.add(new Figure(
                "Delivered",
                AdminFormat.grouped(r.delivered()),
                "of " + AdminFormat.grouped(r.recipients()) + " recipients"));
        figures.add(new Figure(
                "Opened",
                AdminFormat.grouped(r.opens().unique()),
                rate(r.opens().unique(), r.delivered()) + " · "
                        + AdminFormat.grouped(r.opens().total()) + " opens"));
        figures.add(new Figure(
                "Clicked",
                AdminFormat.grouped(r.clicks().unique()),
                rate(r.clicks().unique(), r.delivered()) + " · "
                        + AdminFormat.grouped(r.clicks().total()) + " clicks"));
        figures.add(new Figure(
                "Machine opens and clicks",
                AdminFormat.grouped(r.opens().machine() + r.clicks().machine()),
                "proxies and scanners, not counted above"));
        figures.add(new Figure("Bounced", AdminFormat.grouped(r.bounced()), rate(r.bounced(), r.recipients())));
        figures.add(new Figure(
                "Unsubscribed", AdminFormat.grouped(r.unsubscribed()), rate(r.unsubscribed(), r.delivered())));
        figures.add(new Figure("Complaints", AdminFormat.grouped(r.complained()), rate(r.complained(), r.delivered())));
        return figures;
    }

    private static String rate(long part, long whole) {
        return whole == 0 ? "–" : String.format(Locale.ROOT, "%.1f %%", 100.0 * part / whole);
    }

    /** The chart's data, as uPlot takes it: [[hour (epoch s)...], [opens...], [clicks...]]. */
    static String timeline(EngagementService.Report r) {
        List<Long> hours = new ArrayList<>();
        List<Long> opens = new ArrayList<>();
        List<Long> clicks = new ArrayList<>();
        r.timeline().forEach(h -> {
            hours.add(h.hour().getEpochSecond());
            opens.add(h.opens());
            clicks.add(h.clicks());
        });
        try {
            return JSON.writeValueAsString(List.of(hours, opens, clicks));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
