/**
 * Subscribers: the admin API, CSV import and export, the public sign-up, confirmation and
 * unsubscribe pages, and the suppression list.
 *
 * <p>Persistence rule: the reactive pool (this is the table that grows to millions; every query
 * is one indexed or set-based statement). Owners: {@code subscriber} — {@link
 * dev.tidings.subscriber.SubscriberRepository}; {@code subscriber_import} — {@link
 * dev.tidings.subscriber.ImportRepository}; {@code suppression} — {@link
 * dev.tidings.subscriber.Suppressions}.
 */
package dev.tidings.subscriber;
