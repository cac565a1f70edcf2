//! Reports (`slaCompliance`, `funnel`, `feedback`, `leakage`) against an independent
//! recomputation from the event log: the history is ingested through the API (backfill), then
//! the test folds the `lead_events` rows itself and compares every figure.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike as _, Duration, NaiveTime, Utc};
use handoff::entities::{business_calendars, lead_events};
use handoff_shared::domain::SlaEventKind;
use handoff_shared::lead::{LeadEvent, SlaTransition};
use handoff_shared::sla::BusinessCalendar;
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, error_field, spawn_app};

mod governance;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

const NOW: &str = "2026-03-20T12:00:00Z";

struct Org {
    admin: String,
    a: i64,
    b: i64,
    c: i64,
    t1: i64,
    t2: i64,
    manager: String,
    rep: String,
}

async fn ok(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let response = app.graphql(Some(token), query, variables).await;
    assert!(response["errors"].is_null(), "{query}: {response}");
    response["data"].clone()
}

fn id(v: &Value) -> i64 {
    v.as_str().unwrap().parse().unwrap()
}

/// Two teams, a rep in each (A on UTC office hours, B on Berlin hours with a holiday on Monday
/// 16 March), a manager of team 1, and FIRST_RESPONSE promises: 1 h for demo requests, 2 h
/// for webinars (paused by a reply).
async fn organisation(app: &TestApp) -> Org {
    let admin = app.admin_token().await;
    let weekly: Vec<Value> = ["mon", "tue", "wed", "thu", "fri"]
        .iter()
        .map(|d| json!({ "day": d, "open": "09:00", "close": "17:00" }))
        .collect();
    let calendar =
        "mutation($input: NamedCalendarInput!) { upsertBusinessCalendar(input: $input) { id } }";
    let utc = ok(app, &admin, calendar, json!({ "input": { "name": "UTC office", "calendar": { "timezone": "UTC", "weekly": weekly } } })).await;
    let berlin = ok(app, &admin, calendar, json!({ "input": { "name": "Berlin office", "calendar": { "timezone": "Europe/Berlin", "weekly": weekly, "holidays": ["2026-03-16"] } } })).await;
    let new_york = ok(app, &admin, calendar, json!({ "input": { "name": "New York office", "calendar": { "timezone": "America/New_York", "weekly": weekly } } })).await;
    let (manager_id, manager) = app.user_with_token("boss@handoff.test", "MANAGER").await;
    let team = "mutation($input: TeamInput!) { upsertTeam(input: $input) { id } }";
    let t1 = ok(
        app,
        &admin,
        team,
        json!({ "input": { "name": "Team one", "managerId": manager_id } }),
    )
    .await;
    let t2 = ok(
        app,
        &admin,
        team,
        json!({ "input": { "name": "Team two" } }),
    )
    .await;
    let t1 = id(&t1["upsertTeam"]["id"]);
    let t2 = id(&t2["upsertTeam"]["id"]);
    let a = app
        .create_user(json!({ "email": "a@handoff.test", "name": "Rep A", "password": "a-good-password", "role": "REP", "teamId": t1.to_string(), "calendarId": utc["upsertBusinessCalendar"]["id"] }))
        .await;
    let b = app
        .create_user(json!({ "email": "b@handoff.test", "name": "Rep B", "password": "a-good-password", "role": "REP", "teamId": t2.to_string(), "calendarId": berlin["upsertBusinessCalendar"]["id"] }))
        .await;
    let c = app
        .create_user(json!({ "email": "c@handoff.test", "name": "Rep C", "password": "a-good-password", "role": "REP", "teamId": t2.to_string(), "calendarId": new_york["upsertBusinessCalendar"]["id"] }))
        .await;
    let policy = "mutation($input: SlaPolicyInput!) { upsertSlaPolicy(input: $input) { id } }";
    ok(app, &admin, policy, json!({ "input": { "name": "Demo first response", "leadType": "demo_request", "kind": "FIRST_RESPONSE", "targetSeconds": 3600, "startOn": "assigned" } })).await;
    ok(app, &admin, policy, json!({ "input": { "name": "Webinar first response", "leadType": "webinar", "kind": "FIRST_RESPONSE", "targetSeconds": 7200, "startOn": "assigned", "pauseOnResponse": true } })).await;
    let rep = app.token_for("a@handoff.test", "a-good-password").await;
    Org {
        admin,
        a: id(&a["id"]),
        b: id(&b["id"]),
        c: id(&c["id"]),
        t1,
        t2,
        manager,
        rep,
    }
}

fn ev(kind: &str, when: &str) -> Value {
    json!({ "kind": kind, "occurredAt": when })
}
fn assigned(when: &str, rep: &str) -> Value {
    json!({ "kind": "assigned", "occurredAt": when, "ownerEmail": format!("{rep}@handoff.test") })
}
fn touch(when: &str) -> Value {
    json!({ "kind": "touch", "occurredAt": when, "channel": "CALL", "outcome": "connected" })
}
fn rejected(when: &str, reason: &str) -> Value {
    json!({ "kind": "rejected", "occurredAt": when, "reasonCode": reason })
}
fn qualified(when: &str) -> Value {
    json!({ "kind": "qualified", "occurredAt": when, "bant": { "budget": true, "authority": true, "need": true, "timeline": true } })
}

#[allow(clippy::too_many_arguments)]
fn lead(
    ext: &str,
    lead_type: &str,
    source: Option<&str>,
    campaign: Option<&str>,
    mql: &str,
    owner: &str,
    mut events: Vec<Value>,
) -> Value {
    let created = (at(mql) - Duration::minutes(5)).to_rfc3339();
    events.insert(0, ev("mql", mql));
    events.insert(1, assigned(mql, owner));
    json!({ "externalId": ext, "email": format!("{ext}@example.com"), "leadType": lead_type,
            "source": source, "campaign": campaign, "occurredAt": created, "events": events })
}

/// The history: met, breached (stopped late and never stopped), running and approaching
/// clocks, a reassignment before the stop and one after the due, a reply pausing a webinar
/// clock, a clock across a weekend and a holiday, rejections in and out of the period, and a
/// full run to opportunity.
async fn history(app: &TestApp, org: &Org) {
    let leads = json!([
        lead(
            "l1",
            "demo_request",
            Some("ads"),
            Some("spring"),
            "2026-03-02T10:00:00Z",
            "a",
            vec![
                touch("2026-03-02T10:30:00Z"),
                ev("accepted", "2026-03-03T10:00:00Z"),
                qualified("2026-03-05T10:00:00Z"),
                json!({ "kind": "converted", "occurredAt": "2026-03-10T10:00:00Z", "amount": 1000.0 })
            ]
        ),
        lead(
            "l2",
            "demo_request",
            Some("ads"),
            Some("spring"),
            "2026-03-09T09:00:00Z",
            "a",
            vec![
                touch("2026-03-09T14:00:00Z"),
                rejected("2026-03-09T15:00:00Z", "bad_fit")
            ]
        ),
        lead(
            "l3",
            "demo_request",
            Some("web"),
            Some("summer"),
            "2026-03-10T10:00:00Z",
            "a",
            vec![
                assigned("2026-03-10T10:20:00Z", "b"),
                touch("2026-03-10T10:50:00Z"),
                ev("accepted", "2026-03-11T09:00:00Z"),
                qualified("2026-03-12T12:00:00Z")
            ]
        ),
        lead(
            "l4",
            "webinar",
            Some("web"),
            None,
            "2026-03-11T10:00:00Z",
            "b",
            vec![
                ev("responded", "2026-03-11T10:30:00Z"),
                touch("2026-03-12T10:00:00Z"),
                ev("accepted", "2026-03-12T11:00:00Z")
            ]
        ),
        lead(
            "l5",
            "webinar",
            Some("web"),
            None,
            "2026-03-11T11:00:00Z",
            "b",
            vec![ev("responded", "2026-03-11T11:15:00Z")]
        ),
        lead(
            "l6",
            "demo_request",
            Some("partner"),
            Some("q1"),
            "2026-03-13T15:30:00Z",
            "b",
            vec![
                touch("2026-03-17T08:10:00Z"),
                ev("accepted", "2026-03-17T09:00:00Z")
            ]
        ),
        lead(
            "l7",
            "demo_request",
            Some("ads"),
            Some("spring"),
            "2026-03-20T11:10:00Z",
            "a",
            vec![]
        ),
        lead(
            "l8",
            "demo_request",
            Some("ads"),
            Some("fall"),
            "2026-03-20T11:45:00Z",
            "a",
            vec![]
        ),
        lead(
            "l9",
            "demo_request",
            Some("web"),
            Some("summer"),
            "2026-03-18T10:00:00Z",
            "a",
            vec![assigned("2026-03-19T10:00:00Z", "b")]
        ),
        lead(
            "l10",
            "demo_request",
            Some("ads"),
            Some("fall"),
            "2026-03-05T10:00:00Z",
            "a",
            vec![]
        ),
        lead(
            "l11",
            "demo_request",
            Some("ads"),
            Some("fall"),
            "2026-03-16T10:00:00Z",
            "a",
            vec![
                touch("2026-03-16T10:20:00Z"),
                rejected("2026-03-16T11:00:00Z", "no_budget")
            ]
        ),
        lead(
            "l12",
            "demo_request",
            Some("ads"),
            Some("spring"),
            "2026-01-05T10:00:00Z",
            "a",
            vec![
                touch("2026-01-05T10:10:00Z"),
                rejected("2026-02-10T10:00:00Z", "bad_fit")
            ]
        ),
        lead(
            "l13",
            "demo_request",
            Some("web"),
            Some("summer"),
            "2026-02-10T10:00:00Z",
            "b",
            vec![
                touch("2026-02-10T10:05:00Z"),
                rejected("2026-02-25T10:00:00Z", "wrong_contact")
            ]
        ),
        lead(
            "l14",
            "demo_request",
            Some("ads"),
            Some("spring"),
            "2026-03-19T09:00:00Z",
            "a",
            vec![
                ev("accepted", "2026-03-19T09:30:00Z"),
                json!({ "kind": "engagement", "occurredAt": "2026-03-19T09:40:00Z", "engagement": "pricing_page" })
            ]
        ),
        // New York springs forward on Sunday 8 March: Friday 16:30 EST + 30 min, then Monday
        // 09:00-09:30 EDT (13:30Z); the touch at 13:40Z is late.
        lead(
            "l16",
            "demo_request",
            Some("partner"),
            Some("q1"),
            "2026-03-06T21:30:00Z",
            "c",
            vec![
                touch("2026-03-09T13:40:00Z"),
                ev("accepted", "2026-03-09T14:00:00Z")
            ]
        ),
        lead(
            "l15",
            "demo_request",
            Some("web"),
            Some("summer"),
            "2026-03-17T10:00:00Z",
            "a",
            vec![
                json!({ "kind": "disqualified", "occurredAt": "2026-03-17T10:30:00Z", "reasonCode": "bad_fit" })
            ]
        ),
    ]);
    let query = "mutation($leads: [LeadInput!]!) { ingestLeads(leads: $leads) { created updated errors { index field message } leads { externalId status } } }";
    let data = ok(app, &org.admin, query, json!({ "leads": leads })).await;
    assert_eq!(data["ingestLeads"]["errors"], json!([]), "{data}");
    assert_eq!(data["ingestLeads"]["created"], 16, "{data}");
}

// ---------------------------------------------------------------------------------------
// The independent recomputation.

/// One lead folded from its log.
#[derive(Debug, Clone, Default)]
struct Folded {
    source: Option<String>,
    campaign: Option<String>,
    lead_type: String,
    status: Option<String>,
    owner: Option<i64>,
    team: Option<i64>,
    /// `(at, owner, team)`.
    assignments: Vec<(DateTime<Utc>, Option<i64>, Option<i64>)>,
    mql_at: Option<DateTime<Utc>>,
    sal_at: Option<DateTime<Utc>>,
    sql_at: Option<DateTime<Utc>>,
    opportunity_at: Option<DateTime<Utc>>,
    last_activity: Option<DateTime<Utc>>,
    /// `(at, reason)`.
    rejections: Vec<(DateTime<Utc>, String)>,
}

#[derive(Debug, Clone)]
struct Clock {
    lead: i64,
    kind: String,
    started: DateTime<Utc>,
    due: DateTime<Utc>,
    target: i64,
    /// `(at, met, elapsed)`.
    stop: Option<(DateTime<Utc>, bool, i64)>,
    cancelled: bool,
    last: (DateTime<Utc>, SlaTransition),
}

struct Log {
    leads: BTreeMap<i64, Folded>,
    clocks: BTreeMap<i64, Clock>,
    calendars: HashMap<i64, BusinessCalendar>,
}

async fn read_log(app: &TestApp, teams: &HashMap<i64, i64>) -> Log {
    let rows = lead_events::Entity::find()
        .order_by_asc(lead_events::Column::OccurredAt)
        .order_by_asc(lead_events::Column::Id)
        .all(app.db())
        .await
        .unwrap();
    let calendars = business_calendars::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.id, BusinessCalendar::from_json(&c.definition).unwrap()))
        .collect();
    let mut leads: BTreeMap<i64, Folded> = BTreeMap::new();
    let mut clocks: BTreeMap<i64, Clock> = BTreeMap::new();
    for row in rows {
        let t = row.occurred_at;
        let event = LeadEvent::from_stored(&row.kind, &row.payload).unwrap();
        let lead = leads.entry(row.lead_id).or_default();
        if let Some(status) = &row.to_status {
            lead.status = Some(status.clone());
        }
        match event {
            LeadEvent::Created { profile } | LeadEvent::Updated { profile } => {
                lead.source = profile.source;
                lead.campaign = profile.campaign;
                lead.lead_type = profile.lead_type;
            }
            LeadEvent::Mql { .. } => {
                lead.mql_at = Some(t);
                lead.sal_at = None;
                lead.sql_at = None;
            }
            LeadEvent::Assigned(a) => {
                lead.owner = a.owner_id;
                lead.team = a.team_id.or(lead.team);
                let team = a
                    .owner_id
                    .and_then(|o| teams.get(&o).copied())
                    .or(a.team_id);
                lead.assignments.push((t, a.owner_id, team));
                lead.last_activity = Some(t);
            }
            LeadEvent::Touch { .. } | LeadEvent::Responded | LeadEvent::Engagement { .. } => {
                lead.last_activity = Some(t)
            }
            LeadEvent::Accepted => lead.sal_at = Some(t),
            LeadEvent::Qualified { .. } => lead.sql_at = Some(t),
            LeadEvent::Converted { .. } => lead.opportunity_at = Some(t),
            LeadEvent::Rejected { reason_code, .. } => lead.rejections.push((t, reason_code)),
            LeadEvent::Sla(s) => {
                let clock = clocks.entry(s.clock_id).or_insert_with(|| Clock {
                    lead: row.lead_id,
                    kind: s.clock.as_str().to_owned(),
                    started: t,
                    due: t,
                    target: s.target_seconds,
                    stop: None,
                    cancelled: false,
                    last: (t, s.clone()),
                });
                if let Some(due) = s.due_at {
                    clock.due = due;
                }
                clock.target = s.target_seconds;
                match s.transition {
                    SlaEventKind::Started => clock.started = t,
                    SlaEventKind::Met => clock.stop = Some((t, true, s.elapsed_seconds)),
                    SlaEventKind::Breached if s.percent.is_none() => {
                        clock.stop = Some((t, false, s.elapsed_seconds))
                    }
                    SlaEventKind::Cancelled => clock.cancelled = true,
                    _ => {}
                }
                clock.last = (t, s);
            }
            _ => {}
        }
    }
    Log {
        leads,
        clocks,
        calendars,
    }
}

#[derive(Debug, Clone, Default)]
struct Filter {
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    teams: Option<Vec<i64>>,
    owners: Option<Vec<i64>>,
    sources: Option<Vec<&'static str>>,
    campaigns: Option<Vec<&'static str>>,
    lead_types: Option<Vec<&'static str>>,
}

impl Filter {
    fn period(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let to = self.to.unwrap_or(at(NOW));
        (self.from.unwrap_or(to - Duration::days(30)), to)
    }
    fn attributes(&self, l: &Folded) -> bool {
        let has = |list: &Option<Vec<&str>>, v: Option<&str>| {
            list.as_ref()
                .is_none_or(|l| v.is_some_and(|v| l.contains(&v)))
        };
        has(&self.sources, l.source.as_deref())
            && has(&self.campaigns, l.campaign.as_deref())
            && has(&self.lead_types, Some(&l.lead_type))
    }
    fn people(&self, owner: Option<i64>, team: Option<i64>) -> bool {
        self.owners
            .as_ref()
            .is_none_or(|o| owner.is_some_and(|x| o.contains(&x)))
            && self
                .teams
                .as_ref()
                .is_none_or(|t| team.is_some_and(|x| t.contains(&x)))
    }
    fn json(&self) -> Value {
        let ids = |l: &Option<Vec<i64>>| {
            l.as_ref()
                .map(|l| l.iter().map(|i| i.to_string()).collect::<Vec<_>>())
        };
        json!({ "from": self.from.map(|t| t.to_rfc3339()), "to": self.to.map(|t| t.to_rfc3339()),
                "teamIds": ids(&self.teams), "ownerIds": ids(&self.owners), "sources": self.sources,
                "campaigns": self.campaigns, "leadTypes": self.lead_types })
    }
}

fn week(t: DateTime<Utc>) -> String {
    let d = t.date_naive() - Duration::days(i64::from(t.weekday().num_days_from_monday()));
    d.and_time(NaiveTime::MIN).and_utc().to_rfc3339()
}

fn rate(n: usize, d: usize) -> Value {
    if d == 0 {
        Value::Null
    } else {
        json!(n as f64 / d as f64)
    }
}

#[derive(Default, Clone)]
struct Fig {
    met: usize,
    breached: usize,
    running: usize,
    approaching: usize,
    cancelled: usize,
    responded: usize,
    response: i64,
    target: i64,
}

impl Fig {
    fn json(&self, key: Value, label: Value, week_start: Value) -> Value {
        let avg = |s: i64| {
            if self.responded == 0 {
                Value::Null
            } else {
                json!(s as f64 / self.responded as f64)
            }
        };
        json!({ "key": key, "label": label, "weekStart": week_start, "met": self.met,
                "breached": self.breached, "running": self.running, "approaching": self.approaching,
                "cancelled": self.cancelled, "complianceRate": rate(self.met, self.met + self.breached),
                "averageResponseSeconds": avg(self.response), "averageTargetSeconds": avg(self.target) })
    }
}

const GROUP: &str = "key label weekStart met breached running approaching cancelled complianceRate averageResponseSeconds averageTargetSeconds";

fn compliance_query() -> String {
    format!(
        "query($filter: ReportFilter, $kind: SlaKind) {{ slaCompliance(filter: $filter, kind: $kind) {{ met breached running approaching cancelled complianceRate averageResponseSeconds averageTargetSeconds byOwner {{ {GROUP} }} byTeam {{ {GROUP} }} bySource {{ {GROUP} }} byLeadType {{ {GROUP} }} weekly {{ {GROUP} }} responseTimes {{ bucket count }} }} }}"
    )
}

/// A clock as of `now`: its outcome (0 met, 1 breached, 2 running, 3 approaching,
/// 4 cancelled), the instant it is attributed at, and its business seconds.
fn verdict(log: &Log, c: &Clock, now: DateTime<Utc>) -> (u8, DateTime<Utc>, i64) {
    if c.cancelled {
        (4, c.stop.map_or(now, |s| s.0).min(c.due).min(now), 0)
    } else if let Some((stop, met, elapsed)) = c.stop {
        if met {
            (0, stop, elapsed)
        } else {
            (1, stop.min(c.due), elapsed)
        }
    } else {
        let (t, s) = &c.last;
        let elapsed = if s.transition == SlaEventKind::Paused {
            s.elapsed_seconds
        } else {
            let calendar = &log.calendars[&s.calendar_id.unwrap()];
            s.elapsed_seconds + calendar.elapsed(*t, now).unwrap()
        };
        let paused = s.transition == SlaEventKind::Paused;
        if (paused && elapsed >= c.target) || (!paused && c.due <= now) {
            (1, if paused { now } else { c.due }, elapsed)
        } else if elapsed as f64 * 100.0 / c.target as f64 >= 80.0 {
            (3, now, elapsed)
        } else {
            (2, now, elapsed)
        }
    }
}

/// The (owner, team) of a lead's latest assignment at or before `at`.
fn attributed_to(lead: &Folded, at: DateTime<Utc>) -> (Option<i64>, Option<i64>) {
    lead.assignments
        .iter()
        .take_while(|(t, _, _)| *t <= at)
        .last()
        .map_or((None, None), |(_, owner, team)| (*owner, *team))
}

fn expected_compliance(log: &Log, f: &Filter, kind: &str, names: &HashMap<i64, &str>) -> Value {
    let now = at(NOW);
    let (from, to) = f.period();
    let mut total = Fig::default();
    let mut by_owner: BTreeMap<Option<i64>, Fig> = BTreeMap::new();
    let mut by_team: BTreeMap<Option<i64>, Fig> = BTreeMap::new();
    let mut by_source: BTreeMap<Option<String>, Fig> = BTreeMap::new();
    let mut by_type: BTreeMap<String, Fig> = BTreeMap::new();
    let mut weekly: BTreeMap<String, Fig> = BTreeMap::new();
    let mut buckets = [0usize; 3];
    for c in log.clocks.values() {
        let lead = &log.leads[&c.lead];
        if c.kind != kind || c.started < from || c.started >= to || !f.attributes(lead) {
            continue;
        }
        let (outcome, attributed, elapsed) = verdict(log, c, now);
        let (owner, team) = attributed_to(lead, attributed);
        if !f.people(owner, team) {
            continue;
        }
        let add = |fig: &mut Fig| {
            match outcome {
                0 => fig.met += 1,
                1 => fig.breached += 1,
                2 => fig.running += 1,
                3 => {
                    fig.running += 1;
                    fig.approaching += 1
                }
                _ => fig.cancelled += 1,
            }
            if outcome < 2 && c.stop.is_some() {
                fig.responded += 1;
                fig.response += elapsed;
                fig.target += c.target;
            }
        };
        add(&mut total);
        add(by_owner.entry(owner).or_default());
        add(by_team.entry(team).or_default());
        add(by_source.entry(lead.source.clone()).or_default());
        add(by_type.entry(lead.lead_type.clone()).or_default());
        add(weekly.entry(week(c.started)).or_default());
        match outcome {
            1 => buckets[2] += 1,
            4 => {}
            _ if elapsed as f64 * 100.0 / c.target as f64 >= 80.0 => buckets[1] += 1,
            _ => buckets[0] += 1,
        }
    }
    let mut out = total.json(Value::Null, Value::Null, Value::Null);
    let map = out.as_object_mut().unwrap();
    for k in ["key", "label", "weekStart"] {
        map.remove(k);
    }
    let team_name = |t: i64| names.get(&-t).copied();
    map.insert(
        "byOwner".into(),
        by_owner
            .iter()
            .map(|(k, f)| {
                f.json(
                    json!(k.map(|i| i.to_string())),
                    json!(k.and_then(|i| names.get(&i).copied())),
                    Value::Null,
                )
            })
            .collect(),
    );
    map.insert(
        "byTeam".into(),
        by_team
            .iter()
            .map(|(k, f)| {
                f.json(
                    json!(k.map(|i| i.to_string())),
                    json!(k.and_then(team_name)),
                    Value::Null,
                )
            })
            .collect(),
    );
    map.insert(
        "bySource".into(),
        by_source
            .iter()
            .map(|(k, f)| f.json(json!(k), Value::Null, Value::Null))
            .collect(),
    );
    map.insert(
        "byLeadType".into(),
        by_type
            .iter()
            .map(|(k, f)| f.json(json!(k), Value::Null, Value::Null))
            .collect(),
    );
    map.insert(
        "weekly".into(),
        weekly
            .iter()
            .map(|(k, f)| f.json(Value::Null, Value::Null, json!(k)))
            .collect(),
    );
    map.insert(
        "responseTimes".into(),
        json!([
        { "bucket": "UNDER_TARGET", "count": buckets[0] },
        { "bucket": "APPROACHING", "count": buckets[1] },
        { "bucket": "BREACHED", "count": buckets[2] }]),
    );
    out
}

/// RFC 3339 timestamps as the API writes them: compare as instants.
fn normalise(v: &mut Value) {
    match v {
        Value::Object(m) => m.values_mut().for_each(normalise),
        Value::Array(a) => a.iter_mut().for_each(normalise),
        Value::String(s) => {
            if let Ok(t) = DateTime::parse_from_rfc3339(s) {
                *s = t.to_utc().to_rfc3339();
            }
        }
        _ => {}
    }
}

/// The paths where two JSON values differ, with both sides.
fn diff(path: &str, actual: &Value, expected: &Value, out: &mut Vec<String>) {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(e.keys()).collect();
            for key in keys {
                let (x, y) = (
                    a.get(key).unwrap_or(&Value::Null),
                    e.get(key).unwrap_or(&Value::Null),
                );
                diff(&format!("{path}.{key}"), x, y, out);
            }
        }
        // The same ratio, printed by two JSON writers: equal to the last bits.
        (Value::Number(a), Value::Number(e))
            if (a.as_f64().unwrap() - e.as_f64().unwrap()).abs() <= 1e-12 => {}
        (Value::Array(a), Value::Array(e)) if a.len() == e.len() => {
            for (i, (x, y)) in a.iter().zip(e).enumerate() {
                diff(&format!("{path}[{i}]"), x, y, out);
            }
        }
        _ if actual != expected => out.push(format!("{path}: report {actual} != log {expected}")),
        _ => {}
    }
}

async fn compare(
    app: &TestApp,
    token: &str,
    query: &str,
    vars: Value,
    field: &str,
    mut expected: Value,
) -> Value {
    let vars_text = vars.to_string();
    let data = ok(app, token, query, vars).await;
    let mut actual = data[field].clone();
    normalise(&mut actual);
    normalise(&mut expected);
    let mut differences = Vec::new();
    diff(field, &actual, &expected, &mut differences);
    assert!(
        differences.is_empty(),
        "{field} {vars_text}: {differences:#?}"
    );
    actual
}

const STAGE: &str =
    "stage count conversionFromPrevious medianHoursFromPrevious meanHoursFromPrevious";

fn funnel_query() -> String {
    format!(
        "query($filter: ReportFilter) {{ funnel(filter: $filter) {{ stages {{ {STAGE} }} bySource {{ key stages {{ {STAGE} }} }} byCampaign {{ key stages {{ {STAGE} }} }} }} }}"
    )
}

fn cohort<'a>(log: &'a Log, f: &Filter) -> Vec<&'a Folded> {
    let (from, to) = f.period();
    log.leads
        .values()
        .filter(|l| l.mql_at.is_some_and(|m| from <= m && m < to))
        .filter(|l| f.attributes(l) && f.people(l.owner, l.team))
        .collect()
}

fn stages_json(leads: &[&Folded]) -> Value {
    let stamps = |l: &Folded| [l.mql_at, l.sal_at, l.sql_at, l.opportunity_at];
    let names = ["MQL", "SAL", "SQL", "OPPORTUNITY"];
    let mut out = Vec::new();
    let mut previous = 0;
    for i in 0..4 {
        let count = leads.iter().filter(|l| stamps(l)[i].is_some()).count();
        let (conversion, median, mean) = if i == 0 {
            (Value::Null, Value::Null, Value::Null)
        } else {
            let mut hours: Vec<f64> = leads
                .iter()
                .filter_map(|l| {
                    let s = stamps(l);
                    Some((s[i]? - s[i - 1]?).num_seconds() as f64 / 3600.0)
                })
                .collect();
            hours.sort_by(f64::total_cmp);
            let n = hours.len();
            let median = match n {
                0 => Value::Null,
                _ if n % 2 == 1 => json!(hours[n / 2]),
                _ => json!((hours[n / 2 - 1] + hours[n / 2]) / 2.0),
            };
            let mean = if n == 0 {
                Value::Null
            } else {
                json!(hours.iter().sum::<f64>() / n as f64)
            };
            (rate(count, previous), median, mean)
        };
        out.push(
            json!({ "stage": names[i], "count": count, "conversionFromPrevious": conversion,
                         "medianHoursFromPrevious": median, "meanHoursFromPrevious": mean }),
        );
        previous = count;
    }
    Value::Array(out)
}

fn grouped<'a>(
    leads: &[&'a Folded],
    key: impl Fn(&Folded) -> Option<String>,
) -> BTreeMap<Option<String>, Vec<&'a Folded>> {
    let mut groups: BTreeMap<Option<String>, Vec<&Folded>> = BTreeMap::new();
    for l in leads {
        groups.entry(key(l)).or_default().push(l);
    }
    groups
}

fn expected_funnel(log: &Log, f: &Filter) -> Value {
    let cohort = cohort(log, f);
    let groups = |key: fn(&Folded) -> Option<String>| -> Value {
        grouped(&cohort, key)
            .iter()
            .map(|(k, v)| json!({ "key": k, "stages": stages_json(v) }))
            .collect()
    };
    json!({ "stages": stages_json(&cohort), "bySource": groups(|l| l.source.clone()),
            "byCampaign": groups(|l| l.campaign.clone()) })
}

const QUALITY: &str = "source campaign mqls accepted rejected sqls acceptanceRate sqlRate";

fn feedback_query() -> String {
    format!(
        "query($filter: ReportFilter) {{ feedback(filter: $filter) {{ rejections rejectionReasons {{ code count share }} weekly {{ weekStart rejections reasons {{ code count share }} }} bySource {{ {QUALITY} }} byCampaign {{ {QUALITY} }} campaignRanking {{ {QUALITY} }} }} }}"
    )
}

fn reasons_json(codes: &[String]) -> Value {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for c in codes {
        *counts.entry(c).or_default() += 1;
    }
    let mut list: Vec<(&str, usize)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    list.iter()
        .map(|(c, n)| json!({ "code": c, "count": n, "share": *n as f64 / codes.len() as f64 }))
        .collect()
}

fn expected_feedback(log: &Log, f: &Filter) -> Value {
    let (from, to) = f.period();
    let mut codes = Vec::new();
    let mut weeks: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in log
        .leads
        .values()
        .filter(|l| f.attributes(l) && f.people(l.owner, l.team))
    {
        for (t, code) in &l.rejections {
            if from <= *t && *t < to {
                codes.push(code.clone());
                weeks.entry(week(*t)).or_default().push(code.clone());
            }
        }
    }
    let cohort = cohort(log, f);
    let quality = |k: &Option<String>, v: &Vec<&Folded>, by_campaign: bool| {
        let accepted = v.iter().filter(|l| l.sal_at.is_some()).count();
        let rejected = v
            .iter()
            .filter(|l| l.rejections.iter().any(|(t, _)| *t >= l.mql_at.unwrap()))
            .count();
        let sqls = v.iter().filter(|l| l.sql_at.is_some()).count();
        json!({ "source": if by_campaign { Value::Null } else { json!(k) },
                "campaign": if by_campaign { json!(k) } else { Value::Null },
                "mqls": v.len(), "accepted": accepted, "rejected": rejected, "sqls": sqls,
                "acceptanceRate": rate(accepted, accepted + rejected), "sqlRate": rate(sqls, v.len()) })
    };
    let by_source: Vec<Value> = grouped(&cohort, |l| l.source.clone())
        .iter()
        .map(|(k, v)| quality(k, v, false))
        .collect();
    let by_campaign_groups = grouped(&cohort, |l| l.campaign.clone());
    let by_campaign: Vec<Value> = by_campaign_groups
        .iter()
        .map(|(k, v)| quality(k, v, true))
        .collect();
    let mut ranking = by_campaign.clone();
    ranking.sort_by(|a, b| {
        let r = |v: &Value| v["sqlRate"].as_f64().unwrap_or(0.0);
        r(b).total_cmp(&r(a))
            .then(b["mqls"].as_u64().cmp(&a["mqls"].as_u64()))
            .then(a["campaign"].as_str().cmp(&b["campaign"].as_str()))
    });
    json!({ "rejections": codes.len(), "rejectionReasons": reasons_json(&codes),
            "weekly": weeks.iter().map(|(w, c)| json!({ "weekStart": w, "rejections": c.len(), "reasons": reasons_json(c) })).collect::<Vec<_>>(),
            "bySource": by_source, "byCampaign": by_campaign, "campaignRanking": ranking })
}

const LEAKAGE: &str = "query($filter: ReportFilter, $days: Int) { leakage(filter: $filter, staleDays: $days) { staleDays count openMqls share leads(first: 50) { totalCount edges { node { externalId } } } } }";

fn expected_leakage(log: &Log, f: &Filter, days: i64, external: &HashMap<i64, String>) -> Value {
    let cutoff = at(NOW) - Duration::days(days);
    let mut open: Vec<(&i64, &Folded)> = log
        .leads
        .iter()
        .filter(|(_, l)| {
            l.status.as_deref() == Some("MQL") && l.owner.is_some() && l.sal_at.is_none()
        })
        .filter(|(_, l)| f.attributes(l) && f.people(l.owner, l.team))
        .collect();
    open.sort_by_key(|(id, l)| (l.last_activity, **id));
    let leaked: Vec<Value> = open
        .iter()
        .filter(|(_, l)| l.last_activity.or(l.mql_at).unwrap() < cutoff)
        .map(|(id, _)| json!({ "node": { "externalId": external[id] } }))
        .collect();
    json!({ "staleDays": days, "count": leaked.len(), "openMqls": open.len(),
            "share": rate(leaked.len(), open.len()),
            "leads": { "totalCount": leaked.len(), "edges": leaked } })
}

/// Every report under every filter against its recomputation from the log.
async fn compare_every_report(
    app: &TestApp,
    org: &Org,
    log: &Log,
    names: &HashMap<i64, &str>,
    external: &HashMap<i64, String>,
    filters: &[Filter],
) {
    for f in filters {
        for kind in ["FIRST_RESPONSE", "ACCEPTANCE"] {
            compare(
                app,
                &org.admin,
                &compliance_query(),
                json!({ "filter": f.json(), "kind": kind }),
                "slaCompliance",
                expected_compliance(log, f, kind, names),
            )
            .await;
        }
        compare(
            app,
            &org.admin,
            &funnel_query(),
            json!({ "filter": f.json() }),
            "funnel",
            expected_funnel(log, f),
        )
        .await;
        compare(
            app,
            &org.admin,
            &feedback_query(),
            json!({ "filter": f.json() }),
            "feedback",
            expected_feedback(log, f),
        )
        .await;
        for days in [7, 3] {
            compare(
                app,
                &org.admin,
                LEAKAGE,
                json!({ "filter": f.json(), "days": days }),
                "leakage",
                expected_leakage(log, f, days, external),
            )
            .await;
        }
    }
}

#[tokio::test]
async fn every_report_figure_matches_a_recomputation_from_the_event_log() {
    let app = spawn_app().await;
    app.clock.set(at(NOW));
    let org = organisation(&app).await;
    history(&app, &org).await;
    let teams = HashMap::from([(org.a, org.t1), (org.b, org.t2), (org.c, org.t2)]);
    let log = read_log(&app, &teams).await;
    // Names: users by id, teams by minus their id.
    let names = HashMap::from([
        (org.a, "Rep A"),
        (org.b, "Rep B"),
        (org.c, "Rep C"),
        (-org.t1, "Team one"),
        (-org.t2, "Team two"),
    ]);
    let external: HashMap<i64, String> = handoff::entities::leads::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.id, l.external_id))
        .collect();

    let filters = [
        Filter::default(),
        Filter {
            sources: Some(vec!["ads", "partner"]),
            ..Default::default()
        },
        Filter {
            owners: Some(vec![org.a]),
            ..Default::default()
        },
        Filter {
            teams: Some(vec![org.t2]),
            lead_types: Some(vec!["demo_request"]),
            ..Default::default()
        },
        Filter {
            campaigns: Some(vec!["spring", "summer"]),
            from: Some(at("2026-03-09T00:00:00Z")),
            to: Some(at("2026-03-19T00:00:00Z")),
            ..Default::default()
        },
        Filter {
            from: Some(at("2026-01-01T00:00:00Z")),
            ..Default::default()
        },
    ];
    // First every clock folded from the log; then the finished ones from their stored facts
    // (`reports::facts`), which must not change a figure.
    for facts in [false, true] {
        if facts {
            let attributed = handoff::reports::facts::settle_all(app.db(), at(NOW))
                .await
                .unwrap();
            assert!(attributed > 10, "{attributed} clocks attributed");
            // Nothing is left to attribute, and running clocks were not.
            assert_eq!(
                handoff::reports::facts::settle_all(app.db(), at(NOW))
                    .await
                    .unwrap(),
                0
            );
        }
        compare_every_report(&app, &org, &log, &names, &external, &filters).await;
    }

    // The recomputation is not vacuous: the history's cases land where the contract says.
    let report = compare(
        &app,
        &org.admin,
        &compliance_query(),
        json!({ "filter": null }),
        "slaCompliance",
        expected_compliance(&log, &Filter::default(), "FIRST_RESPONSE", &names),
    )
    .await;
    // Met: l1, l3, l4 (paused by the reply, stopped within 2 h of business time), l6 (across
    // the weekend and the Monday holiday), l11, l14, l15 (disqualified in time). Breached: l2 (late touch), l16 (late by the DST hour), l9, l10
    // (never touched). Running: l5 (paused), l7 (approaching), l8.
    assert_eq!(
        (report["met"].as_i64(), report["breached"].as_i64()),
        (Some(7), Some(4)),
        "{report}"
    );
    assert_eq!(
        (report["running"].as_i64(), report["approaching"].as_i64()),
        (Some(3), Some(1)),
        "{report}"
    );
    assert_eq!(report["complianceRate"].as_f64(), Some(7.0 / 11.0));
    // l9 breached while A owned it and was moved to B after its due: it stays A's; l3 moved
    // to B before its touch: B's.
    let a = report["byOwner"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"].as_str() == Some(org.a.to_string().as_str()))
        .unwrap();
    assert_eq!(
        (
            a["met"].as_i64(),
            a["breached"].as_i64(),
            a["running"].as_i64()
        ),
        (Some(4), Some(3), Some(2)),
        "{a}"
    );
    let c = report["byOwner"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"].as_str() == Some(org.c.to_string().as_str()))
        .unwrap();
    assert_eq!(
        (c["met"].as_i64(), c["breached"].as_i64()),
        (Some(0), Some(1)),
        "{c}"
    );
    let funnel = ok(&app, &org.admin, &funnel_query(), json!({})).await;
    let counts: Vec<i64> = funnel["funnel"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["count"].as_i64().unwrap())
        .collect();
    assert_eq!(counts, vec![14, 6, 2, 1]);
    let feedback = ok(&app, &org.admin, &feedback_query(), json!({})).await;
    assert_eq!(feedback["feedback"]["rejections"], 3, "{feedback}");
    let leakage = ok(&app, &org.admin, LEAKAGE, json!({})).await;
    let edges = &leakage["leakage"]["leads"]["edges"];
    let leaked: Vec<&str> = edges
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["node"]["externalId"].as_str().unwrap())
        .collect();
    assert_eq!(leaked, vec!["l10", "l5"], "{leakage}");
    // The leaked leads page like every lead list.
    let page = "query($after: String) { leakage { leads(first: 1, after: $after) { totalCount edges { node { externalId } } pageInfo { hasNextPage endCursor } } } }";
    let first = ok(&app, &org.admin, page, json!({})).await;
    let first = &first["leakage"]["leads"];
    assert_eq!(first["edges"][0]["node"]["externalId"], "l10");
    assert_eq!(
        (
            first["totalCount"].as_i64(),
            first["pageInfo"]["hasNextPage"].as_bool()
        ),
        (Some(2), Some(true))
    );
    let second = ok(
        &app,
        &org.admin,
        page,
        json!({ "after": first["pageInfo"]["endCursor"] }),
    )
    .await;
    let second = &second["leakage"]["leads"];
    assert_eq!(second["edges"][0]["node"]["externalId"], "l5");
    assert_eq!(second["pageInfo"]["hasNextPage"], false);
    // Disqualifying l15 before acceptance called its ACCEPTANCE clock off.
    let acceptance = ok(
        &app,
        &org.admin,
        &compliance_query(),
        json!({ "kind": "ACCEPTANCE" }),
    )
    .await;
    assert!(
        acceptance["slaCompliance"]["cancelled"].as_i64().unwrap() >= 1,
        "{acceptance}"
    );

    // A manager sees their team's figures only, and may not ask for another team's.
    let mine = Filter {
        teams: Some(vec![org.t1]),
        ..Default::default()
    };
    compare(
        &app,
        &org.manager,
        &compliance_query(),
        json!({}),
        "slaCompliance",
        expected_compliance(&log, &mine, "FIRST_RESPONSE", &names),
    )
    .await;
    compare(
        &app,
        &org.manager,
        &funnel_query(),
        json!({}),
        "funnel",
        expected_funnel(&log, &mine),
    )
    .await;
    let response = app
        .graphql(
            Some(&org.manager),
            &funnel_query(),
            json!({ "filter": { "teamIds": [org.t2.to_string()] } }),
        )
        .await;
    assert_eq!(error_code(&response), "FORBIDDEN", "{response}");

    // A change to a lead clears its clocks' facts (they are attributed again), and the figures
    // stay those of the log.
    let mut open = None;
    for clock in handoff::entities::sla_clocks::Entity::find()
        .filter(handoff::entities::sla_clocks::Column::ReportAt.is_not_null())
        .all(app.db())
        .await
        .unwrap()
    {
        let lead = handoff::entities::leads::Entity::find_by_id(clock.lead_id)
            .one(app.db())
            .await
            .unwrap()
            .unwrap();
        if ["MQL", "SAL", "SQL"].contains(&lead.status.as_str()) {
            open = Some(clock);
            break;
        }
    }
    let clock = open.expect("a finished clock of an open lead");
    ok(
        &app,
        &org.admin,
        "mutation($id: ID!) { logTouch(id: $id, channel: CALL, outcome: \"connected\") { id } }",
        json!({ "id": clock.lead_id.to_string() }),
    )
    .await;
    let again = handoff::entities::sla_clocks::Entity::find_by_id(clock.id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.report_at, None, "the facts of lead {}", clock.lead_id);
    let log = read_log(&app, &teams).await;
    compare(
        &app,
        &org.admin,
        &compliance_query(),
        json!({ "filter": null }),
        "slaCompliance",
        expected_compliance(&log, &Filter::default(), "FIRST_RESPONSE", &names),
    )
    .await;
}

#[tokio::test]
async fn reports_refuse_reps_and_a_period_ending_before_it_starts() {
    let app = spawn_app().await;
    app.clock.set(at(NOW));
    let org = organisation(&app).await;
    for query in [
        compliance_query(),
        funnel_query(),
        feedback_query(),
        LEAKAGE.to_owned(),
    ] {
        let response = app.graphql(Some(&org.rep), &query, json!({})).await;
        assert_eq!(error_code(&response), "FORBIDDEN", "{response}");
        let response = app
            .graphql(Some(&org.admin), &query, json!({ "filter": { "from": "2026-03-10T00:00:00Z", "to": "2026-03-09T00:00:00Z" } }))
            .await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response}");
        assert_eq!(error_field(&response), "filter.to");
        let response = app.graphql(None, &query, json!({})).await;
        assert_eq!(error_code(&response), "UNAUTHENTICATED", "{response}");
    }
    // An empty organisation: zeros and nulls, not errors.
    let data = ok(&app, &org.admin, &compliance_query(), json!({})).await;
    assert_eq!(data["slaCompliance"]["met"], 0);
    assert!(data["slaCompliance"]["complianceRate"].is_null());
}
