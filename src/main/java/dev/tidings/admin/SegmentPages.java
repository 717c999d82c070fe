package dev.tidings.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tidings.common.PageRequest;
import dev.tidings.common.PatchBody;
import dev.tidings.common.Problem;
import dev.tidings.common.ProblemException;
import dev.tidings.newsletter.NewsletterService;
import dev.tidings.newsletter.NewsletterView;
import dev.tidings.subscriber.AudienceRule;
import dev.tidings.subscriber.Segment;
import dev.tidings.subscriber.SegmentService;
import dev.tidings.subscriber.SubscriberService;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.resteasy.reactive.RestForm;

/**
 * Segments of a newsletter: the list, and the builder (a name, "all" or "any", rows of
 * conditions, or the rule as JSON for nested groups) with a live count of who matches; bulk
 * tagging of everyone a segment matches; deletion (refused while an unsent issue uses it).
 */
@Path("/app/newsletters/{id}/segments")
@Produces(MediaType.TEXT_HTML)
public class SegmentPages {

    /** Condition rows the builder always offers (more: save, and edit again). */
    static final int ROWS = 5;

    private static final Pattern ROW_ERROR = Pattern.compile("^rule\\.(?:all|any)\\[(\\d+)\\](?:\\.(\\w+))?.*");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One condition row of the builder, as the form shows it. */
    public record Row(String kind, String attribute, String op, String value, String error) {}

    /** The builder's state: what was entered and what is wrong. */
    public record Builder(
            String name, String match, List<Row> rows, String json, Map<String, String> errors, String count) {

        /** The comparisons of an attribute condition. */
        public List<String> ops() {
            return List.of("eq", "ne", "contains", "exists", "gt", "gte", "lt", "lte", "before", "after");
        }
    }

    private final AdminSupport support;
    private final NewsletterService newsletters;
    private final SegmentService segments;
    private final SubscriberService subscribers;

    public SegmentPages(
            AdminSupport support,
            NewsletterService newsletters,
            SegmentService segments,
            SubscriberService subscribers) {
        this.support = support;
        this.newsletters = newsletters;
        this.segments = segments;
        this.subscribers = subscribers;
    }

    @GET
    public Uni<Response> list(
            HttpServerRequest request, @PathParam("id") String id, @QueryParam("deleted") String deleted) {
        return support.page(request, w -> newsletters
                .get(w.accountId(), NewsletterPages.newsletterId(id))
                .flatMap(n -> segments.list(w.accountId(), n.id(), PageRequest.of("200", null))
                        .map(page -> AdminSupport.html(
                                200,
                                AdminViews.segments(
                                        w.email(), w.csrf(), n, page.items(), deleted != null ? "Deleted." : null)))));
    }

    @GET
    @Path("/new")
    public Uni<Response> create(HttpServerRequest request, @PathParam("id") String id) {
        return support.page(request, w -> newsletters
                .get(w.accountId(), NewsletterPages.newsletterId(id))
                .map(n -> AdminSupport.html(
                        200,
                        AdminViews.segment(
                                w.email(),
                                w.csrf(),
                                n,
                                null,
                                new Builder("", "all", rows(List.of()), "", Map.of(), null),
                                null,
                                null))));
    }

    @GET
    @Path("/{segId}")
    public Uni<Response> edit(
            HttpServerRequest request,
            @PathParam("id") String id,
            @PathParam("segId") String segId,
            @QueryParam("saved") String saved,
            @QueryParam("tagged") String tagged) {
        return support.page(request, w -> newsletters
                .get(w.accountId(), NewsletterPages.newsletterId(id))
                .flatMap(n -> segments.get(w.accountId(), n.id(), segmentId(segId))
                        .flatMap(segment -> {
                            Builder builder = builderOf(segment);
                            return count(w, n, segment.rule())
                                    .map(count -> AdminSupport.html(
                                            200,
                                            AdminViews.segment(
                                                    w.email(),
                                                    w.csrf(),
                                                    n,
                                                    segment,
                                                    new Builder(
                                                            builder.name(),
                                                            builder.match(),
                                                            builder.rows(),
                                                            builder.json(),
                                                            Map.of(),
                                                            count),
                                                    saved != null
                                                            ? "Saved."
                                                            : tagged != null
                                                                    ? "Tags changed on " + tagged + " subscribers."
                                                                    : null,
                                                    "good")));
                        })));
    }

    /** Create (no segment id) or save. */
    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> saveNew(
            HttpServerRequest request,
            @PathParam("id") String id,
            @RestForm String name,
            @RestForm String match,
            @RestForm List<String> kind,
            @RestForm List<String> attribute,
            @RestForm List<String> op,
            @RestForm List<String> value,
            @RestForm String json) {
        return save(request, id, null, name, match, kind, attribute, op, value, json);
    }

    @POST
    @Path("/{segId}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> saveExisting(
            HttpServerRequest request,
            @PathParam("id") String id,
            @PathParam("segId") String segId,
            @RestForm String name,
            @RestForm String match,
            @RestForm List<String> kind,
            @RestForm List<String> attribute,
            @RestForm List<String> op,
            @RestForm List<String> value,
            @RestForm String json) {
        return save(request, id, segmentId(segId), name, match, kind, attribute, op, value, json);
    }

    private Uni<Response> save(
            HttpServerRequest request,
            String id,
            UUID segmentId,
            String name,
            String match,
            List<String> kind,
            List<String> attribute,
            List<String> op,
            List<String> value,
            String json) {
        Form form = new Form(name, match, kind, attribute, op, value, json);
        return support.page(request, w -> newsletters
                .get(w.accountId(), NewsletterPages.newsletterId(id))
                .flatMap(n -> AdminSupport.formAsync(
                        () -> {
                            ObjectNode body = JsonNodeFactory.instance.objectNode();
                            body.put("name", name == null ? "" : name);
                            body.set("rule", form.rule());
                            Uni<Segment> saved = segmentId == null
                                    ? segments.create(w.accountId(), n.id(), PatchBody.of(body))
                                    : segments.patch(w.accountId(), n.id(), segmentId, PatchBody.of(body));
                            return saved.map(s -> AdminSupport.redirect(
                                    request, "/app/newsletters/" + n.id() + "/segments/" + s.id() + "?saved=1"));
                        },
                        problem -> (segmentId == null
                                        ? Uni.createFrom().<Segment>nullItem()
                                        : segments.get(w.accountId(), n.id(), segmentId))
                                .map(current -> AdminSupport.html(
                                        problem.status(),
                                        AdminViews.segment(
                                                w.email(),
                                                w.csrf(),
                                                n,
                                                current,
                                                form.builder(problem, null),
                                                AdminSupport.notice(problem) != null
                                                                && form.rowErrors(problem)
                                                                        .isEmpty()
                                                        ? AdminSupport.notice(problem)
                                                        : null,
                                                "bad"))))));
    }

    /** The live count: who the rule being built matches, or what is wrong with it. */
    @POST
    @Path("/count")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> liveCount(
            HttpServerRequest request,
            @PathParam("id") String id,
            @RestForm String match,
            @RestForm List<String> kind,
            @RestForm List<String> attribute,
            @RestForm List<String> op,
            @RestForm List<String> value,
            @RestForm String json) {
        Form form = new Form("", match, kind, attribute, op, value, json);
        return support.page(request, w -> newsletters
                .get(w.accountId(), NewsletterPages.newsletterId(id))
                .flatMap(n -> {
                    JsonNode rule;
                    try {
                        rule = form.rule();
                    } catch (ProblemException e) {
                        return Uni.createFrom().item(AdminSupport.html(200, AdminViews.alert(e.getMessage())));
                    }
                    if (!rule.has("all") && !rule.has("any")
                            || rule.path(form.match()).isEmpty()) {
                        return Uni.createFrom().item(AdminSupport.html(200, "Add a condition to see who matches."));
                    }
                    return count(w, n, rule).map(count -> AdminSupport.html(200, count));
                })
                .onFailure(ProblemException.class)
                .recoverWithItem(e -> AdminSupport.html(200, AdminViews.alert(firstError((ProblemException) e)))));
    }

    /** Adds or removes a tag on everyone the segment matches. */
    @POST
    @Path("/{segId}/tag")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> tag(
            HttpServerRequest request,
            @PathParam("id") String id,
            @PathParam("segId") String segId,
            @RestForm String tag,
            @RestForm String action) {
        return support.page(request, w -> newsletters
                .get(w.accountId(), NewsletterPages.newsletterId(id))
                .flatMap(n -> segments.get(w.accountId(), n.id(), segmentId(segId))
                        .flatMap(segment -> AdminSupport.formAsync(
                                () -> {
                                    ObjectNode body = JsonNodeFactory.instance.objectNode();
                                    body.putArray("remove".equals(action) ? "remove" : "add")
                                            .add(tag == null ? "" : tag);
                                    body.set("segment", segment.rule());
                                    return subscribers
                                            .retag(w.accountId(), n.id(), PatchBody.of(body))
                                            .map(matched -> AdminSupport.redirect(
                                                    request,
                                                    "/app/newsletters/" + n.id() + "/segments/" + segment.id()
                                                            + "?tagged=" + matched));
                                },
                                problem -> count(w, n, segment.rule()).map(count -> {
                                    Builder b = builderOf(segment);
                                    return AdminSupport.html(
                                            problem.status(),
                                            AdminViews.segment(
                                                    w.email(),
                                                    w.csrf(),
                                                    n,
                                                    segment,
                                                    new Builder(
                                                            b.name(),
                                                            b.match(),
                                                            b.rows(),
                                                            b.json(),
                                                            Map.of("tag", firstError(problem)),
                                                            count),
                                                    null,
                                                    "bad"));
                                })))));
    }

    @POST
    @Path("/{segId}/delete")
    public Uni<Response> delete(
            HttpServerRequest request, @PathParam("id") String id, @PathParam("segId") String segId) {
        return support.page(request, w -> newsletters
                .get(w.accountId(), NewsletterPages.newsletterId(id))
                .flatMap(n -> segments.get(w.accountId(), n.id(), segmentId(segId))
                        .flatMap(segment -> AdminSupport.formAsync(
                                () -> segments.delete(w.accountId(), n.id(), segment.id())
                                        .map(done -> AdminSupport.redirect(
                                                request, "/app/newsletters/" + n.id() + "/segments?deleted=1")),
                                problem -> count(w, n, segment.rule())
                                        .map(count -> AdminSupport.html(
                                                problem.status(),
                                                AdminViews.segment(
                                                        w.email(),
                                                        w.csrf(),
                                                        n,
                                                        segment,
                                                        withCount(builderOf(segment), count),
                                                        problem.getMessage(),
                                                        "bad")))))));
    }

    /** "N active subscribers match (M in all)". */
    private Uni<String> count(Writer w, NewsletterView n, JsonNode rule) {
        return segments.count(w.accountId(), n.id(), AudienceRule.parse(rule, "rule"))
                .map(c -> AdminFormat.grouped(c.active()) + " active subscriber" + (c.active() == 1 ? "" : "s")
                        + " match (" + AdminFormat.grouped(c.total()) + " in all, counting those who left)");
    }

    private static Builder withCount(Builder b, String count) {
        return new Builder(b.name(), b.match(), b.rows(), b.json(), b.errors(), count);
    }

    private static String firstError(ProblemException e) {
        List<Problem.FieldError> errors = e.toProblem().errors();
        return errors == null || errors.isEmpty()
                ? e.getMessage()
                : errors.get(0).field() + ": " + errors.get(0).message();
    }

    static UUID segmentId(String id) {
        return Ids.parse(id, "This segment");
    }

    /** The rows of a saved rule, when it is flat; otherwise its JSON. */
    static Builder builderOf(Segment segment) {
        JsonNode rule = segment.rule();
        String match = rule.has("any") ? "any" : "all";
        List<Row> rows = new ArrayList<>();
        boolean flat = true;
        for (JsonNode c : rule.path(match)) {
            Row row = rowOf(c);
            if (row == null) {
                flat = false;
                break;
            }
            rows.add(row);
        }
        if (!flat) {
            return new Builder(segment.name(), match, rows(List.of()), rule.toPrettyString(), Map.of(), null);
        }
        return new Builder(segment.name(), match, rows(rows), "", Map.of(), null);
    }

    private static Row rowOf(JsonNode c) {
        if (c.has("attribute")) {
            JsonNode v = c.get("value");
            return new Row(
                    "attribute", c.get("attribute").asText(), c.path("op").asText(), v == null ? "" : v.asText(), null);
        }
        Iterator<String> names = c.fieldNames();
        if (!names.hasNext()) {
            return null;
        }
        String kind = names.next();
        JsonNode v = c.get(kind);
        return switch (kind) {
            case "tag", "notTag", "status", "subscribedAfter", "subscribedBefore" -> new Row(
                    kind, "", "", v.asText(), null);
            case "opened", "clicked" -> new Row(
                    kind, "", "", v.path("withinDays").asText(), null);
            case "notOpened" -> new Row(kind, "", "", v.path("lastIssues").asText(), null);
            default -> null;
        };
    }

    /** The given rows and blank ones up to {@link #ROWS} (at least one blank). */
    private static List<Row> rows(List<Row> given) {
        List<Row> rows = new ArrayList<>(given);
        do {
            rows.add(new Row("", "", "eq", "", null));
        } while (rows.size() < ROWS);
        return rows;
    }

    /** The builder's form: rows (or JSON) to a rule, and errors back to rows. */
    private record Form(
            String name,
            String match,
            List<String> kind,
            List<String> attribute,
            List<String> op,
            List<String> value,
            String json) {

        Form {
            match = "any".equals(match) ? "any" : "all";
            kind = kind == null ? List.of() : kind;
            attribute = attribute == null ? List.of() : attribute;
            op = op == null ? List.of() : op;
            value = value == null ? List.of() : value;
        }

        private static String at(List<String> list, int i) {
            return i < list.size() && list.get(i) != null ? list.get(i).strip() : "";
        }

        /** Indexes of the rows in use (a kind chosen), in order. */
        List<Integer> used() {
            List<Integer> used = new ArrayList<>();
            for (int i = 0; i < Math.min(kind.size(), 50); i++) {
                if (!at(kind, i).isEmpty()) {
                    used.add(i);
                }
            }
            return used;
        }

        JsonNode rule() {
            if (json != null && !json.isBlank()) {
                try {
                    return JSON.readTree(json);
                } catch (Exception e) {
                    throw ProblemException.invalid("json", "is not JSON: check its brackets and quotes");
                }
            }
            ObjectNode rule = JsonNodeFactory.instance.objectNode();
            ArrayNode list = rule.putArray(match);
            for (int i : used()) {
                String k = at(kind, i);
                String v = at(value, i);
                ObjectNode c = list.addObject();
                switch (k) {
                    case "attribute" -> {
                        c.put("attribute", at(attribute, i));
                        String o = at(op, i);
                        c.put("op", o);
                        switch (o) {
                            case "exists" -> {
                                if ("no".equalsIgnoreCase(v) || "false".equalsIgnoreCase(v)) {
                                    c.put("value", false);
                                }
                            }
                            case "gt", "lt", "gte", "lte" -> {
                                try {
                                    c.put("value", new java.math.BigDecimal(v));
                                } catch (NumberFormatException e) {
                                    c.put("value", v);
                                }
                            }
                            default -> c.put("value", v);
                        }
                    }
                    case "opened", "clicked" -> c.putObject(k).set("withinDays", number(v));
                    case "notOpened" -> c.putObject(k).set("lastIssues", number(v));
                    default -> c.put(k, v);
                }
            }
            return rule;
        }

        private static JsonNode number(String v) {
            try {
                return JsonNodeFactory.instance.numberNode(Integer.parseInt(v));
            } catch (NumberFormatException e) {
                return JsonNodeFactory.instance.textNode(v);
            }
        }

        /** Row number → message, from errors that name {@code rule.all[i]...}. */
        Map<Integer, String> rowErrors(ProblemException problem) {
            Map<Integer, String> errors = new HashMap<>();
            List<Problem.FieldError> list = problem.toProblem().errors();
            if (list == null || (json != null && !json.isBlank())) {
                return errors;
            }
            List<Integer> used = used();
            for (Problem.FieldError e : list) {
                Matcher m = ROW_ERROR.matcher(e.field());
                if (m.matches()) {
                    int i = Integer.parseInt(m.group(1));
                    if (i < used.size()) {
                        errors.putIfAbsent(used.get(i), e.message());
                    }
                }
            }
            return errors;
        }

        Builder builder(ProblemException problem, String count) {
            Map<Integer, String> rowErrors = problem == null ? Map.of() : rowErrors(problem);
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < Math.max(kind.size(), ROWS); i++) {
                rows.add(new Row(
                        at(kind, i),
                        at(attribute, i),
                        at(op, i).isEmpty() ? "eq" : at(op, i),
                        at(value, i),
                        rowErrors.get(i)));
            }
            if (rows.stream().allMatch(r -> !r.kind().isEmpty())) {
                rows.add(new Row("", "", "eq", "", null));
            }
            Map<String, String> errors = new HashMap<>(problem == null ? Map.of() : AdminSupport.fieldErrors(problem));
            if (problem != null && errors.containsKey("rule") && rowErrors.isEmpty()) {
                errors.put("json", errors.get("rule"));
            }
            return new Builder(name == null ? "" : name, match, rows, json == null ? "" : json, errors, count);
        }
    }
}
