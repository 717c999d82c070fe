package dev.tidings.demo;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import dev.tidings.config.TidingsConfig;
import dev.tidings.delivery.DeliveryService;
import dev.tidings.issue.IssueRequests;
import dev.tidings.issue.IssueService;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Seeds the local run ({@code tidings.demo.enabled=true}): a verified demo account and its newsletter
 * "demo" with five subscribers, and a first issue published through the real pipeline (so the
 * admin's delivery view and the public archive show something). Does nothing otherwise, and
 * nothing twice.
 */
@ApplicationScoped
public class DemoSeeder {

    public static final String EMAIL = "demo@example.com";
    public static final String PASSWORD = "tidings-demo-password";

    private static final Logger LOG = Logger.getLogger(DemoSeeder.class);

    static final String ISSUE_MARKDOWN =
            """
            Hello {subscriber.name ?: 'there'},

            Welcome to **The Demo Dispatch**, the first issue of a newsletter sent by Tidings on this
            machine. Every subscriber got it exactly once; the delivery view in the web admin shows how.

            - Write an issue in Markdown or HTML, and preview it as any subscriber gets it.
            - Send yourself a test, then publish to everyone (or schedule it).
            - Watch the delivery live, then [read the report](https://example.com/tidings/report):
              opens and clicks are tracked for this demo newsletter (off by default for yours).

            [Unsubscribe]({unsubscribeUrl})
            """;

    private final IssueService issues;
    private final DeliveryService delivery;

    public DemoSeeder(IssueService issues, DeliveryService delivery) {
        this.issues = issues;
        this.delivery = delivery;
    }

    void seed(@Observes StartupEvent event, TidingsConfig config, Pool pool) {
        if (!config.demo().enabled()) {
            return;
        }
        String hash = BCrypt.with(LongPasswordStrategies.hashSha512(BCrypt.Version.VERSION_2B))
                .hashToString(config.auth().bcryptCost(), PASSWORD.toCharArray());
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        int inserted = pool.preparedQuery(
                        """
                        INSERT INTO account (id, email, name, password_hash, created_at, verified_at)
                        VALUES ($1, $2, 'Demo Writer', $3, $4, $4) ON CONFLICT DO NOTHING
                        """)
                .execute(Tuple.of(UUID.randomUUID(), EMAIL, hash, now))
                .await()
                .indefinitely()
                .rowCount();
        LOG.infof(inserted == 1 ? "Seeded demo account %s" : "Demo account %s already exists", EMAIL);
        seedNewsletter(pool, now);
        seedIssue(pool);
    }

    /** The first issue, written and published through the services as the writer would. */
    private void seedIssue(Pool pool) {
        var rows = pool.preparedQuery(
                        """
                        SELECT n.id, n.account_id, (SELECT count(*) FROM issue i WHERE i.newsletter_id = n.id) AS issues
                        FROM newsletter n WHERE n.slug = 'demo'
                        """)
                .execute()
                .await()
                .indefinitely();
        if (rows.size() == 0 || rows.iterator().next().getLong("issues") > 0) {
            return;
        }
        var row = rows.iterator().next();
        UUID accountId = row.getUUID("account_id");
        UUID newsletterId = row.getUUID("id");
        var issue = issues.create(
                        accountId,
                        newsletterId,
                        new IssueRequests.Create(
                                "Welcome to The Demo Dispatch",
                                "A first issue, sent by Tidings",
                                ISSUE_MARKDOWN,
                                null,
                                null,
                                null))
                .await()
                .indefinitely();
        try {
            delivery.publish(accountId, newsletterId, issue.id(), null, "demo-first-issue")
                    .await()
                    .indefinitely();
            LOG.infof("Published the demo issue %s", issue.id());
        } catch (dev.tidings.common.ProblemException e) {
            // The demo sends from example.com, which must be a shared sender domain to be published.
            LOG.warnf(
                    "The demo issue stays a draft: %s (the local run sets tidings.sender.shared-domains=example.com)",
                    e.getMessage());
        }
    }

    /** A newsletter with a handful of subscribers, its sign-up page at /p/demo. */
    private static void seedNewsletter(Pool pool, OffsetDateTime now) {
        pool.preparedQuery(
                        """
                        INSERT INTO newsletter (id, account_id, slug, name, from_name, from_email, double_opt_in,
                                                track_opens, track_clicks, created_at)
                        SELECT $1, id, 'demo', 'The Demo Dispatch', 'Demo Writer', 'demo@example.com', true,
                               true, true, $2
                        FROM account WHERE email = 'demo@example.com'
                        ON CONFLICT (slug) DO NOTHING
                        """)
                .execute(Tuple.of(UUID.randomUUID(), now))
                .await()
                .indefinitely();
        pool.preparedQuery(
                        """
                        INSERT INTO subscriber (id, newsletter_id, email, name, status, attributes, tags, created_at,
                                                confirmed_at)
                        SELECT gen_random_uuid(), n.id, s.email, s.name, 'active', s.attributes::jsonb, s.tags::text[],
                               $1, $1
                        FROM newsletter n,
                             (VALUES ('ada@example.com', 'Ada Lovelace', '{"city": "London"}', '{early-reader,uk}'),
                                     ('grace@example.com', 'Grace Hopper', '{"city": "Arlington"}', '{early-reader}'),
                                     ('alan@example.com', 'Alan Turing', '{"city": "Manchester"}', '{uk}'),
                                     ('katherine@example.com', 'Katherine Johnson', '{"city": "Hampton"}', '{}'),
                                     ('edsger@example.com', 'Edsger Dijkstra', '{"city": "Austin"}', '{}'))
                             AS s(email, name, attributes, tags)
                        WHERE n.slug = 'demo'
                        ON CONFLICT DO NOTHING
                        """)
                .execute(Tuple.of(now))
                .await()
                .indefinitely();
        pool.preparedQuery(
                        """
                        INSERT INTO segment (id, newsletter_id, name, rule, created_at, updated_at)
                        SELECT gen_random_uuid(), n.id, 'Early readers in the UK',
                               '{"all": [{"tag": "early-reader"}, {"tag": "uk"}]}'::jsonb, $1, $1
                        FROM newsletter n
                        WHERE n.slug = 'demo' AND NOT EXISTS (SELECT 1 FROM segment g WHERE g.newsletter_id = n.id)
                        """)
                .execute(Tuple.of(now))
                .await()
                .indefinitely();
    }
}
