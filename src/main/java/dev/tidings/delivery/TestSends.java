package dev.tidings.delivery;

import dev.tidings.common.EmailAddress;
import dev.tidings.common.MailQuotas;
import dev.tidings.common.Problem;
import dev.tidings.common.ProblemException;
import dev.tidings.issue.IssueService;
import dev.tidings.issue.RenderedMail;
import dev.tidings.newsletter.NewsletterDirectory;
import dev.tidings.sender.SenderDomainService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Test sends: the issue rendered with sample data (as its preview without a subscriber) and
 * "[Test] " before the subject, to 1..{@value #MAX_ADDRESSES} addresses, through the same composer
 * and transport as the real thing, so the test is what is sent. Counted against the account's
 * hourly quota of test mails. (In delivery, not in issue: issue never uses delivery.)
 */
@ApplicationScoped
public class TestSends {

    static final int MAX_ADDRESSES = 10;

    private static final Logger LOG = Logger.getLogger(TestSends.class);

    private final NewsletterDirectory newsletters;
    private final IssueService issues;
    private final MailComposer composer;
    private final MailTransport transport;
    private final SenderDomainService domains;
    private final SenderIdentities senders;
    private final MailQuotas quotas;

    public TestSends(
            NewsletterDirectory newsletters,
            IssueService issues,
            MailComposer composer,
            MailTransport transport,
            MailQuotas quotas,
            SenderDomainService domains,
            SenderIdentities senders) {
        this.domains = domains;
        this.senders = senders;
        this.newsletters = newsletters;
        this.issues = issues;
        this.composer = composer;
        this.transport = transport;
        this.quotas = quotas;
    }

    public Uni<Void> send(UUID accountId, UUID newsletterId, UUID issueId, List<String> emails) {
        List<String> addresses = addresses(emails);
        return newsletters.owned(accountId, newsletterId).flatMap(n -> domains.checkSender(accountId, n.fromEmail())
                .flatMap(ok -> issues.preview(accountId, newsletterId, issueId, null))
                .call(rendered -> quotas.testMails(accountId, addresses.size()))
                .flatMap(rendered -> senders.of(n).flatMap(sender -> {
                    // What the sample preview points "unsubscribe" at: the newsletter's sign-up page.
                    String unsubscribeUrl = issues.signupPage(n);
                    RenderedMail test =
                            new RenderedMail("[Test] " + rendered.subject(), rendered.html(), rendered.text());
                    List<Uni<Void>> sends = addresses.stream()
                            .map(to -> transport.send(
                                    n.relay(),
                                    composer.compose(n, sender, test, to, issueId, UUID.randomUUID(), unsubscribeUrl),
                                    new MailTransport.Attempt()))
                            .toList();
                    return Uni.join()
                            .all(sends)
                            .andFailFast()
                            .replaceWithVoid()
                            .onFailure()
                            .transform(e -> {
                                LOG.warnf(e, "Test send of issue %s failed", issueId);
                                return new ProblemException(
                                        502,
                                        "mail-not-sent",
                                        "Mail not sent",
                                        "The mail server did not accept the test mail; try again later");
                            });
                })));
    }

    private static List<String> addresses(List<String> emails) {
        if (emails == null || emails.isEmpty()) {
            throw ProblemException.invalid("emails", "must list 1 to " + MAX_ADDRESSES + " addresses");
        }
        if (emails.size() > MAX_ADDRESSES) {
            throw ProblemException.invalid("emails", "must list at most " + MAX_ADDRESSES + " addresses");
        }
        List<Problem.FieldError> errors = new ArrayList<>();
        Set<String> addresses = new LinkedHashSet<>();
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < emails.size(); i++) {
            String raw = emails.get(i);
            String problem = EmailAddress.problemWith(raw);
            if (problem != null) {
                errors.add(new Problem.FieldError("emails[" + i + "]", problem));
            } else {
                String address = EmailAddress.parse(raw, "emails[" + i + "]").value();
                if (seen.add(address.toLowerCase(Locale.ROOT))) {
                    addresses.add(address);
                }
            }
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return List.copyOf(addresses);
    }
}
