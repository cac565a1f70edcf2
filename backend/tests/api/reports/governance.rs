//! Governance reports (`governance`, `baseline`, `marketingScorecard`, `slaComplianceLeads`,
//! `setReportSettings` and the leakage loss) against the parent module's independent fold of
//! the event log, and the red-flag e-mail admins get once per flag and month.

use std::collections::BTreeSet;

use handoff::entities::{governance_notices, notifications, rejection_reasons};
use handoff_migrations::{Migrator, MigratorTrait as _};
use handoff_shared::lead::LeadProfile;
use sea_orm::{ColumnTrait as _, QueryFilter as _};

use super::*;
use crate::helpers::{SmtpSink, eventually, spawn_app_with};

/// The default leakage days of `org_settings`.
const LEAKAGE_DAYS: i64 = 7;

struct World {
    app: TestApp,
    org: Org,
    log: Log,
    external: HashMap<i64, String>,
    team_names: HashMap<i64, String>,
}

async fn world(app: TestApp) -> World {
    app.clock.set(at(NOW));
    let org = organisation(&app).await;
    history(&app, &org).await;
    let teams = HashMap::from([(org.a, org.t1), (org.b, org.t2), (org.c, org.t2)]);
    let log = read_log(&app, &teams).await;
    let external = handoff::entities::leads::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.id, l.external_id))
        .collect();
    let team_names = HashMap::from([
        (org.t1, "Team one".to_owned()),
        (org.t2, "Team two".to_owned()),
    ]);
    World {
        app,
        org,
        log,
        external,
        team_names,
    }
}

/// A counted clock: (id, clock, outcome as in `verdict`, attributed owner, team, business
/// seconds).
type Counted<'a> = (i64, &'a Clock, u8, Option<i64>, Option<i64>, i64);

/// A drill-down group's key of a clock, from its lead, owner and team.
type Key = fn(&Log, &Clock, Option<i64>, Option<i64>) -> Option<String>;

/// A drill-down case: the group argument, the report's figures for it, and the key it is.
type Case = (Value, Value, Option<(Key, String)>);

/// The clocks of `kind` the compliance report counts under `f`, in clock id order, each with
/// its outcome, attributed owner and team, and business seconds.
fn counted<'a>(log: &'a Log, f: &Filter, kind: &str, now: DateTime<Utc>) -> Vec<Counted<'a>> {
    let (from, to) = f.period();
    let mut out = Vec::new();
    for (id, c) in &log.clocks {
        let lead = &log.leads[&c.lead];
        if c.kind != kind || c.started < from || c.started >= to || !f.attributes(lead) {
            continue;
        }
        let (outcome, attributed, elapsed) = verdict(log, c, now);
        let (owner, team) = attributed_to(lead, attributed);
        if f.people(owner, team) {
            out.push((*id, c, outcome, owner, team, elapsed));
        }
    }
    out
}

/// Stopped (met or breached by a stop) clocks: what response times average over.
fn responded(outcome: u8, c: &Clock) -> bool {
    outcome < 2 && c.stop.is_some()
}

// ---------------------------------------------------------------------------------------
// slaComplianceLeads

const DRILL: &str = "query($filter: ReportFilter, $kind: SlaKind, $status: SlaComplianceStatus, $ownerId: ID, $teamId: ID, $source: String, $leadType: String, $week: DateTime, $after: String) { slaComplianceLeads(filter: $filter, kind: $kind, status: $status, ownerId: $ownerId, teamId: $teamId, source: $source, leadType: $leadType, week: $week, first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { externalId } clock { kind } attributedOwnerId attributedTeamId } } }";

/// Every page of a drill-down: (totalCount, the leads' external ids in order).
async fn drill_all(app: &TestApp, token: &str, mut vars: Value) -> (i64, Vec<String>) {
    let mut ids = Vec::new();
    let mut total = None;
    loop {
        let data = ok(app, token, DRILL, vars.clone()).await;
        let page = &data["slaComplianceLeads"];
        let count = page["totalCount"].as_i64().unwrap();
        assert!(total.is_none_or(|t| t == count), "{page}");
        total = Some(count);
        for edge in page["edges"].as_array().unwrap() {
            ids.push(edge["node"]["externalId"].as_str().unwrap().to_owned());
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        vars["after"] = page["pageInfo"]["endCursor"].clone();
    }
    (total.unwrap_or(0), ids)
}

const STATUSES: [(&str, &str); 5] = [
    ("MET", "met"),
    ("BREACHED", "breached"),
    ("RUNNING", "running"),
    ("APPROACHING", "approaching"),
    ("CANCELLED", "cancelled"),
];

fn status_matches(status: &str, outcome: u8) -> bool {
    match status {
        "MET" => outcome == 0,
        "BREACHED" => outcome == 1,
        "RUNNING" => outcome == 2 || outcome == 3,
        "APPROACHING" => outcome == 3,
        _ => outcome == 4,
    }
}

#[tokio::test]
async fn the_leads_behind_each_compliance_figure_are_its_clocks() {
    let w = world(spawn_app().await).await;
    let (app, org, log) = (&w.app, &w.org, &w.log);
    let filters = [
        Filter::default(),
        Filter {
            sources: Some(vec!["ads", "partner"]),
            from: Some(at("2026-03-01T00:00:00Z")),
            ..Default::default()
        },
    ];
    let mut nonempty = 0;
    for f in &filters {
        for kind in ["FIRST_RESPONSE", "ACCEPTANCE"] {
            let report = ok(
                app,
                &org.admin,
                &compliance_query(),
                json!({ "filter": f.json(), "kind": kind }),
            )
            .await;
            let report = &report["slaCompliance"];
            let clocks = counted(log, f, kind, at(NOW));
            // (group argument name, its value, the report's group list, the clock's key)
            let groups: [(&str, &str, Key); 5] = [
                ("ownerId", "byOwner", |_, _, o, _| o.map(|i| i.to_string())),
                ("teamId", "byTeam", |_, _, _, t| t.map(|i| i.to_string())),
                ("source", "bySource", |log, c, _, _| {
                    log.leads[&c.lead].source.clone()
                }),
                ("leadType", "byLeadType", |log, c, _, _| {
                    Some(log.leads[&c.lead].lead_type.clone())
                }),
                ("week", "weekly", |_, c, _, _| Some(week(c.started))),
            ];
            // The whole figure, then each group with a key.
            let mut cases: Vec<Case> = vec![(json!({}), report.clone(), None)];
            for (arg, list, key) in groups {
                for group in report[list].as_array().unwrap() {
                    let value = if arg == "week" {
                        group["weekStart"].clone()
                    } else {
                        group["key"].clone()
                    };
                    let Some(text) = value.as_str() else {
                        continue;
                    };
                    let text = if arg == "week" {
                        week(at(text))
                    } else {
                        text.to_owned()
                    };
                    cases.push((json!({ arg: value }), group.clone(), Some((key, text))));
                }
            }
            for (args, figures, key) in &cases {
                for (status, field) in STATUSES {
                    let mut vars = args.clone();
                    vars["filter"] = f.json();
                    vars["kind"] = json!(kind);
                    vars["status"] = json!(status);
                    let (total, ids) = drill_all(app, &org.admin, vars.clone()).await;
                    let expected: Vec<String> = clocks
                        .iter()
                        .filter(|(_, c, outcome, owner, team, _)| {
                            status_matches(status, *outcome)
                                && key.as_ref().is_none_or(|(k, v)| {
                                    k(log, c, *owner, *team).as_ref() == Some(v)
                                })
                        })
                        .map(|(_, c, ..)| w.external[&c.lead].clone())
                        .collect();
                    assert_eq!(
                        total,
                        figures[field].as_i64().unwrap(),
                        "{kind} {status} {vars}: the figure"
                    );
                    assert_eq!(ids, expected, "{kind} {status} {vars}: the leads");
                    if total > 0 {
                        nonempty += 1;
                    }
                }
            }
            // No status: every clock counted.
            let (total, _) =
                drill_all(app, &org.admin, json!({ "filter": f.json(), "kind": kind })).await;
            let all: i64 = ["met", "breached", "running", "cancelled"]
                .iter()
                .map(|k| report[k].as_i64().unwrap())
                .sum();
            assert_eq!(total, all);
        }
    }
    assert!(nonempty > 20, "the drill-downs were mostly empty");

    // A manager drills into their own team only.
    let (total, _) = drill_all(app, &org.manager, json!({ "status": "BREACHED" })).await;
    let mine = Filter {
        teams: Some(vec![org.t1]),
        ..Default::default()
    };
    let expected = counted(log, &mine, "FIRST_RESPONSE", at(NOW))
        .iter()
        .filter(|x| x.2 == 1)
        .count();
    assert_eq!(total, expected as i64);
    let response = app
        .graphql(
            Some(&org.manager),
            DRILL,
            json!({ "filter": { "teamIds": [org.t2.to_string()] } }),
        )
        .await;
    assert_eq!(error_code(&response), "FORBIDDEN", "{response}");
    let response = app
        .graphql(Some(&org.admin), DRILL, json!({ "after": "nonsense" }))
        .await;
    assert_eq!(error_field(&response), "after", "{response}");
    let response = app
        .graphql(Some(&org.admin), DRILL, json!({ "ownerId": "x" }))
        .await;
    assert_eq!(error_field(&response), "ownerId", "{response}");
}

// ---------------------------------------------------------------------------------------
// governance

const GOVERNANCE: &str = "query($month: String, $filter: ReportFilter) { governance(month: $month, filter: $filter) { month from to anyRed flags { code figure threshold red offenders { kind key label figure threshold } } } }";

fn offender(
    kind: &str,
    key: Option<String>,
    label: Option<String>,
    figure: f64,
    threshold: f64,
) -> Value {
    json!({ "kind": kind, "key": key, "label": label, "figure": figure, "threshold": threshold })
}

fn flag(
    code: &str,
    figure: Option<f64>,
    threshold: f64,
    red: bool,
    offenders: Vec<Value>,
) -> Value {
    json!({ "code": code, "figure": figure, "threshold": threshold, "red": red, "offenders": offenders })
}

fn month_bounds(month: &str) -> (DateTime<Utc>, DateTime<Utc>) {
    let from = at(&format!("{month}-01T00:00:00Z"));
    let (y, m): (i32, u32) = (month[..4].parse().unwrap(), month[5..].parse().unwrap());
    let next = if m == 12 {
        format!("{}-01", y + 1)
    } else {
        format!("{y}-{:02}", m + 1)
    };
    (from, at(&format!("{next}-01T00:00:00Z")))
}

fn expected_governance(
    w: &World,
    labels: &HashMap<String, String>,
    teams: Option<Vec<i64>>,
    month: &str,
    now: DateTime<Utc>,
) -> Value {
    let log = &w.log;
    let (from, to) = month_bounds(month);
    let f = Filter {
        from: Some(from),
        to: Some(to),
        teams,
        ..Default::default()
    };
    let clocks = counted(log, &f, "FIRST_RESPONSE", now);

    // A team's compliance below 80 %.
    let mut by_team: BTreeMap<i64, (usize, usize)> = BTreeMap::new();
    for (_, _, outcome, _, team, _) in &clocks {
        if let Some(team) = team {
            let e = by_team.entry(*team).or_default();
            match outcome {
                0 => e.0 += 1,
                1 => e.1 += 1,
                _ => {}
            }
        }
    }
    let rates: Vec<(i64, f64)> = by_team
        .iter()
        .filter(|(_, (m, b))| m + b > 0)
        .map(|(t, (m, b))| (*t, *m as f64 / (m + b) as f64))
        .collect();
    let offenders: Vec<Value> = rates
        .iter()
        .filter(|(_, r)| *r < 0.8)
        .map(|(t, r)| {
            offender(
                "TEAM",
                Some(t.to_string()),
                Some(w.team_names[t].clone()),
                *r,
                0.8,
            )
        })
        .collect();
    let team_flag = flag(
        "TEAM_COMPLIANCE",
        rates.iter().map(|x| x.1).reduce(f64::min),
        0.8,
        !offenders.is_empty(),
        offenders,
    );

    // A lead type's average response above twice its target.
    let mut by_type: BTreeMap<String, (usize, i64, i64)> = BTreeMap::new();
    for (_, c, outcome, _, _, elapsed) in &clocks {
        if responded(*outcome, c) {
            let e = by_type
                .entry(log.leads[&c.lead].lead_type.clone())
                .or_default();
            e.0 += 1;
            e.1 += elapsed;
            e.2 += c.target;
        }
    }
    let mut worst: Option<f64> = None;
    let mut offenders = Vec::new();
    for (lead_type, (n, elapsed, target)) in &by_type {
        let (average, target) = (*elapsed as f64 / *n as f64, *target as f64 / *n as f64);
        let times = average / target;
        worst = Some(worst.map_or(times, |w: f64| w.max(times)));
        if times > 2.0 {
            offenders.push(offender(
                "LEAD_TYPE",
                Some(lead_type.clone()),
                None,
                average,
                2.0 * target,
            ));
        }
    }
    let response_flag = flag(
        "RESPONSE_TIME",
        worst,
        2.0,
        !offenders.is_empty(),
        offenders,
    );

    // One reason above 40 % of the rejections.
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for l in log
        .leads
        .values()
        .filter(|l| f.attributes(l) && f.people(l.owner, l.team))
    {
        for (t, code) in &l.rejections {
            if from <= *t && *t < to {
                *counts.entry(code.clone()).or_default() += 1;
            }
        }
    }
    let total: usize = counts.values().sum();
    let mut reasons: Vec<(String, usize)> = counts.into_iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let offenders: Vec<Value> = reasons
        .iter()
        .map(|(code, n)| (code, *n as f64 / total as f64))
        .filter(|(_, share)| *share > 0.4)
        .map(|(code, share)| {
            offender(
                "REJECTION_REASON",
                Some(code.clone()),
                labels.get(code).cloned(),
                share,
                0.4,
            )
        })
        .collect();
    let reason_flag = flag(
        "REJECTION_REASON",
        reasons.first().map(|(_, n)| *n as f64 / total as f64),
        0.4,
        !offenders.is_empty(),
        offenders,
    );

    // Leakage (now) above 10 % of the open MQLs.
    let cutoff = now - Duration::days(LEAKAGE_DAYS);
    let open: Vec<&Folded> = log
        .leads
        .values()
        .filter(|l| l.status.as_deref() == Some("MQL") && l.owner.is_some() && l.sal_at.is_none())
        .filter(|l| f.attributes(l) && f.people(l.owner, l.team))
        .collect();
    let leaked = |l: &Folded| l.last_activity.or(l.mql_at).unwrap() < cutoff;
    let share = rate(open.iter().filter(|l| leaked(l)).count(), open.len()).as_f64();
    let mut offenders = Vec::new();
    if share.is_some_and(|s| s > 0.1) {
        let teams: BTreeSet<i64> = open
            .iter()
            .filter(|l| leaked(l))
            .filter_map(|l| l.team)
            .collect();
        for team in teams {
            let mine: Vec<&&Folded> = open.iter().filter(|l| l.team == Some(team)).collect();
            let s = mine.iter().filter(|l| leaked(l)).count() as f64 / mine.len() as f64;
            if s > 0.1 {
                offenders.push(offender(
                    "TEAM",
                    Some(team.to_string()),
                    Some(w.team_names[&team].clone()),
                    s,
                    0.1,
                ));
            }
        }
    }
    let leakage_flag = flag(
        "LEAKAGE",
        share,
        0.1,
        share.is_some_and(|s| s > 0.1),
        offenders,
    );

    // Rejected above 50 % of the cohort's decided handoffs.
    let cohort = cohort(log, &f);
    let decided = |group: &[&Folded]| {
        let accepted = group.iter().filter(|l| l.sal_at.is_some()).count();
        let rejected = group
            .iter()
            .filter(|l| l.rejections.iter().any(|(t, _)| *t >= l.mql_at.unwrap()))
            .count();
        rate(rejected, accepted + rejected).as_f64()
    };
    let overall = decided(&cohort);
    let offenders: Vec<Value> = grouped(&cohort, |l| l.source.clone())
        .iter()
        .filter_map(|(source, group)| {
            let r = decided(group)?;
            (r > 0.5).then(|| offender("SOURCE", source.clone(), None, r, 0.5))
        })
        .collect();
    let rate_flag = flag(
        "REJECTION_RATE",
        overall,
        0.5,
        overall.is_some_and(|r| r > 0.5),
        offenders,
    );

    let flags = vec![
        team_flag,
        response_flag,
        reason_flag,
        leakage_flag,
        rate_flag,
    ];
    let any_red = flags.iter().any(|f| f["red"] == true);
    json!({ "month": month, "from": from.to_rfc3339(), "to": to.to_rfc3339(), "anyRed": any_red, "flags": flags })
}

async fn reason_labels(app: &TestApp) -> HashMap<String, String> {
    rejection_reasons::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.code, r.label))
        .collect()
}

#[tokio::test]
async fn governance_baseline_and_scorecard_match_the_event_log() {
    let w = world(spawn_app().await).await;
    let (app, org) = (&w.app, &w.org);
    let labels = reason_labels(app).await;

    // Governance: March (in progress), the default (February, the last complete month), and
    // January; a manager's team only.
    for month in [Some("2026-03"), None, Some("2026-01")] {
        let expected = expected_governance(&w, &labels, None, month.unwrap_or("2026-02"), at(NOW));
        compare(
            app,
            &org.admin,
            GOVERNANCE,
            json!({ "month": month }),
            "governance",
            expected,
        )
        .await;
    }
    let march = compare(
        app,
        &org.manager,
        GOVERNANCE,
        json!({ "month": "2026-03" }),
        "governance",
        expected_governance(&w, &labels, Some(vec![org.t1]), "2026-03", at(NOW)),
    )
    .await;
    let org_march = ok(app, &org.admin, GOVERNANCE, json!({ "month": "2026-03" })).await;
    let red: Vec<&str> = org_march["governance"]["flags"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["red"] == true)
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    // The history is built to cross some thresholds: team one answers late, and the month's
    // two rejections split 50/50 between two reasons.
    assert!(
        red.contains(&"TEAM_COMPLIANCE") && red.contains(&"REJECTION_REASON"),
        "{org_march}"
    );
    assert_eq!(march["month"], "2026-03");

    // Baseline: February against March so far, for everyone and for a source.
    for f in [
        Filter::default(),
        Filter {
            sources: Some(vec!["ads"]),
            ..Default::default()
        },
        Filter {
            owners: Some(vec![org.a]),
            ..Default::default()
        },
    ] {
        let a = (at("2026-01-01T00:00:00Z"), at("2026-03-01T00:00:00Z"));
        let b = (at("2026-03-01T00:00:00Z"), at(NOW));
        compare(
            app,
            &org.admin,
            BASELINE,
            json!({ "a": { "from": a.0.to_rfc3339(), "to": a.1.to_rfc3339() },
                    "b": { "from": b.0.to_rfc3339(), "to": b.1.to_rfc3339() }, "filter": f.json() }),
            "baseline",
            expected_baseline(&w.log, &f, a, b),
        )
        .await;
    }
}

const BASELINE: &str = "query($a: PeriodInput!, $b: PeriodInput!, $filter: ReportFilter) { baseline(periodA: $a, periodB: $b, filter: $filter) { periodA { from to mqls sqls responded met breached } periodB { from to mqls sqls responded met breached } mqlToSqlConversion { a b absoluteChange relativeChange } averageFirstResponseSeconds { a b absoluteChange relativeChange } medianFirstResponseSeconds { a b absoluteChange relativeChange } slaComplianceRate { a b absoluteChange relativeChange } } }";

fn expected_baseline(
    log: &Log,
    f: &Filter,
    a: (DateTime<Utc>, DateTime<Utc>),
    b: (DateTime<Utc>, DateTime<Utc>),
) -> Value {
    let kpis = |(from, to): (DateTime<Utc>, DateTime<Utc>)| {
        let f = Filter {
            from: Some(from),
            to: Some(to),
            ..f.clone()
        };
        let cohort = cohort(log, &f);
        let sqls = cohort.iter().filter(|l| l.sql_at.is_some()).count();
        let clocks = counted(log, &f, "FIRST_RESPONSE", at(NOW));
        let mut seconds: Vec<f64> = clocks
            .iter()
            .filter(|(_, c, outcome, ..)| responded(*outcome, c))
            .map(|x| x.5 as f64)
            .collect();
        seconds.sort_by(f64::total_cmp);
        let n = seconds.len();
        let mean = (n > 0).then(|| seconds.iter().sum::<f64>() / n as f64);
        let median = match n {
            0 => None,
            _ if n % 2 == 1 => Some(seconds[n / 2]),
            _ => Some((seconds[n / 2 - 1] + seconds[n / 2]) / 2.0),
        };
        let met = clocks.iter().filter(|x| x.2 == 0).count();
        let breached = clocks.iter().filter(|x| x.2 == 1).count();
        let period = json!({ "from": from.to_rfc3339(), "to": to.to_rfc3339(), "mqls": cohort.len(),
                             "sqls": sqls, "responded": n, "met": met, "breached": breached });
        let figures = [
            rate(sqls, cohort.len()).as_f64(),
            mean,
            median,
            rate(met, met + breached).as_f64(),
        ];
        (period, figures)
    };
    let (pa, fa) = kpis(a);
    let (pb, fb) = kpis(b);
    let change = |i: usize| match (fa[i], fb[i]) {
        (Some(x), Some(y)) => json!({ "a": x, "b": y, "absoluteChange": y - x,
                                      "relativeChange": if x == 0.0 { Value::Null } else { json!((y - x) / x) } }),
        (x, y) => json!({ "a": x, "b": y, "absoluteChange": null, "relativeChange": null }),
    };
    json!({ "periodA": pa, "periodB": pb, "mqlToSqlConversion": change(0),
            "averageFirstResponseSeconds": change(1), "medianFirstResponseSeconds": change(2),
            "slaComplianceRate": change(3) })
}

// ---------------------------------------------------------------------------------------
// marketingScorecard

const SCORECARD: &str = "query($filter: ReportFilter) { marketingScorecard(filter: $filter) { from to mqls monthly { month mqls target attainment } monthlyMqlTarget complete completeness fields { field count share } routed unrouted routingTargetSeconds routedWithinTarget routedWithinTargetShare medianRoutingSeconds p90RoutingSeconds mqlThreshold meetingMinScore meetingMinScoreShare salesMet salesBreached salesComplianceRate } }";

/// Each lead's latest profile and score, from its log.
async fn profiles(app: &TestApp) -> HashMap<i64, (LeadProfile, i32)> {
    let rows = lead_events::Entity::find()
        .order_by_asc(lead_events::Column::OccurredAt)
        .order_by_asc(lead_events::Column::Id)
        .all(app.db())
        .await
        .unwrap();
    let mut out: HashMap<i64, (LeadProfile, i32)> = HashMap::new();
    for row in rows {
        match LeadEvent::from_stored(&row.kind, &row.payload).unwrap() {
            LeadEvent::Created { profile } | LeadEvent::Updated { profile } => {
                let score = out.get(&row.lead_id).map_or(0, |p| p.1);
                out.insert(row.lead_id, (profile, score));
            }
            LeadEvent::Scored { score, .. } => {
                if let Some(p) = out.get_mut(&row.lead_id) {
                    p.1 = score;
                }
            }
            _ => {}
        }
    }
    out
}

fn expected_scorecard(
    log: &Log,
    profiles: &HashMap<i64, (LeadProfile, i32)>,
    f: &Filter,
    target: Option<i64>,
    routing_target: f64,
    threshold: i32,
) -> Value {
    let (from, to) = f.period();
    let ids: Vec<i64> = log
        .leads
        .iter()
        .filter(|(_, l)| l.mql_at.is_some_and(|m| from <= m && m < to))
        .filter(|(_, l)| f.attributes(l) && f.people(l.owner, l.team))
        .map(|(id, _)| *id)
        .collect();
    let n = ids.len();
    // Months from `from` to the one holding the last instant before `to`.
    let month_of = |t: DateTime<Utc>| format!("{:04}-{:02}", t.year(), t.month());
    let mut months = Vec::new();
    let mut cursor = month_of(from);
    let last = month_of(to - Duration::seconds(1));
    loop {
        months.push(cursor.clone());
        if cursor == last {
            break;
        }
        let (y, m): (i32, u32) = (cursor[..4].parse().unwrap(), cursor[5..].parse().unwrap());
        cursor = if m == 12 {
            format!("{}-01", y + 1)
        } else {
            format!("{y}-{:02}", m + 1)
        };
    }
    let monthly: Vec<Value> = months
        .iter()
        .map(|m| {
            let count = ids
                .iter()
                .filter(|id| month_of(log.leads[id].mql_at.unwrap()) == *m)
                .count();
            json!({ "month": m, "mqls": count, "target": target,
                    "attainment": target.map(|t| count as f64 / t as f64) })
        })
        .collect();
    let value = |p: &LeadProfile, field: &str| -> bool {
        let v = match field {
            "email" => Some(p.email.clone()),
            "firstName" => p.first_name.clone(),
            "lastName" => p.last_name.clone(),
            "company" => p.company.clone(),
            "phone" => p.phone.clone(),
            _ => p.source.clone(),
        };
        v.is_some_and(|v| !v.trim().is_empty())
    };
    let fields = [
        "email",
        "firstName",
        "lastName",
        "company",
        "phone",
        "source",
    ];
    let complete = ids
        .iter()
        .filter(|id| fields.iter().all(|f| value(&profiles[id].0, f)))
        .count();
    let mut routing: Vec<f64> = ids
        .iter()
        .filter_map(|id| {
            let l = &log.leads[id];
            let mql = l.mql_at.unwrap();
            let first = l.assignments.iter().map(|a| a.0).find(|t| *t >= mql)?;
            Some((first - mql).num_milliseconds() as f64 / 1000.0)
        })
        .collect();
    routing.sort_by(f64::total_cmp);
    let r = routing.len();
    let within = routing.iter().filter(|s| **s <= routing_target).count();
    let median = match r {
        0 => None,
        _ if r % 2 == 1 => Some(routing[r / 2]),
        _ => Some((routing[r / 2 - 1] + routing[r / 2]) / 2.0),
    };
    let p90 = (r > 0).then(|| routing[((0.9 * r as f64).ceil() as usize).max(1) - 1]);
    let meeting = ids.iter().filter(|id| profiles[id].1 >= threshold).count();
    let clocks = counted(log, f, "FIRST_RESPONSE", at(NOW));
    let met = clocks.iter().filter(|x| x.2 == 0).count();
    let breached = clocks.iter().filter(|x| x.2 == 1).count();
    json!({ "from": from.to_rfc3339(), "to": to.to_rfc3339(), "mqls": n, "monthly": monthly,
            "monthlyMqlTarget": target, "complete": complete, "completeness": rate(complete, n),
            "fields": fields.iter().map(|f| {
                let c = ids.iter().filter(|id| value(&profiles[id].0, f)).count();
                json!({ "field": f, "count": c, "share": rate(c, n) })
            }).collect::<Vec<_>>(),
            "routed": r, "unrouted": n - r, "routingTargetSeconds": routing_target as i64,
            "routedWithinTarget": within, "routedWithinTargetShare": rate(within, n),
            "medianRoutingSeconds": median, "p90RoutingSeconds": p90, "mqlThreshold": threshold,
            "meetingMinScore": meeting, "meetingMinScoreShare": rate(meeting, n),
            "salesMet": met, "salesBreached": breached, "salesComplianceRate": rate(met, met + breached) })
}

const SETTINGS: &str = "mutation($input: ReportSettingsInput!) { setReportSettings(input: $input) { averageDealSize monthlyMqlTarget routingTargetSeconds mqlThreshold leakageDays } }";

#[tokio::test]
async fn the_marketing_scorecard_and_the_leakage_loss_match_the_inputs() {
    let w = world(spawn_app().await).await;
    let (app, org) = (&w.app, &w.org);
    // Leads with complete and incomplete profiles, routed after 10 minutes, 20 minutes and
    // 2 hours, and one with a score.
    let leads = json!([
        { "externalId": "s1", "email": "s1@example.com", "firstName": "Ann", "lastName": "Lee",
          "company": "Acme", "phone": "+1 555", "source": "ads", "leadType": "demo_request",
          "occurredAt": "2026-03-02T08:00:00Z",
          "events": [ev("mql", "2026-03-02T09:00:00Z"), assigned("2026-03-02T09:10:00Z", "a")] },
        { "externalId": "s2", "email": "s2@example.com", "firstName": "Bo", "lastName": " ",
          "company": "Beta", "phone": "+1 556", "source": "web", "leadType": "demo_request",
          "occurredAt": "2026-03-03T08:00:00Z",
          "events": [ev("mql", "2026-03-03T09:00:00Z"), assigned("2026-03-03T09:20:00Z", "b")] },
        { "externalId": "s3", "email": "s3@example.com", "firstName": "Cy", "lastName": "Ma",
          "company": "Gamma", "source": "web", "leadType": "demo_request",
          "occurredAt": "2026-02-27T08:00:00Z",
          "events": [ev("mql", "2026-02-27T09:00:00Z"), assigned("2026-02-27T11:00:00Z", "a")] },
    ]);
    let query = "mutation($leads: [LeadInput!]!) { ingestLeads(leads: $leads) { errors { index field message } } }";
    let data = ok(app, &org.admin, query, json!({ "leads": leads })).await;
    assert_eq!(data["ingestLeads"]["errors"], json!([]), "{data}");
    let teams = HashMap::from([(org.a, org.t1), (org.b, org.t2), (org.c, org.t2)]);
    let log = read_log(app, &teams).await;
    let profiles = profiles(app).await;

    // Without a target, then with one and a 30-minute routing target.
    let filters = [
        Filter::default(),
        Filter {
            from: Some(at("2026-01-15T00:00:00Z")),
            ..Default::default()
        },
        Filter {
            teams: Some(vec![org.t2]),
            ..Default::default()
        },
    ];
    for migrated in [false, true] {
        if migrated {
            // The migration fills `routed_at` and `missing_fields` of an existing history as
            // the application writes them: undone and run again, the figures are the same.
            Migrator::down(app.db(), Some(1)).await.unwrap();
            Migrator::up(app.db(), None).await.unwrap();
        }
        for f in &filters {
            compare(
                app,
                &org.admin,
                SCORECARD,
                json!({ "filter": f.json() }),
                "marketingScorecard",
                expected_scorecard(&log, &profiles, f, None, 900.0, 75),
            )
            .await;
        }
    }
    let set = ok(
        app,
        &org.admin,
        SETTINGS,
        json!({ "input": { "monthlyMqlTarget": 4, "routingTargetSeconds": 1800 } }),
    )
    .await;
    assert_eq!(set["setReportSettings"]["monthlyMqlTarget"], 4);
    for f in &filters {
        let card = compare(
            app,
            &org.admin,
            SCORECARD,
            json!({ "filter": f.json() }),
            "marketingScorecard",
            expected_scorecard(&log, &profiles, f, Some(4), 1800.0, 75),
        )
        .await;
        if f.teams.is_none() && f.from.is_none() {
            // Not vacuous: partial completeness, some routing time, within and beyond target.
            let c = card["completeness"].as_f64().unwrap();
            assert!(c > 0.0 && c < 1.0, "{card}");
            let within = card["routedWithinTargetShare"].as_f64().unwrap();
            assert!(within > 0.0 && within < 1.0, "{card}");
            assert!(card["p90RoutingSeconds"].as_f64().unwrap() > 0.0, "{card}");
        }
    }
    // The manager's scorecard is their team's.
    compare(
        app,
        &org.manager,
        SCORECARD,
        json!({}),
        "marketingScorecard",
        expected_scorecard(
            &log,
            &profiles,
            &Filter {
                teams: Some(vec![org.t1]),
                ..Default::default()
            },
            Some(4),
            1800.0,
            75,
        ),
    )
    .await;

    // The leakage loss: none without a deal size, leaked × size with one, none again when
    // cleared.
    let loss = "query { leakage { count averageDealSize estimatedLoss } }";
    let data = ok(app, &org.admin, loss, json!({})).await;
    assert!(data["leakage"]["estimatedLoss"].is_null(), "{data}");
    assert!(data["leakage"]["averageDealSize"].is_null(), "{data}");
    let external: HashMap<i64, String> = handoff::entities::leads::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.id, l.external_id))
        .collect();
    let leaked = expected_leakage(&log, &Filter::default(), 7, &external)["count"]
        .as_f64()
        .unwrap();
    assert!(leaked > 0.0);
    ok(
        app,
        &org.admin,
        SETTINGS,
        json!({ "input": { "averageDealSize": 35000.5 } }),
    )
    .await;
    let data = ok(app, &org.admin, loss, json!({})).await;
    assert_eq!(data["leakage"]["count"].as_f64(), Some(leaked));
    assert_eq!(data["leakage"]["averageDealSize"].as_f64(), Some(35000.5));
    assert_eq!(
        data["leakage"]["estimatedLoss"].as_f64(),
        Some(leaked * 35000.5)
    );
    let set = ok(
        app,
        &org.admin,
        SETTINGS,
        json!({ "input": { "averageDealSize": null } }),
    )
    .await;
    assert!(
        set["setReportSettings"]["averageDealSize"].is_null(),
        "{set}"
    );
    // Omitted fields stayed.
    assert_eq!(set["setReportSettings"]["monthlyMqlTarget"], 4);
    assert_eq!(set["setReportSettings"]["routingTargetSeconds"], 1800);
    let data = ok(app, &org.admin, loss, json!({})).await;
    assert!(data["leakage"]["estimatedLoss"].is_null(), "{data}");
}

// ---------------------------------------------------------------------------------------
// Permissions and bad input

#[tokio::test]
async fn governance_reports_refuse_reps_and_name_bad_fields() {
    let app = spawn_app().await;
    app.clock.set(at(NOW));
    let org = organisation(&app).await;
    let period = json!({ "from": "2026-03-01T00:00:00Z", "to": "2026-03-10T00:00:00Z" });
    let reads = [
        (GOVERNANCE, json!({})),
        (BASELINE, json!({ "a": period, "b": period })),
        (SCORECARD, json!({})),
        (DRILL, json!({})),
        (
            "query { reportSettings { routingTargetSeconds } }",
            json!({}),
        ),
    ];
    for (query, vars) in &reads {
        let response = app.graphql(Some(&org.rep), query, vars.clone()).await;
        assert_eq!(error_code(&response), "FORBIDDEN", "{query}: {response}");
        let response = app.graphql(None, query, vars.clone()).await;
        assert_eq!(error_code(&response), "UNAUTHENTICATED", "{response}");
        let response = app.graphql(Some(&org.manager), query, vars.clone()).await;
        assert!(response["errors"].is_null(), "{query}: {response}");
    }
    // An integration token is refused too.
    let token = ok(
        &app,
        &org.admin,
        "mutation { createApiToken(name: \"crm\", role: INTEGRATION) { token } }",
        json!({}),
    )
    .await;
    let token = token["createApiToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = app.graphql(Some(&token), GOVERNANCE, json!({})).await;
    assert_eq!(error_code(&response), "FORBIDDEN", "{response}");
    // A manager may not look at another team.
    let other = json!({ "teamIds": [org.t2.to_string()] });
    for (query, vars) in [
        (GOVERNANCE, json!({ "filter": other })),
        (SCORECARD, json!({ "filter": other })),
        (
            BASELINE,
            json!({ "a": period, "b": period, "filter": other }),
        ),
    ] {
        let response = app.graphql(Some(&org.manager), query, vars).await;
        assert_eq!(error_code(&response), "FORBIDDEN", "{response}");
    }

    let bad = |field: &'static str| {
        move |response: Value| {
            assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response}");
            assert_eq!(error_field(&response), field, "{response}");
        }
    };
    for month in ["2026-13", "March", "2026-3"] {
        bad("month")(
            app.graphql(Some(&org.admin), GOVERNANCE, json!({ "month": month }))
                .await,
        );
    }
    let backwards = json!({ "from": "2026-03-10T00:00:00Z", "to": "2026-03-01T00:00:00Z" });
    bad("periodA.to")(
        app.graphql(
            Some(&org.admin),
            BASELINE,
            json!({ "a": backwards, "b": period }),
        )
        .await,
    );
    bad("periodB.to")(
        app.graphql(
            Some(&org.admin),
            BASELINE,
            json!({ "a": period, "b": backwards }),
        )
        .await,
    );
    bad("filter.to")(
        app.graphql(Some(&org.admin), SCORECARD, json!({ "filter": backwards }))
            .await,
    );
    bad("filter.from")(
        app.graphql(
            Some(&org.admin),
            SCORECARD,
            json!({ "filter": { "from": "1900-01-01T00:00:00Z" } }),
        )
        .await,
    );
    bad("input.averageDealSize")(
        app.graphql(
            Some(&org.admin),
            SETTINGS,
            json!({ "input": { "averageDealSize": -1.0 } }),
        )
        .await,
    );
    bad("input.monthlyMqlTarget")(
        app.graphql(
            Some(&org.admin),
            SETTINGS,
            json!({ "input": { "monthlyMqlTarget": 0 } }),
        )
        .await,
    );
    bad("input.routingTargetSeconds")(
        app.graphql(
            Some(&org.admin),
            SETTINGS,
            json!({ "input": { "routingTargetSeconds": null } }),
        )
        .await,
    );
    bad("input.routingTargetSeconds")(
        app.graphql(
            Some(&org.admin),
            SETTINGS,
            json!({ "input": { "routingTargetSeconds": 0 } }),
        )
        .await,
    );
    // Nothing was half-written, and only admins set the settings.
    let settings = ok(&app, &org.admin, "query { reportSettings { averageDealSize monthlyMqlTarget routingTargetSeconds mqlThreshold leakageDays } }", json!({})).await;
    assert_eq!(
        settings["reportSettings"],
        json!({ "averageDealSize": null, "monthlyMqlTarget": null, "routingTargetSeconds": 900, "mqlThreshold": 75, "leakageDays": 7 })
    );
    let response = app
        .graphql(
            Some(&org.manager),
            SETTINGS,
            json!({ "input": { "averageDealSize": 5.0 } }),
        )
        .await;
    assert_eq!(error_code(&response), "FORBIDDEN", "{response}");
    // An empty month: no figures, nothing red.
    let data = ok(&app, &org.admin, GOVERNANCE, json!({ "month": "2025-06" })).await;
    assert_eq!(data["governance"]["anyRed"], false, "{data}");
    assert!(
        data["governance"]["flags"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["figure"].is_null()),
        "{data}"
    );
}

// ---------------------------------------------------------------------------------------
// The red-flag e-mail

#[tokio::test]
async fn a_red_flag_notifies_every_admin_once_per_month() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(|s| s.mail.smtp_url = Some(url)).await;
    let w = world(app).await;
    let app = &w.app;
    let second = app
        .create_user(json!({ "email": "second-admin@handoff.test", "name": "Second admin", "role": "ADMIN", "password": "a-good-password" }))
        .await;
    let second_id = id(&second["id"]);

    // Early April: March is the last complete month.
    let now = at("2026-04-02T08:00:00Z");
    app.clock.set(now);
    let admin = app.admin_token().await;
    let review = ok(app, &admin, GOVERNANCE, json!({})).await;
    assert_eq!(review["governance"]["month"], "2026-03");
    let red: BTreeSet<String> = review["governance"]["flags"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["red"] == true)
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect();
    assert!(!red.is_empty(), "{review}");

    let notified = handoff::reports::governance::notify_red_flags(app.db(), now)
        .await
        .unwrap();
    let notified: BTreeSet<String> = notified.iter().map(|c| c.as_str().to_owned()).collect();
    assert_eq!(notified, red);
    let expected = red.len() * 2;
    let messages = eventually("the red-flag e-mails", || {
        let m = sink.messages();
        (m.len() >= expected).then_some(m)
    })
    .await;
    assert_eq!(messages.len(), expected, "{messages:#?}");
    let text = serde_json::to_string(&messages).unwrap();
    for code in &red {
        let name = match code.as_str() {
            "TEAM_COMPLIANCE" => "A team's SLA compliance below 80 %",
            "RESPONSE_TIME" => "Average first response above twice the SLA target",
            "REJECTION_REASON" => "One rejection reason above 40 % of rejections",
            "LEAKAGE" => "Leakage above 10 % of open MQLs",
            _ => "Rejection rate above 50 %",
        };
        assert!(text.contains(name), "{code}: {text}");
    }
    for address in [crate::helpers::ADMIN_EMAIL, "second-admin@handoff.test"] {
        assert!(text.contains(address), "{address}: {text}");
    }
    let rows = notifications::Entity::find()
        .filter(notifications::Column::Event.eq("governance.red_flag"))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(rows.len(), expected);
    assert!(rows.iter().any(|r| r.recipient_user_id == Some(second_id)));

    // A second run, later the same month: nothing new.
    let later = at("2026-04-20T08:00:00Z");
    app.clock.set(later);
    let again = handoff::reports::governance::notify_red_flags(app.db(), later)
        .await
        .unwrap();
    assert!(again.is_empty(), "{again:?}");
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(sink.messages().len(), expected);
    let notices = governance_notices::Entity::find()
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(notices.len(), red.len());
    assert!(notices.iter().all(|n| n.month == "2026-03"));
}
