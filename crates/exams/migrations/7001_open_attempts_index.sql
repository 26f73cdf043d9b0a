-- Sittings still open, by deadline: closing the overdue ones (before every exam figure and
-- candidate list) read every sitting of five years instead (a province's 300,000: 44 ms each
-- time on PostgreSQL under load).
CREATE INDEX exam_attempts_open ON exam_attempts(deadline_at) WHERE submitted_at IS NULL;
