-- Hazards by the day they were found and by the day they were signed off, each with both units,
-- so that a period's count of either (two figures of the dashboard and the work report) reads an
-- index alone: over a province's 300,000 hazards the signed-off count read every hazard.
CREATE INDEX hazards_found ON hazards(found_on, unit_id, source_unit_id);
CREATE INDEX hazards_closed ON hazards(closed_on, unit_id, source_unit_id) WHERE status = 'closed';
