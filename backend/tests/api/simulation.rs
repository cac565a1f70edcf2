//! `simulateSlaPolicy`: the compliance report under a changed target or calendar, checked
//! against a recomputation from the leads' own event times and the business calendars in this
//! file, and checked to write nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use handoff::entities::{lead_events, leads, notifications, sla_clocks};
use handoff_shared::sla::{BusinessCalendar, CalendarSpec};
use sea_orm::{EntityTrait as _, PaginatorTrait as _, QueryOrder as _};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, error_field, spawn_app};

pub(crate) const NOW: &str = "2026-03-20T12:00:00Z";

pub(crate) fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

pub(crate) async fn ok(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let response = app.graphql(Some(token), query, variables).await;
    assert!(response["errors"].is_null(), "{query}: {response}");
    response["data"].clone()
}

fn id(v: &Value) -> i64 {
    v.as_str().unwrap().parse().unwrap()
}

fn weekdays() -> Vec<Value> {
    ["mon", "tue", "wed", "thu", "fri"]
        .iter()
        .map(|d| json!({ "day": d, "open": "09:00", "close": "17:00" }))
        .collect()
}

fn calendar(tz: &str) -> BusinessCalendar {
    BusinessCalendar::parse(&CalendarSpec::weekdays(tz, "09:00", "17:00")).unwrap()
}

/// A rep of the test organisation.
#[derive(Clone, Copy)]
struct Rep {
    id: i64,
    team: i64,
    tz: &'static str,
}

pub(crate) struct Org {
    pub(crate) admin: String,
    a: Rep,
    b: Rep,
    pub(crate) t1: i64,
    pub(crate) t2: i64,
    pub(crate) manager: String,
    pub(crate) rep: String,
}

/// Rep A (team one, UTC office hours), rep B (team two, Berlin office hours), a manager of team
/// one, and FIRST_RESPONSE promises of 1 h for demo requests and 2 h for webinars.
async fn organisation(app: &TestApp) -> Org {
    let admin = app.admin_token().await;
    let upsert_calendar =
        "mutation($input: NamedCalendarInput!) { upsertBusinessCalendar(input: $input) { id } }";
    let utc = ok(app, &admin, upsert_calendar, json!({ "input": { "name": "UTC office", "calendar": { "timezone": "UTC", "weekly": weekdays() } } })).await;
    let berlin = ok(app, &admin, upsert_calendar, json!({ "input": { "name": "Berlin office", "calendar": { "timezone": "Europe/Berlin", "weekly": weekdays() } } })).await;
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
    let (t1, t2) = (id(&t1["upsertTeam"]["id"]), id(&t2["upsertTeam"]["id"]));
    let a = app
        .create_user(json!({ "email": "a@handoff.test", "name": "Rep A", "password": "a-good-password", "role": "REP", "teamId": t1.to_string(), "calendarId": utc["upsertBusinessCalendar"]["id"] }))
        .await;
    let b = app
        .create_user(json!({ "email": "b@handoff.test", "name": "Rep B", "password": "a-good-password", "role": "REP", "teamId": t2.to_string(), "calendarId": berlin["upsertBusinessCalendar"]["id"] }))
        .await;
    let policy = "mutation($input: SlaPolicyInput!) { upsertSlaPolicy(input: $input) { id } }";
    ok(app, &admin, policy, json!({ "input": { "name": "Demo first response", "leadType": "demo_request", "kind": "FIRST_RESPONSE", "targetSeconds": 3600, "startOn": "assigned" } })).await;
    ok(app, &admin, policy, json!({ "input": { "name": "Webinar first response", "leadType": "webinar", "kind": "FIRST_RESPONSE", "targetSeconds": 7200, "startOn": "assigned" } })).await;
    let rep = app.token_for("a@handoff.test", "a-good-password").await;
    Org {
        admin,
        a: Rep {
            id: id(&a["id"]),
            team: t1,
            tz: "UTC",
        },
        b: Rep {
            id: id(&b["id"]),
            team: t2,
            tz: "Europe/Berlin",
        },
        t1,
        t2,
        manager,
        rep,
    }
}

/// A lead of the history: its assignments (at, rep) and the first touch, if any.
pub(crate) struct Case {
    ext: &'static str,
    lead_type: &'static str,
    assignments: Vec<(DateTime<Utc>, Rep)>,
    touch: Option<DateTime<Utc>>,
}

fn cases(org: &Org) -> Vec<Case> {
    let case = |ext, lead_type, assignments: Vec<(&str, Rep)>, touch: Option<&str>| Case {
        ext,
        lead_type,
        assignments: assignments.into_iter().map(|(t, r)| (at(t), r)).collect(),
        touch: touch.map(at),
    };
    let (a, b) = (org.a, org.b);
    vec![
        // 20 min: met under both targets.
        case(
            "d1",
            "demo_request",
            vec![("2026-03-02T10:00:00Z", a)],
            Some("2026-03-02T10:20:00Z"),
        ),
        // 45 min: met in 1 h, breached in 30 min.
        case(
            "d2",
            "demo_request",
            vec![("2026-03-03T10:00:00Z", a)],
            Some("2026-03-03T10:45:00Z"),
        ),
        // Overnight: 10 min before the close, 15 after the opening.
        case(
            "d3",
            "demo_request",
            vec![("2026-03-04T16:50:00Z", a)],
            Some("2026-03-05T09:15:00Z"),
        ),
        // Berlin: 40 min.
        case(
            "d4",
            "demo_request",
            vec![("2026-03-05T10:00:00Z", b)],
            Some("2026-03-05T10:40:00Z"),
        ),
        // Berlin over a weekend: 30 min on Friday, 40 on Monday.
        case(
            "d5",
            "demo_request",
            vec![("2026-03-06T15:30:00Z", b)],
            Some("2026-03-09T08:40:00Z"),
        ),
        // Reassigned from A to B after 10 min, touched 35 min later.
        case(
            "d6",
            "demo_request",
            vec![("2026-03-10T10:00:00Z", a), ("2026-03-10T10:10:00Z", b)],
            Some("2026-03-10T10:45:00Z"),
        ),
        // Not touched: 40 and 55 min by now.
        case(
            "d7",
            "demo_request",
            vec![("2026-03-20T11:20:00Z", a)],
            None,
        ),
        case(
            "d8",
            "demo_request",
            vec![("2026-03-20T11:05:00Z", b)],
            None,
        ),
        // Another lead type: never changed by a demo_request simulation.
        case(
            "w1",
            "webinar",
            vec![("2026-03-11T10:00:00Z", a)],
            Some("2026-03-11T12:30:00Z"),
        ),
    ]
}

async fn ingest(app: &TestApp, org: &Org, cases: &[Case]) -> HashMap<&'static str, i64> {
    let email = |r: Rep| {
        if r.id == org.a.id {
            "a@handoff.test"
        } else {
            "b@handoff.test"
        }
    };
    let leads: Vec<Value> = cases
        .iter()
        .map(|c| {
            let first = c.assignments[0].0;
            let mut events = vec![json!({ "kind": "mql", "occurredAt": first.to_rfc3339() })];
            for (t, rep) in &c.assignments {
                events.push(json!({ "kind": "assigned", "occurredAt": t.to_rfc3339(), "ownerEmail": email(*rep) }));
            }
            if let Some(t) = c.touch {
                events.push(json!({ "kind": "touch", "occurredAt": t.to_rfc3339(), "channel": "CALL", "outcome": "connected" }));
            }
            json!({ "externalId": c.ext, "email": format!("{}@example.com", c.ext),
                    "leadType": c.lead_type, "source": "web",
                    "occurredAt": (first - Duration::minutes(5)).to_rfc3339(), "events": events })
        })
        .collect();
    let query = "mutation($leads: [LeadInput!]!) { ingestLeads(leads: $leads) { created errors { index field message } } }";
    let data = ok(app, &org.admin, query, json!({ "leads": leads })).await;
    assert_eq!(data["ingestLeads"]["errors"], json!([]), "{data}");
    let ids: HashMap<String, i64> = leads::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.external_id, l.id))
        .collect();
    cases.iter().map(|c| (c.ext, ids[c.ext])).collect()
}

// ---------------------------------------------------------------------------------------
// The recomputation: business time walked segment by segment over the owners' calendars.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Met,
    Breached,
    Running,
    Approaching,
}

impl Verdict {
    fn name(self) -> &'static str {
        match self {
            Self::Met => "MET",
            Self::Breached => "BREACHED",
            Self::Running => "RUNNING",
            Self::Approaching => "APPROACHING",
        }
    }
}

/// The verdict of a case's clock under `target` seconds, counting in `overriding` or else in
/// each owner's calendar, and the (owner, team) it is attributed to.
fn verdict(
    case: &Case,
    target: i64,
    overriding: Option<&BusinessCalendar>,
    now: DateTime<Utc>,
) -> (Verdict, Rep) {
    let end = case.touch.unwrap_or(now);
    let mut due = None;
    let mut elapsed = 0;
    for (i, (start, rep)) in case.assignments.iter().enumerate() {
        let own = calendar(rep.tz);
        let cal = overriding.unwrap_or(&own);
        let until = case
            .assignments
            .get(i + 1)
            .map_or(end, |(t, _)| *t)
            .min(end);
        if due.is_none() {
            let candidate = cal.add(*start, target - elapsed).unwrap();
            if candidate <= until || i + 1 == case.assignments.len() {
                due = Some(candidate);
            }
        }
        elapsed += cal.elapsed(*start, until).unwrap();
    }
    let due = due.unwrap();
    let verdict = match case.touch {
        Some(touch) if touch <= due => Verdict::Met,
        Some(_) => Verdict::Breached,
        None if due <= now => Verdict::Breached,
        None if elapsed as f64 * 100.0 / target as f64 >= 80.0 => Verdict::Approaching,
        None => Verdict::Running,
    };
    let attributed = case.touch.unwrap_or(now).min(due).min(now);
    let owner = case
        .assignments
        .iter()
        .take_while(|(t, _)| *t <= attributed)
        .last()
        .unwrap()
        .1;
    (verdict, owner)
}

#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Fig {
    met: i64,
    breached: i64,
    running: i64,
    approaching: i64,
}

impl Fig {
    fn add(&mut self, v: Verdict) {
        match v {
            Verdict::Met => self.met += 1,
            Verdict::Breached => self.breached += 1,
            Verdict::Running => self.running += 1,
            Verdict::Approaching => {
                self.running += 1;
                self.approaching += 1;
            }
        }
    }
    fn rate(&self) -> Option<f64> {
        (self.met + self.breached > 0).then(|| self.met as f64 / (self.met + self.breached) as f64)
    }
    fn of(v: &Value) -> Self {
        Self {
            met: v["met"].as_i64().unwrap(),
            breached: v["breached"].as_i64().unwrap(),
            running: v["running"].as_i64().unwrap(),
            approaching: v["approaching"].as_i64().unwrap(),
        }
    }
}

/// The expected figures: total, by owner id, by team id; and each lead's verdict.
struct Expected {
    total: Fig,
    by_owner: BTreeMap<i64, Fig>,
    by_team: BTreeMap<i64, Fig>,
    verdicts: HashMap<&'static str, Verdict>,
}

/// The FIRST_RESPONSE figures with demo requests under `demo_target` (and `overriding`), the
/// webinar as it is, for the leads passing `teams`.
fn expected(
    cases: &[Case],
    demo_target: i64,
    overriding: Option<&BusinessCalendar>,
    teams: Option<&[i64]>,
) -> Expected {
    let mut out = Expected {
        total: Fig::default(),
        by_owner: BTreeMap::new(),
        by_team: BTreeMap::new(),
        verdicts: HashMap::new(),
    };
    for case in cases {
        let (target, cal) = if case.lead_type == "demo_request" {
            (demo_target, overriding)
        } else {
            (7200, None)
        };
        let (v, owner) = verdict(case, target, cal, at(NOW));
        if teams.is_some_and(|t| !t.contains(&owner.team)) {
            continue;
        }
        out.total.add(v);
        out.by_owner.entry(owner.id).or_default().add(v);
        out.by_team.entry(owner.team).or_default().add(v);
        out.verdicts.insert(case.ext, v);
    }
    out
}

fn groups(list: &Value) -> BTreeMap<i64, Fig> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap().parse().unwrap(), Fig::of(g)))
        .collect()
}

fn close(a: Option<f64>, b: &Value) -> bool {
    match (a, b.as_f64()) {
        (None, None) => true,
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        _ => false,
    }
}

fn assert_report(report: &Value, want: &Expected, what: &str) {
    assert_eq!(Fig::of(report), want.total, "{what}: {report}");
    assert!(
        close(want.total.rate(), &report["complianceRate"]),
        "{what} rate: {report}"
    );
    assert_eq!(groups(&report["byOwner"]), want.by_owner, "{what} byOwner");
    assert_eq!(groups(&report["byTeam"]), want.by_team, "{what} byTeam");
    for g in report["byOwner"].as_array().unwrap() {
        let key: i64 = g["key"].as_str().unwrap().parse().unwrap();
        assert!(
            close(want.by_owner[&key].rate(), &g["complianceRate"]),
            "{what}: {g}"
        );
    }
}

const FIGURES: &str = "met breached running approaching complianceRate";

fn simulate_query() -> String {
    let group = format!("key label {FIGURES}");
    let report = format!("{FIGURES} byOwner {{ {group} }} byTeam {{ {group} }}");
    let diff = "key label met breached running approaching cancelled complianceRate";
    format!(
        "query($policy: SlaPolicyChangeInput!, $filter: ReportFilter) {{ simulateSlaPolicy(policy: $policy, filter: $filter) {{ leadType kind currentTargetSeconds simulatedTargetSeconds actual {{ {report} }} simulated {{ {report} }} difference {{ total {{ {diff} }} byOwner {{ {diff} }} byTeam {{ {diff} }} }} changes {{ leadId clockId actual simulated }} }} }}"
    )
}

fn assert_difference(diff: &Value, actual: &Expected, simulated: &Expected) {
    let total = &diff["total"];
    assert_eq!(
        total["met"].as_i64().unwrap(),
        simulated.total.met - actual.total.met,
        "{diff}"
    );
    assert_eq!(
        total["breached"].as_i64().unwrap(),
        simulated.total.breached - actual.total.breached,
        "{diff}"
    );
    assert_eq!(
        total["running"].as_i64().unwrap(),
        simulated.total.running - actual.total.running,
        "{diff}"
    );
    let rate = simulated
        .total
        .rate()
        .zip(actual.total.rate())
        .map(|(s, a)| s - a);
    assert!(close(rate, &total["complianceRate"]), "{diff}");
    let owners: BTreeSet<i64> = actual
        .by_owner
        .keys()
        .chain(simulated.by_owner.keys())
        .copied()
        .collect();
    let got: BTreeMap<i64, &Value> = diff["byOwner"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap().parse().unwrap(), g))
        .collect();
    assert_eq!(got.keys().copied().collect::<BTreeSet<_>>(), owners);
    for owner in owners {
        let (a, s) = (
            actual.by_owner.get(&owner).copied().unwrap_or_default(),
            simulated.by_owner.get(&owner).copied().unwrap_or_default(),
        );
        assert_eq!(got[&owner]["met"].as_i64().unwrap(), s.met - a.met);
        assert_eq!(
            got[&owner]["breached"].as_i64().unwrap(),
            s.breached - a.breached
        );
    }
}

fn policy(target: i64) -> Value {
    json!({ "leadType": "demo_request", "kind": "FIRST_RESPONSE", "targetSeconds": target })
}

pub(crate) async fn setup() -> (TestApp, Org, Vec<Case>, HashMap<&'static str, i64>) {
    let app = spawn_app().await;
    app.clock.set(at(NOW));
    let org = organisation(&app).await;
    let cases = cases(&org);
    let ids = ingest(&app, &org, &cases).await;
    (app, org, cases, ids)
}

/// The leads whose verdict differs, as `changes` lists them.
fn flips(
    actual: &Expected,
    simulated: &Expected,
    ids: &HashMap<&'static str, i64>,
) -> BTreeSet<(i64, &'static str, &'static str)> {
    actual
        .verdicts
        .iter()
        .filter(|(ext, v)| simulated.verdicts[*ext] != **v)
        .map(|(ext, v)| (ids[ext], v.name(), simulated.verdicts[ext].name()))
        .collect()
}

fn listed_changes(changes: &Value) -> BTreeSet<(i64, &'static str, &'static str)> {
    let name = |v: &Value| -> &'static str {
        match v.as_str().unwrap() {
            "MET" => "MET",
            "BREACHED" => "BREACHED",
            "RUNNING" => "RUNNING",
            "APPROACHING" => "APPROACHING",
            other => panic!("unexpected outcome {other}"),
        }
    };
    changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["leadId"].as_str().unwrap().parse().unwrap(),
                name(&c["actual"]),
                name(&c["simulated"]),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_tighter_target_flips_the_responses_between_the_old_and_new_targets() {
    let (app, org, cases, ids) = setup().await;
    let data = ok(
        &app,
        &org.admin,
        &simulate_query(),
        json!({ "policy": policy(1800) }),
    )
    .await;
    let sim = &data["simulateSlaPolicy"];
    assert_eq!(sim["currentTargetSeconds"], 3600);
    assert_eq!(sim["simulatedTargetSeconds"], 1800);

    let actual = expected(&cases, 3600, None, None);
    let simulated = expected(&cases, 1800, None, None);
    assert_report(&sim["actual"], &actual, "actual");
    assert_report(&sim["simulated"], &simulated, "simulated");
    assert_difference(&sim["difference"], &actual, &simulated);
    let flipped = flips(&actual, &simulated, &ids);
    // The responses between 30 and 60 min (d2, d4, d6) and the open clocks past 30 min.
    for ext in ["d2", "d4", "d6", "d7", "d8"] {
        assert!(flipped.iter().any(|(id, _, _)| *id == ids[ext]), "{ext}");
    }
    assert!(!flipped.iter().any(|(id, _, _)| *id == ids["w1"]));
    assert_eq!(listed_changes(&sim["changes"]), flipped);

    // The actual side is the real report.
    let real = ok(
        &app,
        &org.admin,
        &format!("{{ slaCompliance {{ {FIGURES} byOwner {{ key {FIGURES} }} byTeam {{ key {FIGURES} }} }} }}"),
        json!({}),
    )
    .await;
    assert_report(&real["slaCompliance"], &actual, "slaCompliance");

    // A looser target turns the late ones into met ones.
    let data = ok(
        &app,
        &org.admin,
        &simulate_query(),
        json!({ "policy": policy(6000) }),
    )
    .await;
    let looser = expected(&cases, 6000, None, None);
    assert_report(&data["simulateSlaPolicy"]["simulated"], &looser, "looser");
    assert!(looser.total.breached < actual.total.breached);
}

#[tokio::test]
async fn another_calendar_is_counted_for_every_clock_of_the_policy() {
    let (app, org, cases, ids) = setup().await;
    let new_york = calendar("America/New_York");
    let mut change = policy(2400);
    change["calendar"] = json!({ "timezone": "America/New_York", "weekly": weekdays() });
    let data = ok(
        &app,
        &org.admin,
        &simulate_query(),
        json!({ "policy": change }),
    )
    .await;
    let sim = &data["simulateSlaPolicy"];
    let actual = expected(&cases, 3600, None, None);
    let simulated = expected(&cases, 2400, Some(&new_york), None);
    assert_report(&sim["simulated"], &simulated, "New York");
    assert_eq!(
        listed_changes(&sim["changes"]),
        flips(&actual, &simulated, &ids)
    );

    // The same calendar stored, by id.
    let stored = ok(&app, &org.admin, "mutation($input: NamedCalendarInput!) { upsertBusinessCalendar(input: $input) { id } }",
        json!({ "input": { "name": "New York office", "calendar": { "timezone": "America/New_York", "weekly": weekdays() } } })).await;
    let mut change = policy(2400);
    change["calendarId"] = stored["upsertBusinessCalendar"]["id"].clone();
    let data = ok(
        &app,
        &org.admin,
        &simulate_query(),
        json!({ "policy": change }),
    )
    .await;
    assert_report(
        &data["simulateSlaPolicy"]["simulated"],
        &simulated,
        "New York by id",
    );
}

async fn counts(app: &TestApp) -> (u64, u64, u64, u64, Vec<sla_clocks::Model>) {
    let db = app.db();
    (
        lead_events::Entity::find().count(db).await.unwrap(),
        sla_clocks::Entity::find().count(db).await.unwrap(),
        notifications::Entity::find().count(db).await.unwrap(),
        leads::Entity::find().count(db).await.unwrap(),
        sla_clocks::Entity::find()
            .order_by_asc(sla_clocks::Column::Id)
            .all(db)
            .await
            .unwrap(),
    )
}

#[tokio::test]
async fn a_simulation_writes_nothing() {
    let (app, org, _, _) = setup().await;
    let before = counts(&app).await;
    assert!(before.1 > 0);
    for target in [60, 1800, 100_000] {
        ok(
            &app,
            &org.admin,
            &simulate_query(),
            json!({ "policy": policy(target) }),
        )
        .await;
    }
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn bad_changes_are_refused_naming_the_field() {
    let (app, org, _, _) = setup().await;
    let refused = |change: Value, field: &'static str| {
        let app = &app;
        let token = org.admin.clone();
        async move {
            let response = app
                .graphql(Some(&token), &simulate_query(), json!({ "policy": change }))
                .await;
            assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response}");
            assert_eq!(error_field(&response), field, "{response}");
        }
    };
    refused(policy(-5), "policy.targetSeconds").await;
    refused(policy(0), "policy.targetSeconds").await;
    refused(
        json!({ "leadType": "no_such_type", "kind": "FIRST_RESPONSE", "targetSeconds": 60 }),
        "policy.leadType",
    )
    .await;
    refused(
        json!({ "leadType": "demo_request", "kind": "QUALIFICATION", "targetSeconds": 60 }),
        "policy.kind",
    )
    .await;
    let mut bad = policy(60);
    bad["calendar"] = json!({ "timezone": "UTC", "weekly": [{ "day": "mon", "open": "10:00", "close": "09:00" }] });
    refused(bad, "policy.calendar.weekly[0].close").await;
    let mut bad = policy(60);
    bad["calendar"] = json!({ "timezone": "Mars/Olympus", "weekly": weekdays() });
    refused(bad, "policy.calendar.timezone").await;
    let mut bad = policy(60);
    bad["calendarId"] = json!("999999");
    refused(bad, "policy.calendarId").await;
}

#[tokio::test]
async fn managers_simulate_their_teams_and_reps_nothing() {
    let (app, org, cases, _) = setup().await;
    let data = ok(
        &app,
        &org.manager,
        &simulate_query(),
        json!({ "policy": policy(1800) }),
    )
    .await;
    let sim = &data["simulateSlaPolicy"];
    let team_one = [org.t1];
    assert_report(
        &sim["simulated"],
        &expected(&cases, 1800, None, Some(&team_one)),
        "manager",
    );
    assert_report(
        &sim["actual"],
        &expected(&cases, 3600, None, Some(&team_one)),
        "manager actual",
    );

    let other = app
        .graphql(
            Some(&org.manager),
            &simulate_query(),
            json!({ "policy": policy(1800), "filter": { "teamIds": [org.t2.to_string()] } }),
        )
        .await;
    assert_eq!(error_code(&other), "FORBIDDEN");
    let rep = app
        .graphql(
            Some(&org.rep),
            &simulate_query(),
            json!({ "policy": policy(1800) }),
        )
        .await;
    assert_eq!(error_code(&rep), "FORBIDDEN");
    let integration = ok(
        &app,
        &org.admin,
        "mutation { createApiToken(name: \"crm\", role: INTEGRATION) { token } }",
        json!({}),
    )
    .await;
    let integration = integration["createApiToken"]["token"].as_str().unwrap();
    let refused = app
        .graphql(
            Some(integration),
            &simulate_query(),
            json!({ "policy": policy(1800) }),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
    let anonymous = app
        .graphql(None, &simulate_query(), json!({ "policy": policy(1800) }))
        .await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    let ops = app
        .user_with_token("ops@handoff.test", "MARKETING_OPS")
        .await
        .1;
    ok(
        &app,
        &ops,
        &simulate_query(),
        json!({ "policy": policy(1800) }),
    )
    .await;
}
