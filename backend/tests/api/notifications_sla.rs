//! SLA thresholds notify people through the outbox: mails to a real SMTP server on loopback
//! (aiosmtpd), Slack/Teams/generic webhooks to a loopback HTTP server; once per (clock,
//! threshold, recipient, channel); never for backfilled history; retried and dead-lettered when
//! the SMTP server refuses.

use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use handoff::clock::Clock as _;
use handoff::entities::{notification_channels, notifications};
use handoff::handoff::store::{LeadRecord, Recorded};
use handoff::notify::outbox;
use handoff::sla;
use handoff_shared::lead::{Assignment, LeadEvent, LeadProfile, MqlReason};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _,
    Set, TransactionTrait as _,
};
use serde_json::{Value, json};

use crate::helpers::{Receiver, SmtpSink, TestApp, eventually, spawn_app_with};

const PUBLIC_URL: &str = "https://handoff.example";
const SECRET: &str = "sla-webhook-secret-0123456789";
const LOG: &str = "query($filter: NotificationFilter) { notifications(filter: $filter, first: 50) { totalCount edges { node { idempotencyKey event channel target status attempts lastError attemptLog { success statusCode error } } } } }";

/// An organisation with a 24/7 calendar, a 100-second FIRST_RESPONSE policy from assignment,
/// a team "Inbound" managed by `boss`, and the rep `rep` in it (New York time).
struct Org {
    admin: String,
    team: i64,
    rep: i64,
    boss: i64,
}

async fn organisation(app: &TestApp, escalate: bool) -> Org {
    let admin = app.admin_token().await;
    let gql = async |query: &str, variables: Value| {
        let response = app.graphql(Some(&admin), query, variables).await;
        assert!(response["errors"].is_null(), "{response}");
        response["data"].clone()
    };
    let weekly: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|day| json!({ "day": day, "open": "00:00", "close": "24:00" }))
        .collect();
    let calendar = gql(
        "mutation($input: NamedCalendarInput!) { upsertBusinessCalendar(input: $input) { id } }",
        json!({ "input": { "name": "Always", "calendar": { "timezone": "UTC", "weekly": weekly } } }),
    )
    .await["upsertBusinessCalendar"]["id"]
        .clone();
    gql(
        "mutation($input: SlaPolicyInput!) { upsertSlaPolicy(input: $input) { id } }",
        json!({ "input": { "name": "Demo first response", "leadType": "demo_request", "kind": "FIRST_RESPONSE",
                "targetSeconds": 100, "startOn": "assigned", "calendarId": calendar, "escalateToManager": escalate } }),
    )
    .await;
    // The seeded ACCEPTANCE policy stays out of the way: a month.
    gql(
        "mutation($input: SlaPolicyInput!) { upsertSlaPolicy(input: $input) { id } }",
        json!({ "input": { "name": "Demo acceptance", "leadType": "demo_request", "kind": "ACCEPTANCE",
                "targetSeconds": 30 * 86_400, "startOn": "assigned", "calendarId": calendar } }),
    )
    .await;
    let boss = app
        .create_user(
            json!({ "email": "boss@handoff.test", "name": "Bea Boss", "password": "a-good-password",
                             "role": "MANAGER", "timezone": "Europe/Berlin" }),
        )
        .await["id"]
        .clone();
    let team = gql(
        "mutation($input: TeamInput!) { upsertTeam(input: $input) { id } }",
        json!({ "input": { "name": "Inbound", "managerId": boss } }),
    )
    .await["upsertTeam"]["id"]
        .clone();
    let rep = app
        .create_user(
            json!({ "email": "rep@handoff.test", "name": "Ray Rep", "password": "a-good-password",
                             "role": "REP", "teamId": team, "timezone": "America/New_York" }),
        )
        .await["id"]
        .clone();
    let id = |v: &Value| v.as_str().unwrap().parse::<i64>().unwrap();
    Org {
        admin,
        team: id(&team),
        rep: id(&rep),
        boss: id(&boss),
    }
}

/// A demo request assigned to `owner` in `team` at `at` (now: a live lead; earlier: backfilled
/// history), settled at now.
async fn assigned_lead(
    app: &TestApp,
    external_id: &str,
    owner: i64,
    team: i64,
    at: DateTime<Utc>,
) -> i64 {
    let now = app.clock.now();
    let txn = app.db().begin().await.unwrap();
    let profile = LeadProfile {
        email: format!("{external_id}@initech.example"),
        first_name: Some("Jane".into()),
        last_name: Some("Doe".into()),
        company: Some("Initech".into()),
        lead_type: "demo_request".into(),
        ..Default::default()
    };
    let mut record = LeadRecord::create(&txn, profile, external_id, None, at, now)
        .await
        .unwrap();
    let events = [
        LeadEvent::Mql {
            reason: MqlReason::History,
            score: 0,
        },
        LeadEvent::Assigned(Assignment {
            owner_id: Some(owner),
            team_id: Some(team),
            method: "test".into(),
            rule: None,
            previous_owner_id: None,
            detail: None,
        }),
    ];
    for event in events {
        record
            .append(
                &txn,
                Recorded {
                    event: event.clone(),
                    actor_id: None,
                    occurred_at: at,
                },
                now,
            )
            .await
            .unwrap();
        for t in sla::on_lead_event(&txn, &record, &event, at, now)
            .await
            .unwrap()
        {
            record.append(&txn, t, now).await.unwrap();
        }
    }
    for t in sla::settle(&txn, &record, now).await.unwrap() {
        record.append(&txn, t, now).await.unwrap();
    }
    record.save(&txn).await.unwrap();
    txn.commit().await.unwrap();
    record.id
}

/// What the scheduler does for a due clock: settle at now and append; returns the transitions.
async fn settle(app: &TestApp, lead_id: i64) -> Vec<Recorded> {
    let now = app.clock.now();
    let txn = app.db().begin().await.unwrap();
    let mut record = LeadRecord::load(&txn, lead_id).await.unwrap().unwrap();
    let transitions = sla::settle(&txn, &record, now).await.unwrap();
    for t in &transitions {
        record.append(&txn, t.clone(), now).await.unwrap();
    }
    record.save(&txn).await.unwrap();
    txn.commit().await.unwrap();
    transitions
}

async fn outbox_rows(app: &TestApp, lead_id: i64) -> Vec<notifications::Model> {
    notifications::Entity::find()
        .filter(notifications::Column::LeadId.eq(lead_id))
        .order_by_asc(notifications::Column::Id)
        .all(app.db())
        .await
        .unwrap()
}

/// The lead's only outbox row once it has had `attempts` attempts (waits up to 10 s).
async fn row_after_attempts(app: &TestApp, lead_id: i64, attempts: i32) -> notifications::Model {
    for _ in 0..200 {
        let rows = outbox_rows(app, lead_id).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        if rows[0].attempts >= attempts {
            assert_eq!(rows[0].attempts, attempts, "{rows:?}");
            return rows[0].clone();
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    panic!("timed out waiting for attempt {attempts}");
}

fn mails_to(sink: &SmtpSink, address: &str) -> Vec<Value> {
    sink.messages()
        .into_iter()
        .filter(|m| m["rcpt_tos"] == json!([address]))
        .collect()
}

async fn app_with_mail(smtp_url: Option<String>) -> TestApp {
    spawn_app_with(|settings| {
        settings.mail.smtp_url = smtp_url;
        settings.mail.from = "Handoff <handoff@handoff.test>".to_owned();
        settings.public_url = PUBLIC_URL.to_owned();
    })
    .await
}

#[tokio::test]
async fn thresholds_mail_the_rep_copy_the_manager_at_80_and_escalate_the_breach() {
    let sink = SmtpSink::start().await;
    let receiver = Receiver::start(SECRET);
    let app = app_with_mail(Some(sink.url())).await;
    let org = organisation(&app, true).await;

    // The manager wants chat too; the team has a Teams channel; an integrator takes every event.
    let boss = handoff::entities::users::Entity::find_by_id(org.boss)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let mut boss: handoff::entities::users::ActiveModel = boss.into();
    boss.slack_webhook_url = Set(Some(format!("{}/slack/boss", receiver.base)));
    boss.update(app.db()).await.unwrap();
    notification_channels::ActiveModel {
        scope: Set("team".into()),
        scope_id: Set(Some(org.team)),
        kind: Set("teams".into()),
        target: Set(format!("{}/teams/inbound", receiver.base)),
        secret: Set(None),
        events: Set(None),
        active: Set(true),
        created_at: Set(app.clock.now()),
        ..Default::default()
    }
    .insert(app.db())
    .await
    .unwrap();
    let hook = app
        .graphql(
            Some(&org.admin),
            "mutation($input: OutboundWebhookInput!) { upsertOutboundWebhook(input: $input) { id } }",
            json!({ "input": { "name": "CRM", "url": format!("{}/hook", receiver.base), "secret": SECRET } }),
        )
        .await;
    assert!(hook["errors"].is_null(), "{hook}");

    let lead = assigned_lead(&app, "jane", org.rep, org.team, app.clock.now()).await;
    assert!(
        outbox_rows(&app, lead).await.is_empty(),
        "nothing is due yet"
    );

    // 50 %: the rep alone, by e-mail.
    app.clock.advance(Duration::seconds(55));
    let fired = settle(&app, lead).await;
    assert_eq!(fired.len(), 1, "{fired:?}");
    let enqueued_at = std::time::Instant::now();
    let mail = eventually("the 50 % mail", || {
        mails_to(&sink, "rep@handoff.test").pop()
    })
    .await;
    assert!(
        enqueued_at.elapsed() < StdDuration::from_secs(2),
        "the mail took {:?}",
        enqueued_at.elapsed()
    );
    assert_eq!(mail["mail_from"], "handoff@handoff.test");
    let subject = mail["subject"].as_str().unwrap();
    assert!(subject.contains("SLA at risk (50 %)"), "{subject}");
    assert!(
        subject.contains("First response for Jane Doe (Initech)"),
        "{subject}"
    );
    let data = mail["body"].as_str().unwrap();
    assert!(
        data.contains(&format!("{PUBLIC_URL}/leads/{lead}")),
        "{data}"
    );
    assert!(data.contains("jane@initech.example"), "{data}");
    assert!(
        data.contains("America/New_York"),
        "due in the rep's zone: {data}"
    );
    assert!(data.contains("Time left: 45 s"), "{data}");
    let clock_id = match &fired[0].event {
        LeadEvent::Sla(t) => t.clock_id,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        mail["message_id"],
        format!("<sla.{clock_id}.50.user.{}.email@handoff.test>", org.rep)
    );

    // Enqueueing the same thresholds again (a crash and retry, a second instance) adds nothing;
    // settling again finds nothing new.
    let txn = app.db().begin().await.unwrap();
    let record = LeadRecord::load(&txn, lead).await.unwrap().unwrap();
    let again = handoff::notify::sla::on_transitions(
        &mut handoff::notify::sla::Lookups::default(),
        &txn,
        app.clock.now(),
        &record,
        &fired,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(again, 0);
    assert!(settle(&app, lead).await.is_empty());

    // 80 %: the rep, and a copy to the manager (mail and her Slack).
    app.clock.advance(Duration::seconds(30));
    assert_eq!(settle(&app, lead).await.len(), 1);
    eventually("the 80 % mails", || {
        (mails_to(&sink, "rep@handoff.test").len() == 2
            && mails_to(&sink, "boss@handoff.test").len() == 1)
            .then_some(())
    })
    .await;
    let copy = &mails_to(&sink, "boss@handoff.test")[0];
    assert!(
        copy["subject"].as_str().unwrap().contains("(80 %)"),
        "{copy}"
    );
    assert!(
        copy["body"].as_str().unwrap().contains("as the manager"),
        "{copy}"
    );
    assert!(
        copy["body"].as_str().unwrap().contains("Europe/Berlin"),
        "{copy}"
    );

    // The breach: the manager, not the rep.
    app.clock.advance(Duration::seconds(20));
    assert_eq!(settle(&app, lead).await.len(), 1);
    eventually("the breach mail", || {
        (mails_to(&sink, "boss@handoff.test").len() == 2).then_some(())
    })
    .await;
    let breach = &mails_to(&sink, "boss@handoff.test")[1];
    assert!(
        breach["subject"]
            .as_str()
            .unwrap()
            .starts_with("SLA breached"),
        "{breach}"
    );
    assert!(
        breach["body"].as_str().unwrap().contains("Overdue by: 5 s"),
        "{breach}"
    );

    // Chat and webhooks: the manager's Slack at 80 % and breach, the team's Teams channel and
    // the integrator's signed webhook at every threshold.
    eventually("the webhooks", || {
        (receiver.hits("/slack/boss").len() == 2
            && receiver.hits("/teams/inbound").len() == 3
            && receiver.hits("/hook").len() == 3)
            .then_some(())
    })
    .await;
    let slack = &receiver.hits("/slack/boss")[1].body;
    assert!(
        slack["text"].as_str().unwrap().contains("SLA breached"),
        "{slack}"
    );
    assert!(
        slack["text"]
            .as_str()
            .unwrap()
            .contains(&format!("<{PUBLIC_URL}/leads/{lead}|")),
        "{slack}"
    );
    let card = &receiver.hits("/teams/inbound")[0].body;
    assert_eq!(card["@type"], "MessageCard");
    let hooks = receiver.hits("/hook");
    assert!(hooks.iter().all(|h| !h.signature.is_empty()));
    let events: Vec<(&str, u64)> = hooks
        .iter()
        .map(|h| {
            (
                h.body["event"].as_str().unwrap(),
                h.body["percent"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("sla.at_risk", 50),
            ("sla.at_risk", 80),
            ("sla.breached", 100)
        ]
    );
    assert_eq!(
        hooks[2].body["lead"]["url"],
        format!("{PUBLIC_URL}/leads/{lead}")
    );
    assert_eq!(hooks[2].body["clock"]["kind"], "FIRST_RESPONSE");

    // Nothing twice, and the delivery log shows one successful attempt per row.
    assert_eq!(sink.messages().len(), 4);
    let log = app
        .graphql(
            Some(&org.admin),
            LOG,
            json!({ "filter": { "leadId": lead.to_string() } }),
        )
        .await;
    let edges = log["data"]["notifications"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 4 + 2 + 3 + 3, "{log}");
    for edge in edges {
        let node = &edge["node"];
        assert_eq!(node["status"], "SENT", "{node}");
        assert_eq!(node["attempts"], 1, "{node}");
        assert_eq!(node["attemptLog"][0]["success"], true, "{node}");
    }
}

#[tokio::test]
async fn a_touch_after_half_the_time_notifies_the_threshold_it_passed() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(Some(sink.url())).await;
    let org = organisation(&app, true).await;
    let lead = assigned_lead(&app, "touchy", org.rep, org.team, app.clock.now()).await;

    app.clock.advance(Duration::seconds(60));
    let token = app.token_for("rep@handoff.test", "a-good-password").await;
    let touched = app
        .graphql(
            Some(&token),
            "mutation($id: ID!) { logTouch(id: $id, channel: CALL, outcome: \"connected\") { id } }",
            json!({ "id": lead.to_string() }),
        )
        .await;
    assert!(touched["errors"].is_null(), "{touched}");

    let mail = eventually("the 50 % mail", || {
        mails_to(&sink, "rep@handoff.test").pop()
    })
    .await;
    assert!(
        mail["subject"].as_str().unwrap().contains("(50 %)"),
        "{mail}"
    );
    let rows = outbox_rows(&app, lead).await;
    assert_eq!(
        rows.len(),
        1,
        "the touch met the clock: nothing more: {rows:?}"
    );
    assert_eq!(rows[0].event, "sla.at_risk");
}

#[tokio::test]
async fn backfilled_history_never_notifies() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(Some(sink.url())).await;
    let org = organisation(&app, true).await;
    let two_hours_ago = app.clock.now() - Duration::hours(2);
    let lead = assigned_lead(&app, "old", org.rep, org.team, two_hours_ago).await;

    let history = handoff::handoff::store::history(app.db(), lead)
        .await
        .unwrap();
    let thresholds: Vec<_> = history
        .iter()
        .filter_map(
            |row| match LeadEvent::from_stored(&row.kind, &row.payload).unwrap() {
                LeadEvent::Sla(t) if t.percent.is_some() => {
                    Some((t.percent, t.transition, t.backfill))
                }
                _ => None,
            },
        )
        .collect();
    assert_eq!(
        thresholds.iter().map(|t| t.2).collect::<Vec<_>>(),
        [true, true, true],
        "50, 80 and the breach, all backfill: {thresholds:?}"
    );
    assert!(settle(&app, lead).await.is_empty());
    assert!(outbox_rows(&app, lead).await.is_empty());
    tokio::time::sleep(StdDuration::from_millis(600)).await;
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn a_refused_smtp_connection_is_retried_then_dead_lettered() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = app_with_mail(Some(format!("smtp://127.0.0.1:{port}"))).await;
    let org = organisation(&app, true).await;
    let lead = assigned_lead(&app, "refused", org.rep, org.team, app.clock.now()).await;
    app.clock.advance(Duration::seconds(55));
    settle(&app, lead).await;

    let mut seen = 0;
    for attempt in 1..=outbox::MAX_ATTEMPTS {
        let row = row_after_attempts(&app, lead, attempt).await;
        seen += 1;
        assert_eq!(row.channel, "email");
        assert!(
            row.last_error
                .as_deref()
                .unwrap_or_default()
                .contains("SMTP"),
            "{row:?}"
        );
        if attempt < outbox::MAX_ATTEMPTS {
            assert_eq!(row.status, outbox::PENDING, "{row:?}");
            app.clock.advance(Duration::hours(1) + Duration::seconds(1));
        } else {
            assert_eq!(row.status, outbox::DEAD, "{row:?}");
        }
    }
    assert_eq!(seen, outbox::MAX_ATTEMPTS);
    let log = app
        .graphql(
            Some(&org.admin),
            LOG,
            json!({ "filter": { "leadId": lead.to_string(), "status": "DEAD" } }),
        )
        .await;
    let node = &log["data"]["notifications"]["edges"][0]["node"];
    assert_eq!(
        node["attemptLog"].as_array().map(Vec::len),
        Some(usize::try_from(outbox::MAX_ATTEMPTS).unwrap()),
        "{log}"
    );
}

#[tokio::test]
async fn without_smtp_url_mails_wait_in_the_log_with_the_reason() {
    let app = app_with_mail(None).await;
    let org = organisation(&app, true).await;
    let lead = assigned_lead(&app, "nosmtp", org.rep, org.team, app.clock.now()).await;
    app.clock.advance(Duration::seconds(55));
    settle(&app, lead).await;
    let row = row_after_attempts(&app, lead, 1).await;
    assert_eq!(row.status, outbox::PENDING);
    assert_eq!(row.target, "rep@handoff.test");
    assert!(
        row.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("SMTP_URL is not set"),
        "{row:?}"
    );
}

#[tokio::test]
async fn without_escalation_the_breach_goes_to_the_rep() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(Some(sink.url())).await;
    let org = organisation(&app, false).await;
    let lead = assigned_lead(&app, "quiet", org.rep, org.team, app.clock.now()).await;
    app.clock.advance(Duration::seconds(101));
    assert_eq!(
        settle(&app, lead).await.len(),
        3,
        "50, 80 and the breach at once"
    );
    eventually("three mails to the rep", || {
        (mails_to(&sink, "rep@handoff.test").len() == 3).then_some(())
    })
    .await;
    assert!(mails_to(&sink, "boss@handoff.test").is_empty());
    let _ = org.boss;
}

/// A loopback SMTP server that holds its reply to the end of each message until the test
/// opens `gate`, then answers with the next of `verdicts` (250 once they run out).
struct Responder {
    port: u16,
    /// Messages whose terminating dot arrived (their data, dot-unstuffed).
    messages: Arc<Mutex<Vec<String>>>,
    gate: Arc<tokio::sync::Semaphore>,
}

impl Responder {
    async fn start(verdicts: &[&str]) -> Self {
        use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let messages: Arc<Mutex<Vec<String>>> = Arc::default();
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        let verdicts: Arc<Mutex<std::collections::VecDeque<String>>> = Arc::new(Mutex::new(
            verdicts.iter().map(|v| (*v).to_owned()).collect(),
        ));
        let (seen, open) = (messages.clone(), gate.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (seen, open, verdicts) = (seen.clone(), open.clone(), verdicts.clone());
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = tokio::io::BufReader::new(read).lines();
                    write.write_all(b"220 responder\r\n").await.unwrap();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
                        let reply = match verb.as_str() {
                            "EHLO" => "250-responder\r\n250 8BITMIME\r\n".to_owned(),
                            "QUIT" => {
                                let _ = write.write_all(b"221 bye\r\n").await;
                                return;
                            }
                            "DATA" => {
                                write.write_all(b"354 go on\r\n").await.unwrap();
                                let mut data = Vec::new();
                                loop {
                                    // A connection dropped mid-data: discarded.
                                    let Ok(Some(line)) = lines.next_line().await else {
                                        return;
                                    };
                                    if line == "." {
                                        break;
                                    }
                                    data.push(line.strip_prefix('.').unwrap_or(&line).to_owned());
                                }
                                seen.lock().unwrap().push(data.join("\r\n"));
                                open.acquire().await.unwrap().forget();
                                let verdict = verdicts.lock().unwrap().pop_front();
                                format!("{}\r\n", verdict.as_deref().unwrap_or("250 OK"))
                            }
                            _ => "250 OK\r\n".to_owned(),
                        };
                        if write.write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self {
            port,
            messages,
            gate,
        }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn count(&self) -> usize {
        self.messages.lock().unwrap().len()
    }
}

async fn attempt_log(app: &TestApp, notification_id: i64) -> Vec<(bool, Option<i32>)> {
    use handoff::entities::notification_attempts;
    notification_attempts::Entity::find()
        .filter(notification_attempts::Column::NotificationId.eq(notification_id))
        .order_by_asc(notification_attempts::Column::Id)
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.success, a.status_code))
        .collect()
}

/// The lead's only outbox row once `check` holds (waits up to 10 s).
async fn row_when(
    app: &TestApp,
    lead_id: i64,
    what: &str,
    check: impl Fn(&notifications::Model) -> bool,
) -> notifications::Model {
    for _ in 0..200 {
        let rows = outbox_rows(app, lead_id).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        if check(&rows[0]) {
            return rows[0].clone();
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    panic!(
        "timed out waiting for {what}: {:?}",
        outbox_rows(app, lead_id).await
    );
}

#[tokio::test]
async fn a_mail_is_committed_as_sent_before_its_dot_and_a_451_after_it_reverts_the_row() {
    let responder = Responder::start(&["451 4.3.0 try again later"]).await;
    let app = app_with_mail(Some(responder.url())).await;
    let org = organisation(&app, true).await;
    let lead = assigned_lead(&app, "grey", org.rep, org.team, app.clock.now()).await;
    app.clock.advance(Duration::seconds(55));
    settle(&app, lead).await;

    // The whole message is at the server, which has not answered yet: the row is sent.
    eventually("the message data", || {
        (responder.count() == 1).then_some(())
    })
    .await;
    let row = row_when(&app, lead, "the commit", |r| r.attempts == 1).await;
    assert_eq!(row.status, outbox::SENT, "{row:?}");
    assert_eq!(attempt_log(&app, row.id).await, vec![(true, None)]);

    // 451 after the dot: back to pending, the attempt a failure, retried after the backoff.
    let refused_at = app.clock.now();
    responder.gate.add_permits(1);
    let row = row_when(&app, lead, "the revert", |r| r.status == outbox::PENDING).await;
    assert_eq!(row.attempts, 1, "{row:?}");
    assert_eq!(row.sent_at, None, "{row:?}");
    assert_eq!(row.next_attempt_at, refused_at + outbox::backoff(1));
    assert!(
        row.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("451"),
        "{row:?}"
    );
    assert_eq!(attempt_log(&app, row.id).await, vec![(false, Some(451))]);

    responder.gate.add_permits(10);
    app.clock.advance(outbox::backoff(1) + Duration::seconds(1));
    let row = row_when(&app, lead, "the retry", |r| r.status == outbox::SENT).await;
    assert_eq!(row.attempts, 2, "{row:?}");
    assert_eq!(
        attempt_log(&app, row.id).await,
        vec![(false, Some(451)), (true, None)]
    );
    let messages = responder.messages.lock().unwrap().clone();
    assert_eq!(messages.len(), 2);
    let id = outbox::message_id(&row.idempotency_key, "handoff.test");
    assert!(
        messages.iter().all(|m| m.contains(&id)),
        "{id} in {messages:?}"
    );
}

#[tokio::test]
async fn a_5xx_after_the_dot_dead_letters_the_committed_row() {
    let responder = Responder::start(&["554 5.6.0 content rejected"]).await;
    responder.gate.add_permits(10);
    let app = app_with_mail(Some(responder.url())).await;
    let org = organisation(&app, true).await;
    let lead = assigned_lead(&app, "rejected", org.rep, org.team, app.clock.now()).await;
    app.clock.advance(Duration::seconds(55));
    settle(&app, lead).await;

    let row = row_when(&app, lead, "the dead letter", |r| r.status == outbox::DEAD).await;
    assert_eq!(row.attempts, 1, "{row:?}");
    assert_eq!(row.sent_at, None, "{row:?}");
    assert!(
        row.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("554"),
        "{row:?}"
    );
    assert_eq!(attempt_log(&app, row.id).await, vec![(false, Some(554))]);
    assert_eq!(responder.count(), 1);
}
