-- 教育培训、岗位练兵、普法: the training catalogue (editable; the seed's list by default), training
-- sessions with attendance (hours are stored in tenths of a 学时), drills with the units and people
-- taking part (problems found go to a rectification batch of 主体责任), and legal education: the
-- year's plan with its items and deadlines, and activities by form and by law with attendance.
CREATE TABLE training_kinds (
    id {{id}},
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    sort_order BIGINT NOT NULL DEFAULT 0,
    active BIGINT NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (name)
);

INSERT INTO training_kinds (name, description, sort_order, created_at, updated_at) VALUES
    ('安全生产标准化创建', '安全生产标准化创建培训', 10, 0, 0),
    ('心理健康', '心理健康专题培训', 20, 0, 0),
    ('依法治监', '依法治监专题培训', 30, 0, 0),
    ('管教业务', '管教业务专题培训', 40, 0, 0),
    ('新闻视角与写作', '新闻视角与写作知识专题培训', 50, 0, 0),
    ('消防知识', '消防知识培训', 60, 0, 0),
    ('网络安全', '网络安全培训', 70, 0, 0),
    ('交通安全', '交通安全培训', 80, 0, 0),
    ('安全生产', '安全生产培训', 90, 0, 0),
    ('党务知识', '党务知识专题培训', 100, 0, 0),
    ('专兼职纪检干部', '专兼职纪检干部培训', 110, 0, 0),
    ('其他', '其他业务培训', 900, 0, 0);

CREATE TABLE trainings (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    kind_id BIGINT NOT NULL REFERENCES training_kinds(id),
    title TEXT NOT NULL,
    start_on TEXT NOT NULL,
    end_on TEXT NOT NULL,
    organiser TEXT NOT NULL DEFAULT '',
    trainer TEXT NOT NULL DEFAULT '',
    place TEXT NOT NULL DEFAULT '',
    hours_tenths BIGINT NOT NULL CHECK (hours_tenths > 0),
    audience TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX trainings_unit_day ON trainings(unit_id, start_on);
CREATE INDEX trainings_kind_day ON trainings(kind_id, start_on);

CREATE TABLE training_attendance (
    training_id BIGINT NOT NULL REFERENCES trainings(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id),
    status TEXT NOT NULL CHECK (status IN ('present', 'late', 'absent')),
    reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (training_id, person_id)
);
CREATE INDEX training_attendance_person ON training_attendance(person_id);

CREATE TABLE drills (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL CHECK (kind IN ('escape', 'fire', 'riot', 'hostage', 'disaster', 'other')),
    title TEXT NOT NULL,
    scenario TEXT NOT NULL DEFAULT '',
    held_on TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    commander TEXT NOT NULL DEFAULT '',
    rating TEXT NOT NULL DEFAULT '' CHECK (rating IN ('', 'excellent', 'good', 'pass', 'fail')),
    evaluation TEXT NOT NULL DEFAULT '',
    rectification_id BIGINT REFERENCES rectifications(id),
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX drills_unit_day ON drills(unit_id, held_on);
CREATE INDEX drills_kind_day ON drills(kind, held_on);

-- 参演单位.
CREATE TABLE drill_units (
    drill_id BIGINT NOT NULL REFERENCES drills(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    PRIMARY KEY (drill_id, unit_id)
);
CREATE INDEX drill_units_unit ON drill_units(unit_id);

-- 参演人员 and their part in the drill.
CREATE TABLE drill_people (
    drill_id BIGINT NOT NULL REFERENCES drills(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id),
    role TEXT NOT NULL CHECK (role IN ('commander', 'participant', 'evaluator')),
    PRIMARY KEY (drill_id, person_id)
);
CREATE INDEX drill_people_person ON drill_people(person_id);

CREATE TABLE legal_plans (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    year BIGINT NOT NULL,
    title TEXT NOT NULL,
    doc_number TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (unit_id, year)
);

CREATE TABLE legal_plan_items (
    id {{id}},
    plan_id BIGINT NOT NULL REFERENCES legal_plans(id) ON DELETE CASCADE,
    number BIGINT NOT NULL,
    content TEXT NOT NULL,
    law TEXT NOT NULL DEFAULT '',
    lead_unit_id BIGINT NOT NULL REFERENCES units(id),
    deadline TEXT NOT NULL,
    done_on TEXT,
    done_note TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (plan_id, number)
);
CREATE INDEX legal_plan_items_deadline ON legal_plan_items(deadline);
CREATE INDEX legal_plan_items_lead ON legal_plan_items(lead_unit_id);

-- 普法活动; an 答题普法 activity may be the exam (#7) people sat.
CREATE TABLE legal_education (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    plan_item_id BIGINT REFERENCES legal_plan_items(id) ON DELETE SET NULL,
    form TEXT NOT NULL CHECK (form IN ('case', 'comic', 'quiz', 'lecture', 'exhibit', 'other')),
    title TEXT NOT NULL,
    held_on TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    organiser TEXT NOT NULL DEFAULT '',
    audience TEXT NOT NULL DEFAULT '',
    participants BIGINT NOT NULL DEFAULT 0,
    exam_id BIGINT REFERENCES exams(id),
    content TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX legal_education_unit_day ON legal_education(unit_id, held_on);

CREATE TABLE legal_education_laws (
    activity_id BIGINT NOT NULL REFERENCES legal_education(id) ON DELETE CASCADE,
    law TEXT NOT NULL CHECK (law IN ('constitution', 'civil_code', 'anti_organized_crime', 'work_safety', 'prison_law', 'national_security', 'state_secrets', 'other')),
    PRIMARY KEY (activity_id, law)
);
CREATE INDEX legal_education_laws_law ON legal_education_laws(law);

CREATE TABLE legal_education_attendance (
    activity_id BIGINT NOT NULL REFERENCES legal_education(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id),
    status TEXT NOT NULL CHECK (status IN ('present', 'late', 'absent')),
    reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (activity_id, person_id)
);
CREATE INDEX legal_education_attendance_person ON legal_education_attendance(person_id);
