//! Demo data (fictional, marked as such): a bank of 200 questions over the rules the seed names,
//! a random-draw paper, one closed exam with results and one open exam the demo officer can sit.

use crate::exams::{COLS, Exam, FROM};
use jiff::civil::Date;
use platform::{AppResult, Ctx};

const TAGS: &[&str] = &[
    "党章",
    "中国共产党纪律处分条例",
    "中央八项规定",
    "廉洁自律准则",
    "干预司法三个规定",
    "监狱法",
    "宪法",
    "民法典",
    "安全生产法",
    "反有组织犯罪法",
];

/// Deterministic choices so every demo is the same.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

pub async fn seed(ctx: &Ctx, today: Date) -> AppResult<()> {
    let db = &ctx.state.db.pool;
    let prison: i64 = sqlx::query_scalar("SELECT id FROM units WHERE code = 'SL'").fetch_one(db).await?;
    let now = ctx.state.clock.now_ms();
    let mut rng = Rng(0x2022_0517_0000_0001);
    let mut tx = ctx.state.db.begin().await?;
    for (t, tag) in TAGS.iter().enumerate() {
        for n in 1..=20 {
            let (kind, options, answer): (&str, Vec<String>, String) = match n % 20 {
                1..=8 => {
                    let k = rng.below(4) as usize;
                    (
                        "single",
                        (0..4).map(|i| format!("关于“{tag}”的表述{}（演示）", ["甲", "乙", "丙", "丁"][i])).collect(),
                        crate::domain::letter(k).to_string(),
                    )
                }
                9..=12 => {
                    let a = rng.below(4) as usize;
                    let b = (a + 1 + rng.below(3) as usize) % 4;
                    (
                        "multiple",
                        (0..4).map(|i| format!("“{tag}”要求{}（演示）", ["一", "二", "三", "四"][i])).collect(),
                        crate::domain::letters(vec![a, b]),
                    )
                }
                13..=17 => ("judge", Vec::new(), if rng.below(2) == 0 { "T" } else { "F" }.to_string()),
                _ => ("fill", Vec::new(), format!("{tag}|《{tag}》")),
            };
            let stem = match kind {
                "fill" => format!("（演示题 {}-{n}）本题考查的法规名称是____。", t + 1),
                "judge" => format!("（演示题 {}-{n}）依据“{tag}”，本表述正确与否？", t + 1),
                _ => format!("（演示题 {}-{n}）依据“{tag}”，下列说法正确的是：", t + 1),
            };
            sqlx::query(
                "INSERT INTO questions (unit_id, kind, stem, options, answer, explanation, tags, difficulty, created_at, updated_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9)",
            )
            .bind(prison)
            .bind(kind)
            .bind(stem)
            .bind(serde_json::to_string(&options).map_err(anyhow::Error::from)?)
            .bind(answer)
            .bind(format!("演示解析：见{tag}相关条文。"))
            .bind(*tag)
            .bind(1 + rng.below(3) as i64)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    let paper: i64 = sqlx::query_scalar(
        "INSERT INTO papers (unit_id, title, mode, pass_mark, time_limit_min, created_at, updated_at) \
         VALUES ($1, '党纪法规知识测试卷（随机抽题，演示）', 'random', 60, 20, $2, $2) RETURNING id",
    )
    .bind(prison)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    for (kind, count, points) in [("single", 10, 5), ("multiple", 5, 6), ("judge", 5, 4)] {
        sqlx::query("INSERT INTO paper_rules (paper_id, kind, tag, count, points) VALUES ($1, $2, '', $3, $4)")
            .bind(paper)
            .bind(kind)
            .bind(count as i64)
            .bind(points as i64)
            .execute(&mut *tx)
            .await?;
    }
    let at = |d: Date, h: i8| platform::clock::local_ms(d.at(h, 0, 0, 0)).unwrap_or(now);
    let day = jiff::Span::new().days(1);
    let closed_from = today.saturating_sub(day.checked_mul(40).unwrap_or(day));
    let closed_to = today.saturating_sub(day.checked_mul(33).unwrap_or(day));
    let mut exams = Vec::new();
    for (title, opens, closes) in [
        ("“5.17”警示教育日党纪法规知识测试（演示）", at(closed_from, 9), at(closed_to, 18)),
        (
            "党纪法规知识测试·第二期（演示，进行中）",
            at(today.saturating_sub(day), 8),
            at(today.saturating_add(day.checked_mul(14).unwrap_or(day)), 18),
        ),
    ] {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO exams (unit_id, paper_id, title, opens_at, closes_at, attempts_allowed, show_answers, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,1,1,$6,$6) RETURNING id",
        )
        .bind(prison)
        .bind(paper)
        .bind(title)
        .bind(opens)
        .bind(closes)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        // Candidates: the members of the first three branches (and the demo officer for the open one).
        sqlx::query(
            "INSERT INTO exam_candidates (exam_id, person_id) SELECT $1, p.id FROM people p WHERE p.employment_status = 'active' \
             AND p.branch_id IN (SELECT id FROM party_orgs WHERE code IN ('SL-JQ01-ZB', 'SL-JQ02-ZB', 'SL-JQ03-ZB'))",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO exam_candidates (exam_id, person_id) SELECT $1, p.id FROM people p JOIN users u ON u.id = p.user_id \
             WHERE u.username = 'officer' AND NOT EXISTS (SELECT 1 FROM exam_candidates c WHERE c.exam_id = $1 AND c.person_id = p.id)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        exams.push((id, opens));
    }
    tx.commit().await?;
    // The closed exam's sittings: most candidates sat it, answering about four in five right.
    let (closed, opened_at) = exams[0];
    let e: Exam = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} {FROM} WHERE e.id = $1")))
        .bind(closed)
        .fetch_one(db)
        .await?;
    let people: Vec<i64> =
        sqlx::query_scalar("SELECT person_id FROM exam_candidates WHERE exam_id = $1 ORDER BY person_id")
            .bind(closed)
            .fetch_all(db)
            .await?;
    for (k, person) in people.iter().enumerate() {
        if k % 9 == 4 {
            continue; // did not sit
        }
        let started = opened_at + (k as i64 % 50) * 3_600_000;
        let attempt = crate::sitting::begin(ctx, &e, *person, started).await?;
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT x.position, q.kind, q.answer, q.options FROM attempt_answers x JOIN questions q ON q.id = x.question_id WHERE x.attempt_id = $1",
        )
        .bind(attempt)
        .fetch_all(db)
        .await?;
        let mut tx = ctx.state.db.begin().await?;
        for (position, kind, key, _) in rows {
            let right = rng.below(100) < 78;
            let given = match (right, kind.as_str()) {
                (true, "fill") => key.split('|').next().unwrap_or_default().to_string(),
                (true, _) => key.clone(),
                (false, "judge") => if key == "T" { "F" } else { "T" }.to_string(),
                (false, "fill") => "不知道".to_string(),
                (false, _) => if key.starts_with('A') { "B" } else { "A" }.to_string(),
            };
            sqlx::query("UPDATE attempt_answers SET answer = $1 WHERE attempt_id = $2 AND position = $3")
                .bind(given)
                .bind(attempt)
                .bind(position)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        crate::sitting::close(ctx, attempt, "submitted").await?;
    }
    Ok(())
}
