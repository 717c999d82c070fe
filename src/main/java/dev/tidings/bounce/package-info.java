/**
 * Bounces and complaints that come back after a mail went out: the bounce mailbox (an inbound SMTP
 * listener for mail returned to the VERP envelope sender, read by {@link dev.tidings.bounce.ReturnedMail})
 * and the webhooks of the mail providers (Amazon SES through SNS, Postmark, Mailgun, SendGrid). Each
 * turns what it read into a report about one send, applied by {@code delivery/BounceService}. Sits
 * above {@code delivery}; nothing but the web admin uses it.
 */
package dev.tidings.bounce;
