//! Reminders of this area: terms ending in 90 and 30 days, and terms already over; the party
//! member count for the home page.

use platform::registry::{BoxFuture, CardSource, Todo, TodoSource};
use platform::{AppResult, Ctx};

pub struct TermsEnding;

impl TodoSource for TermsEnding {
    fn todos<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Vec<Todo>>> {
        Box::pin(async move {
            if !ctx.can(crate::ORG_EDIT) {
                return Ok(Vec::new());
            }
            let today = platform::clock::today(&ctx.state.clock);
            let until = today.saturating_add(jiff::Span::new().days(90)).to_string();
            let today_s = today.to_string();
            let in_30 = today.saturating_add(jiff::Span::new().days(30)).to_string();
            let rows = crate::elections::service::terms_ending(ctx, &until).await?;
            Ok(rows
                .into_iter()
                .map(|(id, name, end)| {
                    let (level, detail) = if end < today_s {
                        ("overdue", format!("任期已于 {end} 届满，应及时换届"))
                    } else if end <= in_30 {
                        ("due_soon", format!("任期将于 {end} 届满（30 天内），请做好换届准备"))
                    } else {
                        ("due_soon", format!("任期将于 {end} 届满（90 天内）"))
                    };
                    Todo {
                        title: format!("{name}换届"),
                        detail,
                        due: Some(end),
                        href: format!("/org/orgs/{id}"),
                        level,
                        source: "换届选举",
                    }
                })
                .collect())
        })
    }
}

pub struct MemberCount;

impl CardSource for MemberCount {
    fn card<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Option<(String, String, String)>>> {
        Box::pin(async move {
            if !ctx.can(crate::PERSON_VIEW) {
                return Ok(None);
            }
            let n = platform::figures::value_only(crate::figures::party_members(ctx, None, None)).await?.value;
            Ok(Some((
                "党员数".into(),
                n.to_string(),
                format!("/org/people?party_status={}&employment_status=active", crate::people::service::MEMBERS),
            )))
        })
    }
}
