-- Two indexes holding every column the overdue and due-soon tests read, so those tests run on
-- the index, not on the measures' rows (whose text is most of their size):
-- * the measures not yet signed off: the home page's overdue count, the to-dos and the board's
--   overdue filter. A province bureau's overdue count over 180,000 measures: 34 ms -> 5 ms.
-- * a year's measures: the board shows this year's by default, sorted overdue first. The
--   bureau's count of the year went from 59 ms to 1.4 ms, its page of keys from 27 to 13 ms.
CREATE INDEX measures_open ON measures(lead_unit_id, status, deadline_kind, deadline, year, created_on, last_report_on, done_on)
    WHERE status <> 'done';
CREATE INDEX measures_year ON measures(year, lead_unit_id, status, deadline_kind, deadline, created_on, last_report_on, done_on, number);
