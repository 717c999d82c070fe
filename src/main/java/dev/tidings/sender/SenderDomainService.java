package dev.tidings.sender;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tidings.common.Cursor;
import dev.tidings.common.Page;
import dev.tidings.common.PageRequest;
import dev.tidings.common.ProblemException;
import dev.tidings.common.RateLimiter;
import dev.tidings.config.TidingsConfig;
import dev.tidings.newsletter.NewsletterDirectory;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.IDN;
import java.net.URI;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Sender domains (API.md "Sender domains") and the one rule of sender identity: a newsletter may
 * send from an address at a domain its account verified, or at one of the operator's shared
 * domains ({@link #checkSender}). Verification asks DNS for the DKIM key and the return-path
 * CNAME (both required) and for SPF and DMARC (recommended); it runs when asked and again on a
 * schedule, so a domain whose records disappear turns {@code failing}.
 */
@ApplicationScoped
public class SenderDomainService {

    /** What signs a domain's mail: its selector and private key (PKCS#8, base64). */
    public record SigningKey(String domain, String selector, String privateKey) {}

    /** Purposes, in the order the records are listed. */
    static final String DKIM = "dkim";

    static final String RETURN_PATH = "return-path";
    static final String SPF = "spf";
    static final String DMARC = "dmarc";

    private static final Logger LOG = Logger.getLogger(SenderDomainService.class);
    private static final Pattern LABEL = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern TLD = Pattern.compile("[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?");

    private final SenderDomainRepository domains;
    private final DomainKeys keys;
    private final DnsLookups dns;
    private final NewsletterDirectory newsletters;
    private final RateLimiter limiter;
    private final io.vertx.mutiny.core.Vertx vertx;
    private final TidingsConfig config;
    private final Set<String> shared;
    private final String bounceDomain;

    public SenderDomainService(
            SenderDomainRepository domains,
            DomainKeys keys,
            DnsLookups dns,
            NewsletterDirectory newsletters,
            RateLimiter limiter,
            io.vertx.mutiny.core.Vertx vertx,
            TidingsConfig config) {
        this.vertx = vertx;
        this.domains = domains;
        this.keys = keys;
        this.dns = dns;
        this.newsletters = newsletters;
        this.limiter = limiter;
        this.config = config;
        this.shared = config.sender().sharedDomains().orElse(List.of()).stream()
                .map(d -> d.strip().toLowerCase(Locale.ROOT))
                .filter(d -> !d.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
        this.bounceDomain = bounceDomain(config);
    }

    /** The domain of every envelope sender that is not at a verified domain's return-path host. */
    public static String bounceDomain(TidingsConfig config) {
        return config.bounces()
                .domain()
                .filter(d -> !d.isBlank())
                .map(d -> d.strip().toLowerCase(Locale.ROOT))
                .orElseGet(() -> {
                    String host = URI.create(config.publicUrl()).getHost();
                    return host == null ? "localhost" : host.toLowerCase(Locale.ROOT);
                });
    }

    public Uni<SenderDomain> add(UUID accountId, String input) {
        String domain = parse(input);
        if (shared.contains(domain)) {
            throw ProblemException.conflict(
                    "shared-sender-domain",
                    domain + " is a sender domain this server shares with every writer: no need to add it");
        }
        String selector = config.sender().selectorPrefix()
                + YearMonth.now(ZoneOffset.UTC).toString().replace("-", "");
        if (!keys.enabled()) {
            keys.make(domain); // 503, saying what the operator must set
        }
        // Counted before the key is made: a key pair costs a tenth of a second of a core.
        return limiter.hit("sender-add:" + accountId, config.sender().addsPerHour(), Duration.ofHours(1))
                .invoke(wait -> {
                    if (!wait.isZero()) {
                        throw ProblemException.tooManyRequests(
                                "Too many sender domains added in the last hour; try again later", wait);
                    }
                })
                .flatMap(x -> vertx.executeBlocking(Uni.createFrom().item(() -> keys.make(domain)), false))
                .flatMap(made -> domains.insert(
                        accountId, domain, selector, made, config.sender().maxPerAccount()))
                .map(inserted -> {
                    if (inserted.refusal() != null) {
                        throw switch (inserted.refusal()) {
                            case OWN -> ProblemException.conflict(
                                    "sender-domain-exists", "You have added " + domain + " already");
                            case TAKEN -> ProblemException.conflict(
                                    "sender-domain-taken",
                                    domain + " is held by another account; a domain not verified within "
                                            + days(config.sender().pendingTtl()) + " is released");
                            case AT_LIMIT -> ProblemException.conflict(
                                    "too-many-sender-domains",
                                    "An account may have " + config.sender().maxPerAccount()
                                            + " sender domains; delete one first");
                        };
                    }
                    return view(inserted.row());
                });
    }

    public Uni<Page<SenderDomain>> list(UUID accountId, PageRequest page) {
        return domains.page(accountId, page.withOneMore())
                .map(rows -> Page.of(rows, page.limit(), r -> new Cursor(r.createdAt(), r.id()), this::view));
    }

    public Uni<SenderDomain> get(UUID accountId, UUID id) {
        return owned(accountId, id).map(this::view);
    }

    /** Checks the records now (at most {@code tidings.sender.verifies-per-hour} per account). */
    public Uni<SenderDomain> verify(UUID accountId, UUID id) {
        return owned(accountId, id)
                .call(row -> limiter.hit(
                                "sender-verify:" + accountId, config.sender().verifiesPerHour(), Duration.ofHours(1))
                        .invoke(wait -> {
                            if (!wait.isZero()) {
                                throw ProblemException.tooManyRequests(
                                        "Verification was asked for too often; try again later", wait);
                            }
                        }))
                .flatMap(this::check)
                .map(this::view);
    }

    /** Deletes the domain unless one of the account's newsletters sends from it (409). */
    public Uni<Void> delete(UUID accountId, UUID id) {
        return owned(accountId, id)
                .flatMap(row -> newsletters.sendingFrom(accountId, row.domain()).flatMap(names -> {
                    if (!names.isEmpty()) {
                        throw ProblemException.conflict(
                                "sender-domain-in-use",
                                "Newsletters send from " + row.domain() + ": " + String.join(", ", names)
                                        + "; change their From address first");
                    }
                    return domains.delete(accountId, id);
                }))
                .replaceWithVoid();
    }

    /**
     * Whether the account may send as {@code fromEmail}: its domain is shared, or verified by this
     * account. Otherwise 409 {@code /problems/sender-domain-unverified}, saying what to do.
     */
    public Uni<Void> checkSender(UUID accountId, String fromEmail) {
        String domain = domainOf(fromEmail);
        if (shared.contains(domain)) {
            return Uni.createFrom().voidItem();
        }
        return domains.byDomain(domain).map(row -> {
            if (row != null && row.accountId().equals(accountId) && "verified".equals(row.status())) {
                return null;
            }
            String why = row == null || !row.accountId().equals(accountId)
                    ? "add " + domain + " as a sender domain (POST /api/domains) and publish its DNS records"
                    : "publish the DNS records of " + domain + " and verify it (it is " + row.status() + ")";
            throw new ProblemException(
                            409,
                            "sender-domain-unverified",
                            "Sender domain not verified",
                            "This newsletter sends from " + fromEmail + ", but " + domain
                                    + " is not a verified sender domain of your account: " + why
                                    + (shared.isEmpty()
                                            ? ""
                                            : ", or send from an address at "
                                                    + String.join(
                                                            ", ",
                                                            shared.stream()
                                                                    .sorted()
                                                                    .toList())))
                    .with("domain", domain);
        });
    }

    /**
     * The key that signs mail from {@code domain} for this account: present for a domain the
     * account verified (also while failing: its mail is still best signed by its own key).
     */
    public Uni<Optional<SigningKey>> signingKey(UUID accountId, String domain) {
        return domains.byDomain(domain).flatMap(row -> {
            if (row == null || !row.accountId().equals(accountId) || "pending".equals(row.status())) {
                return Uni.createFrom().item(Optional.<SigningKey>empty());
            }
            return domains.sealedKey(accountId, domain).map(encrypted -> keys.open(domain, encrypted)
                    .map(key -> new SigningKey(domain, row.selector(), key)));
        });
    }

    /** The host of envelope senders of mail from a verified domain: its return-path name. */
    public String returnPathHost(String domain) {
        return config.sender().returnPathLabel() + "." + domain;
    }

    public String bounceDomain() {
        return bounceDomain;
    }

    /** The operator's shared sender domains, sorted. */
    public List<String> sharedDomains() {
        return shared.stream().sorted().toList();
    }

    public boolean isShared(String domain) {
        return shared.contains(domain);
    }

    /** The domain of an address, lower-cased. */
    public static String domainOf(String email) {
        int at = email.lastIndexOf('@');
        return email.substring(at + 1).toLowerCase(Locale.ROOT);
    }

    /** Rechecks what is due (a few per run, each replica taking different ones) and releases stale claims. */
    @Scheduled(every = "1m", delayed = "30s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> recheck() {
        return domains.releaseStale(config.sender().pendingTtl())
                .invoke(n -> {
                    if (n > 0) {
                        LOG.infof(
                                "Released %d sender domains never verified within %s",
                                n, config.sender().pendingTtl());
                    }
                })
                .flatMap(n -> domains.takeDue(20, config.sender().recheckEvery(), Duration.ofMinutes(10)))
                .flatMap(due -> due.isEmpty()
                        ? Uni.createFrom().voidItem()
                        : Uni.join()
                                .all(due.stream().map(this::check).toList())
                                .andCollectFailures()
                                .replaceWithVoid())
                .onFailure()
                .invoke(e -> LOG.warn("Sender domain recheck failed", e))
                .onFailure()
                .recoverWithNull()
                .replaceWithVoid();
    }

    /** Looks every record up, stores what was found, and answers the row as it is now. */
    Uni<SenderDomainRepository.Stored> check(SenderDomainRepository.Stored row) {
        List<SenderDomain.DnsRecord> wanted = records(row);
        List<Uni<String>> lookups = wanted.stream().map(this::problem).toList();
        return Uni.join().all(lookups).andFailFast().flatMap(problems -> {
            ObjectNode checks = JsonNodeFactory.instance.objectNode();
            boolean passed = true;
            for (int i = 0; i < wanted.size(); i++) {
                SenderDomain.DnsRecord record = wanted.get(i);
                String problem = problems.get(i);
                ObjectNode check = checks.putObject(record.purpose());
                check.put("ok", problem == null);
                if (problem != null) {
                    check.put("found", problem);
                    passed &= !record.required();
                }
            }
            boolean verified = passed;
            return domains.checked(row.id(), checks, verified).invoke(updated -> {
                if (updated != null && !updated.status().equals(row.status())) {
                    LOG.infof("Sender domain %s is now %s", row.domain(), updated.status());
                }
            });
        });
    }

    /** Null when the record is as it should be; else what was found instead. */
    private Uni<String> problem(SenderDomain.DnsRecord record) {
        Uni<String> found =
                switch (record.type()) {
                    case "CNAME" -> dns.cname(record.name()).map(target -> {
                        String want = strip(record.value());
                        if (target != null && strip(target).equals(want)) {
                            return null;
                        }
                        return target == null ? "no CNAME record" : "CNAME " + target;
                    });
                    default -> dns.txt(record.name()).map(texts -> txtProblem(record, texts));
                };
        return found.onFailure(DnsLookups.Unanswered.class).recoverWithItem(e -> e.getMessage());
    }

    private static String txtProblem(SenderDomain.DnsRecord record, List<String> texts) {
        String want = record.value();
        for (String text : texts) {
            String t = text.strip();
            switch (record.purpose()) {
                case DKIM -> {
                    if (squeeze(t).contains("p=" + squeeze(want).replaceAll("^.*p=", ""))) {
                        return null;
                    }
                }
                case SPF -> {
                    String include = want.replaceAll("^.*(include:\\S+).*$", "$1");
                    if (t.toLowerCase(Locale.ROOT).startsWith("v=spf1")
                            && t.toLowerCase(Locale.ROOT).contains(include.toLowerCase(Locale.ROOT))) {
                        return null;
                    }
                }
                case DMARC -> {
                    if (squeeze(t).toUpperCase(Locale.ROOT).startsWith("V=DMARC1")) {
                        return null;
                    }
                }
                default -> {}
            }
        }
        if (texts.isEmpty()) {
            return "no TXT record";
        }
        String first = texts.get(0);
        return "TXT \"" + (first.length() > 120 ? first.substring(0, 120) + "…" : first) + "\"";
    }

    /** The records this domain should publish, with the last check's findings. */
    List<SenderDomain.DnsRecord> records(SenderDomainRepository.Stored row) {
        String domain = row.domain();
        String include = config.sender().spfInclude().filter(s -> !s.isBlank()).orElse(bounceDomain);
        List<SenderDomain.DnsRecord> records = new ArrayList<>(4);
        records.add(record(
                row,
                "TXT",
                row.selector() + "._domainkey." + domain,
                "v=DKIM1; k=rsa; p=" + row.publicKey(),
                DKIM,
                true));
        records.add(record(row, "CNAME", returnPathHost(domain), bounceDomain, RETURN_PATH, true));
        records.add(record(row, "TXT", domain, "v=spf1 include:" + include + " ~all", SPF, false));
        records.add(record(
                row, "TXT", "_dmarc." + domain, "v=DMARC1; p=none; rua=mailto:dmarc-reports@" + domain, DMARC, false));
        return records;
    }

    private static SenderDomain.DnsRecord record(
            SenderDomainRepository.Stored row,
            String type,
            String name,
            String value,
            String purpose,
            boolean required) {
        var check = row.checks().get(purpose);
        boolean ok = check != null && check.path("ok").asBoolean(false);
        String found = check == null || ok ? null : check.path("found").asText(null);
        return new SenderDomain.DnsRecord(type, name, value, purpose, ok, required, found);
    }

    SenderDomain view(SenderDomainRepository.Stored row) {
        return new SenderDomain(
                row.id(), row.domain(), row.status(), records(row), row.checkedAt(), row.verifiedAt(), row.createdAt());
    }

    private Uni<SenderDomainRepository.Stored> owned(UUID accountId, UUID id) {
        return domains.find(accountId, id).map(row -> {
            if (row == null) {
                throw ProblemException.notFound("This sender domain");
            }
            return row;
        });
    }

    /** A domain name as typed (any case, IDN, a trailing dot), or 400 saying what is wrong. */
    static String parse(String input) {
        if (input == null || input.isBlank()) {
            throw ProblemException.invalid("domain", "is required, e.g. news.example.com");
        }
        String text = input.strip();
        if (text.length() > 253 || text.contains("@") || text.contains("/") || text.contains(":")) {
            throw ProblemException.invalid(
                    "domain", "must be a domain name such as news.example.com (no address, no URL)");
        }
        String ascii;
        try {
            ascii = IDN.toASCII(
                            text.endsWith(".") ? text.substring(0, text.length() - 1) : text, IDN.USE_STD3_ASCII_RULES)
                    .toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid("domain", "is not a valid domain name");
        }
        String[] labels = ascii.split("\\.", -1);
        if (labels.length < 2 || ascii.length() > 253) {
            throw ProblemException.invalid("domain", "must have at least two labels, e.g. example.com");
        }
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                throw ProblemException.invalid("domain", "has an empty or invalid label: '" + label + "'");
            }
        }
        if (!TLD.matcher(labels[labels.length - 1]).matches()) {
            throw ProblemException.invalid("domain", "must end in a top-level domain (not an IP address)");
        }
        return ascii;
    }

    private static String strip(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    private static String squeeze(String text) {
        return text.replaceAll("\\s+", "");
    }

    private static String days(Duration d) {
        return d.toDays() + " days";
    }
}
