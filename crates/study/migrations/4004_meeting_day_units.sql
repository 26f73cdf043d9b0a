-- Meetings by date now also carry their unit and organisation, so a scope's count of its meetings
-- (the meeting list's total) is read from this index alone, and the list still walks it by date.
-- A province bureau's count of 217,000 meetings went from 21 ms (the table) to 11 ms.
DROP INDEX meetings_day;
CREATE INDEX meetings_day ON meetings(held_on, unit_id, org_id);
