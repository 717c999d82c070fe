/**
 * Writers' accounts: sign-up with an emailed code, login sessions, password reset, API tokens.
 *
 * <p>Persistence rule (the same in every feature): Panache entities for aggregate CRUD that
 * reads and writes whole rows one at a time (here: {@code account}, {@code account_code},
 * {@code login_session}, {@code api_token}); the reactive pool for set-based SQL and for the hot
 * paths that a single conditional statement serves (throttles in {@code common.RateLimiter}).
 */
package dev.tidings.account;
