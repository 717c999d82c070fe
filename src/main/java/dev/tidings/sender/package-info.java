/**
 * Sender identity: the domains a writer sends from, verified in DNS, each with its own DKIM key
 * pair (the private key encrypted at rest), and the operator's shared sender domains. Owns the
 * {@code sender_domain} table. Used by {@code delivery} (who may send as whom, and with which key).
 */
package dev.tidings.sender;
