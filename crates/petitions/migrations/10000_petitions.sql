-- 信访稳定: special periods and their duty roster (值班) with swaps, leading groups, petitions with
-- the trail of their four stages, reception records (接访), mediations (调处), screening rounds and
-- findings (排查), and watches (稳控). Petitions, receptions and mediations carry a label (the
-- clearance a reader needs, 2 = 秘密); the columns ending in _sealed hold SM4 ciphertext made with
-- the field key kept outside the database, _masked the form lists show, _index a keyed HMAC-SM3
-- for exact search.
CREATE TABLE stability_periods (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    name TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    posts TEXT NOT NULL,
    requirements TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX stability_periods_unit ON stability_periods(unit_id, starts_on);

CREATE TABLE duty_roster (
    id {{id}},
    period_id BIGINT NOT NULL REFERENCES stability_periods(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    duty_on TEXT NOT NULL,
    post TEXT NOT NULL CHECK (post IN ('leader', 'officer', 'reception', 'night')),
    person_id BIGINT REFERENCES people(id),
    version BIGINT NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL,
    UNIQUE (period_id, duty_on, post)
);
CREATE INDEX duty_roster_day ON duty_roster(duty_on, person_id);
CREATE INDEX duty_roster_person ON duty_roster(person_id);

-- Every change of who is on duty in a slot: filling a gap (from nobody) or a swap (调班), with why.
CREATE TABLE duty_swaps (
    id {{id}},
    roster_id BIGINT NOT NULL REFERENCES duty_roster(id) ON DELETE CASCADE,
    from_person_id BIGINT REFERENCES people(id),
    to_person_id BIGINT REFERENCES people(id),
    reason TEXT NOT NULL DEFAULT '',
    by_user BIGINT,
    by_name TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX duty_swaps_roster ON duty_swaps(roster_id);

CREATE TABLE leading_groups (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    name TEXT NOT NULL,
    purpose TEXT NOT NULL DEFAULT '',
    period_id BIGINT REFERENCES stability_periods(id) ON DELETE SET NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT,
    doc_number TEXT NOT NULL DEFAULT '',
    office TEXT NOT NULL DEFAULT '',
    duties TEXT NOT NULL DEFAULT '',
    copied_from BIGINT REFERENCES leading_groups(id),
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX leading_groups_unit ON leading_groups(unit_id, starts_on);

CREATE TABLE leading_group_members (
    group_id BIGINT NOT NULL REFERENCES leading_groups(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id),
    role TEXT NOT NULL CHECK (role IN ('head', 'deputy', 'member', 'office')),
    duty TEXT NOT NULL DEFAULT '',
    position BIGINT NOT NULL,
    PRIMARY KEY (group_id, person_id)
);
CREATE INDEX leading_group_members_person ON leading_group_members(person_id);

CREATE TABLE petitions (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    label BIGINT NOT NULL DEFAULT 2,
    case_no TEXT NOT NULL,
    received_on TEXT NOT NULL,
    received_time TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL CHECK (channel IN ('visit', 'letter', 'phone', 'online', 'referred', 'mailbox')),
    kind TEXT NOT NULL CHECK (kind IN ('sentence_change', 'custody', 'medical', 'contact', 'police_conduct', 'collective', 'consultation', 'other')),
    petitioner_type TEXT NOT NULL CHECK (petitioner_type IN ('family', 'prisoner', 'released', 'officer', 'public', 'other')),
    petitioner_name_sealed TEXT NOT NULL,
    petitioner_name_masked TEXT NOT NULL,
    petitioner_name_index TEXT NOT NULL,
    petitioner_id_sealed TEXT NOT NULL DEFAULT '',
    petitioner_id_index TEXT,
    petitioner_id_masked TEXT NOT NULL DEFAULT '',
    petitioner_phone_sealed TEXT NOT NULL DEFAULT '',
    petitioner_phone_masked TEXT NOT NULL DEFAULT '',
    petitioner_address_sealed TEXT NOT NULL DEFAULT '',
    visitors BIGINT NOT NULL DEFAULT 1,
    summary_sealed TEXT NOT NULL,
    involved_sealed TEXT NOT NULL DEFAULT '',
    concerned_unit_id BIGINT REFERENCES units(id),
    handler_user_id BIGINT REFERENCES users(id),
    escalated BIGINT NOT NULL DEFAULT 0,
    stage TEXT NOT NULL DEFAULT 'received' CHECK (stage IN ('received', 'emergency', 'handling', 'closed')),
    reply_due_on TEXT NOT NULL,
    replied_on TEXT,
    closed_on TEXT,
    reviewed_by BIGINT REFERENCES users(id),
    reviewed_on TEXT,
    reopened BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (case_no),
    CHECK (stage <> 'closed' OR (replied_on IS NOT NULL AND closed_on IS NOT NULL))
);
CREATE INDEX petitions_unit_day ON petitions(unit_id, received_on);
CREATE INDEX petitions_stage ON petitions(stage, reply_due_on);
CREATE INDEX petitions_handler ON petitions(handler_user_id, stage);
CREATE INDEX petitions_name_index ON petitions(petitioner_name_index);
CREATE INDEX petitions_id_index ON petitions(petitioner_id_index);
CREATE INDEX petitions_closed ON petitions(closed_on);

-- The trail: registration, each move between the stages and what is recorded within 处置, with
-- who recorded it and when it happened (for 应急启动: who was notified, and when).
CREATE TABLE petition_steps (
    id {{id}},
    petition_id BIGINT NOT NULL REFERENCES petitions(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('register', 'escalate', 'handle', 'step', 'mediation', 'reply', 'close', 'review', 'reopen')),
    stage_from TEXT NOT NULL DEFAULT '',
    stage_to TEXT NOT NULL,
    happened_on TEXT NOT NULL,
    happened_time TEXT NOT NULL DEFAULT '',
    notified TEXT NOT NULL DEFAULT '',
    reply_method TEXT NOT NULL DEFAULT '',
    text_sealed TEXT NOT NULL DEFAULT '',
    by_user BIGINT,
    by_name TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX petition_steps_petition ON petition_steps(petition_id, id);
CREATE INDEX petition_steps_kind_day ON petition_steps(kind, happened_on);

CREATE TABLE petition_mediations (
    id {{id}},
    petition_id BIGINT NOT NULL REFERENCES petitions(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    label BIGINT NOT NULL DEFAULT 2,
    mediated_on TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('talk', 'joint', 'hearing', 'legal_aid', 'psychological')),
    mediator_id BIGINT REFERENCES people(id),
    parties_sealed TEXT NOT NULL DEFAULT '',
    content_sealed TEXT NOT NULL,
    result TEXT NOT NULL CHECK (result IN ('agreed', 'partial', 'failed', 'pending')),
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX petition_mediations_petition ON petition_mediations(petition_id);
CREATE INDEX petition_mediations_day ON petition_mediations(mediated_on);

CREATE TABLE petition_receptions (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    label BIGINT NOT NULL DEFAULT 2,
    received_on TEXT NOT NULL,
    received_time TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('leader', 'daily', 'appointment', 'outreach')),
    receiver_id BIGINT REFERENCES people(id),
    place TEXT NOT NULL DEFAULT '',
    visitors BIGINT NOT NULL DEFAULT 1,
    visitor_name_sealed TEXT NOT NULL,
    visitor_name_masked TEXT NOT NULL,
    content_sealed TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('answered', 'registered', 'referred', 'other')),
    petition_id BIGINT REFERENCES petitions(id) ON DELETE SET NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX petition_receptions_unit_day ON petition_receptions(unit_id, received_on);

CREATE TABLE stability_screenings (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    period_id BIGINT REFERENCES stability_periods(id) ON DELETE SET NULL,
    kind TEXT NOT NULL CHECK (kind IN ('routine', 'special', 'holiday', 'other')),
    title TEXT NOT NULL,
    screened_on TEXT NOT NULL,
    coverage TEXT NOT NULL DEFAULT '',
    organiser TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX stability_screenings_unit_day ON stability_screenings(unit_id, screened_on);

CREATE TABLE stability_findings (
    id {{id}},
    screening_id BIGINT NOT NULL REFERENCES stability_screenings(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    category TEXT NOT NULL CHECK (category IN ('petition', 'prisoner', 'officer', 'family', 'public_opinion', 'other')),
    level TEXT NOT NULL CHECK (level IN ('high', 'medium', 'low')),
    description TEXT NOT NULL,
    measures TEXT NOT NULL DEFAULT '',
    responsible_id BIGINT REFERENCES people(id),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'controlled', 'resolved')),
    resolved_on TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX stability_findings_screening ON stability_findings(screening_id);
CREATE INDEX stability_findings_unit ON stability_findings(unit_id, status);

CREATE TABLE stability_watches (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('person', 'situation')),
    subject TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('high', 'medium', 'low')),
    reason TEXT NOT NULL DEFAULT '',
    measures TEXT NOT NULL,
    responsible_id BIGINT NOT NULL REFERENCES people(id),
    leader_id BIGINT REFERENCES people(id),
    started_on TEXT NOT NULL,
    review_on TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'lifted')),
    lifted_on TEXT,
    finding_id BIGINT REFERENCES stability_findings(id) ON DELETE SET NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX stability_watches_unit ON stability_watches(unit_id, status, review_on);

CREATE TABLE stability_watch_logs (
    id {{id}},
    watch_id BIGINT NOT NULL REFERENCES stability_watches(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('check', 'review', 'lift')),
    logged_on TEXT NOT NULL,
    text TEXT NOT NULL,
    by_user BIGINT,
    by_name TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX stability_watch_logs_watch ON stability_watch_logs(watch_id);
