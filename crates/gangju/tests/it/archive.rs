//! 年度台账归档 through the real server and the command line: the .zip holds every ledger the
//! reader may export (labelled ones only for the cleared), the year's report, the year's
//! attachments the reader may download and an index naming what was left out; another account
//! cannot see or fetch the job; bad input is a clear message.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::io::Read;

async fn archive(api: &Api, body: Value) -> Vec<u8> {
    let r = api.send(Method::POST, "/api/v1/archives", body).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED, "{}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    let status = v["status_url"].as_str().unwrap().to_string();
    let mut job = Value::Null;
    for _ in 0..600 {
        job = api.json(&status).await;
        if job["state"] != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(job["percent"], 100);
    let r = api.get(job["download_url"].as_str().unwrap()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/zip");
    r.bytes().await.unwrap().to_vec()
}

fn names(zip: &[u8]) -> Vec<String> {
    let z = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    z.file_names().map(|n| n.unwrap().into_owned()).collect()
}

fn text_of(zip: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

fn bytes_of(zip: &[u8], name: &str) -> Vec<u8> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut b = Vec::new();
    z.by_name(name).unwrap().read_to_end(&mut b).unwrap();
    b
}

#[tokio::test]
async fn a_years_archive_holds_what_the_reader_may_export() {
    let app = spawn_app().await;
    let year = platform::clock::today(&app.clock).year();
    let party = app.token("party").await;

    // An attachment uploaded this year goes in, under its record kind.
    let meeting = party.json(&format!("/api/v1/meetings?from={year}-01-01&per_page=1")).await["items"][0]["id"]
        .as_i64()
        .expect("the demo year has meetings");
    let part = reqwest::multipart::Part::bytes(b"%PDF-1.4\n%test\n".to_vec()).file_name("../../检查记录.pdf");
    let r = party
        .req(Method::POST, &format!("/api/v1/attachments?owner_type=meeting&owner_id={meeting}"))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());

    let zip = archive(&party, json!({"year": year})).await;
    let files = names(&zip);
    assert!(files.contains(&"目录.html".to_string()));
    assert!(files.iter().any(|f| f.starts_with("台账/") && f.contains("会议记录")), "{files:?}");
    assert!(files.iter().any(|f| f.starts_with("报告/") && f.ends_with(".docx")));
    let pdf = files.iter().find(|f| f.starts_with("附件/meeting/")).expect("the year's attachment");
    assert!(pdf.ends_with("检查记录.pdf") && !pdf.contains(".."), "{pdf}");
    // The meetings ledger holds the year's meetings, as the list's export does.
    let meetings = files.iter().find(|f| f.contains("会议记录")).unwrap();
    let rows = read_xlsx(&bytes_of(&zip, meetings));
    let total = party.json(&format!("/api/v1/meetings?from={year}-01-01&to={year}-12-31&per_page=1")).await["total"]
        .as_i64()
        .unwrap();
    let data_rows = rows.iter().filter(|r| r.first().is_some_and(|c| c.parse::<i64>().is_ok())).count() as i64;
    assert_eq!(data_rows, total, "every meeting of the year, one row each");
    // The party office is not cleared for the labelled ledgers: named in the index, not included.
    assert!(!files.iter().any(|f| f.contains("廉政谈话")));
    let index = text_of(&zip, "目录.html");
    assert!(index.contains("廉政谈话（涉密）") && index.contains("无权导出"), "{index}");

    // The discipline committee's archive has them.
    let jiwei = app.token("jiwei").await;
    let zip = archive(&jiwei, json!({"year": year})).await;
    assert!(names(&zip).iter().any(|f| f.contains("廉政谈话")));

    // Another account neither sees nor fetches someone else's job.
    let r = party.send(Method::POST, "/api/v1/archives", json!({"year": year})).await;
    let id = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    assert_eq!(jiwei.get(&format!("/api/v1/archives/{id}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(jiwei.get(&format!("/api/v1/archives/{id}/download")).await.status(), StatusCode::NOT_FOUND);
    // Bad input: a future year, a unit outside the scope.
    let r = party.send(Method::POST, "/api/v1/archives", json!({"year": year + 1})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("年度"));
    let other = app.unit_id("SL2").await;
    let r = party.send(Method::POST, "/api/v1/archives", json!({"year": year, "unit": other})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A unit clerk may not build archives.
    let clerk = app.token("clerk1").await;
    assert_eq!(
        clerk.send(Method::POST, "/api/v1/archives", json!({"year": year})).await.status(),
        StatusCode::FORBIDDEN
    );
    assert!(app.audit_count("export").await > 0);

    // The page shows the progress of the caller's own jobs.
    let b = app.login("party").await;
    let page = b.get("/reports/archive").await.text().await.unwrap();
    assert!(page.contains("生成归档") && page.contains(&year.to_string()));
}

#[tokio::test]
async fn the_archive_command_builds_the_same_file() {
    let app = spawn_app().await;
    let year = platform::clock::today(&app.clock).year();
    let out = app.dir.join("归档.zip");
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_gangju"));
    c.args(["archive", "--year", &year.to_string(), "--user", "party", "--unit", "SL", "--out"])
        .arg(&out)
        .arg("--data-dir")
        .arg(&app.dir)
        .env_remove("GANGJU_DATABASE_URL");
    if let Some(u) = &app.database_url {
        c.arg("--database-url").arg(u);
    }
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("归档完成"));
    let zip = std::fs::read(&out).unwrap();
    let files = names(&zip);
    assert!(files.iter().any(|f| f.contains("花名册")) && files.contains(&"目录.html".to_string()));
    // An unknown account is refused and writes nothing.
    let bad = app.dir.join("坏.zip");
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_gangju"));
    c.args(["archive", "--year", &year.to_string(), "--user", "nobody", "--out"])
        .arg(&bad)
        .arg("--data-dir")
        .arg(&app.dir)
        .env_remove("GANGJU_DATABASE_URL");
    if let Some(u) = &app.database_url {
        c.arg("--database-url").arg(u);
    }
    let o = c.output().unwrap();
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("nobody"));
    assert!(!bad.exists());
}
