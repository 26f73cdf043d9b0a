-- 清廉建设: activities (五个一, 每月一警, 廉政提醒 …), case compilations of warning-case materials, the
-- integrity-risk register with its reviews, and the two labelled ledgers: integrity talks and
-- accountability cases (label = the clearance a reader needs, 2 = 秘密).
CREATE TABLE integrity_activities (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    held_on TEXT NOT NULL,
    organiser TEXT NOT NULL DEFAULT '',
    audience TEXT NOT NULL DEFAULT '',
    participants BIGINT NOT NULL DEFAULT 0,
    film_title TEXT NOT NULL DEFAULT '',
    meeting_id BIGINT REFERENCES meetings(id) ON DELETE SET NULL,
    content TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX integrity_activities_unit_day ON integrity_activities(unit_id, held_on);
CREATE INDEX integrity_activities_kind_day ON integrity_activities(kind, held_on);

CREATE TABLE case_compilations (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    compiled_on TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE compilation_cases (
    compilation_id BIGINT NOT NULL REFERENCES case_compilations(id) ON DELETE CASCADE,
    material_id BIGINT NOT NULL REFERENCES study_materials(id),
    position BIGINT NOT NULL,
    PRIMARY KEY (compilation_id, material_id)
);

CREATE TABLE integrity_risks (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    post TEXT NOT NULL,
    key_post BIGINT NOT NULL DEFAULT 0,
    risk_point TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('high', 'medium', 'low')),
    measures TEXT NOT NULL DEFAULT '',
    owner_id BIGINT REFERENCES people(id),
    last_review_on TEXT,
    next_review_on TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX integrity_risks_unit ON integrity_risks(unit_id, post);
CREATE INDEX integrity_risks_next ON integrity_risks(next_review_on);

CREATE TABLE risk_reviews (
    id {{id}},
    risk_id BIGINT NOT NULL REFERENCES integrity_risks(id) ON DELETE CASCADE,
    reviewed_on TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    by_name TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX risk_reviews_risk ON risk_reviews(risk_id, reviewed_on);

CREATE TABLE integrity_talks (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    label BIGINT NOT NULL DEFAULT 2,
    talker_id BIGINT NOT NULL REFERENCES people(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    post TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('reminder', 'admonishment', 'warning', 'heart_to_heart', 'other')),
    talked_on TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX integrity_talks_unit_day ON integrity_talks(unit_id, talked_on);
CREATE INDEX integrity_talks_person ON integrity_talks(person_id);

CREATE TABLE accountability_cases (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    label BIGINT NOT NULL DEFAULT 2,
    case_no TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('poor_implementation', 'eight_rules', 'prison_rules', 'interfering_justice', 'lax_management', 'business', 'other')),
    facts TEXT NOT NULL DEFAULT '',
    handling TEXT NOT NULL CHECK (handling IN ('talk_reminder', 'criticism', 'self_examination', 'admonishment', 'org_adjustment', 'party_discipline', 'government_sanction', 'other')),
    decided_on TEXT,
    status TEXT NOT NULL CHECK (status IN ('investigating', 'decided', 'closed')),
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (case_no)
);
CREATE INDEX accountability_cases_unit ON accountability_cases(unit_id, decided_on);

CREATE TABLE case_people (
    case_id BIGINT NOT NULL REFERENCES accountability_cases(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id),
    PRIMARY KEY (case_id, person_id)
);
CREATE INDEX case_people_person ON case_people(person_id);

-- 每月一警: the discipline committee holds a warning-education meeting every month (#4's engine).
INSERT INTO compliance_rules (code, name, org_kinds, meeting_kinds, period, min_count, builtin) VALUES ('monthly_warning', '每月一警（警示教育）', 'discipline_committee', 'warning_education', 'month', 1, 1);
