/**
 * Newsletters owned by an account, and the lookups other features use ({@link
 * dev.tidings.newsletter.NewsletterDirectory}: the one "owned newsletter or 404" check).
 *
 * <p>Persistence rule: Panache entities for aggregate CRUD ({@code newsletter},
 * {@code newsletter_former_slug}, via {@link dev.tidings.newsletter.NewsletterRepository}); the
 * reactive pool for the session-free reads other features make ({@code NewsletterDirectory}) and
 * for the counters ({@code subscriber_count}, kept by triggers, read by {@code SubscriberCounts}).
 */
package dev.tidings.newsletter;
