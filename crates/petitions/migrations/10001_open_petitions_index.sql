-- Petitions still open, by reply date: the handlers' to-dos read only these instead of every
-- closed case.
CREATE INDEX petitions_open ON petitions(reply_due_on) WHERE stage <> 'closed';
