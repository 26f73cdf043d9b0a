//! The subcommands.

use anyhow::{Context, bail};
use gangju::config::{AdminAction, AuditAction, Cli, Command, Common, resolve};
use gangju::{Options, Phases, backup, build, build_timed, demo, open_db, serve};
use platform::audit::{Actor, Event, Verdict};
use platform::clock::Clock;
use platform::db::DbLocation;
use platform::keys::Keys;
use std::io::BufRead;
use std::process::ExitCode;

fn options(common: &Common, create: bool, demo: bool) -> anyhow::Result<(Options, String)> {
    let r = resolve(common, None)?;
    Ok((
        Options {
            data_dir: r.data_dir,
            database_url: r.database_url,
            create,
            demo,
            policy: r.policy,
            clock: Clock::system(),
            check_after_start: false,
        },
        r.addr,
    ))
}

fn cli_actor(what: &str) -> Actor {
    Actor { username: format!("gangju {what}"), role: "cli".into(), addr: "localhost".into(), ..Default::default() }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

async fn run_server(opts: Options, addr: String, is_demo: bool) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let data = opts.data_dir.clone();
    let mut phases = Phases::default();
    let (state, app) = build_timed(Options { check_after_start: true, ..opts }, &mut phases).await?;
    if is_demo {
        if demo::seed(&state, demo::DEMO_PEOPLE).await? {
            println!("已在 {} 生成演示数据库。", data.display());
        }
        demo::print_accounts();
    }
    state.db.check_later();
    let listener = tokio::net::TcpListener::bind(&addr).await.with_context(|| format!("无法监听 {addr}"))?;
    println!(
        "纲举已启动：http://{}（用时 {} ms：{}；按 Ctrl+C 停止）",
        listener.local_addr()?,
        started.elapsed().as_millis(),
        phases.summary()
    );
    serve(listener, app, shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

fn read_password_stdin() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("读取标准输入失败")?;
    let pw = line.trim_end_matches(['\r', '\n']).to_string();
    if pw.is_empty() {
        bail!("标准输入中没有密码");
    }
    Ok(pw)
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve { common, addr } => {
            let (opts, file_addr) = options(&common, false, false)?;
            run_server(opts, addr.unwrap_or(file_addr), false).await
        }
        Command::Demo { common, addr } => {
            let (opts, file_addr) = options(&common, true, true)?;
            run_server(opts, addr.unwrap_or(file_addr), true).await
        }
        Command::Migrate { common } => {
            let (opts, _) = options(&common, true, false)?;
            let (state, _) = build(opts).await?;
            println!(
                "数据库已是最新结构（{}）。",
                if state.db.backend == platform::db::Backend::Sqlite { "SQLite" } else { "PostgreSQL" }
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin { common, action } => admin(&common, action).await,
        Command::Backup { common, to } => {
            let (opts, _) = options(&common, false, false)?;
            let loc = DbLocation::resolve(opts.database_url.as_deref(), &opts.data_dir)?;
            let (state, _) = build(opts).await?;
            let m = backup::backup(&state.db, &loc, &state.data_dir, &to).await?;
            state
                .audit_alone(&cli_actor("backup"), Event::ok("backup", "database", "").detail(to.display().to_string()))
                .await?;
            println!("备份完成：{}（{} 个文件，审计记录 {} 条）", to.display(), m.files.len(), m.audit_rows);
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate { common, scale } => {
            let scale: gangju::generate::Scale = scale.parse().map_err(|e: String| anyhow::anyhow!(e))?;
            let (opts, _) = options(&common, true, true)?;
            let (state, _) = build(opts).await?;
            let t = std::time::Instant::now();
            let show = |line: &str| eprintln!("{line}");
            let w = gangju::generate::generate(&state, scale, &gangju::generate::Volumes::PRISON, &show).await?;
            println!(
                "生成完成（{:.0} s）：监狱 {}，人员 {}，会议 {}，出席记录 {}，督办事项 {}，进展 {}，隐患 {}，信访件 {}，答题 {}，审计 {}",
                t.elapsed().as_secs_f64(),
                w.prisons,
                w.people,
                w.meetings,
                w.attendance,
                w.measures,
                w.progress,
                w.hazards,
                w.petitions,
                w.answers,
                w.audit
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Archive { common, year, user, unit, out } => {
            if out.exists() {
                bail!("输出文件已存在：{}", out.display());
            }
            let (opts, _) = options(&common, false, false)?;
            let (state, _) = build(opts).await?;
            let id: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                .bind(&user)
                .fetch_optional(&state.db.pool)
                .await?;
            let account = match id {
                Some(id) => platform::auth::session::load_user(&state, id).await?,
                None => None,
            };
            let Some(account) = account else { bail!("账号“{user}”不存在或已停用") };
            let unit_id = match unit {
                Some(code) => Some(
                    sqlx::query_scalar::<_, i64>("SELECT id FROM units WHERE code = $1")
                        .bind(&code)
                        .fetch_optional(&state.db.pool)
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("没有编码为“{code}”的单位"))?,
                ),
                None => None,
            };
            let ctx = platform::Ctx::as_account(state, account, "archive");
            let show = |step: usize, total: usize, what: &str| eprintln!("[{step}/{total}] {what}");
            match reports::archive::build(&ctx, year, unit_id, &out, &show).await {
                Ok(s) => {
                    println!(
                        "归档完成：{}（台账 {} 个，附件 {} 个，未纳入 {} 项）",
                        out.display(),
                        s.ledgers.len(),
                        s.attachments,
                        s.skipped.len()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    let _ = std::fs::remove_file(&out);
                    bail!("归档失败：{e}")
                }
            }
        }
        Command::Restore { common, from, force } => {
            let (opts, _) = options(&common, false, false)?;
            let loc = DbLocation::resolve(opts.database_url.as_deref(), &opts.data_dir)?;
            let keys = Keys::load(&opts.data_dir, false).context("恢复前请把原安装的 keys 目录放入数据目录")?;
            let m = backup::restore(&loc, &opts.data_dir, &from, force, &keys.audit).await?;
            let (state, _) = build(opts).await?;
            if let Verdict::Broken { seq, reason } = platform::audit::verify(&state.db, &state.keys.audit).await? {
                bail!("恢复后的审计链校验失败：第 {seq} 条，{reason}");
            }
            state
                .audit_alone(
                    &cli_actor("restore"),
                    Event::ok("restore", "database", "").detail(from.display().to_string()),
                )
                .await?;
            println!("恢复完成：{} 个文件，审计链校验通过。", m.files.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { common, action: AuditAction::Purge { before } } => {
            let (opts, _) = options(&common, false, false)?;
            let date: jiff::civil::Date = before.parse().map_err(|_| anyhow::anyhow!("日期格式应为 YYYY-MM-DD"))?;
            let before_ms = platform::clock::SHANGHAI
                .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))?
                .as_millisecond();
            let (state, _) = build(opts).await?;
            let n = platform::audit::purge(
                &state.db,
                &state.keys.audit,
                state.clock.now_ms(),
                before_ms,
                &cli_actor("audit purge"),
            )
            .await?;
            println!("已清理 {n} 条 {before} 之前的审计记录；其余记录的审计链仍可校验。");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { common, action: AuditAction::Verify } => {
            let (opts, _) = options(&common, false, false)?;
            let keys = Keys::load(&opts.data_dir, false)?;
            let db = open_db(&opts).await?;
            match platform::audit::verify(&db, &keys.audit).await? {
                Verdict::Ok { rows } => {
                    println!("审计链完整：共 {rows} 条记录，校验通过。");
                    Ok(ExitCode::SUCCESS)
                }
                Verdict::Broken { seq, reason } => {
                    println!("审计链校验失败：第 {seq} 条记录，{reason}");
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}

async fn admin(common: &Common, action: AdminAction) -> anyhow::Result<ExitCode> {
    let (opts, _) = options(common, false, false)?;
    let (state, _) = build(opts).await?;
    let now = state.clock.now_ms();
    let fail = |e: platform::AppError| match e {
        platform::AppError::Validation(f) => {
            anyhow::anyhow!(f.values().cloned().collect::<Vec<_>>().join("；"))
        }
        other => anyhow::anyhow!("{other}"),
    };
    match action {
        AdminAction::Roles => {
            let roles: Vec<(String, String, String)> =
                sqlx::query_as("SELECT code, name, data_scope FROM roles ORDER BY id")
                    .fetch_all(&state.db.pool)
                    .await?;
            for (c, n, s) in roles {
                println!("{c:<16} {n}（数据范围：{}）", platform::perm::scope_name(&s));
            }
        }
        AdminAction::CreateUnit { code, name, kind, parent } => {
            let mut tx = state.db.begin().await?;
            let parent = match parent {
                Some(p) => Some(
                    system::units::service::by_code(&mut tx, &p)
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("上级单位编码 {p} 不存在"))?,
                ),
                None => None,
            };
            let input = system::units::UnitInput {
                code,
                name,
                kind,
                parent_id: parent.as_ref().map(|p| p.id),
                ..Default::default()
            };
            let input = system::units::service::check(&input, true).map_err(fail)?;
            let id = system::units::create_unit(&mut tx, &input, parent.as_ref(), now).await.map_err(fail)?;
            state
                .audit(
                    &mut tx,
                    &cli_actor("admin"),
                    Event::ok("create", "unit", id).detail(format!("{} {}", input.code, input.name)),
                )
                .await?;
            tx.commit().await?;
            println!("已创建单位 {}（{}）", input.name, input.code);
        }
        AdminAction::CreateUser { username, name, unit, roles, password_stdin } => {
            let password = if password_stdin { Some(read_password_stdin()?) } else { None };
            let mut f = platform::web::FormCheck::new();
            let username = system::accounts::service::check_username(&mut f, &username);
            let name = f.text("display_name", "姓名", &name, 30, true);
            f.finish().map_err(fail)?;
            let mut tx = state.db.begin().await?;
            let u = system::units::service::by_code(&mut tx, &unit)
                .await?
                .ok_or_else(|| anyhow::anyhow!("单位编码 {unit} 不存在"))?;
            let nu = system::accounts::NewUser {
                username: username.clone(),
                display_name: name,
                unit_id: u.id,
                roles,
                phone: String::new(),
                password,
                never_expires: false,
            };
            let (id, one_time) = system::accounts::create_user(&mut tx, &nu, &u.name, now).await.map_err(fail)?;
            state.audit(&mut tx, &cli_actor("admin"), Event::ok("create", "user", id).detail(username.clone())).await?;
            tx.commit().await?;
            match one_time {
                Some(p) => println!("已创建账号 {username}。一次性密码：{p}（首次登录须修改）"),
                None => println!("已创建账号 {username}。"),
            }
        }
        AdminAction::ResetPassword { username, password_stdin } => {
            let id: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                .bind(&username)
                .fetch_optional(&state.db.pool)
                .await?;
            let id = id.ok_or_else(|| anyhow::anyhow!("账号 {username} 不存在"))?;
            let (pw, must_change) = if password_stdin {
                let p = read_password_stdin()?;
                if let Some(m) = platform::auth::password::check_policy(&p, &username, "") {
                    bail!("{m}");
                }
                (p, 0)
            } else {
                (platform::auth::password::one_time(), 1)
            };
            let hash = platform::auth::password::hash(pw.clone()).await?;
            let mut tx = state.db.begin().await?;
            sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2, must_change_password = $3, failed_count = 0, locked_until = 0 WHERE id = $4")
                .bind(hash)
                .bind(now)
                .bind(must_change)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            platform::auth::session::delete_for_user(&mut tx, id).await?;
            state
                .audit(&mut tx, &cli_actor("admin"), Event::ok("password_reset", "user", id).detail(username.clone()))
                .await?;
            tx.commit().await?;
            if must_change == 1 {
                println!("已重置 {username} 的密码。一次性密码：{pw}（登录后须修改）");
            } else {
                println!("已重置 {username} 的密码。");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
