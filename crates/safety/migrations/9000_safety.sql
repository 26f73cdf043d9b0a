-- 安保维稳（五安全一稳定）: the labelled key-prisoner register with its reviews; sentence changes
-- (减刑、假释、暂予监外执行) with a date for each stage; inspections whose kinds are the special
-- production-safety checks and the six custody keys, each a checklist from an editable template;
-- hazards with level, responsible department, deadline, rectification, evidence and sign-off;
-- epidemic prevention meetings, closed-duty rosters and vaccination counts; critical incidents of
-- configurable kinds (the six must-never-happen kinds by default).

-- 重点罪犯 (label 2 = 秘密: read with keyprisoner:view and a clearance of at least the label). No
-- other table refers to these rows: other ledgers never name a key prisoner.
CREATE TABLE key_prisoners (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    label BIGINT NOT NULL DEFAULT 2,
    prisoner_no TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    risk_level TEXT NOT NULL CHECK (risk_level IN ('high', 'medium', 'low')),
    control_measures TEXT NOT NULL,
    officer_id BIGINT NOT NULL REFERENCES people(id),
    listed_on TEXT NOT NULL,
    review_on TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'delisted')),
    delisted_on TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (prisoner_no)
);
CREATE INDEX key_prisoners_unit ON key_prisoners(unit_id, status);

CREATE TABLE key_prisoner_reviews (
    id {{id}},
    key_prisoner_id BIGINT NOT NULL REFERENCES key_prisoners(id) ON DELETE CASCADE,
    reviewed_on TEXT NOT NULL,
    reviewer_id BIGINT NOT NULL REFERENCES people(id),
    conclusion TEXT NOT NULL CHECK (conclusion IN ('keep', 'adjust', 'delist')),
    risk_before TEXT NOT NULL,
    risk_after TEXT NOT NULL,
    control_measures TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    next_review_on TEXT,
    created_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX key_prisoner_reviews_prisoner ON key_prisoner_reviews(key_prisoner_id, reviewed_on);

-- 减假暂: the stage is never stored, it is the last stage with a date.
CREATE TABLE sentence_changes (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    case_no TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('commutation', 'parole', 'medical_parole')),
    proposed_on TEXT NOT NULL,
    reviewed_on TEXT,
    publicised_on TEXT,
    meeting_on TEXT,
    submitted_on TEXT,
    decided_on TEXT,
    result TEXT NOT NULL DEFAULT '' CHECK (result IN ('', 'granted', 'partly', 'rejected')),
    note TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (case_no)
);
CREATE INDEX sentence_changes_unit ON sentence_changes(unit_id, proposed_on);

CREATE TABLE sentence_change_officers (
    case_id BIGINT NOT NULL REFERENCES sentence_changes(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id),
    PRIMARY KEY (case_id, person_id)
);

-- Check-item templates, per inspection kind: an inspection copies the active items as its checklist.
CREATE TABLE check_items (
    id {{id}},
    kind TEXT NOT NULL,
    position BIGINT NOT NULL,
    item TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX check_items_kind ON check_items(kind, position);

INSERT INTO check_items (kind, position, item, created_at, updated_at) VALUES
    ('fire', 1, '消防设施、器材配置齐全，在有效期内，完好有效', 0, 0),
    ('fire', 2, '疏散通道、安全出口畅通，应急照明和疏散指示标志完好', 0, 0),
    ('fire', 3, '消防控制室24小时值班，值班人员持证上岗', 0, 0),
    ('fire', 4, '监舍、车间无私拉乱接电线，无违规使用明火', 0, 0),
    ('fire', 5, '防火巡查记录完整，微型消防站人员装备到位', 0, 0),
    ('gas', 1, '燃气管道、阀门、软管无老化、无泄漏', 0, 0),
    ('gas', 2, '燃气泄漏报警装置完好，与切断阀联动有效', 0, 0),
    ('gas', 3, '厨房操作人员经安全培训，操作规程上墙', 0, 0),
    ('gas', 4, '燃气使用场所通风良好，无堆放易燃物', 0, 0),
    ('electricity', 1, '配电室门锁完好，专人管理，绝缘用具齐全', 0, 0),
    ('electricity', 2, '线路无老化、裸露，漏电保护装置动作可靠', 0, 0),
    ('electricity', 3, '生产设备接地良好，电气作业持证上岗', 0, 0),
    ('electricity', 4, '大功率电器使用审批登记，无超负荷用电', 0, 0),
    ('flood', 1, '防汛物资（沙袋、水泵、雨具）储备充足、登记在册', 0, 0),
    ('flood', 2, '排水沟渠、雨水井畅通，无淤堵', 0, 0),
    ('flood', 3, '围墙、低洼部位、地下空间排查到位', 0, 0),
    ('flood', 4, '防汛值班和应急抢险队伍落实', 0, 0),
    ('dangerous_goods', 1, '危险品专库存放，双人双锁管理', 0, 0),
    ('dangerous_goods', 2, '领用、归还登记完整，账物相符', 0, 0),
    ('dangerous_goods', 3, '罪犯不接触危险品，作业现场专人监管', 0, 0),
    ('hazardous_chemicals', 1, '危化品分类存放，安全技术说明书齐全', 0, 0),
    ('hazardous_chemicals', 2, '储存场所通风、防爆、防泄漏设施完好', 0, 0),
    ('hazardous_chemicals', 3, '出入库台账完整，废弃物按规定处置', 0, 0),
    ('dilapidated_buildings', 1, '房屋主体结构无明显裂缝、沉降、倾斜', 0, 0),
    ('dilapidated_buildings', 2, '屋面无渗漏，外墙、附属构件无脱落风险', 0, 0),
    ('dilapidated_buildings', 3, '鉴定为危房的已停止使用并设置警示', 0, 0),
    ('custody_prisoners', 1, '重点罪犯排查认定及时，包夹控制措施落实', 0, 0),
    ('custody_prisoners', 2, '重点罪犯谈话教育、心理疏导按要求开展', 0, 0),
    ('custody_prisoners', 3, '重点罪犯动态研判记录完整', 0, 0),
    ('custody_rules', 1, '清监、点名、查岗制度落实，记录完整', 0, 0),
    ('custody_rules', 2, '监管安全分析研判例会按期召开', 0, 0),
    ('custody_rules', 3, '罪犯会见、通信、亲情电话按规定管理', 0, 0),
    ('custody_links', 1, '出收工、就餐、就医等环节警力到位', 0, 0),
    ('custody_links', 2, '罪犯外出就医押解方案审批完备', 0, 0),
    ('custody_links', 3, '劳动现场工具管控和收工清点落实', 0, 0),
    ('custody_places', 1, '围墙、电网、大门、AB门运行正常', 0, 0),
    ('custody_places', 2, '监控无盲区，录像保存期限符合要求', 0, 0),
    ('custody_places', 3, '禁闭室、会见室、医院病房等部位管控到位', 0, 0),
    ('custody_items', 1, '违禁品清查彻底，清查记录完整', 0, 0),
    ('custody_items', 2, '生产工具、刀具定置管理、编号登记', 0, 0),
    ('custody_items', 3, '罪犯物品入监检查和日常检查落实', 0, 0),
    ('custody_periods', 1, '节假日、重大活动期间警力部署和值班安排落实', 0, 0),
    ('custody_periods', 2, '夜间、交接班时段巡查记录完整', 0, 0),
    ('custody_periods', 3, '恶劣天气等特殊时段应急预案落实', 0, 0),
    ('ideology', 1, '监内宣传栏、广播、电视等阵地内容经审核', 0, 0),
    ('ideology', 2, '图书阅览室书刊、音像制品清查无违禁内容', 0, 0),
    ('ideology', 3, '民警职工网络言行和自媒体管理落实', 0, 0),
    ('other', 1, '安全责任制落实，检查记录完整', 0, 0),
    ('other', 2, '上次检查发现问题已整改到位', 0, 0);

-- 安全检查: organised by one unit, of a place or another unit; the checklist is the copied template.
CREATE TABLE inspections (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    target_unit_id BIGINT REFERENCES units(id),
    kind TEXT NOT NULL,
    inspected_on TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX inspections_unit_day ON inspections(unit_id, inspected_on);
CREATE INDEX inspections_kind_day ON inspections(kind, inspected_on);

CREATE TABLE inspection_inspectors (
    inspection_id BIGINT NOT NULL REFERENCES inspections(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id),
    PRIMARY KEY (inspection_id, person_id)
);

CREATE TABLE inspection_results (
    inspection_id BIGINT NOT NULL REFERENCES inspections(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    item TEXT NOT NULL,
    result TEXT NOT NULL CHECK (result IN ('ok', 'problem', 'na')),
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (inspection_id, position)
);

-- 隐患: the responsible department rectifies (unit_id); the inspecting side signs off
-- (source_unit_id, the inspection's unit). 已逾期 is never stored: deadline passed, not signed off.
CREATE TABLE hazards (
    id {{id}},
    inspection_id BIGINT REFERENCES inspections(id),
    source_unit_id BIGINT NOT NULL REFERENCES units(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL,
    found_on TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('general', 'major')),
    deadline TEXT NOT NULL,
    rectification TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '',
    rectified_on TEXT,
    rectified_by BIGINT,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'rectified', 'closed')),
    closed_on TEXT,
    closed_by BIGINT,
    closed_by_name TEXT NOT NULL DEFAULT '',
    returned_note TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX hazards_unit ON hazards(unit_id, status, deadline);
CREATE INDEX hazards_source ON hazards(source_unit_id, found_on);
CREATE INDEX hazards_inspection ON hazards(inspection_id);

-- 疫情防控: prevention meetings (专题研判会、部署会), optionally the #4 meeting where it was held.
CREATE TABLE epidemic_meetings (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL CHECK (kind IN ('analysis', 'deployment', 'other')),
    title TEXT NOT NULL,
    held_on TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    host TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    meeting_id BIGINT REFERENCES meetings(id),
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX epidemic_meetings_unit_day ON epidemic_meetings(unit_id, held_on);

CREATE TABLE epidemic_meeting_attendance (
    epidemic_meeting_id BIGINT NOT NULL REFERENCES epidemic_meetings(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id),
    status TEXT NOT NULL CHECK (status IN ('present', 'late', 'absent')),
    reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (epidemic_meeting_id, person_id)
);

-- 入监封闭执勤: a rotation (轮次) and who was in, from when to when. Person-times are derived:
-- overlapping stretches of one person count once.
CREATE TABLE epidemic_rosters (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    from_on TEXT NOT NULL,
    to_on TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX epidemic_rosters_unit_day ON epidemic_rosters(unit_id, from_on);

CREATE TABLE epidemic_roster_entries (
    id {{id}},
    roster_id BIGINT NOT NULL REFERENCES epidemic_rosters(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id),
    from_on TEXT NOT NULL,
    to_on TEXT NOT NULL,
    CHECK (from_on <= to_on)
);
CREATE INDEX epidemic_roster_entries_person ON epidemic_roster_entries(person_id, from_on);
CREATE INDEX epidemic_roster_entries_roster ON epidemic_roster_entries(roster_id);

-- 疫苗接种: counts per population and unit at a date (the latest count at a date is the one that holds).
CREATE TABLE epidemic_vaccinations (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    population TEXT NOT NULL CHECK (population IN ('officers', 'workers', 'prisoners')),
    as_of TEXT NOT NULL,
    total BIGINT NOT NULL CHECK (total >= 0),
    vaccinated BIGINT NOT NULL CHECK (vaccinated >= 0 AND vaccinated <= total),
    boosted BIGINT NOT NULL DEFAULT 0 CHECK (boosted >= 0 AND boosted <= vaccinated),
    note TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (unit_id, population, as_of)
);

-- 六个绝对不能发生: the kinds are configurable; the six are there by default.
CREATE TABLE critical_incident_kinds (
    id {{id}},
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    sort_order BIGINT NOT NULL DEFAULT 0,
    active BIGINT NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (code),
    UNIQUE (name)
);

INSERT INTO critical_incident_kinds (code, name, sort_order, created_at, updated_at) VALUES
    ('escape', '罪犯脱逃', 10, 0, 0),
    ('major_case', '狱内重大案件', 20, 0, 0),
    ('production_accident', '重大安全生产事故', 30, 0, 0),
    ('epidemic', '重大疫情', 40, 0, 0),
    ('public_opinion', '重大舆情', 50, 0, 0),
    ('officer_misconduct', '民警重大违纪违法', 60, 0, 0);

CREATE TABLE critical_incidents (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    kind_id BIGINT NOT NULL REFERENCES critical_incident_kinds(id),
    occurred_on TEXT NOT NULL,
    title TEXT NOT NULL,
    facts TEXT NOT NULL,
    handling TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX critical_incidents_kind_day ON critical_incidents(kind_id, occurred_on);
CREATE INDEX critical_incidents_unit_day ON critical_incidents(unit_id, occurred_on);
