package dev.tidings.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tidings.common.Page;
import dev.tidings.common.PageRequest;
import dev.tidings.common.PatchBody;
import dev.tidings.common.ProblemException;
import dev.tidings.common.Units;
import dev.tidings.newsletter.NewsletterService;
import dev.tidings.newsletter.NewsletterView;
import dev.tidings.newsletter.SubscriberCounts;
import dev.tidings.subscriber.ImportService;
import dev.tidings.subscriber.Subscriber;
import dev.tidings.subscriber.SubscriberRequests;
import dev.tidings.subscriber.SubscriberService;
import dev.tidings.subscriber.Tags;
import dev.tidings.web.Ids;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.resteasy.reactive.RestForm;

/**
 * Subscribers of a newsletter: status tabs with counts, search as you type, keyset pages, add,
 * edit (name and attributes), erase; CSV import with live progress, and export.
 */
@Path("/app/newsletters/{id}")
@Produces(MediaType.TEXT_HTML)
public class SubscriberPages {

    /** Rows per page of the list. */
    static final int PAGE = 50;

    /** Empty attribute rows offered under the existing ones (more: save and edit again). */
    static final int SPARE_ROWS = 3;

    public record Tab(String label, String status, long count, boolean current) {}

    public record Attribute(String key, String value) {}

    private final AdminSupport support;
    private final NewsletterService newsletters;
    private final dev.tidings.engagement.EngagementService engagement;
    private final SubscriberService subscribers;
    private final ImportService imports;

    public SubscriberPages(
            AdminSupport support,
            NewsletterService newsletters,
            SubscriberService subscribers,
            ImportService imports,
            dev.tidings.engagement.EngagementService engagement) {
        this.engagement = engagement;
        this.support = support;
        this.newsletters = newsletters;
        this.subscribers = subscribers;
        this.imports = imports;
    }

    @GET
    @Path("/subscribers")
    public Uni<Response> list(
            HttpServerRequest request,
            @PathParam("id") String id,
            @QueryParam("status") String status,
            @QueryParam("q") String q,
            @QueryParam("cursor") String cursor,
            @QueryParam("created") String created) {
        return support.page(request, w -> newsletters
                .get(w.accountId(), NewsletterPages.newsletterId(id))
                .flatMap(n -> page(w, n, status, q, cursor)
                        .map(page -> AdminSupport.html(
                                200,
                                AdminViews.subscribers(
                                        w.email(),
                                        w.csrf(),
                                        n,
                                        tabs(n.subscriberCounts(), status),
                                        blankToNull(status),
                                        blankToNull(q),
                                        cursor,
                                        query(status, q),
                                        page,
                                        Map.of(),
                                        Map.of(),
                                        created != null ? "Newsletter created. Add your first subscribers." : null,
                                        "good")))));
    }

    /** The rows alone: what search-as-you-type swaps in. */
    @GET
    @Path("/subscribers/rows")
    public Uni<Response> rows(
            HttpServerRequest request,
            @PathParam("id") String id,
            @QueryParam("status") String status,
            @QueryParam("q") String q,
            @QueryParam("cursor") String cursor) {
        return support.page(request, w -> newsletters
                .get(w.accountId(), NewsletterPages.newsletterId(id))
                .flatMap(n -> page(w, n, status, q, cursor)
                        .map(page -> AdminSupport.html(
                                200, AdminViews.subscriberRows(n, blankToNull(q), cursor, query(status, q), page)))));
    }

    private Uni<Page<Subscriber.View>> page(Writer w, NewsletterView n, String status, String q, String cursor) {
        return subscribers.list(
                w.accountId(),
                n.id(),
                blankToNull(status),
                blankToNull(q),
                PageRequest.of(String.valueOf(PAGE), cursor));
    }

    @POST
    @Path("/subscribers")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> add(
            HttpServerRequest request, @PathParam("id") String id, @RestForm String email, @RestForm String name) {
        Map<String, String> form = new HashMap<>();
        form.put("email", email);
        form.put("name", name);
        return support.page(request, w -> newsletters
                .get(w.accountId(), NewsletterPages.newsletterId(id))
                .flatMap(n -> AdminSupport.formAsync(
                        () -> subscribers
                                .create(
                                        w.accountId(),
                                        n.id(),
                                        support.validate(new SubscriberRequests.Create(
                                                NewsletterPages.strip(email), blankToNull(name), null, null)))
                                .map(s -> AdminSupport.redirect(
                                        request, "/app/newsletters/" + n.id() + "/subscribers/" + s.id() + "?added=1")),
                        problem -> page(w, n, null, null, null)
                                .map(page -> AdminSupport.html(
                                        problem.status(),
                                        AdminViews.subscribers(
                                                w.email(),
                                                w.csrf(),
                                                n,
                                                tabs(n.subscriberCounts(), null),
                                                null,
                                                null,
                                                null,
                                                "",
                                                page,
                                                form,
                                                AdminSupport.fieldErrors(problem),
                                                AdminSupport.notice(problem),
                                                "bad"))))));
    }

    @GET
    @Path("/subscribers/{sid}")
    public Uni<Response> edit(
            HttpServerRequest request,
            @PathParam("id") String id,
            @PathParam("sid") String sid,
            @QueryParam("added") String added,
            @QueryParam("saved") String saved) {
        return support.page(request, w -> newsletters
                .get(w.accountId(), NewsletterPages.newsletterId(id))
                .flatMap(n -> subscribers
                        .get(w.accountId(), n.id(), subscriberId(sid))
                        .map(s -> {
                            Map<String, String> form = new HashMap<>();
                            form.put("name", s.name());
                            form.put("tags", String.join(", ", s.tags()));
                            return AdminSupport.html(
                                    200,
                                    AdminViews.subscriber(
                                            w.email(),
                                            w.csrf(),
                                            n,
                                            s,
                                            rows(s.attributes()),
                                            form,
                                            Map.of(),
                                            added != null ? "Added." : saved != null ? "Saved." : null,
                                            "good"));
                        })));
    }

    /** The subscriber's latest activity (mails, opens, clicks, bounces, unsubscribes), loaded into their page. */
    @GET
    @Path("/subscribers/{sid}/activity")
    public Uni<Response> activity(HttpServerRequest request, @PathParam("id") String id, @PathParam("sid") String sid) {
        return support.page(request, w -> engagement
                .activity(
                        w.accountId(),
                        NewsletterPages.newsletterId(id),
                        subscriberId(sid),
                        dev.tidings.common.PageRequest.of("30", null))
                .map(page ->
                        AdminSupport.html(200, AdminViews.activity(NewsletterPages.newsletterId(id), page.items()))));
    }

    @POST
    @Path("/subscribers/{sid}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> save(
            HttpServerRequest request,
            @PathParam("id") String id,
            @PathParam("sid") String sid,
            @RestForm String name,
            @RestForm String tags,
            @RestForm("attrKey") List<String> keys,
            @RestForm("attrValue") List<String> values) {
        return support.page(request, w -> newsletters
                .get(w.accountId(), NewsletterPages.newsletterId(id))
                .flatMap(n -> subscribers
                        .get(w.accountId(), n.id(), subscriberId(sid))
                        .flatMap(s -> {
                            List<Attribute> sent = pairs(keys, values);
                            Map<String, String> form = new HashMap<>();
                            form.put("name", name);
                            form.put("tags", tags);
                            return AdminSupport.form(
                                    () -> {
                                        // Tags are checked first, so that a refused tag changes nothing.
                                        ObjectNode tagBody = JsonNodeFactory.instance.objectNode();
                                        tagBody.set("tags", tagList(tags));
                                        Tags.fromJson(tagBody.get("tags"), "tags", Tags.MAX_PER_SUBSCRIBER);
                                        ObjectNode patch = JsonNodeFactory.instance.objectNode();
                                        if (name == null || name.isBlank()) {
                                            patch.putNull("name");
                                        } else {
                                            patch.put("name", name);
                                        }
                                        patch.set("attributes", attributes(sent, s.attributes()));
                                        return subscribers
                                                .patch(w.accountId(), n.id(), s.id(), PatchBody.of(patch))
                                                .flatMap(x -> subscribers.setTags(
                                                        w.accountId(), n.id(), s.id(), PatchBody.of(tagBody)))
                                                .map(x -> AdminSupport.redirect(
                                                        request,
                                                        "/app/newsletters/" + n.id() + "/subscribers/" + s.id()
                                                                + "?saved=1"));
                                    },
                                    problem -> AdminSupport.html(
                                            problem.status(),
                                            AdminViews.subscriber(
                                                    w.email(),
                                                    w.csrf(),
                                                    n,
                                                    s,
                                                    withSpares(sent),
                                                    form,
                                                    AdminSupport.fieldErrors(problem),
                                                    AdminSupport.notice(problem),
                                                    "bad")));
                        })));
    }

    @POST
    @Path("/subscribers/{sid}/erase")
    public Uni<Response> erase(HttpServerRequest request, @PathParam("id") String id, @PathParam("sid") String sid) {
        return support.page(request, w -> {
            UUID newsletterId = NewsletterPages.newsletterId(id);
            return subscribers
                    .erase(w.accountId(), newsletterId, subscriberId(sid))
                    .map(x -> AdminSupport.redirect(request, "/app/newsletters/" + newsletterId + "/subscribers"));
        });
    }

    @GET
    @Path("/import")
    public Uni<Response> importPage(HttpServerRequest request, @PathParam("id") String id) {
        return support.page(request, w -> newsletters
                .get(w.accountId(), NewsletterPages.newsletterId(id))
                .map(n -> AdminSupport.html(
                        200,
                        AdminViews.importPage(
                                w.email(),
                                w.csrf(),
                                n,
                                Units.bytes(
                                        support.config().importing().maxSize().asLongValue())))));
    }

    /** The progress of an import; while it runs, the fragment asks for itself again every second. */
    @GET
    @Path("/imports/{importId}")
    public Uni<Response> importProgress(
            HttpServerRequest request, @PathParam("id") String id, @PathParam("importId") String importId) {
        return support.page(request, w -> {
            UUID newsletterId = NewsletterPages.newsletterId(id);
            return imports.find(w.accountId(), newsletterId, Ids.parse(importId, "This import"))
                    .map(job -> AdminSupport.html(200, AdminViews.importProgress(newsletterId, job)));
        });
    }

    static List<Tab> tabs(SubscriberCounts.Counts counts, String status) {
        String current = blankToNull(status);
        long all = counts.pending() + counts.active() + counts.unsubscribed() + counts.bounced() + counts.complained();
        return List.of(
                new Tab("All", null, all, current == null),
                new Tab("Active", "active", counts.active(), "active".equals(current)),
                new Tab("Pending", "pending", counts.pending(), "pending".equals(current)),
                new Tab("Unsubscribed", "unsubscribed", counts.unsubscribed(), "unsubscribed".equals(current)),
                new Tab("Bounced", "bounced", counts.bounced(), "bounced".equals(current)),
                new Tab("Complained", "complained", counts.complained(), "complained".equals(current)));
    }

    private static String query(String status, String q) {
        List<String> parts = new ArrayList<>();
        if (blankToNull(status) != null) {
            parts.add("status=" + URLEncoder.encode(status.strip(), StandardCharsets.UTF_8));
        }
        if (blankToNull(q) != null) {
            parts.add("q=" + URLEncoder.encode(q.strip(), StandardCharsets.UTF_8));
        }
        return String.join("&", parts);
    }

    /** The attributes as rows of text, plus a few empty rows to add more. */
    static List<Attribute> rows(Map<String, Object> attributes) {
        List<Attribute> rows = new ArrayList<>();
        if (attributes != null) {
            attributes.forEach((k, v) -> rows.add(new Attribute(k, v == null ? "" : String.valueOf(v))));
        }
        return withSpares(rows);
    }

    private static List<Attribute> withSpares(List<Attribute> rows) {
        List<Attribute> all = new ArrayList<>(rows);
        for (int i = 0; i < SPARE_ROWS; i++) {
            all.add(new Attribute("", ""));
        }
        return all;
    }

    private static List<Attribute> pairs(List<String> keys, List<String> values) {
        List<Attribute> rows = new ArrayList<>();
        int n = Math.min(keys == null ? 0 : keys.size(), 1000);
        for (int i = 0; i < n; i++) {
            String key = keys.get(i) == null ? "" : keys.get(i).strip();
            String value = values != null && i < values.size() && values.get(i) != null ? values.get(i) : "";
            if (!key.isEmpty() || !value.isBlank()) {
                rows.add(new Attribute(key, value));
            }
        }
        return rows;
    }

    /**
     * The rows as the JSON object the API takes. A value keeps the JSON type it had (a number, true
     * or false) while its text still reads as one; anything else is text. A value without a key,
     * or a key given twice, is refused.
     */
    static ObjectNode attributes(List<Attribute> rows, Map<String, Object> before) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        Map<String, Attribute> seen = new LinkedHashMap<>();
        for (Attribute row : rows) {
            if (row.key().isEmpty()) {
                throw ProblemException.invalid("attributes", "every value needs a key");
            }
            if (seen.put(row.key(), row) != null) {
                throw ProblemException.invalid("attributes", "the key '" + row.key() + "' is given twice");
            }
            Object old = before == null ? null : before.get(row.key());
            json.set(row.key(), typed(row.value(), old));
        }
        return json;
    }

    private static JsonNode typed(String text, Object old) {
        String value = text.strip();
        if (old instanceof Boolean && (value.equals("true") || value.equals("false"))) {
            return JsonNodeFactory.instance.booleanNode(Boolean.parseBoolean(value));
        }
        if (old instanceof Number) {
            try {
                return JsonNodeFactory.instance.numberNode(new java.math.BigDecimal(value));
            } catch (NumberFormatException e) {
                // no longer a number: kept as the text it is
            }
        }
        return JsonNodeFactory.instance.textNode(text);
    }

    /** "a, b; c" as the JSON array the API takes (the tag rules are the API's: {@link Tags}). */
    static com.fasterxml.jackson.databind.node.ArrayNode tagList(String text) {
        var array = JsonNodeFactory.instance.arrayNode();
        if (text != null) {
            for (String part : text.split("[,;]")) {
                if (!part.isBlank()) {
                    array.add(part.strip());
                }
            }
        }
        return array;
    }

    static UUID subscriberId(String id) {
        return Ids.parse(id, "This subscriber");
    }

    static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
