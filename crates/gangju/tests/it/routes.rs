//! Every route declares its permission; the three administrators are kept apart on every route;
//! the OpenAPI document matches the router.

use crate::common::*;
use reqwest::{Method, StatusCode};
use std::collections::BTreeSet;

fn concrete(path: &str) -> String {
    path.split('/')
        .map(|s| {
            if s == "{*path}" {
                "app.css".to_string()
            } else if s.starts_with('{') {
                "999999".to_string()
            } else {
                s.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn three_administrators_are_separated_on_every_route() {
    let app = spawn_app().await;
    let routes = app.state.registry.routes.clone();
    assert!(routes.len() > 40, "the registry lists every route");
    let admins = [
        ("sysadmin", platform::perm::AdminKind::System),
        ("secadmin", platform::perm::AdminKind::Security),
        ("auditadmin", platform::perm::AdminKind::Audit),
    ];
    for (username, kind) in admins {
        let b = app.login(username).await;
        let api = app.token(username).await;
        for r in routes.iter().filter(|r| r.need.contains(':')) {
            let url = concrete(r.path);
            let method = Method::from_bytes(r.method.as_bytes()).unwrap();
            let resp = if r.api {
                api.req(method, &url).send().await.unwrap()
            } else if r.method == "GET" {
                b.get(&url).await
            } else {
                b.c.request(method, app.url(&url)).form(&[("_csrf", b.csrf.as_str())]).send().await.unwrap()
            };
            assert_ne!(
                resp.headers().get("x-gangju-no-route").map(|v| v.to_str().unwrap()),
                Some("1"),
                "{} {} is not routed",
                r.method,
                r.path
            );
            let may = kind.allowed().contains(&r.need.as_str());
            if may {
                assert_ne!(resp.status(), StatusCode::FORBIDDEN, "{username} may use {} {}", r.method, r.path);
            } else {
                assert_eq!(
                    resp.status(),
                    StatusCode::FORBIDDEN,
                    "{username} must not use {} {} ({})",
                    r.method,
                    r.path,
                    r.need
                );
            }
        }
    }
    // No permission is held by two different administrators except viewing accounts.
    let sys: BTreeSet<_> = platform::perm::AdminKind::System.allowed().iter().collect();
    let sec: BTreeSet<_> = platform::perm::AdminKind::Security.allowed().iter().collect();
    let aud: BTreeSet<_> = platform::perm::AdminKind::Audit.allowed().iter().collect();
    assert_eq!(sys.intersection(&sec).collect::<Vec<_>>(), vec![&&platform::perm::USER_VIEW]);
    assert!(sys.is_disjoint(&aud) && sec.is_disjoint(&aud));
}

#[tokio::test]
async fn no_account_holds_two_administrator_roles() {
    let app = spawn_app().await;
    let sec = app.token("secadmin").await;
    let officer: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'officer'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    for roles in [vec!["system_admin", "audit_admin"], vec!["security_admin", "leader"]] {
        let r = sec
            .req(Method::PUT, &format!("/api/v1/users/{officer}/roles"))
            .json(&serde_json::json!({"roles": roles}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{roles:?}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert!(v["error"]["fields"]["roles"].as_str().unwrap().contains("三员分立"));
    }
    let r = sec
        .req(Method::PUT, &format!("/api/v1/users/{officer}/roles"))
        .json(&serde_json::json!({"roles": ["officer", "unit_clerk"], "clearance": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.audit_count("grant").await, 1);
    // An administrator role cannot be handed a business permission either.
    let b = app.login("secadmin").await;
    let role_id: i64 = sqlx::query_scalar("SELECT id FROM roles WHERE code = 'audit_admin'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let r = b
        .post(
            &format!("/system/roles/{role_id}/edit"),
            &[("version", "1"), ("permissions", "audit:view"), ("permissions", "unit:view")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let n: i64 =
        sqlx::query_scalar("SELECT count(*) FROM role_permissions WHERE role_id = $1 AND permission = 'unit:view'")
            .bind(role_id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn openapi_describes_exactly_the_api_routes() {
    let app = spawn_app().await;
    let doc: serde_json::Value =
        client().get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let mut documented = BTreeSet::new();
    for (p, item) in paths {
        for m in item.as_object().unwrap().keys() {
            documented.insert((m.to_uppercase(), p.clone()));
        }
    }
    let routed: BTreeSet<_> = app
        .state
        .registry
        .routes
        .iter()
        .filter(|r| r.api)
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    assert_eq!(documented, routed);
    assert!(routed.contains(&("GET".into(), "/api/v1/units/{id}".into())));
    assert!(routed.contains(&("PUT".into(), "/api/v1/users/{id}".into())));
    // Anything else under /api is no route at all.
    let r = client().get(app.url("/api/v1/nothing-here")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.headers()["x-gangju-no-route"], "1");
}

#[tokio::test]
async fn the_menu_shows_only_what_the_role_may_use() {
    let app = spawn_app().await;
    let audit = app.login("auditadmin").await.get("/").await.text().await.unwrap();
    assert!(audit.contains("审计日志") && !audit.contains("单位管理") && !audit.contains("账号管理"));
    let sys = app.login("sysadmin").await.get("/").await.text().await.unwrap();
    assert!(
        sys.contains("单位管理") && sys.contains("账号管理") && !sys.contains("审计日志") && !sys.contains("角色权限")
    );
    let officer = app.login("officer").await.get("/").await.text().await.unwrap();
    assert!(!officer.contains("系统管理"));
}
