//! Volumes for benchmarks (#12): `gangju generate --scale prison|province` fills a database with
//! fictional but realistic amounts on top of the demo. A prison is 1,200 people in 30 Party
//! organisations with five past years of weekly branch study and its attendance (~300k rows),
//! 5k measures with their trail (and this year's task plan so far), 10k hazards, 2k petitions,
//! 200k exam answers and 100k audit rows; the province is thirty prisons of that. Everything is
//! generated (names from syllable lists, numbers from a seeded generator) and marked 生成; rows
//! are written in multi-row statements of bounded size, so memory stays flat whatever the scale.

use anyhow::Context;
use jiff::ToSpan;
use jiff::civil::Date;
use platform::audit::{Actor, Event};
use platform::db::Backend;
use platform::state::AppState;
use std::time::Instant;

/// How much one prison gets.
#[derive(Clone, Copy, Debug)]
pub struct Volumes {
    pub people: usize,
    pub branches: usize,
    pub years: i16,
    pub measures_per_year: usize,
    pub hazards_per_year: usize,
    pub petitions_per_year: usize,
    pub exams_per_year: usize,
    pub sitters_per_exam: usize,
    pub questions_per_paper: usize,
    pub audit_rows: usize,
}

impl Volumes {
    /// One prison as the issue sizes it.
    pub const PRISON: Volumes = Volumes {
        people: 1200,
        branches: 28,
        years: 5,
        measures_per_year: 1000,
        hazards_per_year: 2000,
        petitions_per_year: 400,
        exams_per_year: 2,
        sitters_per_exam: 1000,
        questions_per_paper: 20,
        audit_rows: 100_000,
    };
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    Prison,
    Province,
}

impl std::str::FromStr for Scale {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "prison" => Ok(Scale::Prison),
            "province" => Ok(Scale::Province),
            other => Err(format!("规模只能是 prison 或 province，不是“{other}”")),
        }
    }
}

/// A small deterministic generator (xorshift64*): the same scale gives the same data.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀", "霞", "平",
    "刚", "建", "华", "文", "晨", "宇", "浩", "鹏", "博", "志", "远",
];

fn name(rng: &mut Rng) -> String {
    let mut n = rng.pick(SURNAMES).to_string();
    n.push_str(rng.pick::<&str>(GIVEN));
    if rng.chance(70) {
        n.push_str(rng.pick::<&str>(GIVEN));
    }
    n
}

/// A value of a generated row. A NULL carries its column's type: PostgreSQL fixes a prepared
/// statement's parameter types, so a NULL must be bound as the type the column holds.
enum V {
    I(i64),
    T(String),
    /// NULL in a text column.
    N,
    /// NULL in a number column.
    NI,
}

/// Rows of one table buffered up to ~30,000 values and written a buffer per transaction (so
/// neither memory nor the write-ahead log grows with the scale).
/// `push` writes when the buffer is full; a child table's rows are pushed with `push_after`, which
/// writes the parents' buffered rows first, so no row points at one not yet written.
struct Bulk<'a> {
    state: &'a AppState,
    table: &'static str,
    cols: &'static [&'static str],
    rows: Vec<Vec<V>>,
    written: u64,
}

impl<'a> Bulk<'a> {
    fn new(state: &'a AppState, table: &'static str, cols: &'static [&'static str]) -> Self {
        Bulk { state, table, cols, rows: Vec::new(), written: 0 }
    }

    fn full(&self) -> bool {
        self.rows.len() * self.cols.len() >= 30_000
    }

    async fn push(&mut self, row: Vec<V>) -> anyhow::Result<()> {
        debug_assert_eq!(row.len(), self.cols.len());
        self.rows.push(row);
        if self.full() {
            self.flush().await?;
        }
        Ok(())
    }

    async fn push_after(&mut self, parents: &mut [&mut Bulk<'_>], row: Vec<V>) -> anyhow::Result<()> {
        debug_assert_eq!(row.len(), self.cols.len());
        self.rows.push(row);
        if self.full() {
            for p in parents.iter_mut() {
                p.flush().await?;
            }
            self.flush().await?;
        }
        Ok(())
    }

    /// One prepared single-row statement run for each buffered row, all in one transaction: with
    /// the statement cached this is much faster than one huge multi-row statement through the
    /// database-neutral driver.
    async fn flush(&mut self) -> anyhow::Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let marks: Vec<String> = (1..=self.cols.len()).map(|i| format!("${i}")).collect();
        let sql = format!("INSERT INTO {} ({}) VALUES ({})", self.table, self.cols.join(", "), marks.join(", "));
        let mut tx = self.state.db.begin().await?;
        for row in self.rows.drain(..) {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for v in row {
                q = match v {
                    V::I(n) => q.bind(n),
                    V::T(s) => q.bind(s),
                    V::N => q.bind(Option::<String>::None),
                    V::NI => q.bind(Option::<i64>::None),
                };
            }
            q.execute(&mut *tx).await.with_context(|| format!("writing {}", self.table))?;
            self.written += 1;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The next free id of a table (ids are assigned here so children can point at their parents).
async fn next_id(state: &AppState, table: &str) -> anyhow::Result<i64> {
    let q = format!("SELECT CAST(coalesce(max(id), 0) AS BIGINT) FROM {table}");
    Ok(sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(q)).fetch_one(&state.db.pool).await? + 1)
}

/// PostgreSQL's sequences do not see ids written explicitly; move them past the largest.
async fn fix_sequences(state: &AppState, tables: &[&str]) -> anyhow::Result<()> {
    if state.db.backend != Backend::Postgres {
        return Ok(());
    }
    for t in tables {
        let q = format!(
            "SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT CAST(coalesce(max(id), 1) AS BIGINT) FROM {t}))"
        );
        sqlx::query(sqlx::AssertSqlSafe(q)).execute(&state.db.pool).await?;
    }
    Ok(())
}

/// A prison's units, people and branches the volumes hang on.
struct Prison {
    id: i64,
    code: String,
    units: Vec<i64>,
    /// (person, unit, branch)
    people: Vec<(i64, i64, Option<i64>)>,
    /// (branch org, its unit)
    branches: Vec<(i64, i64)>,
}

async fn load(state: &AppState, prison: i64) -> anyhow::Result<Prison> {
    let db = &state.db.pool;
    let code: String = sqlx::query_scalar("SELECT code FROM units WHERE id = $1").bind(prison).fetch_one(db).await?;
    let units: Vec<i64> = sqlx::query_scalar("SELECT id FROM units WHERE prison_id = $1 AND id <> $1 ORDER BY id")
        .bind(prison)
        .fetch_all(db)
        .await?;
    let people: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT p.id, p.unit_id, p.branch_id FROM people p JOIN units u ON u.id = p.unit_id \
         WHERE (u.prison_id = $1 OR u.id = $1) AND p.employment_status = 'active' ORDER BY p.id",
    )
    .bind(prison)
    .fetch_all(db)
    .await?;
    let branches: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT o.id, o.unit_id FROM party_orgs o JOIN units u ON u.id = o.unit_id \
         WHERE (u.prison_id = $1 OR u.id = $1) AND o.kind = 'branch' AND o.dissolved_on IS NULL ORDER BY o.id",
    )
    .bind(prison)
    .fetch_all(db)
    .await?;
    Ok(Prison { id: prison, code, units, people, branches })
}

const DEPARTMENTS: &[&str] =
    &["办公室", "政治处", "纪委办公室", "狱政管理科", "刑罚执行科", "教育改造科", "生活卫生科", "安全生产科"];

/// A prison with its departments and areas, 1,200 people and its committee and branches.
async fn new_prison(state: &AppState, n: usize, v: &Volumes, rng: &mut Rng) -> anyhow::Result<i64> {
    use system::units::{UnitInput, create_unit};
    let now = state.clock.now_ms();
    let unit = |code: String, name: String, kind: &str, sort: i64| UnitInput {
        code,
        name,
        kind: kind.into(),
        sort_order: Some(sort),
        description: "生成数据，均为虚构。".into(),
        ..Default::default()
    };
    let err = |e: platform::AppError| anyhow::anyhow!("{e}");
    let code = format!("G{n:02}");
    let mut tx = state.db.begin().await?;
    let bureau = system::units::service::by_code(&mut tx, "SJ").await?.context("the demo bureau SJ")?;
    let prison_id = create_unit(
        &mut tx,
        &unit(code.clone(), format!("示例省生成第{n}监狱"), "prison", 10 + n as i64),
        Some(&bureau),
        now,
    )
    .await
    .map_err(err)?;
    let prison = system::units::service::by_code(&mut tx, &code).await?.context("the new prison")?;
    let mut units = Vec::new();
    for (i, d) in DEPARTMENTS.iter().enumerate() {
        let id = create_unit(
            &mut tx,
            &unit(format!("{code}-D{:02}", i + 1), d.to_string(), "department", i as i64 + 1),
            Some(&prison),
            now,
        )
        .await
        .map_err(err)?;
        units.push(id);
    }
    for a in 1..=v.branches.max(1) {
        let id = create_unit(
            &mut tx,
            &unit(format!("{code}-JQ{a:02}"), format!("{a}监区"), "department", 20 + a as i64),
            Some(&prison),
            now,
        )
        .await
        .map_err(err)?;
        units.push(id);
    }
    // The committee, then a branch per prison area.
    let committee: i64 = sqlx::query_scalar(
        "INSERT INTO party_orgs (code, name, kind, path, unit_id, founded_on, term_years, description, created_at, updated_at) \
         VALUES ($1, $2, 'committee', '/', $3, '2012-07-01', 5, '生成数据，均为虚构。', $4, $4) RETURNING id",
    )
    .bind(format!("{code}-DW"))
    .bind(format!("中共示例省生成第{n}监狱委员会"))
    .bind(prison_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("UPDATE party_orgs SET path = $1 WHERE id = $2")
        .bind(format!("/{committee}/"))
        .bind(committee)
        .execute(&mut *tx)
        .await?;
    let mut branches = Vec::new();
    for (i, unit_id) in units.iter().skip(DEPARTMENTS.len()).enumerate() {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO party_orgs (parent_id, code, name, kind, path, unit_id, founded_on, term_years, sort_order, description, created_at, updated_at) \
             VALUES ($1, $2, $3, 'branch', '/', $4, '2018-03-01', 3, $5, '生成数据，均为虚构。', $6, $6) RETURNING id",
        )
        .bind(committee)
        .bind(format!("{code}-ZB{:02}", i + 1))
        .bind(format!("第{}党支部", i + 1))
        .bind(unit_id)
        .bind(i as i64 + 1)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("UPDATE party_orgs SET path = $1 WHERE id = $2")
            .bind(format!("/{committee}/{id}/"))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO party_org_units (org_id, unit_id) VALUES ($1, $2)")
            .bind(id)
            .bind(unit_id)
            .execute(&mut *tx)
            .await?;
        branches.push((id, *unit_id));
    }
    tx.commit().await?;
    let mut people = Bulk::new(
        state,
        "people",
        &[
            "kind",
            "name",
            "gender",
            "birth_date",
            "police_number",
            "unit_id",
            "post",
            "party_status",
            "party_join_date",
            "branch_id",
            "created_at",
            "updated_at",
        ],
    );
    for i in 0..v.people {
        let (branch, unit_id) = branches[i % branches.len().max(1)];
        let member = rng.chance(85);
        people
            .push(vec![
                V::T(if rng.chance(88) { "officer" } else { "worker" }.into()),
                V::T(name(rng)),
                V::T(if rng.chance(80) { "male" } else { "female" }.into()),
                V::T(format!("{}-{:02}-{:02}", 1965 + rng.below(35), 1 + rng.below(12), 1 + rng.below(28))),
                V::T(format!("{code}{i:05}")),
                V::I(unit_id),
                V::T("民警".into()),
                V::T(if member { "full" } else { "masses" }.into()),
                if member { V::T(format!("{}-07-01", 1990 + rng.below(30))) } else { V::N },
                if member { V::I(branch) } else { V::NI },
                V::I(now),
                V::I(now),
            ])
            .await?;
    }
    people.flush().await?;
    Ok(prison_id)
}

/// What was written, for the summary line.
#[derive(Default, Debug)]
pub struct Written {
    pub prisons: usize,
    pub people: u64,
    pub meetings: u64,
    pub attendance: u64,
    pub measures: u64,
    pub progress: u64,
    pub hazards: u64,
    pub petitions: u64,
    pub answers: u64,
    pub audit: u64,
}

/// Five past years of a prison: weekly branch study with attendance, a task plan a year with
/// its measures and their trail, hazards, petitions, exams with every sitter's answers, and the
/// audit trail of it all.
async fn volumes(state: &AppState, p: &Prison, v: &Volumes, rng: &mut Rng, w: &mut Written) -> anyhow::Result<()> {
    let today = platform::clock::today(&state.clock);
    let now = state.clock.now_ms();
    let first_year = today.year() - v.years;
    let members = |branch: i64| p.people.iter().filter(move |x| x.2 == Some(branch)).map(|x| x.0);
    let unit = |rng: &mut Rng| *rng.pick(&p.units);
    // Weekly branch study, every branch, every week of the past years.
    let mut meetings = Bulk::new(
        state,
        "meetings",
        &["id", "org_id", "unit_id", "kind", "title", "held_on", "minutes", "created_at", "updated_at"],
    );
    let mut attendance = Bulk::new(state, "meeting_attendance", &["meeting_id", "person_id", "status", "reason"]);
    let mut id = next_id(state, "meetings").await?;
    for &(branch, branch_unit) in &p.branches {
        let mut day = Date::new(first_year, 1, 4)?;
        let end = Date::new(today.year() - 1, 12, 31)?;
        let mut week = 1;
        while day <= end {
            meetings
                .push(vec![
                    V::I(id),
                    V::I(branch),
                    V::I(branch_unit),
                    V::T("branch_study".into()),
                    V::T(format!("{}年第{week}周支部跟进学习（生成）", day.year())),
                    V::T(day.to_string()),
                    V::T("传达学习上级精神，结合实际开展讨论（生成数据）。".into()),
                    V::I(now),
                    V::I(now),
                ])
                .await?;
            for person in members(branch) {
                let (status, reason) = match rng.below(100) {
                    0..=91 => ("present", ""),
                    92..=94 => ("late", ""),
                    _ => ("absent", "公差（生成）"),
                };
                attendance
                    .push_after(
                        &mut [&mut meetings],
                        vec![V::I(id), V::I(person), V::T(status.into()), V::T(reason.into())],
                    )
                    .await?;
            }
            id += 1;
            day = day.checked_add(7.days())?;
            week = if day.year() != day.checked_sub(7.days())?.year() { 1 } else { week + 1 };
        }
    }
    meetings.flush().await?;
    attendance.flush().await?;
    w.meetings += meetings.written;
    w.attendance += attendance.written;

    // A task plan a year with its measures, each with a progress report and, when done, its sign-off.
    let mut plan_id = next_id(state, "task_plans").await?;
    let mut measure_id = next_id(state, "measures").await?;
    let mut plans =
        Bulk::new(state, "task_plans", &["id", "unit_id", "title", "year", "doc_number", "created_at", "updated_at"]);
    let mut measures = Bulk::new(
        state,
        "measures",
        &[
            "id",
            "plan_id",
            "unit_id",
            "year",
            "number",
            "content",
            "lead_unit_id",
            "deadline_kind",
            "deadline",
            "status",
            "percent",
            "last_report_on",
            "done_on",
            "created_on",
            "created_at",
            "updated_at",
        ],
    );
    let mut progress = Bulk::new(
        state,
        "measure_progress",
        &["measure_id", "unit_id", "kind", "reported_on", "text", "percent", "by_name", "created_at"],
    );
    // The past years, and this year's plan so far: its measures are due through the year, and
    // only those already past their date can have been signed off.
    let last_plan = if today.month() >= 2 { today.year() } else { today.year() - 1 };
    for year in first_year..=last_plan {
        plans
            .push(vec![
                V::I(plan_id),
                V::I(p.id),
                V::T(format!("{year}年落实全面从严治党主体责任任务安排（生成）")),
                V::I(year as i64),
                V::T(format!("{}党发〔{year}〕1号", p.code)),
                V::I(now),
                V::I(now),
            ])
            .await?;
        for n in 1..=v.measures_per_year {
            let lead = unit(rng);
            let deadline = Date::new(year, 1 + rng.below(12) as i8, 1 + rng.below(28) as i8)?;
            let done = rng.chance(85) && deadline < today;
            let report = deadline.checked_sub((rng.below(20) as i64).days())?.max(Date::new(year, 1, 20)?).min(today);
            measures
                .push_after(
                    &mut [&mut plans],
                    vec![
                        V::I(measure_id),
                        V::I(plan_id),
                        V::I(p.id),
                        V::I(year as i64),
                        V::I(n as i64),
                        V::T(format!("第{n}项工作措施：按计划推进并按时报告进展（生成）")),
                        V::I(lead),
                        V::T("date".into()),
                        V::T(deadline.to_string()),
                        V::T(if done { "done" } else { "in_progress" }.into()),
                        V::I(if done { 100 } else { 50 }),
                        V::T(report.to_string()),
                        if done { V::T(deadline.to_string()) } else { V::N },
                        V::T(format!("{year}-01-15")),
                        V::I(now),
                        V::I(now),
                    ],
                )
                .await?;
            progress
                .push_after(
                    &mut [&mut plans, &mut measures],
                    vec![
                        V::I(measure_id),
                        V::I(lead),
                        V::T("progress".into()),
                        V::T(report.to_string()),
                        V::T("已按计划推进（生成）".into()),
                        V::I(50),
                        V::T("内勤（生成）".into()),
                        V::I(now),
                    ],
                )
                .await?;
            if done {
                progress
                    .push_after(
                        &mut [&mut plans, &mut measures],
                        vec![
                            V::I(measure_id),
                            V::I(lead),
                            V::T("approve".into()),
                            V::T(deadline.to_string()),
                            V::T("经核查已完成，同意销号（生成）".into()),
                            V::I(100),
                            V::T("分管领导（生成）".into()),
                            V::I(now),
                        ],
                    )
                    .await?;
            }
            measure_id += 1;
        }
        plan_id += 1;
    }
    plans.flush().await?;
    measures.flush().await?;
    progress.flush().await?;
    w.measures += measures.written;
    w.progress += progress.written;

    // Hazards found by the departments, nearly all rectified and signed off.
    let kinds = ["fire", "gas", "electricity", "flood", "dangerous_goods", "custody_links"];
    let mut hazards = Bulk::new(
        state,
        "hazards",
        &[
            "source_unit_id",
            "unit_id",
            "kind",
            "found_on",
            "place",
            "description",
            "level",
            "deadline",
            "rectification",
            "rectified_on",
            "status",
            "closed_on",
            "closed_by_name",
            "created_at",
            "updated_at",
        ],
    );
    for year in first_year..today.year() {
        for _ in 0..v.hazards_per_year {
            let found = Date::new(year, 1 + rng.below(12) as i8, 1 + rng.below(28) as i8)?;
            let deadline = found.checked_add(30.days())?;
            let closed = rng.chance(97);
            let fixed = found.checked_add((rng.below(25) as i64 + 1).days())?;
            hazards
                .push(vec![
                    V::I(unit(rng)),
                    V::I(unit(rng)),
                    V::T(rng.pick(&kinds).to_string()),
                    V::T(found.to_string()),
                    V::T("监区楼道（生成）".into()),
                    V::T("设施老化需更换（生成）".into()),
                    V::T(if rng.chance(5) { "major" } else { "general" }.into()),
                    V::T(deadline.to_string()),
                    V::T(if closed { "已更换并复查（生成）" } else { "" }.into()),
                    if closed { V::T(fixed.to_string()) } else { V::N },
                    V::T(if closed { "closed" } else { "open" }.into()),
                    if closed { V::T(fixed.to_string()) } else { V::N },
                    V::T(if closed { "安全生产科（生成）" } else { "" }.into()),
                    V::I(now),
                    V::I(now),
                ])
                .await?;
        }
    }
    hazards.flush().await?;
    w.hazards += hazards.written;

    // Petitions, sealed like real ones, replied to and closed.
    let key = state.keys.field;
    let mut petitions = Bulk::new(
        state,
        "petitions",
        &[
            "unit_id",
            "label",
            "case_no",
            "received_on",
            "channel",
            "kind",
            "petitioner_type",
            "petitioner_name_sealed",
            "petitioner_name_masked",
            "petitioner_name_index",
            "summary_sealed",
            "stage",
            "reply_due_on",
            "replied_on",
            "closed_on",
            "created_at",
            "updated_at",
        ],
    );
    let channels = ["visit", "letter", "phone", "online", "mailbox"];
    let pkinds = ["sentence_change", "custody", "medical", "contact", "consultation", "other"];
    for year in first_year..today.year() {
        for n in 0..v.petitions_per_year {
            let received = Date::new(year, 1 + rng.below(12) as i8, 1 + rng.below(28) as i8)?;
            let who = name(rng);
            let masked = format!("{}*", who.chars().next().unwrap_or('某'));
            let replied = received.checked_add((rng.below(30) as i64 + 1).days())?;
            petitions
                .push(vec![
                    V::I(p.id),
                    V::I(2),
                    V::T(format!("{}-{year}-{n:05}", p.code)),
                    V::T(received.to_string()),
                    V::T(rng.pick(&channels).to_string()),
                    V::T(rng.pick(&pkinds).to_string()),
                    V::T("family".into()),
                    V::T(platform::crypto::seal(&key, &who)),
                    V::T(masked),
                    V::T(platform::crypto::blind_index(&key, &who)),
                    V::T(platform::crypto::seal(&key, "反映亲属在押期间有关情况（生成）")),
                    V::T("closed".into()),
                    V::T(received.checked_add(30.days())?.to_string()),
                    V::T(replied.to_string()),
                    V::T(replied.to_string()),
                    V::I(now),
                    V::I(now),
                ])
                .await?;
        }
    }
    petitions.flush().await?;
    w.petitions += petitions.written;

    // Exams: a bank, a fixed paper, and every sitter's answers.
    if v.exams_per_year > 0 && !p.people.is_empty() {
        let mut question = next_id(state, "questions").await?;
        let first_question = question;
        let mut questions = Bulk::new(
            state,
            "questions",
            &["id", "unit_id", "kind", "stem", "options", "answer", "tags", "created_at", "updated_at"],
        );
        for n in 0..v.questions_per_paper {
            questions
                .push(vec![
                    V::I(question),
                    V::I(p.id),
                    V::T("judge".into()),
                    V::T(format!("（生成题 {n}）依据党纪处分条例，本表述正确与否？")),
                    V::T("[]".into()),
                    V::T(if n % 2 == 0 { "T" } else { "F" }.into()),
                    V::T("党纪处分条例".into()),
                    V::I(now),
                    V::I(now),
                ])
                .await?;
            question += 1;
        }
        questions.flush().await?;
        let paper: i64 = sqlx::query_scalar(
            "INSERT INTO papers (unit_id, title, mode, pass_mark, time_limit_min, created_at, updated_at) \
             VALUES ($1, '党纪法规知识测试卷（生成）', 'fixed', 60, 30, $2, $2) RETURNING id",
        )
        .bind(p.id)
        .bind(now)
        .fetch_one(&state.db.pool)
        .await?;
        let mut pq = Bulk::new(state, "paper_questions", &["paper_id", "question_id", "position", "points"]);
        for n in 0..v.questions_per_paper {
            pq.push(vec![V::I(paper), V::I(first_question + n as i64), V::I(n as i64 + 1), V::I(5)]).await?;
        }
        pq.flush().await?;
        let mut exam = next_id(state, "exams").await?;
        let mut attempt = next_id(state, "exam_attempts").await?;
        let mut exams = Bulk::new(
            state,
            "exams",
            &["id", "unit_id", "paper_id", "title", "opens_at", "closes_at", "created_at", "updated_at"],
        );
        let mut candidates = Bulk::new(state, "exam_candidates", &["exam_id", "person_id"]);
        let mut attempts = Bulk::new(
            state,
            "exam_attempts",
            &[
                "id",
                "exam_id",
                "person_id",
                "unit_id",
                "started_at",
                "deadline_at",
                "submitted_at",
                "closed_by",
                "score",
                "total",
                "passed",
            ],
        );
        let mut answers = Bulk::new(
            state,
            "attempt_answers",
            &["attempt_id", "position", "question_id", "points", "answer", "correct", "score"],
        );
        for year in first_year..today.year() {
            for k in 0..v.exams_per_year {
                let opens =
                    platform::clock::local_ms(Date::new(year, 3 + 5 * k as i8 % 9, 10)?.at(9, 0, 0, 0)).unwrap_or(now);
                exams
                    .push(vec![
                        V::I(exam),
                        V::I(p.id),
                        V::I(paper),
                        V::T(format!("{year}年第{}次党纪法规知识测试（生成）", k + 1)),
                        V::I(opens),
                        V::I(opens + 7 * 86_400_000),
                        V::I(now),
                        V::I(now),
                    ])
                    .await?;
                let start = rng.below(p.people.len());
                for s in 0..v.sitters_per_exam.min(p.people.len()) {
                    let (person, person_unit, _) = p.people[(start + s) % p.people.len()];
                    candidates.push_after(&mut [&mut exams], vec![V::I(exam), V::I(person)]).await?;
                    let given: Vec<(bool, &str)> = (0..v.questions_per_paper)
                        .map(|n| {
                            let right = rng.chance(85);
                            let key = if n % 2 == 0 { "T" } else { "F" };
                            (
                                right,
                                if right {
                                    key
                                } else if key == "T" {
                                    "F"
                                } else {
                                    "T"
                                },
                            )
                        })
                        .collect();
                    let score = given.iter().filter(|g| g.0).count() as i64 * 5;
                    let started = opens + rng.below(5 * 86_400) as i64 * 1000;
                    attempts
                        .push_after(
                            &mut [&mut exams],
                            vec![
                                V::I(attempt),
                                V::I(exam),
                                V::I(person),
                                V::I(person_unit),
                                V::I(started),
                                V::I(started + 30 * 60_000),
                                V::I(started + 20 * 60_000),
                                V::T("submitted".into()),
                                V::I(score),
                                V::I(5 * v.questions_per_paper as i64),
                                V::I(i64::from(score >= 60)),
                            ],
                        )
                        .await?;
                    for (n, (right, answer)) in given.into_iter().enumerate() {
                        answers
                            .push_after(
                                &mut [&mut exams, &mut attempts],
                                vec![
                                    V::I(attempt),
                                    V::I(n as i64 + 1),
                                    V::I(first_question + n as i64),
                                    V::I(5),
                                    V::T(answer.into()),
                                    V::I(i64::from(right)),
                                    V::I(if right { 5 } else { 0 }),
                                ],
                            )
                            .await?;
                    }
                    attempt += 1;
                }
                exam += 1;
            }
        }
        exams.flush().await?;
        candidates.flush().await?;
        attempts.flush().await?;
        answers.flush().await?;
        w.answers += answers.written;
    }

    // The audit trail: list views, exports and changes by the prison's clerks, chained.
    let events = [("view_list", "ledger"), ("update", "meeting"), ("create", "measure_progress"), ("export", "ledger")];
    let span = (today.year() - first_year) as i64 * 365 * 86_400_000;
    let start = platform::clock::local_ms(Date::new(first_year, 1, 1)?.at(8, 0, 0, 0)).unwrap_or(now);
    let mut left = v.audit_rows;
    let mut at = start;
    while left > 0 {
        let n = left.min(5000);
        let mut rows = Vec::with_capacity(n);
        for _ in 0..n {
            at += (span / v.audit_rows.max(1) as i64).max(1);
            let (event, object) = *rng.pick(&events);
            rows.push((
                at,
                Actor {
                    user_id: None,
                    username: format!("{}-clerk", p.code.to_lowercase()),
                    role: "unit_clerk".into(),
                    unit_id: Some(unit(rng)),
                    addr: "10.0.0.1".into(),
                    request_id: "generated".into(),
                },
                Event::ok(event, object, rng.below(100_000).to_string()).detail("生成数据"),
            ));
        }
        let mut tx = state.db.begin().await?;
        platform::audit::append_many(&mut tx, &state.keys.audit, &rows).await?;
        tx.commit().await?;
        w.audit += n as u64;
        left -= n;
    }
    Ok(())
}

/// Fills the database at a scale: the demo first if it is empty, then the volumes for each prison.
pub async fn generate(state: &AppState, scale: Scale, v: &Volumes, report: &dyn Fn(&str)) -> anyhow::Result<Written> {
    let started = Instant::now();
    if crate::demo::seed(state, crate::demo::DEMO_PEOPLE).await? {
        report(&format!("演示数据已生成（{:.1} s）", started.elapsed().as_secs_f64()));
    }
    let sl: i64 = sqlx::query_scalar("SELECT id FROM units WHERE code = 'SL'").fetch_one(&state.db.pool).await?;
    let mut prisons = vec![sl];
    let mut rng = Rng::new(2022);
    if scale == Scale::Province {
        for n in 3..=31 {
            prisons.push(new_prison(state, n, v, &mut rng).await?);
            report(&format!("第 {n} 所监狱的单位、组织与人员已生成"));
        }
    }
    let mut w = Written::default();
    for (i, id) in prisons.iter().enumerate() {
        let t = Instant::now();
        let p = load(state, *id).await?;
        w.people += p.people.len() as u64;
        volumes(state, &p, v, &mut rng, &mut w).await?;
        w.prisons += 1;
        report(&format!("[{}/{}] {}：{:.1} s", i + 1, prisons.len(), p.code, t.elapsed().as_secs_f64()));
    }
    fix_sequences(state, &["meetings", "task_plans", "measures", "questions", "exams", "exam_attempts"]).await?;
    // Fresh statistics, so the query planners see the volumes.
    sqlx::query("ANALYZE").execute(&state.db.pool).await?;
    Ok(w)
}
