package dev.tidings.admin;

import dev.tidings.common.Page;
import dev.tidings.delivery.DeliveryViews;
import dev.tidings.issue.Issue;
import dev.tidings.issue.RenderedMail;
import dev.tidings.newsletter.NewsletterView;
import dev.tidings.subscriber.Subscriber;
import dev.tidings.subscriber.SubscriberImport;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import java.util.List;
import java.util.Map;

/**
 * The admin's templates ({@code templates/admin/}). Every page has {@code email} and {@code csrf}
 * for the layout (null before sign-in); forms get {@code form} (the values sent) and {@code
 * errors} (field → message, from the same rules as the JSON API).
 */
@CheckedTemplate(basePath = "admin")
final class AdminViews {

    private AdminViews() {}

    static native TemplateInstance error(String email, String csrf, String heading, String detail);

    static native TemplateInstance alert(String detail);

    static native TemplateInstance login(
            String email,
            String csrf,
            Map<String, String> form,
            Map<String, String> errors,
            String next,
            String notice,
            String noticeKind);

    static native TemplateInstance signup(
            String email, String csrf, Map<String, String> form, Map<String, String> errors, String notice);

    static native TemplateInstance verify(
            String email, String csrf, Map<String, String> form, Map<String, String> errors, String notice);

    static native TemplateInstance reset(
            String email, String csrf, Map<String, String> form, Map<String, String> errors, String notice);

    static native TemplateInstance resetConfirm(
            String email, String csrf, Map<String, String> form, Map<String, String> errors, String notice);

    static native TemplateInstance dashboard(
            String email,
            String csrf,
            boolean welcome,
            List<NewsletterView> newsletters,
            List<DashboardPage.IssueRow> issues,
            List<DashboardPage.Step> checklist);

    static native TemplateInstance newsletter(
            String email,
            String csrf,
            NewsletterView n,
            Map<String, String> form,
            Map<String, String> errors,
            String notice,
            String noticeKind,
            String signupUrl,
            String snippet,
            List<String> relays);

    static native TemplateInstance subscribers(
            String email,
            String csrf,
            NewsletterView n,
            List<SubscriberPages.Tab> tabs,
            String status,
            String q,
            String cursor,
            String query,
            Page<Subscriber.View> page,
            Map<String, String> form,
            Map<String, String> errors,
            String notice,
            String noticeKind);

    static native TemplateInstance subscriberRows(
            NewsletterView n, String q, String cursor, String query, Page<Subscriber.View> page);

    static native TemplateInstance subscriber(
            String email,
            String csrf,
            NewsletterView n,
            Subscriber.View s,
            List<SubscriberPages.Attribute> attributes,
            Map<String, String> form,
            Map<String, String> errors,
            String notice,
            String noticeKind);

    static native TemplateInstance activity(
            java.util.UUID newsletterId, List<dev.tidings.engagement.EngagementService.Activity> items);

    static native TemplateInstance importPage(String email, String csrf, NewsletterView n, String maxSize);

    static native TemplateInstance importProgress(java.util.UUID newsletterId, SubscriberImport job);

    static native TemplateInstance issues(
            String email,
            String csrf,
            NewsletterView n,
            String status,
            String cursor,
            List<IssuePages.Row> rows,
            String next,
            List<String> statuses);

    static native TemplateInstance issueNew(
            String email,
            String csrf,
            NewsletterView n,
            Map<String, String> form,
            Map<String, String> errors,
            String notice);

    static native TemplateInstance issue(
            String email, String csrf, NewsletterView n, Issue issue, IssuePages.Editor editor, String notice);

    static native TemplateInstance audienceStatus(long recipients, String audienceName);

    static native TemplateInstance saveStatus(java.time.Instant savedAt, Map<String, String> errors, String message);

    static native TemplateInstance preview(RenderedMail mail, String frame);

    static native TemplateInstance testStatus(String message, boolean bad);

    static native TemplateInstance delivery(
            String email,
            String csrf,
            NewsletterView n,
            Issue issue,
            DeliveryPages.Live live,
            String status,
            String cursor,
            List<DeliveryViews.SendView> sends,
            String next,
            List<String> statuses,
            DeliveryViews.Details details);

    static native TemplateInstance deliveryDetails(
            java.util.UUID newsletterId, java.util.UUID issueId, DeliveryViews.Details details, boolean active);

    static native TemplateInstance deliveryProgress(
            java.util.UUID newsletterId, java.util.UUID issueId, DeliveryPages.Live live);

    static native TemplateInstance domains(
            String email,
            String csrf,
            List<String> shared,
            List<dev.tidings.sender.SenderDomain> domains,
            String next,
            Map<String, String> form,
            Map<String, String> errors,
            String notice,
            String noticeKind);

    static native TemplateInstance domain(
            String email, String csrf, dev.tidings.sender.SenderDomain d, String notice, String noticeKind);

    static native TemplateInstance domainRecords(dev.tidings.sender.SenderDomain d);

    static native TemplateInstance tokens(
            String email,
            String csrf,
            dev.tidings.account.AccountResponses.CreatedToken created,
            List<dev.tidings.account.AccountResponses.TokenSummary> tokens,
            String next,
            Map<String, String> form,
            Map<String, String> errors,
            String notice,
            String noticeKind);

    static native TemplateInstance segments(
            String email, String csrf, NewsletterView n, List<dev.tidings.subscriber.Segment> segments, String notice);

    static native TemplateInstance segment(
            String email,
            String csrf,
            NewsletterView n,
            dev.tidings.subscriber.Segment segment,
            SegmentPages.Builder builder,
            String notice,
            String noticeKind);

    static native TemplateInstance report(
            String email,
            String csrf,
            NewsletterView n,
            Issue issue,
            dev.tidings.engagement.EngagementService.Report report,
            List<ReportPages.Figure> figures,
            String timeline);
}
