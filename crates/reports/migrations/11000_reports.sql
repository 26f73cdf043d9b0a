-- 工作报告模板: sections of text that embed figures by key ({{branches_founded}}, {{x|余}} …).
CREATE TABLE report_templates (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
