/**
 * Delivery: publishing and steering issues, the dispatcher that plans send records and puts them
 * on Kafka, the consumer that delivers them (consume → claim → deliver → failure policy → record →
 * ack), test sends and reported bounces. May use {@code issue}, {@code newsletter} and
 * {@code subscriber}; nothing uses it but the web layer.
 *
 * <p>Persistence rule: the reactive pool, set-based statements. Owners: {@code send} — {@link
 * dev.tidings.delivery.DeliveryStore}; the status and dispatch columns of {@code issue} — {@link
 * dev.tidings.delivery.IssueLifecycle}; {@code send_count} — the V4/V5 triggers.
 */
package dev.tidings.delivery;
