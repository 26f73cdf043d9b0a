-- Rotation training (全员轮训): rounds with a theme, dates and a target population, and who attended.
CREATE TABLE rotation_rounds (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    round_no BIGINT NOT NULL,
    theme TEXT NOT NULL,
    start_on TEXT NOT NULL,
    end_on TEXT NOT NULL,
    target_unit_id BIGINT NOT NULL REFERENCES units(id),
    target_kind TEXT NOT NULL CHECK (target_kind IN ('all', 'officer', 'worker')),
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE rotation_attendance (
    round_id BIGINT NOT NULL REFERENCES rotation_rounds(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id),
    attended_on TEXT NOT NULL,
    PRIMARY KEY (round_id, person_id)
);
CREATE INDEX rotation_attendance_person ON rotation_attendance(person_id);
