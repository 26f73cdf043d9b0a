-- Open measures found by status (and those signed off after a day, by date) without reading
-- the signed-off history: the overdue and due-soon lists and counts look only at these.
CREATE INDEX measures_status ON measures(status, done_on);
