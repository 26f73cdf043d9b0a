-- 党纪法规知识测试: a question bank, papers (fixed questions or drawn by rules), exams with their
-- candidates and window, and sittings whose questions and option order are fixed per person when
-- the sitting starts; answers are saved as the person goes and marked when the sitting closes.
CREATE TABLE questions (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL CHECK (kind IN ('single', 'multiple', 'judge', 'fill')),
    stem TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '[]',
    answer TEXT NOT NULL,
    explanation TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '',
    difficulty BIGINT NOT NULL DEFAULT 2,
    active BIGINT NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX questions_kind ON questions(kind, active);

CREATE TABLE papers (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('fixed', 'random')),
    pass_mark BIGINT NOT NULL,
    time_limit_min BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE paper_questions (
    paper_id BIGINT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    question_id BIGINT NOT NULL REFERENCES questions(id),
    position BIGINT NOT NULL,
    points BIGINT NOT NULL,
    PRIMARY KEY (paper_id, question_id)
);

CREATE TABLE paper_rules (
    id {{id}},
    paper_id BIGINT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    tag TEXT NOT NULL DEFAULT '',
    count BIGINT NOT NULL,
    points BIGINT NOT NULL
);

CREATE TABLE exams (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES units(id),
    paper_id BIGINT NOT NULL REFERENCES papers(id),
    title TEXT NOT NULL,
    opens_at BIGINT NOT NULL,
    closes_at BIGINT NOT NULL,
    attempts_allowed BIGINT NOT NULL DEFAULT 1,
    show_answers BIGINT NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX exams_window ON exams(opens_at, closes_at);

CREATE TABLE exam_candidates (
    exam_id BIGINT NOT NULL REFERENCES exams(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id),
    PRIMARY KEY (exam_id, person_id)
);
CREATE INDEX exam_candidates_person ON exam_candidates(person_id);

CREATE TABLE exam_attempts (
    id {{id}},
    exam_id BIGINT NOT NULL REFERENCES exams(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    started_at BIGINT NOT NULL,
    deadline_at BIGINT NOT NULL,
    submitted_at BIGINT,
    closed_by TEXT CHECK (closed_by IN ('submitted', 'deadline')),
    score BIGINT,
    total BIGINT NOT NULL DEFAULT 0,
    passed BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX exam_attempts_exam ON exam_attempts(exam_id, person_id);
CREATE INDEX exam_attempts_person ON exam_attempts(person_id);

CREATE TABLE attempt_answers (
    attempt_id BIGINT NOT NULL REFERENCES exam_attempts(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    question_id BIGINT NOT NULL REFERENCES questions(id),
    points BIGINT NOT NULL,
    option_order TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL DEFAULT '',
    correct BIGINT,
    score BIGINT,
    PRIMARY KEY (attempt_id, position)
);
CREATE INDEX attempt_answers_question ON attempt_answers(question_id);
