/**
 * What every feature may use without pulling in HTTP: value types ({@code EmailAddress},
 * {@code Cursor}, {@code PageRequest}, {@code Page}), the problem a client can act on
 * ({@code ProblemException}), merge-patch bodies, secrets and signed links, the one pagination
 * helper ({@code NewestFirst}), and the shared counters in PostgreSQL ({@code RateLimiter} owns
 * {@code rate_limit}; {@code ServiceSecrets} owns {@code service_secret}).
 */
package dev.tidings.common;
