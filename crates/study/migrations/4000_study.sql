CREATE TABLE study_materials (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL CHECK (kind IN ('speech', 'document', 'book', 'warning_case', 'other')),
    title TEXT NOT NULL,
    speaker TEXT NOT NULL DEFAULT '',
    published_on TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    full_text TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX study_materials_published ON study_materials(published_on);

CREATE TABLE meetings (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES party_orgs(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    held_on TEXT NOT NULL,
    start_time TEXT NOT NULL DEFAULT '',
    place TEXT NOT NULL DEFAULT '',
    host_id BIGINT REFERENCES people(id),
    recorder_id BIGINT REFERENCES people(id),
    minutes TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX meetings_org_day ON meetings(org_id, held_on);
CREATE INDEX meetings_kind_day ON meetings(kind, held_on);

CREATE TABLE meeting_attendance (
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id),
    status TEXT NOT NULL CHECK (status IN ('present', 'late', 'absent')),
    reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (meeting_id, person_id)
);
CREATE INDEX meeting_attendance_person ON meeting_attendance(person_id);

CREATE TABLE agenda_items (
    id {{id}},
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('study', 'decision', 'report', 'discussion', 'other')),
    title TEXT NOT NULL,
    material_id BIGINT REFERENCES study_materials(id)
);
CREATE INDEX agenda_items_meeting ON agenda_items(meeting_id, position);
CREATE INDEX agenda_items_material ON agenda_items(material_id);

-- Rules as data: which meetings, held by which kinds of organisation, how often.
CREATE TABLE compliance_rules (
    id {{id}},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    org_kinds TEXT NOT NULL,
    meeting_kinds TEXT NOT NULL,
    period TEXT NOT NULL CHECK (period IN ('week', 'month', 'quarter', 'year')),
    min_count BIGINT NOT NULL DEFAULT 1,
    active BIGINT NOT NULL DEFAULT 1,
    builtin BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1
);

-- Holidays and other periods in which a weekly or monthly rule is not due.
CREATE TABLE exempt_periods (
    id {{id}},
    from_date TEXT NOT NULL,
    to_date TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The built-in rules; an authorised role may change their counts or switch them off.
INSERT INTO compliance_rules (code, name, org_kinds, meeting_kinds, period, min_count, builtin) VALUES ('central_group_weekly', '党委中心组每周学习', 'committee', 'central_group_study', 'week', 1, 1);
INSERT INTO compliance_rules (code, name, org_kinds, meeting_kinds, period, min_count, builtin) VALUES ('branch_study_weekly', '党支部每周跟进学习', 'branch', 'branch_study', 'week', 1, 1);
INSERT INTO compliance_rules (code, name, org_kinds, meeting_kinds, period, min_count, builtin) VALUES ('branch_assembly_quarterly', '支部党员大会每季度一次', 'branch', 'branch_assembly', 'quarter', 1, 1);
INSERT INTO compliance_rules (code, name, org_kinds, meeting_kinds, period, min_count, builtin) VALUES ('branch_committee_monthly', '支部委员会每月一次', 'branch', 'branch_committee_meeting', 'month', 1, 1);
INSERT INTO compliance_rules (code, name, org_kinds, meeting_kinds, period, min_count, builtin) VALUES ('group_meeting_monthly', '党小组会每月一次', 'party_group', 'group_meeting', 'month', 1, 1);
INSERT INTO compliance_rules (code, name, org_kinds, meeting_kinds, period, min_count, builtin) VALUES ('party_lecture_quarterly', '党课每季度至少一次', 'branch', 'party_lecture', 'quarter', 1, 1);
INSERT INTO compliance_rules (code, name, org_kinds, meeting_kinds, period, min_count, builtin) VALUES ('themed_day_monthly', '主题党日每月一次', 'branch', 'themed_party_day', 'month', 1, 1);
INSERT INTO compliance_rules (code, name, org_kinds, meeting_kinds, period, min_count, builtin) VALUES ('democratic_life_yearly', '领导班子民主生活会每年一次', 'committee', 'democratic_life_meeting', 'year', 1, 1);
INSERT INTO compliance_rules (code, name, org_kinds, meeting_kinds, period, min_count, builtin) VALUES ('org_life_yearly', '组织生活会每年一次', 'branch', 'org_life_meeting', 'year', 1, 1);
