package dev.tidings.admin;

import dev.tidings.common.PageRequest;
import dev.tidings.delivery.DeliveryService;
import dev.tidings.delivery.DeliveryViews;
import dev.tidings.issue.Issue;
import dev.tidings.issue.IssueService;
import dev.tidings.issue.IssueStatus;
import dev.tidings.newsletter.NewsletterService;
import dev.tidings.newsletter.NewsletterView;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The writer's home: newsletters with their counts, recent issues with their delivery, first steps. */
@Path("/app")
@Produces(MediaType.TEXT_HTML)
public class DashboardPage {

    /** The newsletters shown on the dashboard (the API pages through more). */
    static final int NEWSLETTERS = 100;

    static final int RECENT_ISSUES = 10;

    public record Step(String label, String href, boolean done) {}

    public record IssueRow(Issue issue, String newsletter, String href, DeliveryViews.Share share) {}

    private final AdminSupport support;
    private final NewsletterService newsletters;
    private final IssueService issues;
    private final DeliveryService delivery;

    public DashboardPage(
            AdminSupport support, NewsletterService newsletters, IssueService issues, DeliveryService delivery) {
        this.support = support;
        this.newsletters = newsletters;
        this.issues = issues;
        this.delivery = delivery;
    }

    @GET
    public Uni<Response> dashboard(HttpServerRequest request, @QueryParam("welcome") String welcome) {
        return support.page(request, w -> newsletters
                .list(w.accountId(), PageRequest.of(String.valueOf(NEWSLETTERS), null))
                .flatMap(page -> issues.recent(w.accountId(), RECENT_ISSUES)
                        .flatMap(recent -> delivery.shares(recent).map(shares -> {
                            List<NewsletterView> list = page.items();
                            Map<UUID, NewsletterView> byId =
                                    list.stream().collect(Collectors.toMap(NewsletterView::id, Function.identity()));
                            List<IssueRow> rows = recent.stream()
                                    .map(i -> new IssueRow(
                                            i,
                                            byId.containsKey(i.newsletterId())
                                                    ? byId.get(i.newsletterId()).name()
                                                    : "",
                                            IssuePages.href(i),
                                            shares.get(i.id())))
                                    .toList();
                            return AdminSupport.html(
                                    200,
                                    AdminViews.dashboard(
                                            w.email(), w.csrf(), welcome != null, list, rows, checklist(list, recent)));
                        }))));
    }

    /** Any other address under /app: the admin's own 404 page, not the API's problem details. */
    @GET
    @Path("/{path: .+}")
    public Uni<Response> notFound(HttpServerRequest request) {
        return support.publicPage(
                request, w -> Uni.createFrom().failure(dev.tidings.common.ProblemException.notFound("This page")));
    }

    /** First steps, shown until the first issue is published. */
    static List<Step> checklist(List<NewsletterView> newsletters, List<Issue> issues) {
        boolean published = issues.stream().anyMatch(i -> i.status() != IssueStatus.DRAFT);
        if (published && !newsletters.isEmpty()) {
            return List.of();
        }
        NewsletterView first = newsletters.isEmpty() ? null : newsletters.get(0);
        boolean subscribers = newsletters.stream()
                .anyMatch(n ->
                        n.subscriberCounts().active() + n.subscriberCounts().pending() > 0);
        String base = first == null ? "/app/newsletters/new" : "/app/newsletters/" + first.id();
        Issue draft = issues.isEmpty() ? null : issues.get(0);
        return List.of(
                new Step("Create a newsletter", "/app/newsletters/new", first != null),
                new Step("Add subscribers", first == null ? base : base + "/subscribers", subscribers),
                new Step("Write an issue", first == null ? base : base + "/issues/new", draft != null),
                new Step(
                        "Send yourself a test",
                        draft == null ? (first == null ? base : base + "/issues/new") : IssuePages.href(draft),
                        published),
                new Step(
                        "Publish",
                        draft == null ? (first == null ? base : base + "/issues/new") : IssuePages.href(draft),
                        published));
    }
}
