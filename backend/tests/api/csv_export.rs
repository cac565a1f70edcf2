//! `GET /reports/{name}.csv`: every row equals the GraphQL figures of the same filter; the same
//! credentials and role checks; clear errors.

use chrono::DateTime;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::simulation::{ok, setup};

/// More history for the lead-based reports: rejections, acceptances, qualifications across
/// sources and campaigns, a comma and a quote in a company name, and an MQL left alone.
async fn more_history(app: &TestApp, admin: &str) {
    let lead = |ext: &str, source: &str, campaign: &str, mql: &str, events: Vec<Value>| {
        let mut all = vec![
            json!({ "kind": "mql", "occurredAt": mql }),
            json!({ "kind": "assigned", "occurredAt": mql, "ownerEmail": "a@handoff.test" }),
        ];
        all.extend(events);
        json!({ "externalId": ext, "email": format!("{ext}@example.com"), "leadType": "content_download",
                "company": "Acme, \"Rockets\" Inc.", "source": source, "campaign": campaign,
                "occurredAt": mql, "events": all })
    };
    let ev = |kind: &str, t: &str| json!({ "kind": kind, "occurredAt": t });
    let rejected =
        |t: &str, r: &str| json!({ "kind": "rejected", "occurredAt": t, "reasonCode": r });
    let qualified = |t: &str| json!({ "kind": "qualified", "occurredAt": t, "bant": { "budget": true, "authority": true, "need": true, "timeline": true } });
    let leads = json!([
        lead(
            "c1",
            "ads",
            "spring",
            "2026-03-02T10:00:00Z",
            vec![
                ev("accepted", "2026-03-02T11:00:00Z"),
                qualified("2026-03-04T10:00:00Z")
            ]
        ),
        lead(
            "c2",
            "ads",
            "spring",
            "2026-03-03T10:00:00Z",
            vec![rejected("2026-03-03T12:00:00Z", "bad_fit")]
        ),
        lead(
            "c3",
            "ads",
            "fall",
            "2026-03-09T10:00:00Z",
            vec![rejected("2026-03-09T12:00:00Z", "no_budget")]
        ),
        lead(
            "c4",
            "partner",
            "q1",
            "2026-03-10T10:00:00Z",
            vec![ev("accepted", "2026-03-10T12:00:00Z")]
        ),
        lead(
            "c5",
            "partner",
            "q1",
            "2026-03-11T10:00:00Z",
            vec![rejected("2026-03-12T12:00:00Z", "bad_fit")]
        ),
        lead("c6", "ads", "fall", "2026-03-02T10:00:00Z", vec![]),
    ]);
    let query = "mutation($leads: [LeadInput!]!) { ingestLeads(leads: $leads) { errors { index field message } } }";
    let data = ok(app, admin, query, json!({ "leads": leads })).await;
    assert_eq!(data["ingestLeads"]["errors"], json!([]), "{data}");
}

struct Csv {
    status: u16,
    content_type: String,
    disposition: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    body: String,
}

async fn get(app: &TestApp, token: Option<&str>, path: &str) -> Csv {
    let mut request = app.client.get(format!("{}{path}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (content_type, disposition) = (header("content-type"), header("content-disposition"));
    let body = response.text().await.unwrap();
    let (mut header_row, mut rows) = (Vec::new(), Vec::new());
    if status == 200 {
        let mut reader = csv::Reader::from_reader(body.as_bytes());
        header_row = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        rows = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
    }
    Csv {
        status,
        content_type,
        disposition,
        header: header_row,
        rows,
        body,
    }
}

/// A GraphQL value as the CSV writes it: numbers as Rust prints them, null as empty, instants
/// normalised to RFC 3339 UTC seconds.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => match DateTime::parse_from_rfc3339(s) {
            Ok(t) => t
                .to_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            Err(_) => s.clone(),
        },
        Value::Number(n) if n.is_i64() => n.to_string(),
        Value::Number(n) => n.as_f64().unwrap().to_string(),
        other => other.to_string(),
    }
}

/// Rows equal cell by cell; numbers within rounding (serde_json's float parsing is not always
/// correctly rounded).
#[track_caller]
fn assert_rows(got: &[Vec<String>], want: &[Vec<String>], what: &str) {
    let same = |a: &str, b: &str| {
        a == b
            || a.parse::<f64>()
                .ok()
                .zip(b.parse::<f64>().ok())
                .is_some_and(|(x, y)| (x - y).abs() <= 1e-12 * x.abs().max(1.0))
    };
    let equal = got.len() == want.len()
        && got
            .iter()
            .zip(want)
            .all(|(g, w)| g.len() == w.len() && g.iter().zip(w).all(|(a, b)| same(a, b)));
    assert!(equal, "{what}:\n got: {got:?}\nwant: {want:?}");
}

fn row(values: &[&Value]) -> Vec<String> {
    values.iter().map(|v| cell(v)).collect()
}

const TOTAL: &str = "met breached running approaching cancelled complianceRate averageResponseSeconds averageTargetSeconds";
const GROUP: &str = "key label weekStart met breached running approaching cancelled complianceRate averageResponseSeconds averageTargetSeconds";

fn expected_compliance(report: &Value) -> Vec<Vec<String>> {
    let fields = [
        "met",
        "breached",
        "running",
        "approaching",
        "cancelled",
        "complianceRate",
        "averageResponseSeconds",
        "averageTargetSeconds",
    ];
    let line = |group: &str, g: &Value, with_key: bool| {
        let mut r = vec![group.to_owned()];
        if with_key {
            r.extend(row(&[&g["key"], &g["label"], &g["weekStart"]]));
        } else {
            r.extend([String::new(), String::new(), String::new()]);
        }
        r.extend(fields.iter().map(|f| cell(&g[*f])));
        r
    };
    let mut out = vec![line("total", report, false)];
    for (list, group) in [
        ("byOwner", "owner"),
        ("byTeam", "team"),
        ("bySource", "source"),
        ("byLeadType", "lead_type"),
        ("weekly", "week"),
    ] {
        for g in report[list].as_array().unwrap() {
            out.push(line(group, g, true));
        }
    }
    out
}

fn expected_funnel(report: &Value) -> Vec<Vec<String>> {
    let stage_rows = |group: &str, key: &Value, stages: &Value| -> Vec<Vec<String>> {
        stages
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let mut r = vec![group.to_owned(), cell(key)];
                r.extend(row(&[
                    &s["stage"],
                    &s["count"],
                    &s["conversionFromPrevious"],
                    &s["medianHoursFromPrevious"],
                    &s["meanHoursFromPrevious"],
                ]));
                r
            })
            .collect()
    };
    let mut out = stage_rows("total", &Value::Null, &report["stages"]);
    for (list, group) in [("bySource", "source"), ("byCampaign", "campaign")] {
        for g in report[list].as_array().unwrap() {
            out.extend(stage_rows(group, &g["key"], &g["stages"]));
        }
    }
    out
}

fn expected_feedback(report: &Value) -> Vec<Vec<String>> {
    let blanks = |n: usize| vec![String::new(); n];
    let mut out = Vec::new();
    let mut total = vec![
        "total".to_owned(),
        String::new(),
        String::new(),
        cell(&report["rejections"]),
    ];
    total.extend(blanks(7));
    out.push(total);
    let reason = |section: &str, week: &Value, r: &Value| {
        let mut line = vec![
            section.to_owned(),
            cell(&r["code"]),
            cell(week),
            cell(&r["count"]),
            cell(&r["share"]),
        ];
        line.extend(blanks(6));
        line
    };
    for r in report["rejectionReasons"].as_array().unwrap() {
        out.push(reason("reason", &Value::Null, r));
    }
    for w in report["weekly"].as_array().unwrap() {
        let mut line = vec![
            "week".to_owned(),
            String::new(),
            cell(&w["weekStart"]),
            cell(&w["rejections"]),
        ];
        line.extend(blanks(7));
        out.push(line);
        for r in w["reasons"].as_array().unwrap() {
            out.push(reason("week_reason", &w["weekStart"], r));
        }
    }
    for (list, section, key) in [
        ("bySource", "source", "source"),
        ("byCampaign", "campaign", "campaign"),
    ] {
        for q in report[list].as_array().unwrap() {
            let mut line = vec![section.to_owned(), cell(&q[key])];
            line.extend(blanks(3));
            line.extend(row(&[
                &q["mqls"],
                &q["accepted"],
                &q["rejected"],
                &q["sqls"],
                &q["acceptanceRate"],
                &q["sqlRate"],
            ]));
            out.push(line);
        }
    }
    out
}

/// The GraphQL `ReportFilter` and the query string of the same filter.
fn filters(t1: i64) -> Vec<(Value, String)> {
    vec![
        (json!({}), String::new()),
        (
            json!({ "sources": ["ads", "web"], "from": "2026-03-01T00:00:00Z", "to": "2026-03-15T00:00:00Z" }),
            "sources=ads,web&from=2026-03-01T00:00:00Z&to=2026-03-15T00:00:00%2B00:00".to_owned(),
        ),
        (
            json!({ "teamIds": [t1.to_string()], "campaigns": ["spring", "fall"], "leadTypes": ["content_download", "demo_request"] }),
            format!(
                "teamIds={t1}&campaigns=spring&campaigns=fall&leadTypes=content_download,demo_request"
            ),
        ),
    ]
}

#[tokio::test]
async fn every_csv_row_is_the_graphql_figure_of_the_same_filter() {
    let (app, org, _, _) = setup().await;
    more_history(&app, &org.admin).await;
    for (filter, query) in filters(org.t1) {
        for kind in ["FIRST_RESPONSE", "ACCEPTANCE"] {
            let data = ok(
                &app,
                &org.admin,
                &format!("query($filter: ReportFilter, $kind: SlaKind) {{ slaCompliance(filter: $filter, kind: $kind) {{ {TOTAL} byOwner {{ {GROUP} }} byTeam {{ {GROUP} }} bySource {{ {GROUP} }} byLeadType {{ {GROUP} }} weekly {{ {GROUP} }} }} }}"),
                json!({ "filter": filter, "kind": kind }),
            )
            .await;
            let csv = get(
                &app,
                Some(&org.admin),
                &format!("/reports/slaCompliance.csv?{query}&kind={kind}"),
            )
            .await;
            assert_eq!(csv.status, 200, "{}", csv.body);
            assert_eq!(csv.header[..4], ["group", "key", "label", "week_start"]);
            assert_rows(
                &csv.rows,
                &expected_compliance(&data["slaCompliance"]),
                &format!("{filter} {kind}"),
            );
            assert!(csv.rows.len() > 1 || filter != json!({}));
        }

        let data = ok(&app, &org.admin, "query($filter: ReportFilter) { funnel(filter: $filter) { stages { stage count conversionFromPrevious medianHoursFromPrevious meanHoursFromPrevious } bySource { key stages { stage count conversionFromPrevious medianHoursFromPrevious meanHoursFromPrevious } } byCampaign { key stages { stage count conversionFromPrevious medianHoursFromPrevious meanHoursFromPrevious } } } }", json!({ "filter": filter })).await;
        let csv = get(
            &app,
            Some(&org.admin),
            &format!("/reports/funnel.csv?{query}"),
        )
        .await;
        assert_eq!(csv.status, 200, "{}", csv.body);
        assert_rows(
            &csv.rows,
            &expected_funnel(&data["funnel"]),
            &format!("funnel {filter}"),
        );

        let data = ok(&app, &org.admin, "query($filter: ReportFilter) { feedback(filter: $filter) { rejections rejectionReasons { code count share } weekly { weekStart rejections reasons { code count share } } bySource { source mqls accepted rejected sqls acceptanceRate sqlRate } byCampaign { campaign mqls accepted rejected sqls acceptanceRate sqlRate } } }", json!({ "filter": filter })).await;
        let csv = get(
            &app,
            Some(&org.admin),
            &format!("/reports/feedback.csv?{query}"),
        )
        .await;
        assert_eq!(csv.status, 200, "{}", csv.body);
        assert_rows(
            &csv.rows,
            &expected_feedback(&data["feedback"]),
            &format!("feedback {filter}"),
        );
    }

    // Leakage: the leaked leads, with the company's comma and quotes intact.
    let data = ok(&app, &org.admin, "{ leakage(staleDays: 7) { count leads(first: 200) { edges { node { id externalId company } } } } }", json!({})).await;
    let csv = get(&app, Some(&org.admin), "/reports/leakage.csv?staleDays=7").await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    let expected: Vec<(String, String, String)> = data["leakage"]["leads"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let n = &e["node"];
            (cell(&n["id"]), cell(&n["externalId"]), cell(&n["company"]))
        })
        .collect();
    let got: Vec<(String, String, String)> = csv
        .rows
        .iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[3].clone()))
        .collect();
    assert_eq!(got, expected);
    assert!(
        got.iter()
            .any(|(_, ext, company)| ext == "c6" && company == "Acme, \"Rockets\" Inc."),
        "{}",
        csv.body
    );
    assert!(
        csv.body.contains("\"Acme, \"\"Rockets\"\" Inc.\""),
        "{}",
        csv.body
    );
    assert!(csv.body.contains("\r\n"));
}

#[tokio::test]
async fn exports_are_csv_files_with_the_reports_permissions_and_clear_errors() {
    let (app, org, _, _) = setup().await;
    let csv = get(
        &app,
        Some(&org.admin),
        "/reports/funnel.csv?from=2026-03-01T00:00:00Z&to=2026-03-20T00:00:00Z",
    )
    .await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.content_type.starts_with("text/csv"),
        "{}",
        csv.content_type
    );
    assert_eq!(
        csv.disposition,
        "attachment; filename=\"funnel-20260301T000000Z-20260320T000000Z.csv\""
    );

    let error = |csv: &Csv| -> Value { serde_json::from_str(&csv.body).unwrap() };
    let anonymous = get(&app, None, "/reports/funnel.csv").await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(error(&anonymous)["error"]["code"], "UNAUTHENTICATED");
    let bad_token = get(&app, Some("hs_not_a_token"), "/reports/funnel.csv").await;
    assert_eq!(bad_token.status, 401);

    let unknown = get(&app, Some(&org.admin), "/reports/pipeline.csv").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(error(&unknown)["error"]["code"], "NOT_FOUND");
    assert!(
        error(&unknown)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("slaCompliance")
    );
    assert_eq!(
        get(&app, Some(&org.admin), "/reports/funnel.json")
            .await
            .status,
        404
    );

    for (query, field) in [
        ("from=yesterday", "from"),
        ("to=2026-03-01T00:00:00Z&from=2026-03-02T00:00:00Z", "to"),
        ("teamIds=one", "teamIds"),
        ("colour=red", "colour"),
        ("kind=FIRST_RESPONSE", "kind"),
        (
            "from=2026-03-01T00:00:00Z&from=2026-03-02T00:00:00Z",
            "from",
        ),
    ] {
        let csv = get(
            &app,
            Some(&org.admin),
            &format!("/reports/funnel.csv?{query}"),
        )
        .await;
        assert_eq!(csv.status, 400, "{query}: {}", csv.body);
        assert_eq!(error(&csv)["error"]["code"], "BAD_USER_INPUT");
        assert_eq!(error(&csv)["error"]["field"], field, "{query}");
    }
    for (query, field) in [("kind=SOON", "kind"), ("staleDays=-1", "staleDays")] {
        let report = if field == "kind" {
            "slaCompliance"
        } else {
            "leakage"
        };
        let csv = get(
            &app,
            Some(&org.admin),
            &format!("/reports/{report}.csv?{query}"),
        )
        .await;
        assert_eq!(csv.status, 400, "{query}");
        assert_eq!(error(&csv)["error"]["field"], field);
    }

    // Reps are refused; managers see their teams only.
    assert_eq!(
        get(&app, Some(&org.rep), "/reports/slaCompliance.csv")
            .await
            .status,
        403
    );
    let other = get(
        &app,
        Some(&org.manager),
        &format!("/reports/slaCompliance.csv?teamIds={}", org.t2),
    )
    .await;
    assert_eq!(other.status, 403);
    let mine = get(&app, Some(&org.manager), "/reports/slaCompliance.csv").await;
    assert_eq!(mine.status, 200);
    let teams: Vec<&str> = mine
        .rows
        .iter()
        .filter(|r| r[0] == "team")
        .map(|r| r[1].as_str())
        .collect();
    assert_eq!(teams, [org.t1.to_string()]);
    let ops = app
        .user_with_token("ops@handoff.test", "MARKETING_OPS")
        .await
        .1;
    let all = get(&app, Some(&ops), "/reports/slaCompliance.csv").await;
    assert_eq!(all.rows.iter().filter(|r| r[0] == "team").count(), 2);
}

const FLAGS: &str =
    "flags { code figure threshold red offenders { kind key label figure threshold } }";
const SCORECARD: &str = "mqls monthly { month mqls target } complete completeness fields { field count share } routed routingTargetSeconds routedWithinTarget routedWithinTargetShare medianRoutingSeconds p90RoutingSeconds mqlThreshold meetingMinScore meetingMinScoreShare salesMet salesBreached salesComplianceRate";

fn expected_governance(report: &Value) -> Vec<Vec<String>> {
    let month = &report["month"];
    let mut rows = Vec::new();
    for flag in report["flags"].as_array().unwrap() {
        let head = row(&[
            month,
            &flag["code"],
            &flag["red"],
            &flag["figure"],
            &flag["threshold"],
        ]);
        let mut first = head.clone();
        first.extend(std::iter::repeat_n(String::new(), 5));
        rows.push(first);
        for o in flag["offenders"].as_array().unwrap() {
            let mut r = head.clone();
            r.extend(row(&[
                &o["kind"],
                &o["key"],
                &o["label"],
                &o["figure"],
                &o["threshold"],
            ]));
            rows.push(r);
        }
    }
    rows
}

fn expected_scorecard(card: &Value) -> Vec<Vec<String>> {
    let s = |text: &str| text.to_owned();
    let mqls = cell(&card["mqls"]);
    let target = cell(&card["routingTargetSeconds"]);
    let mut rows = vec![vec![s("mqls"), s(""), mqls.clone(), s(""), s(""), s("")]];
    for m in card["monthly"].as_array().unwrap() {
        let attainment = match (m["mqls"].as_f64(), m["target"].as_f64()) {
            (Some(n), Some(t)) if t > 0.0 => (n / t).to_string(),
            _ => String::new(),
        };
        rows.push(vec![
            s("monthly_mqls"),
            cell(&m["month"]),
            cell(&m["mqls"]),
            s(""),
            attainment,
            cell(&m["target"]),
        ]);
    }
    rows.push(vec![
        s("complete"),
        s(""),
        cell(&card["complete"]),
        mqls.clone(),
        cell(&card["completeness"]),
        s(""),
    ]);
    for f in card["fields"].as_array().unwrap() {
        rows.push(vec![
            s("field"),
            cell(&f["field"]),
            cell(&f["count"]),
            mqls.clone(),
            cell(&f["share"]),
            s(""),
        ]);
    }
    rows.push(vec![
        s("routed_within_target"),
        s(""),
        cell(&card["routedWithinTarget"]),
        cell(&card["routed"]),
        cell(&card["routedWithinTargetShare"]),
        target.clone(),
    ]);
    for (name, field) in [
        ("median_routing_seconds", "medianRoutingSeconds"),
        ("p90_routing_seconds", "p90RoutingSeconds"),
    ] {
        rows.push(vec![
            s(name),
            s(""),
            cell(&card[field]),
            s(""),
            s(""),
            target.clone(),
        ]);
    }
    rows.push(vec![
        s("meeting_threshold"),
        s(""),
        cell(&card["meetingMinScore"]),
        mqls,
        cell(&card["meetingMinScoreShare"]),
        cell(&card["mqlThreshold"]),
    ]);
    let met = card["salesMet"].as_i64().unwrap();
    let breached = card["salesBreached"].as_i64().unwrap();
    rows.push(vec![
        s("sales_compliance"),
        s(""),
        met.to_string(),
        (met + breached).to_string(),
        cell(&card["salesComplianceRate"]),
        s(""),
    ]);
    rows
}

#[tokio::test]
async fn governance_and_the_marketing_scorecard_export_their_graphql_figures() {
    let (app, org, _, _) = setup().await;
    more_history(&app, &org.admin).await;
    for (filter, query) in filters(org.t1) {
        let data = ok(
            &app,
            &org.admin,
            &format!("query($filter: ReportFilter) {{ governance(month: \"2026-03\", filter: $filter) {{ month {FLAGS} }} }}"),
            json!({ "filter": filter }),
        )
        .await;
        let sep = if query.is_empty() { "" } else { "&" };
        let csv = get(
            &app,
            Some(&org.admin),
            &format!("/reports/governance.csv?{query}{sep}month=2026-03"),
        )
        .await;
        assert_eq!(csv.status, 200, "{}", csv.body);
        assert_eq!(csv.header[..3], ["month", "flag", "red"]);
        assert_rows(
            &csv.rows,
            &expected_governance(&data["governance"]),
            &format!("governance {filter}"),
        );
        assert_eq!(csv.rows.iter().filter(|r| r[5].is_empty()).count(), 5);

        let data = ok(
            &app,
            &org.admin,
            &format!("query($filter: ReportFilter) {{ marketingScorecard(filter: $filter) {{ {SCORECARD} }} }}"),
            json!({ "filter": filter }),
        )
        .await;
        let csv = get(
            &app,
            Some(&org.admin),
            &format!("/reports/marketingScorecard.csv?{query}"),
        )
        .await;
        assert_eq!(csv.status, 200, "{}", csv.body);
        assert_rows(
            &csv.rows,
            &expected_scorecard(&data["marketingScorecard"]),
            &format!("marketingScorecard {filter}"),
        );
    }
    let bad = get(
        &app,
        Some(&org.admin),
        "/reports/governance.csv?month=2026-13",
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    let body: Value = serde_json::from_str(&bad.body).unwrap();
    assert_eq!(body["error"]["field"], "month", "{}", bad.body);
}
