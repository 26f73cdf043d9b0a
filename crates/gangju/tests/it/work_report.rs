//! The work report: the default template renders with every figure equal to the catalogue's
//! value and linked to its records; a template naming an unknown figure is refused with the name;
//! a template round-trips; the .docx is a real document with the official fonts and the figures.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::io::Read;

#[tokio::test]
async fn the_report_is_written_from_the_figures_and_as_an_official_docx() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let year = platform::clock::today(&app.clock).year();
    let period = format!("from={year}-01-01&to={year}-12-31");
    let r = api.json(&format!("/api/v1/work_reports/render?template=default&{period}&format=json")).await;
    // Every figure in the report is the catalogue's value for the same period.
    let figures = r["figures"].as_object().unwrap();
    assert!(figures.len() >= 20, "the default template uses the catalogue: {}", figures.len());
    for (key, v) in figures {
        let f = api.json(&format!("/api/v1/figures/{key}?{period}")).await;
        assert_eq!(v[0], f["value"], "{key}");
    }
    assert_eq!(figures["measures_in_task_plans"][0], 45);
    let text: String = r["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b[1].as_array().unwrap().iter())
        .map(|p| p["text"].as_str().unwrap().to_string())
        .collect();
    assert!(text.contains("提出45项具体工作措施"), "{text}");
    let html = api
        .get(&format!("/api/v1/work_reports/render?template=default&{period}&format=html"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!(
            "<a href=\"/reports/figures/measures_in_task_plans?from={year}-01-01&amp;to={year}-12-31\">45</a>"
        )),
        "linked to its records"
    );

    // Templates: an unknown figure is refused with its name; a good one round-trips.
    let bad = api
        .req(Method::POST, "/api/v1/report_templates")
        .json(&json!({"name": "坏模板", "title": "报告", "body": "# 一、\n新成立{{branches_founded}}个支部，另有{{no_such_figure|余}}次"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("no_such_figure"));
    let body = "# 一、组织建设\n## （一）支部\n新成立{{branches_founded}}个支部，共{{measures_in_task_plans|余}}项措施，签订率{{responsibility_letters_signed|以上}}。";
    let id = api
        .req(Method::POST, "/api/v1/report_templates")
        .json(&json!({"name": "测试模板", "title": "{{year}}年报告", "body": body}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let mine = api.json(&format!("/api/v1/work_reports/render?template={id}&{period}")).await;
    let written: String =
        mine["blocks"][2][1].as_array().unwrap().iter().map(|p| p["text"].as_str().unwrap()).collect();
    assert!(written.contains("共40余项措施"), "45 written as 40余: {written}");
    let signed = api.json(&format!("/api/v1/figures/responsibility_letters_signed?{period}")).await;
    assert_eq!(signed["kind"], "rate");
    let v = signed["value"].as_i64().unwrap();
    assert!(written.contains(&format!("签订率{}%以上。", v - v % 5)), "a rate at least: {written}");
    assert_eq!(mine["title"][0]["text"], year.to_string());

    // The .docx: A4, the official fonts and sizes, page numbers, and the figures' text.
    let r = api.get(&format!("/api/v1/work_reports/render?template={id}&{period}&format=docx")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml").unwrap().read_to_string(&mut xml).unwrap();
    assert!(xml.contains("w:w=\"11906\"") && xml.contains("w:h=\"16838\""), "A4");
    assert!(
        xml.contains("方正小标宋简体")
            && xml.contains("黑体")
            && xml.contains("楷体_GB2312")
            && xml.contains("仿宋_GB2312")
    );
    assert!(xml.contains("共40余项措施"));
    let mut styles = String::new();
    zip.by_name("word/styles.xml").unwrap().read_to_string(&mut styles).unwrap();
    assert!(styles.contains("Heading1") && styles.contains("w:val=\"32\""), "三号 body and headings");
    let footer = (0..zip.len()).any(|i| {
        let mut f = zip.by_index(i).unwrap();
        let mut s = String::new();
        f.name().is_ok_and(|n| n.starts_with("word/footer")) && f.read_to_string(&mut s).is_ok() && s.contains("PAGE")
    });
    assert!(footer, "page numbers in the footer");
    // The page preview.
    let page =
        app.login("party").await.get(&format!("/reports/work?template=default&{period}")).await.text().await.unwrap();
    assert!(page.contains("class=\"figure\"") && page.contains("下载 Word"));
}
