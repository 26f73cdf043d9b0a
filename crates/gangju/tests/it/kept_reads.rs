//! What reads see: a list's total on every page size, the reads kept in memory, the home page's
//! to-dos and the search index, each following every change.

use crate::common::*;
use reqwest::{Method, StatusCode};

/// A list's total is the same however it is paged: a first page that is not full counts its own
/// rows (no count query), a full one or a later one asks the database.
#[tokio::test]
async fn the_total_is_the_same_on_every_page_size() {
    let app = spawn_app().await;
    let api = app.token("sysadmin").await;
    // The reference: a full first page, whose total comes from the count query.
    let all = api.json("/api/v1/units?per_page=5").await["total"].as_i64().unwrap();
    assert!(all > 5 && all < 100, "the demo's units in the administrator's reach: {all}");
    assert!(all <= app.scalar("SELECT count(*) FROM units").await);
    for (q, items) in [
        ("per_page=100", all),
        (&format!("per_page={all}")[..], all),
        ("per_page=5", 5),
        ("per_page=5&page=2", 5),
        ("per_page=5&page=999", 0),
    ] {
        let v = api.json(&format!("/api/v1/units?{q}")).await;
        assert_eq!(v["total"].as_i64(), Some(all), "{q}");
        assert_eq!(v["items"].as_array().unwrap().len() as i64, items, "{q}");
    }
    // Filtered to a few: the total is those few.
    let v = api.json("/api/v1/units?name=%E7%9B%91%E5%8C%BA&per_page=100").await;
    let n = v["items"].as_array().unwrap().len() as i64;
    assert!(n > 0);
    assert_eq!(v["total"].as_i64(), Some(n));
    let v = api.json("/api/v1/units?name=%E7%9B%91%E5%8C%BA&per_page=1").await;
    assert_eq!(v["total"].as_i64(), Some(n), "the count query answers when the page is full");
}

/// An id list (a page's rows are read by their keys) selects exactly those rows, an empty one
/// none. The statement's text is the same whatever the ids, so it is prepared once on a
/// connection (and on PostgreSQL planned once for all values).
#[tokio::test]
async fn an_id_list_reads_its_rows_and_is_prepared_once() {
    let app = spawn_app().await;
    let mut conn = app.state.db.pool.acquire().await.unwrap();
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM units ORDER BY id LIMIT 3").fetch_all(&mut *conn).await.unwrap();
    assert_eq!(ids.len(), 3);
    let mut texts = Vec::new();
    for pick in [&ids[..2], &ids[1..], &ids[..0]] {
        let mut q = platform::db::Sql::new("SELECT id FROM units WHERE id IN (");
        q.push_ids(pick.iter().copied()).push(") ORDER BY id");
        texts.push(q.text().to_string());
        let got: Vec<i64> = q.query_scalar().fetch_all(&mut *conn).await.unwrap();
        assert_eq!(got, pick);
    }
    // (sqlx's Any driver does not tell how many statements a SQLite connection keeps prepared;
    // it keeps them by their text.)
    assert!(texts.iter().all(|t| *t == texts[0]), "one text whatever the ids: {texts:?}");
    if app.database_url.is_some() {
        let mode: String = sqlx::query_scalar("SHOW plan_cache_mode").fetch_one(&mut *conn).await.unwrap();
        assert_eq!(mode, "force_generic_plan");
        let kept: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT id FROM units WHERE id IN (%'",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!(kept, 1, "three id lists, one statement kept prepared");
    }
}

/// Lists, figures and trees are answered from memory while the tables their statements read are
/// unchanged, and read again the moment one changes: through the server, or by anyone else
/// writing to the database (another process, a tool, SQL typed by hand).
#[tokio::test]
async fn kept_reads_are_served_only_while_their_tables_are_unchanged() {
    let app = spawn_app().await;
    let party = app.token("party").await;
    let list = "/api/v1/people?per_page=5&sort=name&page=2";
    let served = || app.state.db.fresh.served_and_read().0;

    let first = party.json(list).await;
    let total = first["total"].as_i64().unwrap();
    assert!(total > 10);
    let before = served();
    assert_eq!(party.json(list).await, first, "asked again, the same answer");
    assert!(served() > before, "the second asking is answered from memory");

    // A change to a table the list does not read leaves it kept.
    sqlx::query("UPDATE compliance_rules SET name = name || '' ").execute(&app.state.db.pool).await.unwrap();
    let before = served();
    assert_eq!(party.json(list).await, first);
    assert!(served() > before, "a change elsewhere does not drop the kept page");

    // A change made outside the server is seen at once: a renamed person moves in the order.
    let first_id = first["items"][0]["id"].as_i64().unwrap();
    sqlx::query("UPDATE people SET name = '齐某某' WHERE id = $1")
        .bind(first_id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let after = party.json(list).await;
    assert_ne!(after["items"][0]["id"].as_i64().unwrap(), first_id, "the renamed person left page two's head");
    assert_eq!(after["total"], total);
    let found = party.json("/api/v1/people?keyword=齐某某&per_page=5").await;
    assert_eq!(found["items"][0]["id"].as_i64().unwrap(), first_id);

    // A write through the server is read at once, by the next request and on the page.
    let page_total = |n: i64| format!("共 {n} 条");
    let browser = app.login("party").await;
    assert!(browser.get("/org/people").await.text().await.unwrap().contains(&page_total(total)));
    let unit = app.unit_id("SL-JQ01").await;
    let r = party
        .req(Method::POST, "/api/v1/people")
        .json(&serde_json::json!({"kind": "officer", "name": "阿新", "gender": "male", "birth_date": "1986-09-09",
            "id_number": crate::org::id_number("1986-09-09", 41), "police_number": "3397777", "unit_id": unit, "party_status": "masses"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    assert_eq!(party.json(list).await["total"].as_i64().unwrap(), total + 1);
    assert!(browser.get("/org/people").await.text().await.unwrap().contains(&page_total(total + 1)));

    // Removed by hand, outside the server: gone from the count at once.
    sqlx::query("DELETE FROM people WHERE id = $1").bind(id).execute(&app.state.db.pool).await.unwrap();
    assert_eq!(party.json(list).await["total"].as_i64().unwrap(), total);
    assert!(browser.get("/org/people").await.text().await.unwrap().contains(&page_total(total)));
}

/// After a change, requests that ask the same page at once read it from the database once: the
/// first reads each of its statements, the others wait for that read and are served its rows.
#[tokio::test]
async fn the_same_page_asked_at_once_after_a_change_is_read_once() {
    let app = spawn_app().await;
    let party = app.token("party").await;
    let list = "/api/v1/people?per_page=5&sort=name&page=2";
    let read = || app.state.db.fresh.served_and_read().1;
    let change = || async {
        sqlx::query("UPDATE people SET name = name WHERE id = (SELECT min(id) FROM people)")
            .execute(&app.state.db.pool)
            .await
            .unwrap();
    };

    // One request after a change: the statements it reads anew.
    let first = party.json(list).await;
    change().await;
    let before = read();
    assert_eq!(party.json(list).await, first);
    let alone = read() - before;
    assert!(alone > 0, "a change makes the page be read again");

    // Eight at once after the next change: the same reads, not eight times as many.
    change().await;
    let before = read();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let req = party.req(Method::GET, list);
        set.spawn(async move {
            let r = req.send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<serde_json::Value>().await.unwrap()
        });
    }
    while let Some(got) = set.join_next().await {
        assert_eq!(got.unwrap(), first, "every one of them gets the page");
    }
    assert_eq!(read() - before, alone, "eight requests at once read the page's statements once");
}

/// The home page's to-dos and the full-text search are kept reads too: asked again they come
/// from memory, and a change (here made by hand, as another process would) shows on the next
/// request.
#[tokio::test]
async fn home_to_dos_and_search_follow_every_change() {
    let app = spawn_app().await;
    let pool = &app.state.db.pool;
    let served = || app.state.db.fresh.served_and_read().0;

    let officer = app.login("officer").await;
    let exam = "党纪法规知识测试·第二期（演示，进行中）";
    let todo = format!("参加考试：{exam}");
    let home = || async { officer.get("/").await.text().await.unwrap() };
    assert!(home().await.contains(&todo), "the open exam is on the officer's home page");
    let before = served();
    assert!(home().await.contains(&todo));
    assert!(served() > before, "the second home page is answered from memory");
    // Closed a minute ago: still read from the database's exams closing after midnight, and
    // no longer open now.
    let closes: i64 =
        sqlx::query_scalar("SELECT closes_at FROM exams WHERE title = $1").bind(exam).fetch_one(pool).await.unwrap();
    let set_closes =
        |at: i64| sqlx::query("UPDATE exams SET closes_at = $1 WHERE title = $2").bind(at).bind(exam).execute(pool);
    set_closes(app.state.clock.now_ms() - 60_000).await.unwrap();
    assert!(!home().await.contains(&todo), "a closed exam leaves the to-dos at once");
    set_closes(closes).await.unwrap();
    assert!(home().await.contains(&todo), "and comes back when it opens again");
    // Sat: the attempt is a change to another table the to-do reads.
    let person: i64 =
        sqlx::query_scalar("SELECT p.id FROM people p JOIN users u ON u.id = p.user_id WHERE u.username = 'officer'")
            .fetch_one(pool)
            .await
            .unwrap();
    sqlx::query(
        "INSERT INTO exam_attempts (exam_id, person_id, unit_id, started_at, deadline_at, submitted_at, closed_by) \
         SELECT id, $1, unit_id, $2, $2, $2, 'submitted' FROM exams WHERE title = $3",
    )
    .bind(person)
    .bind(app.state.clock.now_ms())
    .bind(exam)
    .execute(pool)
    .await
    .unwrap();
    assert!(!home().await.contains(&todo), "a sat exam leaves the to-dos at once");

    // The search: a record indexed by hand is found by the next search, and gone with it.
    let party = app.token("party").await;
    let unit = app.unit_id("SL-JQ01").await;
    let search = "/api/v1/search?q=zephyrine";
    assert_eq!(party.json(search).await["total"], 0);
    // A record id no person has (people are indexed themselves).
    sqlx::query("INSERT INTO search_docs (kind, record_id, unit_id, title, words) VALUES ('person', $1, $2, '测试 zephyrine', 'zephyrine')")
        .bind(person + 1_000_000)
        .bind(unit)
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(party.json(search).await["total"], 1, "indexed, found by the next search");
    let before = served();
    assert_eq!(party.json(search).await["total"], 1);
    assert!(served() > before, "the same search again is answered from memory");
    sqlx::query("DELETE FROM search_docs WHERE title = '测试 zephyrine'").execute(pool).await.unwrap();
    assert_eq!(party.json(search).await["total"], 0, "removed, gone from the next search");
}

/// An upgrade that cuts text into words another way indexes the records anew at its first
/// start: a record is found by the words of the new cut and no longer by its old words, and a
/// document whose record is gone is dropped.
#[tokio::test]
async fn a_new_segmentation_indexes_the_records_anew_at_start() {
    let app = spawn_app().await;
    let pool = &app.state.db.pool;
    let party = app.token("party").await;
    let (id, title, body): (i64, String, String) = sqlx::query_as(
        "SELECT id, title, coalesce(speaker, '') || ' ' || coalesce(full_text, '') FROM study_materials \
         WHERE id IN (SELECT record_id FROM search_docs WHERE kind = 'study_material') ORDER BY id LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    // As an older version would have left it: cut another way.
    sqlx::query("UPDATE search_docs SET words = 'zephyrine' WHERE kind = 'study_material' AND record_id = $1")
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    // The document of a study material deleted since (no such record).
    sqlx::query(
        "INSERT INTO search_docs (kind, record_id, unit_id, title, words) \
         SELECT 'study_material', max(id) + 1000, min(unit_id), '已删除的材料', 'quixotic' FROM study_materials",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("UPDATE settings SET value = 'an older cut' WHERE key = 'search.indexing'")
        .execute(pool)
        .await
        .unwrap();
    let ids = |v: serde_json::Value| -> Vec<i64> {
        v["items"].as_array().unwrap().iter().filter_map(|h| h["record_id"].as_i64()).collect()
    };
    assert_eq!(ids(party.json("/api/v1/search?q=zephyrine").await), vec![id]);
    assert_eq!(ids(party.json("/api/v1/search?q=quixotic").await).len(), 1);
    // A word of the text that is not in the title (the title is searched as it is).
    let new_words = platform::search::words(&format!("{title} {body}"));
    let word = new_words
        .split(' ')
        .filter(|w| !title.to_lowercase().contains(w))
        .max_by_key(|w| w.chars().count())
        .unwrap()
        .to_string();
    assert!(!ids(party.json(&format!("/api/v1/search?q={word}")).await).contains(&id));

    let (_server, _base) = start_server(&app.dir, app.database_url.as_deref()).await;
    assert!(ids(party.json("/api/v1/search?q=zephyrine").await).is_empty(), "the old words are gone");
    assert!(ids(party.json("/api/v1/search?q=quixotic").await).is_empty(), "the deleted record's document is gone");
    assert!(ids(party.json(&format!("/api/v1/search?q={word}")).await).contains(&id), "found by {word}");
    let (words, cut): (String, String) = sqlx::query_as(
        "SELECT d.words, s.value FROM search_docs d, settings s \
         WHERE d.kind = 'study_material' AND d.record_id = $1 AND s.key = 'search.indexing'",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!((words, cut.as_str()), (new_words, platform::search::INDEXING));
}

/// Every table has a change counter, so nothing the kept reads depend on can change unseen; the
/// only tables without one are the bookkeeping and SQLite's search index, which goes by the counter
/// of the table it indexes.
#[tokio::test]
async fn every_table_has_a_change_counter() {
    let app = spawn_app().await;
    let db = &app.state.db;
    let tables: Vec<String> = match db.backend {
        platform::db::Backend::Sqlite => sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'"),
        platform::db::Backend::Postgres => {
            sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()")
        }
    }
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let counted: Vec<String> = sqlx::query_scalar("SELECT name FROM table_changes").fetch_all(&db.pool).await.unwrap();
    let uncounted: Vec<&String> = tables.iter().filter(|t| !counted.contains(t)).collect();
    for t in &uncounted {
        assert!(
            ["schema_migrations", "table_changes"].contains(&t.as_str())
                || t.starts_with("sqlite_")
                || t.starts_with("search_fts"),
            "table {t} has no change counter"
        );
    }
    assert!(counted.len() > 90, "{} tables counted", counted.len());
    // Each counter moves with its table, inside the writing transaction.
    let n = || async {
        sqlx::query_scalar::<_, i64>("SELECT n FROM table_changes WHERE name = 'compliance_rules'")
            .fetch_one(&db.pool)
            .await
            .unwrap()
    };
    let before = n().await;
    let mut tx = db.begin().await.unwrap();
    sqlx::query("UPDATE compliance_rules SET name = name || ''").execute(&mut *tx).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(n().await, before, "a rolled-back change moves nothing");
    sqlx::query("UPDATE compliance_rules SET name = name || ''").execute(&db.pool).await.unwrap();
    assert!(n().await > before);
}
