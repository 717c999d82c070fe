package dev.tidings.subscriber;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tidings.common.Problem;
import dev.tidings.common.ProblemException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * An audience rule over the subscribers of one newsletter, as API.md defines it: {@code {"all":
 * [...]}} or {@code {"any": [...]}} (nestable) of conditions on tags, JSON attributes (typed
 * comparisons), subscription date, status and engagement.
 *
 * <p>{@link #parse} checks a rule completely and names every wrong field (e.g. {@code
 * rule.all[1].op}); {@link #where} compiles it to a parameterised SQL condition over {@code
 * subscriber} rows. Every value a writer gives travels as a statement parameter: the SQL text
 * depends only on the rule's shape (which conditions, which operators), never on its values.
 *
 * <p>Bounds: at most {@value #MAX_CONDITIONS} conditions, {@value #MAX_DEPTH} levels of nesting,
 * values of at most {@value #MAX_VALUE_CHARS} characters.
 */
public final class AudienceRule {

    public static final int MAX_CONDITIONS = 50;
    public static final int MAX_DEPTH = 5;
    public static final int MAX_VALUE_CHARS = 500;
    public static final int MAX_DAYS = 3650;
    public static final int MAX_LAST_ISSUES = 100;

    /** The comparisons an attribute condition may use. */
    public enum Op {
        EQ,
        NE,
        CONTAINS,
        EXISTS,
        GT,
        LT,
        GTE,
        LTE,
        BEFORE,
        AFTER;

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        static final String ALL = "eq, ne, contains, exists, gt, lt, gte, lte, before, after";
    }

    sealed interface Node {}

    record Group(boolean all, List<Node> children) implements Node {}

    record HasTag(String tag, boolean present) implements Node {}

    record Attribute(String name, Op op, JsonNode value) implements Node {}

    record Subscribed(boolean after, OffsetDateTime at) implements Node {}

    record Status(SubscriberStatus status) implements Node {}

    record Engaged(boolean clicks, int withinDays) implements Node {}

    record NotOpened(int lastIssues) implements Node {}

    /** A compiled condition: SQL text with {@code $n} placeholders and their values, in order. */
    public record Sql(String text, List<Object> params) {}

    private static final Set<String> CONDITION_KEYS = Set.of(
            "all",
            "any",
            "tag",
            "notTag",
            "attribute",
            "subscribedAfter",
            "subscribedBefore",
            "status",
            "opened",
            "clicked",
            "notOpened");

    private final Node root;
    private final ObjectNode json;

    private AudienceRule(Node root, ObjectNode json) {
        this.root = root;
        this.json = json;
    }

    /** The rule as stored and shown: tags lower-cased, timestamps in UTC. */
    public ObjectNode json() {
        return json.deepCopy();
    }

    /** Parses a rule, or answers 400 naming every wrong field (paths start at {@code field}). */
    public static AudienceRule parse(JsonNode rule, String field) {
        List<Problem.FieldError> errors = new ArrayList<>();
        AudienceRule parsed = parse(rule, field, errors);
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return parsed;
    }

    /** Parses a rule, adding what is wrong to {@code errors} (and answering null then). */
    public static AudienceRule parse(JsonNode rule, String field, List<Problem.FieldError> errors) {
        int before = errors.size();
        Parser parser = new Parser(errors);
        if (rule == null || rule.isNull() || !rule.isObject() || !(rule.has("all") || rule.has("any"))) {
            errors.add(
                    new Problem.FieldError(field, "must be an object with \"all\" or \"any\": a list of conditions"));
            return null;
        }
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        Node root = parser.condition(rule, field, 1, out);
        if (parser.conditions > MAX_CONDITIONS) {
            errors.add(new Problem.FieldError(field, "has more than " + MAX_CONDITIONS + " conditions"));
        }
        return errors.size() > before ? null : new AudienceRule(root, out);
    }

    /**
     * This rule as an SQL condition over the subscriber row {@code alias}; placeholders are
     * numbered from {@code firstParam}. Engagement conditions read {@code subscriber_engagement},
     * {@code mail_engagement} and the newsletter's sent issues.
     */
    public Sql where(String alias, int firstParam) {
        Compiler compiler = new Compiler(alias, firstParam);
        String text = compiler.compile(root);
        return new Sql(text, List.copyOf(compiler.params));
    }

    private static final class Parser {
        final List<Problem.FieldError> errors;
        int conditions;

        Parser(List<Problem.FieldError> errors) {
            this.errors = errors;
        }

        void error(String field, String message) {
            errors.add(new Problem.FieldError(field, message));
        }

        Node condition(JsonNode node, String field, int depth, ObjectNode out) {
            conditions++;
            if (!node.isObject()) {
                error(field, "must be a condition object");
                return null;
            }
            if (node.size() == 0) {
                error(field, "must name a condition: one of " + String.join(", ", sortedKeys()));
                return null;
            }
            if (node.has("attribute")) {
                for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
                    String name = names.next();
                    if (!Set.of("attribute", "op", "value").contains(name)) {
                        error(field + "." + name, "is not a field of an attribute condition (attribute, op, value)");
                        return null;
                    }
                }
                return attribute(node, field, out);
            }
            if (node.size() != 1) {
                error(field, "must be exactly one condition, e.g. {\"tag\": \"vip\"}");
                return null;
            }
            String kind = node.fieldNames().next();
            if (!CONDITION_KEYS.contains(kind)) {
                error(field + "." + kind, "is not a known condition; one of " + String.join(", ", sortedKeys()));
                return null;
            }
            JsonNode value = node.get(kind);
            String at = field + "." + kind;
            switch (kind) {
                case "all", "any" -> {
                    if (depth > MAX_DEPTH) {
                        error(at, "nests deeper than " + MAX_DEPTH + " levels");
                        return null;
                    }
                    if (!value.isArray() || value.isEmpty()) {
                        error(at, "must be a non-empty list of conditions");
                        return null;
                    }
                    ArrayNode list = out.putArray(kind);
                    List<Node> children = new ArrayList<>();
                    for (int i = 0; i < value.size() && conditions <= MAX_CONDITIONS; i++) {
                        ObjectNode child = list.addObject();
                        children.add(condition(value.get(i), at + "[" + i + "]", depth + 1, child));
                    }
                    return new Group("all".equals(kind), children);
                }
                case "tag", "notTag" -> {
                    String problem = value.isTextual() ? Tags.problemWith(value.asText()) : "must be a string";
                    if (problem != null) {
                        error(at, problem);
                        return null;
                    }
                    String tag = value.asText().strip().toLowerCase(Locale.ROOT);
                    out.put(kind, tag);
                    return new HasTag(tag, "tag".equals(kind));
                }
                case "status" -> {
                    if (!value.isTextual()) {
                        error(at, "must be one of " + SubscriberStatus.allowed());
                        return null;
                    }
                    for (SubscriberStatus status : SubscriberStatus.values()) {
                        if (status.wire().equals(value.asText())) {
                            out.put(kind, status.wire());
                            return new Status(status);
                        }
                    }
                    error(at, "must be one of " + SubscriberStatus.allowed());
                    return null;
                }
                case "subscribedAfter", "subscribedBefore" -> {
                    OffsetDateTime time = timestamp(value);
                    if (time == null) {
                        error(at, "must be an RFC 3339 timestamp or a date (YYYY-MM-DD)");
                        return null;
                    }
                    out.put(kind, time.toInstant().toString());
                    return new Subscribed("subscribedAfter".equals(kind), time);
                }
                case "opened", "clicked" -> {
                    Integer days = count(value, "withinDays", MAX_DAYS, at, kind + ": {\"withinDays\": n}");
                    if (days == null) {
                        return null;
                    }
                    out.putObject(kind).put("withinDays", days);
                    return new Engaged("clicked".equals(kind), days);
                }
                case "notOpened" -> {
                    Integer last = count(value, "lastIssues", MAX_LAST_ISSUES, at, "notOpened: {\"lastIssues\": n}");
                    if (last == null) {
                        return null;
                    }
                    out.putObject(kind).put("lastIssues", last);
                    return new NotOpened(last);
                }
                default -> throw new IllegalStateException(kind);
            }
        }

        Integer count(JsonNode value, String name, int max, String at, String shape) {
            if (!value.isObject() || value.size() != 1 || !value.has(name)) {
                error(at, "must be " + shape.substring(shape.indexOf(':') + 2));
                return null;
            }
            JsonNode n = value.get(name);
            if (!n.isIntegralNumber() || n.asLong() < 1 || n.asLong() > max) {
                error(at + "." + name, "must be a whole number from 1 to " + max);
                return null;
            }
            return n.asInt();
        }

        Node attribute(JsonNode node, String field, ObjectNode out) {
            JsonNode name = node.get("attribute");
            if (!name.isTextual() || name.asText().isBlank() || name.asText().length() > 100) {
                error(field + ".attribute", "must be an attribute name of 1 to 100 characters");
                return null;
            }
            JsonNode opNode = node.get("op");
            Op op = null;
            if (opNode == null || !opNode.isTextual()) {
                error(field + ".op", "is required: one of " + Op.ALL);
                return null;
            }
            for (Op candidate : Op.values()) {
                if (candidate.wire().equals(opNode.asText())) {
                    op = candidate;
                }
            }
            if (op == null) {
                error(field + ".op", "must be one of " + Op.ALL);
                return null;
            }
            JsonNode value = node.get("value");
            String at = field + ".value";
            String problem =
                    switch (op) {
                        case EQ, NE -> value != null && value.isValueNode() && !value.isNull()
                                ? null
                                : "must be a string, number or true/false";
                        case CONTAINS -> value != null && value.isValueNode() && !value.isNull()
                                ? null
                                : "must be a string, number or true/false to look for";
                        case EXISTS -> value == null || value.isBoolean() ? null : "must be true or false (or absent)";
                        case GT, LT, GTE, LTE -> value != null && value.isNumber() ? null : "must be a number";
                        case BEFORE, AFTER -> value != null && timestamp(value) != null
                                ? null
                                : "must be an RFC 3339 timestamp or a date (YYYY-MM-DD)";
                    };
            if (problem == null
                    && value != null
                    && value.isTextual()
                    && value.asText().length() > MAX_VALUE_CHARS) {
                problem = "must be at most " + MAX_VALUE_CHARS + " characters";
            }
            if (problem != null) {
                error(at, problem);
                return null;
            }
            out.put("attribute", name.asText());
            out.put("op", op.wire());
            if (op == Op.BEFORE || op == Op.AFTER) {
                value = JsonNodeFactory.instance.textNode(
                        timestamp(value).toInstant().toString());
            }
            if (value != null) {
                out.set("value", value);
            }
            return new Attribute(name.asText(), op, value);
        }

        private static List<String> sortedKeys() {
            return CONDITION_KEYS.stream().sorted().toList();
        }
    }

    /** An RFC 3339 timestamp, or a date taken as its start in UTC; null when neither. */
    static OffsetDateTime timestamp(JsonNode value) {
        if (value == null || !value.isTextual() || value.asText().length() > 40) {
            return null;
        }
        String text = value.asText().strip();
        try {
            return OffsetDateTime.parse(text).withOffsetSameInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            try {
                return LocalDate.parse(text).atStartOfDay().atOffset(ZoneOffset.UTC);
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    private static final class Compiler {
        final String s;
        final List<Object> params = new ArrayList<>();
        int next;

        Compiler(String alias, int firstParam) {
            this.s = alias;
            this.next = firstParam;
        }

        String param(Object value) {
            params.add(value);
            return "$" + next++;
        }

        String compile(Node node) {
            if (node instanceof Group g) {
                List<String> parts = new ArrayList<>();
                for (Node child : g.children()) {
                    parts.add(compile(child));
                }
                return "(" + String.join(g.all() ? " AND " : " OR ", parts) + ")";
            } else if (node instanceof HasTag t) {
                return (t.present() ? "" : "NOT ") + s + ".tags @> ARRAY[" + param(t.tag()) + "::text]";
            } else if (node instanceof Status st) {
                return s + ".status = " + param(st.status().wire()) + "::text";
            } else if (node instanceof Subscribed sub) {
                return "coalesce(" + s + ".confirmed_at, " + s + ".created_at) " + (sub.after() ? ">" : "<") + " "
                        + param(sub.at()) + "::timestamptz";
            } else if (node instanceof Engaged e) {
                return "EXISTS (SELECT 1 FROM subscriber_engagement se WHERE se.subscriber_id = " + s
                        + ".id AND se." + (e.clicks() ? "last_click_at" : "last_open_at")
                        + " > now() - make_interval(days => " + param(e.withinDays()) + "::int))";
            } else if (node instanceof NotOpened n) {
                return "NOT EXISTS (SELECT 1 FROM mail_engagement me WHERE me.subscriber_id = " + s
                        + ".id AND me.opens > 0 AND me.issue_id IN (SELECT i.id FROM issue i WHERE i.newsletter_id = "
                        + s + ".newsletter_id AND i.status = 'sent' ORDER BY i.finished_at DESC LIMIT "
                        + param(n.lastIssues()) + "::int))";
            }
            return attribute((Attribute) node);
        }

        String attribute(Attribute a) {
            String attrs = s + ".attributes";
            return switch (a.op()) {
                case EQ -> attrs + " @> " + param(single(a.name(), a.value())) + "::text::jsonb";
                case NE -> "NOT (" + attrs + " @> " + param(single(a.name(), a.value())) + "::text::jsonb)";
                case EXISTS -> (a.value() != null && !a.value().asBoolean() ? "NOT " : "") + "(" + attrs + " ? "
                        + param(a.name()) + "::text)";
                case CONTAINS -> {
                    String name = param(a.name());
                    String needle = param(a.value().asText());
                    String element = param(
                            JsonNodeFactory.instance.arrayNode().add(a.value()).toString());
                    yield "(CASE jsonb_typeof(" + attrs + " -> " + name + "::text)"
                            + " WHEN 'string' THEN strpos(lower(" + attrs + " ->> " + name + "::text), lower("
                            + needle + "::text)) > 0"
                            + " WHEN 'array' THEN (" + attrs + " -> " + name + "::text) @> " + element + "::text::jsonb"
                            + " ELSE false END)";
                }
                case GT, LT, GTE, LTE -> {
                    String name = param(a.name());
                    yield "(CASE WHEN jsonb_typeof(" + attrs + " -> " + name + "::text) = 'number' THEN ("
                            + attrs + " ->> " + name + "::text)::numeric " + comparison(a.op()) + " "
                            + param(a.value().decimalValue().toPlainString()) + "::text::numeric ELSE false END)";
                }
                case BEFORE, AFTER -> {
                    // ISO dates and UTC timestamps (the usual forms) compare as text, to the second,
                    // which needs no cast; any other string goes through try_timestamptz (a cast
                    // that answers null instead of failing), which costs a subtransaction per row.
                    String name = param(a.name());
                    String value = attrs + " ->> " + name + "::text";
                    Instant bound = Instant.parse(a.value().asText());
                    String cmp = a.op() == Op.BEFORE ? "<" : ">";
                    String text = param(bound.atOffset(ZoneOffset.UTC)
                            .toLocalDateTime()
                            .format(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss")));
                    yield "(CASE WHEN jsonb_typeof(" + attrs + " -> " + name + "::text) = 'string' THEN"
                            + " CASE WHEN length(" + value + ") = 10 AND " + value + " LIKE '____-__-__'"
                            + " THEN (" + value + " || 'T00:00:00') COLLATE \"C\" " + cmp + " " + text + "::text"
                            + " WHEN " + value + " LIKE '____-__-__T__:__:__%Z'"
                            + " THEN left(" + value + ", 19) COLLATE \"C\" " + cmp + " " + text + "::text"
                            + " ELSE coalesce(try_timestamptz(" + value + ") " + cmp + " "
                            + param(bound.atOffset(ZoneOffset.UTC)) + "::timestamptz, false) END"
                            + " ELSE false END)";
                }
            };
        }

        private static String comparison(Op op) {
            return switch (op) {
                case GT -> ">";
                case LT -> "<";
                case GTE -> ">=";
                default -> "<=";
            };
        }

        private static String single(String name, JsonNode value) {
            ObjectNode object = JsonNodeFactory.instance.objectNode();
            object.set(name, value);
            return object.toString();
        }
    }
}
