//! The weekly digest to marketing ops: sent once a week at the scheduled local instant, through
//! the outbox to a real SMTP server, with the week's figures recomputed here from the leads the
//! test ingested.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use handoff::entities::{digest_sends, notifications};
use handoff::notify::digest;
use sea_orm::{ColumnTrait as _, EntityTrait as _, PaginatorTrait as _, QueryFilter as _};
use serde_json::{Value, json};

use crate::helpers::{SmtpSink, TestApp, error_code, error_field, eventually, spawn_app_with};
use crate::simulation::{at, ok};

/// A lead of the week: source, campaign, MQL and assignment time, and what sales did.
struct Case {
    ext: &'static str,
    source: &'static str,
    campaign: &'static str,
    mql: &'static str,
    /// `accepted`, `qualified` (accepted then qualified), `rejected:<reason>`, or nothing.
    outcome: &'static str,
}

const CASES: &[Case] = &[
    Case {
        ext: "g1",
        source: "ads",
        campaign: "spring",
        mql: "2026-03-10T10:00:00Z",
        outcome: "rejected:bad_fit",
    },
    Case {
        ext: "g2",
        source: "ads",
        campaign: "spring",
        mql: "2026-03-10T11:00:00Z",
        outcome: "qualified",
    },
    Case {
        ext: "g3",
        source: "ads",
        campaign: "fall",
        mql: "2026-03-11T10:00:00Z",
        outcome: "rejected:bad_fit",
    },
    Case {
        ext: "g4",
        source: "web",
        campaign: "fall",
        mql: "2026-03-12T10:00:00Z",
        outcome: "rejected:no_budget",
    },
    Case {
        ext: "g5",
        source: "web",
        campaign: "summer",
        mql: "2026-03-13T10:00:00Z",
        outcome: "accepted",
    },
    Case {
        ext: "g6",
        source: "web",
        campaign: "summer",
        mql: "2026-03-13T12:00:00Z",
        outcome: "",
    },
    // Before the week: neither its rejection nor its MQL count; it leaks (no activity).
    Case {
        ext: "g7",
        source: "partner",
        campaign: "q1",
        mql: "2026-03-02T10:00:00Z",
        outcome: "",
    },
    Case {
        ext: "g8",
        source: "partner",
        campaign: "q1",
        mql: "2026-03-02T11:00:00Z",
        outcome: "rejected:duplicate",
    },
];

async fn ingest(app: &TestApp, admin: &str) {
    let leads: Vec<Value> = CASES
        .iter()
        .map(|c| {
            let t = at(c.mql);
            let later = |h: i64| (t + Duration::hours(h)).to_rfc3339();
            let mut events = vec![
                json!({ "kind": "mql", "occurredAt": c.mql }),
                json!({ "kind": "assigned", "occurredAt": c.mql, "ownerEmail": "rep@handoff.test" }),
            ];
            match c.outcome {
                "accepted" => events.push(json!({ "kind": "accepted", "occurredAt": later(1) })),
                "qualified" => {
                    events.push(json!({ "kind": "accepted", "occurredAt": later(1) }));
                    events.push(json!({ "kind": "qualified", "occurredAt": later(2), "bant": { "budget": true, "authority": true, "need": true, "timeline": true } }));
                }
                "" => {}
                rejected => events.push(json!({ "kind": "rejected", "occurredAt": later(1),
                    "reasonCode": rejected.trim_start_matches("rejected:") })),
            }
            json!({ "externalId": c.ext, "email": format!("{}@example.com", c.ext), "leadType": "content_download",
                    "source": c.source, "campaign": c.campaign, "occurredAt": c.mql, "events": events })
        })
        .collect();
    let query = "mutation($leads: [LeadInput!]!) { ingestLeads(leads: $leads) { errors { index field message } } }";
    let data = ok(app, admin, query, json!({ "leads": leads })).await;
    assert_eq!(data["ingestLeads"]["errors"], json!([]), "{data}");
}

fn pct(n: usize, d: usize) -> String {
    if d == 0 {
        "n/a".to_owned()
    } else {
        format!("{:.1}%", n as f64 * 100.0 / d as f64)
    }
}

/// The lines the digest of the week `[from, to)` must hold, recomputed from [`CASES`].
/// The digest's lines, and the beginnings of its red-flag lines.
fn expected_lines(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> (Vec<String>, Vec<String>) {
    let in_week = |c: &&Case| {
        let t = at(c.mql);
        from <= t && t < to
    };
    let week: Vec<&Case> = CASES.iter().filter(in_week).collect();
    // Rejections happen an hour after the MQL.
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for c in CASES {
        let t = at(c.mql) + Duration::hours(1);
        if let Some(reason) = c.outcome.strip_prefix("rejected:")
            && from <= t
            && t < to
        {
            *reasons.entry(reason).or_default() += 1;
        }
    }
    let rejections: usize = reasons.values().sum();
    let mut lines = vec![format!("Rejections: {rejections}")];
    let mut sorted: Vec<(&str, usize)> = reasons.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (reason, n) in &sorted {
        lines.push(format!("- {reason}: {n} ({})", pct(*n, rejections)));
    }
    // The governance report's red flags over the week, each a line starting with its name,
    // figure and threshold (the offenders follow).
    let mut flags = Vec::new();
    if let Some((_, top)) = sorted.first()
        && *top as f64 / rejections as f64 > 0.4
    {
        flags.push(format!(
            "- One rejection reason above 40 % of rejections: {} (threshold 40.0 %);",
            flag_pct(*top, rejections)
        ));
    }
    let decided: Vec<&&Case> = week.iter().filter(|c| !c.outcome.is_empty()).collect();
    let rejected = decided
        .iter()
        .filter(|c| c.outcome.starts_with("rejected"))
        .count();
    if rejected as f64 / decided.len() as f64 > 0.5 {
        flags.push(format!(
            "- Rejection rate above 50 %: {} (threshold 50.0 %);",
            flag_pct(rejected, decided.len())
        ));
    }
    for key in [|c: &Case| c.source, |c: &Case| c.campaign] {
        let mut groups: BTreeMap<&str, Vec<&Case>> = BTreeMap::new();
        for c in &week {
            groups.entry(key(c)).or_default().push(c);
        }
        for (name, cases) in groups {
            let accepted = cases
                .iter()
                .filter(|c| c.outcome == "accepted" || c.outcome == "qualified")
                .count();
            let rejected = cases
                .iter()
                .filter(|c| c.outcome.starts_with("rejected"))
                .count();
            let sqls = cases.iter().filter(|c| c.outcome == "qualified").count();
            lines.push(format!(
                "- {name}: {} MQLs, acceptance rate {} ({accepted} accepted, {rejected} rejected), SQL rate {} ({sqls} SQLs)",
                cases.len(),
                pct(accepted, accepted + rejected),
                pct(sqls, cases.len())
            ));
        }
    }
    // Leakage now: open MQLs (owned, not accepted or rejected) idle for more than 7 days.
    let open: Vec<&Case> = CASES.iter().filter(|c| c.outcome.is_empty()).collect();
    let leaked = open
        .iter()
        .filter(|c| at(c.mql) < now - Duration::days(7))
        .count();
    lines.push(format!(
        "Leakage: {leaked} of {} open MQLs ({}) without activity for more than 7 days",
        open.len(),
        pct(leaked, open.len())
    ));
    if leaked as f64 / open.len() as f64 > 0.1 {
        flags.push(format!(
            "- Leakage above 10 % of open MQLs: {} (threshold 10.0 %);",
            flag_pct(leaked, open.len())
        ));
    }
    (lines, flags)
}

/// A share as the red flags write it.
fn flag_pct(n: usize, d: usize) -> String {
    format!("{:.1} %", n as f64 * 100.0 / d as f64)
}

async fn app_with_sink(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    spawn_app_with(move |settings| settings.mail.smtp_url = Some(url)).await
}

const SET: &str = "mutation($input: DigestScheduleInput!) { setDigestSchedule(input: $input) { weekday time timezone nextAt lastSentWeek } }";

#[tokio::test]
async fn the_digest_goes_to_marketing_ops_once_at_the_local_instant_with_the_weeks_figures() {
    let sink = SmtpSink::start().await;
    let app = app_with_sink(&sink).await;
    app.clock.set(at("2026-03-15T12:00:00Z"));
    let admin = app.admin_token().await;
    app.create_user(json!({ "email": "rep@handoff.test", "name": "Rep", "password": "a-good-password", "role": "REP" })).await;
    app.create_user(json!({ "email": "ops1@handoff.test", "name": "Ops One", "password": "a-good-password", "role": "MARKETING_OPS" })).await;
    app.create_user(json!({ "email": "ops2@handoff.test", "name": "Ops Two", "password": "a-good-password", "role": "MARKETING_OPS" })).await;
    ingest(&app, &admin).await;

    // Monday 09:30 in New York: 13:30Z after the spring-forward of 8 March.
    let set = ok(
        &app,
        &admin,
        SET,
        json!({ "input": { "weekday": "mon", "time": "09:30", "timezone": "America/New_York" } }),
    )
    .await;
    assert_eq!(
        set["setDigestSchedule"]["nextAt"],
        "2026-03-16T13:30:00+00:00"
    );
    let instant = at("2026-03-16T13:30:00Z");

    app.clock.set(instant - Duration::seconds(1));
    assert_eq!(
        digest::fire_due(app.db(), instant - Duration::seconds(1))
            .await
            .unwrap(),
        None
    );
    app.clock.set(instant);
    let sent = digest::fire_due(app.db(), instant).await.unwrap().unwrap();
    assert_eq!((sent.scheduled_at, sent.recipients), (instant, 2));
    // The same week again, later and from a second call: nothing.
    assert_eq!(digest::fire_due(app.db(), instant).await.unwrap(), None);
    assert_eq!(
        digest::fire_due(app.db(), instant + Duration::hours(3))
            .await
            .unwrap(),
        None
    );

    let messages = eventually("two digests", || {
        let m = sink.messages();
        (m.len() >= 2).then_some(m)
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(sink.messages().len(), 2, "each mail once");
    let mut to: Vec<String> = messages
        .iter()
        .map(|m| m["rcpt_tos"][0].as_str().unwrap().to_owned())
        .collect();
    to.sort();
    assert_eq!(to, ["ops1@handoff.test", "ops2@handoff.test"]);
    let body = messages[0]["body"].as_str().unwrap().replace("\r\n", "\n");
    let lines: Vec<&str> = body.lines().map(str::trim_end).collect();
    let (expected, flags) = expected_lines(instant - Duration::days(7), instant, instant);
    for line in expected {
        assert!(
            lines.contains(&line.as_str()),
            "missing {line:?} in\n{body}"
        );
    }
    let red: Vec<&&str> = lines
        .iter()
        .skip_while(|l| **l != "Red flags")
        .skip(1)
        .take_while(|l| l.starts_with("- "))
        .collect();
    assert_eq!(red.len(), flags.len(), "{body}");
    for flag in flags {
        assert!(
            red.iter().any(|l| l.starts_with(&flag)),
            "missing a line starting {flag:?} in\n{body}"
        );
    }
    // Only the lines of the week: the earlier rejection is not in it.
    assert!(!body.contains("duplicate"), "{body}");
    assert_eq!(
        notifications::Entity::find()
            .filter(notifications::Column::Event.eq(digest::EVENT))
            .count(app.db())
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        digest_sends::Entity::find().count(app.db()).await.unwrap(),
        1
    );

    // The session from before the clock moved a few days has expired.
    let admin = app.admin_token().await;
    let schedule = ok(
        &app,
        &admin,
        "{ digestSchedule { weekday time timezone nextAt lastSentWeek } }",
        json!({}),
    )
    .await;
    assert_eq!(
        schedule["digestSchedule"],
        json!({ "weekday": "mon", "time": "09:30", "timezone": "America/New_York",
                "nextAt": "2026-03-23T13:30:00+00:00", "lastSentWeek": "2026-03-16" })
    );

    // Next week's instant sends the next digest.
    let next = digest::fire_due(app.db(), at("2026-03-23T13:30:00Z"))
        .await
        .unwrap();
    assert_eq!(next.map(|s| s.recipients), Some(2));
}

#[tokio::test]
async fn a_digest_missed_by_more_than_a_day_is_skipped_and_concurrent_firing_sends_once() {
    let sink = SmtpSink::start().await;
    let app = app_with_sink(&sink).await;
    app.create_user(json!({ "email": "ops@handoff.test", "name": "Ops", "password": "a-good-password", "role": "MARKETING_OPS" })).await;
    // Default: Monday 08:00 UTC.
    let monday = at("2026-03-16T08:00:00Z");
    assert_eq!(
        digest::fire_due(app.db(), monday + Duration::days(1))
            .await
            .unwrap(),
        None
    );
    let db = app.db().clone();
    let fires = (0..4).map(|_| {
        let db = db.clone();
        tokio::spawn(async move { digest::fire_due(&db, monday + Duration::hours(2)).await })
    });
    let mut sent = 0;
    for fire in fires {
        if fire.await.unwrap().unwrap().is_some() {
            sent += 1;
        }
    }
    assert_eq!(sent, 1);
    eventually("the digest", || (sink.messages().len() == 1).then_some(())).await;
}

#[tokio::test]
async fn only_admins_set_the_schedule_and_bad_values_name_the_field() {
    let sink = SmtpSink::start().await;
    let app = app_with_sink(&sink).await;
    let admin = app.admin_token().await;
    for (input, field) in [
        (
            json!({ "weekday": "funday", "time": "08:00" }),
            "input.weekday",
        ),
        (json!({ "weekday": "mon", "time": "25:00" }), "input.time"),
        (
            json!({ "weekday": "mon", "time": "08:00", "timezone": "Mars/Base" }),
            "input.timezone",
        ),
    ] {
        let response = app
            .graphql(Some(&admin), SET, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response}");
        assert_eq!(error_field(&response), field);
    }
    let (_, ops) = app
        .user_with_token("ops@handoff.test", "MARKETING_OPS")
        .await;
    let refused = app
        .graphql(
            Some(&ops),
            SET,
            json!({ "input": { "weekday": "tue", "time": "08:00" } }),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
    let seen = ok(
        &app,
        &ops,
        "{ digestSchedule { weekday time timezone } }",
        json!({}),
    )
    .await;
    assert_eq!(
        seen["digestSchedule"],
        json!({ "weekday": "mon", "time": "08:00", "timezone": "UTC" })
    );
}
