//! The demo database: a fictional provincial bureau with one prison, its departments and prison
//! areas, and one account for each role. Every name here is made up.

use platform::db::Db;
use platform::state::AppState;
use system::accounts::{NewUser, create_user};
use system::units::{UnitInput, create_unit};

/// How many fictional people the demo roster holds.
pub const DEMO_PEOPLE: usize = 1200;

/// The password of every demo account (demo accounts never expire and need no change).
pub const DEMO_PASSWORD: &str = "Gangju#2022demo";

/// (username, display name, unit code, role)
pub const DEMO_ACCOUNTS: &[(&str, &str, &str, &str)] = &[
    ("sysadmin", "系统管理员（演示）", "SL", "system_admin"),
    ("secadmin", "安全管理员（演示）", "SL", "security_admin"),
    ("auditadmin", "审计管理员（演示）", "SL", "audit_admin"),
    ("leader", "周明远", "SL", "leader"),
    ("bureau", "程立群", "SJ", "leader"),
    ("party", "林晓岚", "SL-ZZC", "party_office"),
    ("jiwei", "韩立诚", "SL-JW", "discipline"),
    ("clerk1", "宋佳怡", "SL-JQ01", "unit_clerk"),
    ("clerk2", "魏子航", "SL-JQ02", "unit_clerk"),
    ("officer", "陈浩然", "SL-JQ01", "officer"),
];

/// (code, name, duties). Duties are written for the demo; any likeness to a real unit is chance.
const DEPARTMENTS: &[(&str, &str, &str)] = &[
    ("SL-BGS", "办公室", "负责党委会议组织、文电督办、重大事项请示报告的登记与流转。"),
    ("SL-ZZC", "政治处", "负责党的组织建设、党员教育管理、干部人事和教育培训，落实“三会一课”和“第一议题”制度。"),
    ("SL-JW", "纪委办公室", "负责党风廉政建设和反腐败工作，组织开展警示教育、廉政提醒谈话和廉政风险点排查。"),
    ("SL-YZK", "狱政管理科", "负责狱政管理、重点罪犯排查管控和监管安全检查。"),
    ("SL-XFK", "刑罚执行科", "负责减刑、假释、暂予监外执行案件的呈报与公示。"),
    ("SL-JYK", "教育改造科", "负责罪犯教育改造和监区文化建设。"),
    ("SL-SHK", "生活卫生科", "负责罪犯生活卫生和疫情防控工作。"),
    ("SL-AQK", "安全生产科", "负责安全生产检查、隐患排查整改和应急处突演练。"),
    ("SL-CWK", "财务装备科", "负责财务、装备、项目与采购管理。"),
    ("SL-XFB", "信访办公室", "负责信访接报、处置和信访维稳值班。"),
    ("SL-ZHZX", "指挥中心", "负责监管安全指挥调度和应急值守。"),
];

pub async fn is_demo(db: &Db) -> bool {
    sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = 'demo'")
        .fetch_optional(&db.pool)
        .await
        .ok()
        .flatten()
        .is_some()
}

/// Fills an empty database with the demo prison. Does nothing when units exist already.
pub async fn seed(state: &AppState, people: usize) -> anyhow::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM units").fetch_one(&state.db.pool).await?;
    if n > 0 {
        return Ok(false);
    }
    let now = state.clock.now_ms();
    let mut tx = state.db.begin().await?;
    let unit = |code: &str, name: &str, kind: &str, sort: i64| UnitInput {
        code: code.into(),
        name: name.into(),
        kind: kind.into(),
        sort_order: Some(sort),
        description: "演示数据，均为虚构。".into(),
        ..Default::default()
    };
    let err = |e: platform::AppError| anyhow::anyhow!("{e}");
    let bureau_id = create_unit(&mut tx, &unit("SJ", "示例省监狱管理局", "bureau", 0), None, now).await.map_err(err)?;
    let bureau = system::units::service::by_code(&mut tx, "SJ")
        .await?
        .ok_or_else(|| anyhow::anyhow!("bureau {bureau_id} missing"))?;
    create_unit(&mut tx, &unit("SL", "示例省第一监狱", "prison", 1), Some(&bureau), now).await.map_err(err)?;
    let prison =
        system::units::service::by_code(&mut tx, "SL").await?.ok_or_else(|| anyhow::anyhow!("prison missing"))?;
    create_unit(&mut tx, &unit("SL2", "示例省第二监狱", "prison", 2), Some(&bureau), now).await.map_err(err)?;
    for (i, (code, name, duties)) in DEPARTMENTS.iter().enumerate() {
        let mut u = unit(code, name, "department", i as i64 + 1);
        u.description = format!("{duties}（演示数据，均为虚构）");
        create_unit(&mut tx, &u, Some(&prison), now).await.map_err(err)?;
    }
    const NUMS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    for (i, num) in NUMS.iter().enumerate() {
        let code = format!("SL-JQ{:02}", i + 1);
        create_unit(&mut tx, &unit(&code, &format!("{num}监区"), "department", 20 + i as i64), Some(&prison), now)
            .await
            .map_err(err)?;
    }
    for (username, name, unit_code, role) in DEMO_ACCOUNTS {
        let u = system::units::service::by_code(&mut tx, unit_code)
            .await?
            .ok_or_else(|| anyhow::anyhow!("unit {unit_code} missing"))?;
        let nu = NewUser {
            username: username.to_string(),
            display_name: name.to_string(),
            unit_id: u.id,
            roles: vec![role.to_string()],
            phone: String::new(),
            password: Some(DEMO_PASSWORD.into()),
            never_expires: true,
        };
        create_user(&mut tx, &nu, &u.name, now).await.map_err(err)?;
    }
    sqlx::query("INSERT INTO settings (key, value, updated_at) VALUES ('demo', '1', $1)")
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let actor = platform::audit::Actor { username: "gangju demo".into(), role: "cli".into(), ..Default::default() };
    state.audit(&mut tx, &actor, platform::audit::Event::ok("create", "demo", "SL").detail("生成演示数据")).await?;
    tx.commit().await?;
    let perms: Vec<&str> = state.registry.permissions.iter().map(|p| p.code).collect();
    let ctx = platform::Ctx::internal(state.clone(), "gangju demo", &perms);
    let today = platform::clock::today(&state.clock);
    org::demo::seed(&ctx, people, today).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    // The officer's account is a person on the roster (scope "self" shows their own record).
    sqlx::query(
        "UPDATE people SET user_id = (SELECT id FROM users WHERE username = 'officer'), name = '陈浩然' \
         WHERE id = (SELECT min(p.id) FROM people p JOIN units u ON u.id = p.unit_id WHERE u.code = 'SL-JQ01' AND p.kind = 'officer')",
    )
    .execute(&state.db.pool)
    .await?;
    // A year of meetings for the demo; a few weeks for the tests' smaller roster.
    let weeks = if people >= DEMO_PEOPLE { 52 } else { 6 };
    study::demo::seed(&ctx, today, weeks).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    supervision::demo::seed(&ctx, today).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    integrity::demo::seed(&ctx, today).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    exams::demo::seed(&ctx, today).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    training::demo::seed(&ctx, today).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    safety::demo::seed(&ctx, today).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    petitions::demo::seed(&ctx, today).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    reports::demo::seed(&ctx, today).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    Ok(true)
}

pub fn print_accounts() {
    println!("演示数据，均为虚构。演示账号（密码均为 {DEMO_PASSWORD}）：");
    for (u, n, unit, role) in DEMO_ACCOUNTS {
        println!("  {u:<11} {role:<15} {n}（{unit}）");
    }
}
