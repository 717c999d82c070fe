-- The data lines of an uploaded CSV, counted while it is spooled: the web admin's import progress
-- bar shows total (lines read so far) against it. Null for imports from before this column.
ALTER TABLE subscriber_import ADD COLUMN lines integer;
