CREATE TABLE units (
    id {{id}},
    parent_id BIGINT REFERENCES units(id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('bureau', 'prison', 'department')),
    path TEXT NOT NULL,
    prison_id BIGINT,
    sort_order BIGINT NOT NULL DEFAULT 0,
    phone TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);
CREATE INDEX units_path ON units(path);

CREATE TABLE roles (
    id {{id}},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    admin_kind TEXT,
    data_scope TEXT NOT NULL CHECK (data_scope IN ('all', 'custom', 'unit', 'unit_and_below', 'self')),
    builtin BIGINT NOT NULL DEFAULT 0,
    description TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1
);
CREATE TABLE role_permissions (
    role_id BIGINT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (role_id, permission)
);
CREATE TABLE builtin_grants (
    role_code TEXT NOT NULL,
    permission TEXT NOT NULL,
    PRIMARY KEY (role_code, permission)
);
CREATE TABLE role_units (
    role_id BIGINT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    PRIMARY KEY (role_id, unit_id)
);

CREATE TABLE users (
    id {{id}},
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    password_hash TEXT NOT NULL,
    password_changed_at BIGINT NOT NULL,
    must_change_password BIGINT NOT NULL DEFAULT 0,
    password_never_expires BIGINT NOT NULL DEFAULT 0,
    failed_count BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    clearance BIGINT NOT NULL DEFAULT 0,
    phone TEXT NOT NULL DEFAULT '',
    last_login_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX users_unit ON users(unit_id);
CREATE TABLE user_roles (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL REFERENCES roles(id),
    PRIMARY KEY (user_id, role_id)
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('web', 'api')),
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    addr TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);

-- The chain's head (last row), and its anchor: the last row purged under the retention policy.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    mac TEXT NOT NULL,
    anchor_seq BIGINT NOT NULL DEFAULT 0,
    anchor_mac TEXT NOT NULL DEFAULT '',
    purging BIGINT NOT NULL DEFAULT 0
);
INSERT INTO audit_head (id, seq, mac) VALUES (1, 0, '');
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    user_id BIGINT,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_id BIGINT,
    addr TEXT NOT NULL,
    event TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    detail TEXT NOT NULL,
    result TEXT NOT NULL,
    request_id TEXT NOT NULL,
    mac TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_user ON audit_log(username);

CREATE TABLE attachments (
    id {{id}},
    owner_type TEXT NOT NULL,
    owner_id BIGINT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    file_name TEXT NOT NULL,
    stored_name TEXT NOT NULL UNIQUE,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    checksum TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_owner ON attachments(owner_type, owner_id);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL
);

CREATE TABLE search_docs (
    id {{id}},
    kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    unit_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    words TEXT NOT NULL,
    UNIQUE (kind, record_id)
);
