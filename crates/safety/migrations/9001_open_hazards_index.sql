-- Hazards not yet signed off, by deadline: the home page's count and to-dos read only these
-- (a few hundred) instead of every hazard ever found (tens of thousands after some years).
CREATE INDEX hazards_open ON hazards(deadline) WHERE status <> 'closed';
