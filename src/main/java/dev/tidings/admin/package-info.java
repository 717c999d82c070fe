/**
 * The web admin under {@code /app}: server-rendered Qute pages, progressively enhanced with htmx.
 * Page resources ({@code …Pages}) call the same services as the JSON API and hold no business
 * rule; {@link dev.tidings.admin.AdminSupport} resolves the signed-in writer, makes and checks the
 * form tokens, and turns failures into pages.
 */
package dev.tidings.admin;
