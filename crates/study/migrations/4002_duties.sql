-- 五带头: each leadership member's own study, research visits, self-examination, criticism and rectification.
CREATE TABLE leadership_duties (
    id {{id}},
    person_id BIGINT NOT NULL REFERENCES people(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL CHECK (kind IN ('study', 'research', 'self_exam', 'criticism', 'rectification')),
    done_on TEXT NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL DEFAULT '',
    created_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX leadership_duties_person ON leadership_duties(person_id, done_on);
