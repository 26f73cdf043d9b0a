//! The one binary's library: configuration, opening the database, assembling every area into one
//! application, and serving it until a shutdown signal. Tests and `main` share this one path.

pub mod backup;
pub mod config;
pub mod demo;
pub mod generate;

use anyhow::Context;
use platform::clock::Clock;
use platform::db::{Db, DbLocation};
use platform::keys::Keys;
use platform::registry::{Area, Registry};
use platform::state::{AppState, Inner, Policy};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Every area of the product, in menu order. Adding an area means adding it here.
pub fn areas() -> Vec<Area> {
    vec![
        platform::core::area(),
        org::area(),
        study::area(),
        supervision::area(),
        integrity::area(),
        exams::area(),
        training::area(),
        safety::area(),
        petitions::area(),
        reports::area(),
        system::area(),
    ]
}

pub struct Options {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    /// Create the database (and keys) when missing: `migrate` and `demo` do, `serve` does not.
    pub create: bool,
    pub demo: bool,
    pub policy: Policy,
    pub clock: Clock,
    /// The server: a SQLite file too large to check at open is checked after start
    /// ([`platform::db::Db::check_later`]); everything else checks it before going on.
    pub check_after_start: bool,
}

/// How long each step of starting took, in order: the server prints them with its start line,
/// so that a slow start says where its time went.
#[derive(Default)]
pub struct Phases {
    since: Option<Instant>,
    steps: Vec<(&'static str, Duration)>,
}

impl Phases {
    /// Ends the step under way (timed from the last mark, or from the first call).
    fn mark(&mut self, step: &'static str) {
        let now = Instant::now();
        let since = self.since.replace(now).unwrap_or(now);
        self.steps.push((step, now - since));
    }

    fn start(&mut self) {
        self.since = Some(Instant::now());
    }

    /// "打开并检查数据库 12 ms，迁移 3 ms，…".
    pub fn summary(&self) -> String {
        let steps: Vec<String> = self.steps.iter().map(|(s, d)| format!("{s} {} ms", d.as_millis())).collect();
        steps.join("，")
    }
}

/// Opens the database, brings it to the current schema and returns it with the areas' migrations.
pub async fn open_db(opts: &Options) -> anyhow::Result<Db> {
    open_db_timed(opts, &mut Phases::default()).await
}

async fn open_db_timed(opts: &Options, phases: &mut Phases) -> anyhow::Result<Db> {
    phases.start();
    let loc = DbLocation::resolve(opts.database_url.as_deref(), &opts.data_dir)?;
    let db = Db::open(&loc, opts.create).await?;
    if !opts.check_after_start {
        db.check_if_left().await?;
    }
    phases.mark("打开并检查数据库");
    let areas = areas();
    platform::db::migrate(&db, &Registry::migrations(&areas)).await.context("迁移数据库结构失败")?;
    phases.mark("迁移");
    let kinds: Vec<_> = areas.iter().flat_map(|a| a.search.iter().copied()).collect();
    platform::search::index_anew_if_made_otherwise(&db, &kinds).await.context("重建全文检索索引失败")?;
    phases.mark("检索索引");
    Ok(db)
}

/// The application ready to serve: state and router.
pub async fn build(opts: Options) -> anyhow::Result<(AppState, axum::Router)> {
    build_timed(opts, &mut Phases::default()).await
}

/// [`build`], with the time each step took.
pub async fn build_timed(opts: Options, phases: &mut Phases) -> anyhow::Result<(AppState, axum::Router)> {
    let db = open_db_timed(&opts, phases).await?;
    let keys = Keys::load(&opts.data_dir, opts.create)?;
    phases.mark("密钥");
    let areas = areas();
    let routes = platform::collect_routes(&areas);
    let registry = Registry::from_areas(&areas, routes.meta);
    platform::seed::sync_roles(&db, &registry).await?;
    let demo = opts.demo || demo::is_demo(&db).await;
    phases.mark("角色");
    let state = AppState(Arc::new(Inner {
        db,
        keys,
        clock: opts.clock,
        policy_cell: std::sync::RwLock::new(opts.policy.clone()),
        policy_checked_ms: std::sync::atomic::AtomicI64::new(0),
        data_dir: opts.data_dir,
        demo,
        registry,
        user_cache: Default::default(),
        audit_head: Default::default(),
    }));
    state.reload_policy(Some(opts.policy)).await?;
    let app = platform::app(state.clone(), routes.router);
    phases.mark("策略与路由");
    Ok((state, app))
}

/// Serves until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let svc = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, svc).with_graceful_shutdown(shutdown).await.context("serving HTTP")?;
    Ok(())
}
