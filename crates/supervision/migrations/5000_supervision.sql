-- 主体责任: yearly task plans and inspection-feedback batches, whose measures (a plan's 工作措施,
-- a batch's problems with their rectification) share one table, one progress trail and one sign-off.
CREATE TABLE task_plans (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    org_id BIGINT REFERENCES party_orgs(id),
    title TEXT NOT NULL,
    year BIGINT NOT NULL,
    doc_number TEXT NOT NULL DEFAULT '',
    owner_id BIGINT REFERENCES people(id),
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX task_plans_unit_year ON task_plans(unit_id, year);

CREATE TABLE rectifications (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    source TEXT NOT NULL CHECK (source IN ('provincial_inspection', 'political_supervision', 'bureau_inspection', 'audit', 'other')),
    title TEXT NOT NULL,
    received_on TEXT NOT NULL,
    doc_number TEXT NOT NULL DEFAULT '',
    approver_id BIGINT NOT NULL REFERENCES people(id),
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE measures (
    id {{id}},
    plan_id BIGINT REFERENCES task_plans(id) ON DELETE CASCADE,
    rectification_id BIGINT REFERENCES rectifications(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    year BIGINT NOT NULL,
    number BIGINT NOT NULL,
    problem TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL,
    leader_id BIGINT REFERENCES people(id),
    lead_unit_id BIGINT NOT NULL REFERENCES units(id),
    deadline_kind TEXT NOT NULL CHECK (deadline_kind IN ('date', 'monthly', 'quarterly', 'yearly')),
    deadline TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'not_started' CHECK (status IN ('not_started', 'in_progress', 'submitted', 'done')),
    percent BIGINT NOT NULL DEFAULT 0,
    last_report_on TEXT,
    done_on TEXT,
    signed_off_by BIGINT,
    created_on TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK ((plan_id IS NULL AND rectification_id IS NOT NULL) OR (plan_id IS NOT NULL AND rectification_id IS NULL))
);
CREATE INDEX measures_plan ON measures(plan_id, number);
CREATE INDEX measures_rect ON measures(rectification_id, number);
CREATE INDEX measures_lead ON measures(lead_unit_id, status);
CREATE INDEX measures_leader ON measures(leader_id);

-- 参加部门.
CREATE TABLE measure_units (
    measure_id BIGINT NOT NULL REFERENCES measures(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    PRIMARY KEY (measure_id, unit_id)
);
CREATE INDEX measure_units_unit ON measure_units(unit_id);

-- Goal links: #11 adds the goal frameworks whose indicators these point at.
CREATE TABLE measure_goal_links (
    measure_id BIGINT NOT NULL REFERENCES measures(id) ON DELETE CASCADE,
    indicator_id BIGINT NOT NULL,
    PRIMARY KEY (measure_id, indicator_id)
);

-- The trail: progress reports, requests for sign-off, sign-offs (销号) and rejections.
CREATE TABLE measure_progress (
    id {{id}},
    measure_id BIGINT NOT NULL REFERENCES measures(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL CHECK (kind IN ('progress', 'submit', 'approve', 'reject')),
    reported_on TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    percent BIGINT NOT NULL DEFAULT 0,
    stage TEXT NOT NULL DEFAULT '',
    by_user BIGINT,
    by_name TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX measure_progress_measure ON measure_progress(measure_id, id);

CREATE TABLE responsibility_letters (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    year BIGINT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE letter_signatories (
    letter_id BIGINT NOT NULL REFERENCES responsibility_letters(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    capacity TEXT NOT NULL CHECK (capacity IN ('branch_secretary', 'department_head', 'other')),
    signed_on TEXT,
    recorded_by BIGINT,
    PRIMARY KEY (letter_id, person_id)
);
CREATE INDEX letter_signatories_person ON letter_signatories(person_id);

CREATE TABLE major_matter_reports (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL CHECK (kind IN ('request', 'report')),
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    submitted_by BIGINT REFERENCES people(id),
    submitted_on TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'reviewing', 'answered', 'returned')),
    answer TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX major_matter_reports_unit ON major_matter_reports(unit_id, submitted_on);

CREATE TABLE major_matter_steps (
    id {{id}},
    report_id BIGINT NOT NULL REFERENCES major_matter_reports(id) ON DELETE CASCADE,
    step TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    by_user BIGINT,
    by_name TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL
);
CREATE INDEX major_matter_steps_report ON major_matter_steps(report_id, id);
