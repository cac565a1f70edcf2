//! The SLA benchmark (BENCHMARKS.md): with 100,000 open clocks in the database, how late
//! thresholds fire after their instants (from the log: recorded_at - occurred_at), how late a
//! subscriber hears of them (graphql-transport-ws `slaEvents`: received - occurredAt), how many
//! thresholds the scheduler fires per second in a burst, and the server's memory.
//!
//! `cargo test --release -p handoff --test processes bench_sla -- --ignored --nocapture`
//! (`HANDOFF_TEST_DB=postgres` for PostgreSQL; `BENCH_OPEN_CLOCKS`, `BENCH_WAVE_LEADS`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::{SinkExt as _, StreamExt as _};
use handoff_shared::lead::LeadEvent;
use sea_orm::{ConnectionTrait as _, Database as Db, Statement};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

use crate::harness::{Api, Database, Scratch, Server, postgres_wanted};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

async fn policy(api: &Api, lead_type: &str, target: i64, calendar: &Value) {
    api.call(
        "mutation($input: SlaPolicyInput!) { upsertSlaPolicy(input: $input) { id } }",
        json!({ "input": { "name": format!("{lead_type} first response"), "leadType": lead_type, "kind": "FIRST_RESPONSE",
                           "targetSeconds": target, "calendarId": calendar, "startOn": "assigned" } }),
    )
    .await;
}

async fn ingest(api: &Api, lead_type: &str, prefix: &str, from: usize, to: usize) {
    let batch: Vec<Value> = (from..to)
        .map(|n| json!({ "externalId": format!("{prefix}-{n}"), "email": format!("{prefix}{n}@bench{}.example", n % 997),
                         "leadType": lead_type }))
        .collect();
    let result = api
        .call(
            "mutation($leads: [LeadInput!]!) { ingestLeads(leads: $leads) { created errors { message } } }",
            json!({ "leads": batch }),
        )
        .await;
    assert_eq!(result["ingestLeads"]["errors"], json!([]), "{result}");
}

/// Subscribes to `slaEvents` and collects (kind, occurredAt, received) until `stop` is set.
async fn subscriber(
    port: u16,
    token: String,
    until: tokio::time::Instant,
) -> Vec<(String, DateTime<Utc>, DateTime<Utc>)> {
    let mut request = format!("ws://127.0.0.1:{port}/graphql")
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let send = |v: Value| Message::text(v.to_string());
    socket
        .send(send(
            json!({ "type": "connection_init", "payload": { "token": token } }),
        ))
        .await
        .unwrap();
    socket
        .send(send(json!({ "id": "1", "type": "subscribe",
                           "payload": { "query": "subscription { slaEvents { kind occurredAt } }" } })))
        .await
        .unwrap();
    let mut got = Vec::new();
    loop {
        let left = until.saturating_duration_since(tokio::time::Instant::now());
        let Ok(Some(Ok(message))) = tokio::time::timeout(left, socket.next()).await else {
            return got;
        };
        let received = Utc::now();
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(text.as_str()).unwrap();
            let event = &value["payload"]["data"]["slaEvents"];
            if let (Some(kind), Some(at)) = (event["kind"].as_str(), event["occurredAt"].as_str()) {
                let at = DateTime::parse_from_rfc3339(at).unwrap().to_utc();
                got.push((kind.to_owned(), at, received));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: cargo test --release -p handoff --test processes bench_sla -- --ignored --nocapture"]
async fn bench_sla() {
    let open_target = env_usize("BENCH_OPEN_CLOCKS", 100_000);
    let wave_leads = env_usize("BENCH_WAVE_LEADS", 3_000);
    let scratch = Scratch::new("bench-sla");
    let db = if postgres_wanted() {
        Database::postgres().await
    } else {
        Database::sqlite(&scratch.0).await
    };
    let server = Server::start(&scratch.0, &db.url, None, &[("RUST_LOG", "warn")]);
    let api = Api::admin(&server).await;
    let weekly: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|day| json!({ "day": day, "open": "00:00", "close": "24:00" }))
        .collect();
    let calendar = api
        .call(
            "mutation($input: NamedCalendarInput!) { upsertBusinessCalendar(input: $input) { id } }",
            json!({ "input": { "name": "Always", "calendar": { "timezone": "UTC", "weekly": weekly } } }),
        )
        .await["upsertBusinessCalendar"]["id"]
        .clone();
    for n in 1..=20 {
        api.call(
            "mutation($input: UserInput!) { createUser(input: $input) { id } }",
            json!({ "input": { "email": format!("rep{n}@bench.test"), "name": format!("Rep {n}"),
                               "password": "a-rep-password", "role": "REP", "capacity": 100000 } }),
        )
        .await;
    }
    // The background: contact requests whose clocks run for a day (FIRST_RESPONSE, 24/7) and
    // four business hours (the default ACCEPTANCE): two open clocks a lead.
    policy(&api, "contact_sales", 86_400, &calendar).await;
    let background = open_target / 2;
    let started = std::time::Instant::now();
    for from in (0..background).step_by(1000) {
        ingest(
            &api,
            "contact_sales",
            "bg",
            from,
            (from + 1000).min(background),
        )
        .await;
    }
    let conn = Db::connect(&db.url).await.unwrap();
    let count = |sql: &'static str| {
        let conn = conn.clone();
        async move {
            let row = conn
                .query_one(Statement::from_string(conn.get_database_backend(), sql))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index::<i64>(0).unwrap()
        }
    };
    let open = count("SELECT COUNT(*) FROM sla_clocks WHERE stopped_at IS NULL").await;
    eprintln!(
        "background: {background} leads, {open} open clocks, in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // The wave: demo requests on a 20-second promise (50 %, 80 %, breach), ingested at a steady
    // 200 a second, while a leader's subscription listens.
    policy(&api, "demo_request", 20, &calendar).await;
    let token = api.token.clone().unwrap();
    let wave_seconds = (wave_leads as f64 / 200.0).ceil() as u64;
    let until = tokio::time::Instant::now() + Duration::from_secs(wave_seconds + 30);
    let listening = tokio::spawn(subscriber(server.port, token, until));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let wave_start = Utc::now();
    let mut ticker = tokio::time::interval(Duration::from_millis(100));
    for from in (0..wave_leads).step_by(20) {
        ticker.tick().await;
        ingest(
            &api,
            "demo_request",
            "wave",
            from,
            (from + 20).min(wave_leads),
        )
        .await;
    }
    let received = listening.await.unwrap();
    let (rss, peak) = memory_kib(server.pid());

    // Firing latency from the log: when each threshold was written vs. its instant.
    let rows = conn
        .query_all(Statement::from_sql_and_values(
            conn.get_database_backend(),
            if postgres_wanted() {
                "SELECT payload, occurred_at, recorded_at FROM lead_events WHERE kind = 'sla' AND recorded_at >= $1"
            } else {
                "SELECT payload, occurred_at, recorded_at FROM lead_events WHERE kind = 'sla' AND recorded_at >= ?"
            },
            [wave_start.into()],
        ))
        .await
        .unwrap();
    let mut firing: Vec<f64> = Vec::new();
    let mut fired_at: Vec<DateTime<Utc>> = Vec::new();
    for row in rows {
        let payload: String = row.try_get("", "payload").unwrap();
        let occurred: DateTime<Utc> = row.try_get("", "occurred_at").unwrap();
        let recorded: DateTime<Utc> = row.try_get("", "recorded_at").unwrap();
        if let Ok(LeadEvent::Sla(t)) = LeadEvent::from_stored("sla", &payload)
            && t.percent.is_some()
            && !t.backfill
        {
            firing.push((recorded - occurred).num_microseconds().unwrap() as f64 / 1000.0);
            fired_at.push(recorded);
        }
    }
    firing.sort_by(f64::total_cmp);
    let mut delivery: Vec<f64> = received
        .iter()
        .filter(|(kind, _, _)| kind.starts_with("AT_RISK") || kind == "BREACHED")
        .map(|(_, at, got)| (*got - *at).num_microseconds().unwrap() as f64 / 1000.0)
        .collect();
    delivery.sort_by(f64::total_cmp);
    fired_at.sort();
    let span = match (fired_at.first(), fired_at.last()) {
        (Some(a), Some(b)) => (*b - *a).num_milliseconds() as f64 / 1000.0,
        _ => 0.0,
    };
    eprintln!(
        "database: {}",
        if postgres_wanted() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    eprintln!("open clocks before the wave: {open}");
    eprintln!(
        "wave: {wave_leads} leads at 200/s, {} thresholds fired over {span:.1} s ({:.0}/s)",
        firing.len(),
        firing.len() as f64 / span.max(0.001)
    );
    eprintln!(
        "firing latency (ms): p50 {:.1}  p99 {:.1}  max {:.1}",
        percentile(&firing, 50.0),
        percentile(&firing, 99.0),
        firing.last().copied().unwrap_or(f64::NAN)
    );
    eprintln!(
        "delivery latency to a slaEvents subscriber (ms), {} events: p50 {:.1}  p99 {:.1}  max {:.1}",
        delivery.len(),
        percentile(&delivery, 50.0),
        percentile(&delivery, 99.0),
        delivery.last().copied().unwrap_or(f64::NAN)
    );
    eprintln!(
        "server memory: RSS {} MiB, peak {} MiB",
        rss / 1024,
        peak / 1024
    );

    // The burst: the server is down while every wave clock's thresholds pass; back up, it
    // fires them all at once.
    policy(&api, "demo_request", 4, &calendar).await;
    let burst = env_usize("BENCH_BURST_LEADS", 3_000);
    for from in (0..burst).step_by(1000) {
        ingest(
            &api,
            "demo_request",
            "burst",
            from,
            (from + 1000).min(burst),
        )
        .await;
    }
    let pid = server.pid();
    let _ = pid;
    drop(api);
    server_restart_burst(server, &scratch, &db, &conn).await;
    db.drop_now().await;
}

/// Stops the server at once, waits past every threshold of the burst, restarts it and reports
/// how fast it fires what it missed.
async fn server_restart_burst(
    mut server: Server,
    scratch: &Scratch,
    db: &Database,
    conn: &sea_orm::DatabaseConnection,
) {
    server.kill_9();
    let due = conn
        .query_one(Statement::from_string(
            conn.get_database_backend(),
            "SELECT COUNT(*) FROM sla_clocks WHERE next_fire_at IS NOT NULL",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    tokio::time::sleep(Duration::from_secs(6)).await;
    let back = Utc::now();
    let server = Server::start(&scratch.0, &db.url, None, &[("RUST_LOG", "warn")]);
    // Until nothing more is due before the restart instant.
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    let sql = if postgres_wanted() {
        "SELECT COUNT(*) FROM sla_clocks WHERE next_fire_at <= $1"
    } else {
        "SELECT COUNT(*) FROM sla_clocks WHERE next_fire_at <= ?"
    };
    loop {
        let left = conn
            .query_one(Statement::from_sql_and_values(
                conn.get_database_backend(),
                sql,
                [back.into()],
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<i64>(0)
            .unwrap();
        if left == 0 || std::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let rows = conn
        .query_all(Statement::from_sql_and_values(
            conn.get_database_backend(),
            if postgres_wanted() {
                "SELECT recorded_at FROM lead_events WHERE kind = 'sla' AND recorded_at >= $1"
            } else {
                "SELECT recorded_at FROM lead_events WHERE kind = 'sla' AND recorded_at >= ?"
            },
            [back.into()],
        ))
        .await
        .unwrap();
    let mut at: Vec<DateTime<Utc>> = rows
        .iter()
        .map(|r| r.try_get::<DateTime<Utc>>("", "recorded_at").unwrap())
        .collect();
    at.sort();
    let span = match (at.first(), at.last()) {
        (Some(a), Some(b)) => (*b - *a).num_milliseconds() as f64 / 1000.0,
        _ => 0.0,
    };
    eprintln!(
        "burst after a restart: {} clocks with a threshold pending, {} SLA transitions logged in {span:.2} s ({:.0}/s)",
        due,
        at.len(),
        at.len() as f64 / span.max(0.001)
    );
    drop(server);
}
