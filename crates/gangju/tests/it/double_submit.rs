//! A double submission creates one record (SECURITY.md): the same session sending the same
//! request again within a few seconds gets the first answer, and the handler runs once.

use crate::common::*;
use reqwest::{Method, StatusCode};
use std::time::Duration;

const REPLAYED: &str = "x-gangju-replayed";

fn replayed(r: &reqwest::Response) -> bool {
    r.headers().get(REPLAYED).is_some()
}

fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

#[tokio::test]
async fn a_double_submission_creates_one_record() {
    let app = spawn_app().await;
    let parent = app.unit_id("SL").await.to_string();
    let units_before = app.scalar("SELECT count(*) FROM units").await;
    let creates_before = app.audit_count("create").await;

    // A form pressed twice at once: both answers are the same redirect, one record is saved.
    let b = app.login("sysadmin").await;
    let form = [("parent_id", parent.as_str()), ("code", "SL-DS1"), ("name", "双击科"), ("kind", "department")];
    let (r1, r2) = tokio::join!(b.post("/system/units", &form), b.post("/system/units", &form));
    assert_eq!(r1.status(), StatusCode::SEE_OTHER);
    assert_eq!(r2.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r1), location(&r2));
    assert_eq!(u8::from(replayed(&r1)) + u8::from(replayed(&r2)), 1, "exactly one answer is the repeat");
    // And a third press a moment later is still the same save.
    let r3 = b.post("/system/units", &form).await;
    assert_eq!(r3.status(), StatusCode::SEE_OTHER);
    assert!(replayed(&r3));
    assert_eq!(location(&r3), location(&r1));
    assert_eq!(app.scalar("SELECT count(*) FROM units").await, units_before + 1);
    assert_eq!(app.audit_count("create").await, creates_before + 1, "one save, one audit row");
    // The page the redirect leads to shows the record once.
    let list = b.get("/system/units?name=%E5%8F%8C%E5%87%BB%E7%A7%91").await.text().await.unwrap();
    assert_eq!(list.matches("SL-DS1").count(), 1, "{list}");

    // One byte different is a different request.
    let other = [("parent_id", parent.as_str()), ("code", "SL-DS2"), ("name", "双击科"), ("kind", "department")];
    let r = b.post("/system/units", &other).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!replayed(&r));
    assert_eq!(app.scalar("SELECT count(*) FROM units").await, units_before + 2);

    // A refusal is not kept: the same wrong form is checked again and refused again.
    let dup = [("parent_id", parent.as_str()), ("code", "SL-JQ01"), ("name", "重复"), ("kind", "department")];
    for _ in 0..2 {
        let r = b.post("/system/units", &dup).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(!replayed(&r));
        assert!(r.text().await.unwrap().contains("单位编码已存在"));
    }

    // The API: a client that sends twice at once gets the same record twice.
    let api = app.token("sysadmin").await;
    let body = serde_json::json!({"parent_id": parent.parse::<i64>().unwrap(), "code": "SL-DS3", "name": "重发科", "kind": "department"});
    let (a1, a2) = tokio::join!(
        api.send(Method::POST, "/api/v1/units", body.clone()),
        api.send(Method::POST, "/api/v1/units", body.clone())
    );
    assert!(a1.status().is_success() && a2.status().is_success(), "{} {}", a1.status(), a2.status());
    let (v1, v2): (serde_json::Value, serde_json::Value) = (a1.json().await.unwrap(), a2.json().await.unwrap());
    assert_eq!(v1["id"], v2["id"]);
    assert!(v1["id"].as_i64().is_some());
    assert_eq!(app.scalar("SELECT count(*) FROM units").await, units_before + 3);

    // Another session of the same user is another sender: its identical request runs and meets
    // the saved record.
    let api2 = app.token("sysadmin").await;
    let r = api2.send(Method::POST, "/api/v1/units", body.clone()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!replayed(&r));

    // After the window the same request is new again (and meets the saved record).
    tokio::time::sleep(Duration::from_millis(5_500)).await;
    let r = api.send(Method::POST, "/api/v1/units", body).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!replayed(&r));
    assert!(r.text().await.unwrap().contains("单位编码已存在"));
    assert_eq!(app.scalar("SELECT count(*) FROM units").await, units_before + 3);
    assert_eq!(app.audit_count("create").await, creates_before + 3);
}
