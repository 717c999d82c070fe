/**
 * Issues: drafts and their content, Markdown and personalisation (a sandboxed Qute engine with a
 * render budget), the renderer and its one cache of compiled issues, preview and the public
 * archive. Never depends on {@code delivery}.
 *
 * <p>Persistence rule: the reactive pool. The {@code issue} row is split by one rule: {@link
 * dev.tidings.issue.IssueRepository} owns the content columns and the row's creation and deletion;
 * {@code delivery.IssueLifecycle} owns its status (the moves of {@link
 * dev.tidings.issue.IssueStatus.Transition}) and the dispatch columns.
 */
package dev.tidings.issue;
