-- 目标体系: frameworks (省局“八大工程”, 本监“1425”工作目标, “六大建设” …) → goals → indicators.
-- An indicator is measured by a figure of the catalogue against a target and may name a
-- compliance rule of 学习与会议; measures of 主体责任 link to it through measure_goal_links.
CREATE TABLE goal_nodes (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    parent_id BIGINT REFERENCES goal_nodes(id),
    kind TEXT NOT NULL CHECK (kind IN ('framework', 'goal', 'indicator')),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    sort_order BIGINT NOT NULL DEFAULT 0,
    figure_key TEXT,
    target BIGINT,
    comparison TEXT NOT NULL DEFAULT 'at_least' CHECK (comparison IN ('at_least', 'at_most')),
    rule_code TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX goal_nodes_parent ON goal_nodes (parent_id);
CREATE INDEX goal_nodes_unit ON goal_nodes (unit_id);
CREATE INDEX measure_goal_links_indicator ON measure_goal_links (indicator_id);
