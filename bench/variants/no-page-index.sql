-- The sends list walks the unique (issue_id, subscriber_id) index instead of its own.
DROP INDEX send_issue_page;
