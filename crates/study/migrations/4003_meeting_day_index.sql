-- The meeting list is sorted by date across all of a prison's organisations: with this index the
-- newest page is read in order instead of sorting every meeting (#12).
CREATE INDEX meetings_day ON meetings(held_on);
