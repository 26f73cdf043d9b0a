-- Party organisations keep their history: a reorganisation dissolves some and founds others.
CREATE TABLE party_orgs (
    id {{id}},
    parent_id BIGINT REFERENCES party_orgs(id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('committee', 'discipline_committee', 'general_branch', 'branch', 'party_group')),
    path TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    founded_on TEXT NOT NULL,
    dissolved_on TEXT,
    term_years BIGINT NOT NULL DEFAULT 3,
    sort_order BIGINT NOT NULL DEFAULT 0,
    description TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX party_orgs_unit ON party_orgs(unit_id);
CREATE INDEX party_orgs_parent ON party_orgs(parent_id);
CREATE INDEX party_orgs_path ON party_orgs(path);
CREATE TABLE party_org_units (
    org_id BIGINT NOT NULL REFERENCES party_orgs(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    PRIMARY KEY (org_id, unit_id)
);

CREATE TABLE people (
    id {{id}},
    kind TEXT NOT NULL CHECK (kind IN ('officer', 'worker')),
    name TEXT NOT NULL,
    gender TEXT NOT NULL CHECK (gender IN ('male', 'female')),
    birth_date TEXT NOT NULL,
    id_number_sealed TEXT NOT NULL DEFAULT '',
    id_number_index TEXT,
    id_number_masked TEXT NOT NULL DEFAULT '',
    police_number TEXT,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    post TEXT NOT NULL DEFAULT '',
    police_rank TEXT NOT NULL DEFAULT '',
    leadership_level TEXT NOT NULL DEFAULT '',
    party_status TEXT NOT NULL DEFAULT 'masses',
    party_join_date TEXT,
    branch_id BIGINT REFERENCES party_orgs(id),
    phone TEXT NOT NULL DEFAULT '',
    employment_status TEXT NOT NULL DEFAULT 'active',
    user_id BIGINT REFERENCES users(id),
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX people_id_number ON people(id_number_index);
CREATE UNIQUE INDEX people_police_number ON people(police_number);
CREATE INDEX people_unit ON people(unit_id);
CREATE INDEX people_branch ON people(branch_id);
CREATE UNIQUE INDEX people_user ON people(user_id);

-- Which branch a person belonged to, and when: the profile's history.
CREATE TABLE branch_memberships (
    id {{id}},
    person_id BIGINT NOT NULL REFERENCES people(id),
    org_id BIGINT NOT NULL REFERENCES party_orgs(id),
    from_date TEXT NOT NULL,
    to_date TEXT
);
CREATE INDEX branch_memberships_person ON branch_memberships(person_id);
CREATE INDEX branch_memberships_org ON branch_memberships(org_id);

CREATE TABLE congresses (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES party_orgs(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    session_no BIGINT NOT NULL,
    name TEXT NOT NULL,
    held_on TEXT NOT NULL,
    delegates BIGINT NOT NULL DEFAULT 0,
    description TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE elections (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES party_orgs(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    congress_id BIGINT REFERENCES congresses(id),
    kind TEXT NOT NULL CHECK (kind IN ('term', 'by_election')),
    held_on TEXT NOT NULL,
    term_years BIGINT NOT NULL,
    term_end TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX elections_org ON elections(org_id);

-- Secretary, deputy and members of an organisation's committee, each with a term.
CREATE TABLE org_officers (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES party_orgs(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    election_id BIGINT REFERENCES elections(id) ON DELETE CASCADE,
    post TEXT NOT NULL CHECK (post IN ('secretary', 'deputy_secretary', 'member')),
    term_start TEXT NOT NULL,
    term_end TEXT NOT NULL,
    ended_on TEXT
);
CREATE INDEX org_officers_org ON org_officers(org_id);
CREATE INDEX org_officers_person ON org_officers(person_id);

CREATE TABLE personnel_changes (
    id {{id}},
    person_id BIGINT NOT NULL REFERENCES people(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL CHECK (kind IN ('appointment', 'removal', 'post_exchange', 'rank_promotion', 'level_change', 'transfer')),
    effective_on TEXT NOT NULL,
    doc_number TEXT NOT NULL DEFAULT '',
    before_post TEXT NOT NULL DEFAULT '',
    after_post TEXT NOT NULL DEFAULT '',
    before_level TEXT NOT NULL DEFAULT '',
    after_level TEXT NOT NULL DEFAULT '',
    before_rank TEXT NOT NULL DEFAULT '',
    after_rank TEXT NOT NULL DEFAULT '',
    before_unit_id BIGINT REFERENCES units(id),
    after_unit_id BIGINT REFERENCES units(id),
    reason TEXT NOT NULL DEFAULT '',
    created_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX personnel_changes_person ON personnel_changes(person_id);
CREATE INDEX personnel_changes_date ON personnel_changes(effective_on);
