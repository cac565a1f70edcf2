//! The reports as CSV tables (`GET /reports/{name}.csv`), with the same figures as GraphQL.
//!
//! Every report is a long table: one row per figure group, a first column saying which group
//! (`total`, `owner`, `team`, `source`, …), empty cells for what does not apply. Rates are
//! fractions (0.75), durations business seconds or calendar hours as in GraphQL, instants
//! RFC 3339 UTC. Adding a report is one line in [`table`] (and its name in [`REPORTS`]).
//!
//! Query parameters (names as in GraphQL's `ReportFilter`): `from`, `to` (RFC 3339; write the
//! offset `+` as `%2B`, or use `Z`), `teamIds`, `ownerIds`, `sources`, `campaigns`,
//! `leadTypes` (each repeated, `sources=ads&sources=web`, or comma-separated,
//! `sources=ads,web`; an empty value is an empty list, which matches nothing), `kind`
//! (`slaCompliance`: FIRST_RESPONSE, ACCEPTANCE or QUALIFICATION), `staleDays` (`leakage`) and
//! `month` (`governance`: `YYYY-MM`, default the last complete month; the filter's period is
//! replaced by the month's, as in GraphQL).

use chrono::{DateTime, SecondsFormat, Utc};
use handoff_shared::domain::SlaKind;
use sea_orm::ConnectionTrait;

use super::compliance::{self, ComplianceReport, Figures};
use super::feedback::{self, FeedbackReport, Quality, ReasonCount};
use super::funnel::{self, FunnelReport, Stage};
use super::governance::{self, Month, OffenderKind, Review};
use super::leakage;
use super::scorecard::{self, Scorecard};
use super::{Period, ReportFilter};
use crate::error::ApiError;

/// The reports that export, by the name of their GraphQL query.
pub const REPORTS: &[&str] = &[
    "slaCompliance",
    "funnel",
    "feedback",
    "leakage",
    "governance",
    "marketingScorecard",
];

/// A CSV table: its header and rows (cells already formatted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or line break.
    pub fn to_csv(&self) -> Result<Vec<u8>, ApiError> {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        let failed = |e: csv::Error| ApiError::internal(anyhow::Error::new(e));
        writer.write_record(&self.header).map_err(failed)?;
        for row in &self.rows {
            writer.write_record(row).map_err(failed)?;
        }
        writer
            .into_inner()
            .map_err(|e| ApiError::internal(anyhow::anyhow!("CSV buffer: {e}")))
    }
}

/// What a report is run with: the filter (already narrowed to the caller's scope) and the
/// report-specific arguments.
#[derive(Debug, Clone)]
pub struct ExportParams {
    pub filter: ReportFilter,
    /// `slaCompliance` only; default FIRST_RESPONSE.
    pub kind: Option<SlaKind>,
    /// `leakage` only; default [`leakage::DEFAULT_STALE_DAYS`].
    pub stale_days: Option<i64>,
    /// `governance` only; default the last complete month.
    pub month: Option<Month>,
}

/// The table of report `name`; none for a report that does not export.
pub async fn table(
    db: &impl ConnectionTrait,
    name: &str,
    params: &ExportParams,
    now: DateTime<Utc>,
) -> Result<Option<Table>, ApiError> {
    let f = &params.filter;
    let kind = params.kind.unwrap_or(SlaKind::FirstResponse);
    let stale_days = params.stale_days.unwrap_or(leakage::DEFAULT_STALE_DAYS);
    Ok(Some(match name {
        "slaCompliance" => compliance_table(&compliance::report(db, f, kind, now).await?),
        "funnel" => funnel_table(&funnel::report(db, f).await?),
        "feedback" => feedback_table(&feedback::report(db, f).await?),
        "leakage" => {
            let report = leakage::report(db, f, stale_days, now).await?;
            leakage_table(&leakage::leaked_leads(db, f, report.cutoff, None, None).await?)
        }
        "governance" => {
            let month = params.month.unwrap_or_else(|| Month::last_complete(now));
            let settings = super::settings::load(db).await?;
            governance_table(&governance::review(db, f, month, &settings, now).await?)
        }
        "marketingScorecard" => {
            let settings = super::settings::load(db).await?;
            scorecard_table(&scorecard::report(db, f, &settings, now).await?)
        }
        _ => return Ok(None),
    }))
}

/// The arguments besides the filter that report `name` takes.
pub fn extra_parameters(name: &str) -> &'static [&'static str] {
    match name {
        "slaCompliance" => &["kind"],
        "leakage" => &["staleDays"],
        "governance" => &["month"],
        _ => &[],
    }
}

/// The file name of an export: `<report>-<from>-<to>.csv` (UTC dates).
pub fn file_name(name: &str, period: Period) -> String {
    format!(
        "{name}-{}-{}.csv",
        period.from.format("%Y%m%dT%H%M%SZ"),
        period.to.format("%Y%m%dT%H%M%SZ")
    )
}

fn n(v: usize) -> String {
    v.to_string()
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn compliance_row(
    group: &str,
    key: String,
    label: Option<&str>,
    week: String,
    f: &Figures,
) -> Vec<String> {
    vec![
        group.to_owned(),
        key,
        label.unwrap_or_default().to_owned(),
        week,
        n(f.met),
        n(f.breached),
        n(f.running),
        n(f.approaching),
        n(f.cancelled),
        opt(f.compliance_rate()),
        opt(f.average_response_seconds()),
        opt(f.average_target_seconds()),
    ]
}

fn compliance_table(r: &ComplianceReport) -> Table {
    let mut rows = vec![compliance_row(
        "total",
        String::new(),
        None,
        String::new(),
        &r.total,
    )];
    for (id, name, f) in &r.by_owner {
        rows.push(compliance_row(
            "owner",
            opt(*id),
            name.as_deref(),
            String::new(),
            f,
        ));
    }
    for (id, name, f) in &r.by_team {
        rows.push(compliance_row(
            "team",
            opt(*id),
            name.as_deref(),
            String::new(),
            f,
        ));
    }
    for (source, f) in &r.by_source {
        rows.push(compliance_row(
            "source",
            opt(source.clone()),
            None,
            String::new(),
            f,
        ));
    }
    for (lead_type, f) in &r.by_lead_type {
        rows.push(compliance_row(
            "lead_type",
            lead_type.clone(),
            None,
            String::new(),
            f,
        ));
    }
    for (week, f) in &r.weekly {
        rows.push(compliance_row(
            "week",
            String::new(),
            None,
            instant(*week),
            f,
        ));
    }
    Table {
        header: vec![
            "group",
            "key",
            "label",
            "week_start",
            "met",
            "breached",
            "running",
            "approaching",
            "cancelled",
            "compliance_rate",
            "average_response_seconds",
            "average_target_seconds",
        ],
        rows,
    }
}

fn funnel_table(r: &FunnelReport) -> Table {
    let mut rows = Vec::new();
    let mut add = |group: &str, key: Option<&str>, stages: &[Stage]| {
        for s in stages {
            rows.push(vec![
                group.to_owned(),
                key.unwrap_or_default().to_owned(),
                s.stage.as_str().to_owned(),
                n(s.count),
                opt(s.conversion_from_previous),
                opt(s.median_hours_from_previous),
                opt(s.mean_hours_from_previous),
            ]);
        }
    };
    add("total", None, &r.stages);
    for (key, stages) in &r.by_source {
        add("source", key.as_deref(), stages);
    }
    for (key, stages) in &r.by_campaign {
        add("campaign", key.as_deref(), stages);
    }
    Table {
        header: vec![
            "group",
            "key",
            "stage",
            "count",
            "conversion_from_previous",
            "median_hours_from_previous",
            "mean_hours_from_previous",
        ],
        rows,
    }
}

fn feedback_table(r: &FeedbackReport) -> Table {
    let blank = || String::new();
    let reason = |section: &str, week: String, c: &ReasonCount| {
        let mut row = vec![
            section.to_owned(),
            c.code.clone(),
            week,
            n(c.count),
            c.share.to_string(),
        ];
        row.extend((0..6).map(|_| blank()));
        row
    };
    let quality = |section: &str, q: &Quality| {
        vec![
            section.to_owned(),
            opt(q.key.clone()),
            blank(),
            blank(),
            blank(),
            n(q.mqls),
            n(q.accepted),
            n(q.rejected),
            n(q.sqls),
            opt(q.acceptance_rate()),
            opt(q.sql_rate()),
        ]
    };
    let mut total = vec!["total".to_owned(), blank(), blank(), n(r.rejections)];
    total.extend((0..7).map(|_| blank()));
    let mut rows = vec![total];
    rows.extend(r.reasons.iter().map(|c| reason("reason", blank(), c)));
    for (week, count, reasons) in &r.weekly {
        let mut row = vec!["week".to_owned(), blank(), instant(*week), n(*count)];
        row.extend((0..7).map(|_| blank()));
        rows.push(row);
        rows.extend(
            reasons
                .iter()
                .map(|c| reason("week_reason", instant(*week), c)),
        );
    }
    rows.extend(r.by_source.iter().map(|q| quality("source", q)));
    rows.extend(r.by_campaign.iter().map(|q| quality("campaign", q)));
    Table {
        header: vec![
            "section",
            "key",
            "week_start",
            "count",
            "share",
            "mqls",
            "accepted",
            "rejected",
            "sqls",
            "acceptance_rate",
            "sql_rate",
        ],
        rows,
    }
}

fn leakage_table(leaked: &[crate::entities::leads::Model]) -> Table {
    Table {
        header: vec![
            "lead_id",
            "external_id",
            "email",
            "company",
            "lead_type",
            "source",
            "campaign",
            "owner_id",
            "team_id",
            "mql_at",
            "last_activity_at",
        ],
        rows: leaked
            .iter()
            .map(|l| {
                vec![
                    l.id.to_string(),
                    l.external_id.clone(),
                    l.email.clone(),
                    opt(l.company.clone()),
                    l.lead_type.clone(),
                    opt(l.source.clone()),
                    opt(l.campaign.clone()),
                    opt(l.owner_id),
                    opt(l.team_id),
                    opt(l.mql_at.map(instant)),
                    opt(l.last_activity_at.map(instant)),
                ]
            })
            .collect(),
    }
}

fn offender_kind(kind: OffenderKind) -> &'static str {
    match kind {
        OffenderKind::Team => "TEAM",
        OffenderKind::LeadType => "LEAD_TYPE",
        OffenderKind::Reason => "REJECTION_REASON",
        OffenderKind::Source => "SOURCE",
    }
}

/// One row a flag (offender columns empty), then one row for each of its offenders.
fn governance_table(review: &Review) -> Table {
    let mut rows = Vec::new();
    for flag in &review.flags {
        let head = |red: bool| {
            vec![
                review.month.to_string(),
                flag.code.as_str().to_owned(),
                red.to_string(),
                opt(flag.figure),
                flag.threshold.to_string(),
            ]
        };
        let mut row = head(flag.red);
        row.extend(std::iter::repeat_n(String::new(), 5));
        rows.push(row);
        for o in &flag.offenders {
            let mut row = head(flag.red);
            row.extend([
                offender_kind(o.kind).to_owned(),
                o.key.clone().unwrap_or_default(),
                o.label.clone().unwrap_or_default(),
                o.figure.to_string(),
                o.threshold.to_string(),
            ]);
            rows.push(row);
        }
    }
    Table {
        header: vec![
            "month",
            "flag",
            "red",
            "figure",
            "threshold",
            "offender_kind",
            "offender_key",
            "offender_label",
            "offender_figure",
            "offender_threshold",
        ],
        rows,
    }
}

/// One row a figure: its count, what it is counted out of, the rate, and the target.
fn scorecard_table(card: &Scorecard) -> Table {
    let rate = |part: usize, of: usize| (of > 0).then(|| part as f64 / of as f64);
    let row =
        |figure: &str, key: String, value: String, of: String, rate: String, target: String| {
            vec![figure.to_owned(), key, value, of, rate, target]
        };
    let mut rows = vec![row(
        "mqls",
        String::new(),
        n(card.mqls),
        String::new(),
        String::new(),
        String::new(),
    )];
    for m in &card.monthly {
        rows.push(row(
            "monthly_mqls",
            m.month.to_string(),
            n(m.mqls),
            String::new(),
            opt(m.attainment()),
            opt(m.target),
        ));
    }
    rows.push(row(
        "complete",
        String::new(),
        n(card.complete),
        n(card.mqls),
        opt(rate(card.complete, card.mqls)),
        String::new(),
    ));
    for (field, count) in &card.fields {
        rows.push(row(
            "field",
            (*field).to_owned(),
            n(*count),
            n(card.mqls),
            opt(rate(*count, card.mqls)),
            String::new(),
        ));
    }
    rows.push(row(
        "routed_within_target",
        String::new(),
        n(card.routed_within_target),
        n(card.routed),
        opt(rate(card.routed_within_target, card.routed)),
        card.routing_target_seconds.to_string(),
    ));
    rows.push(row(
        "median_routing_seconds",
        String::new(),
        opt(card.median_routing_seconds),
        String::new(),
        String::new(),
        card.routing_target_seconds.to_string(),
    ));
    rows.push(row(
        "p90_routing_seconds",
        String::new(),
        opt(card.p90_routing_seconds),
        String::new(),
        String::new(),
        card.routing_target_seconds.to_string(),
    ));
    rows.push(row(
        "meeting_threshold",
        String::new(),
        n(card.meeting_threshold),
        n(card.mqls),
        opt(rate(card.meeting_threshold, card.mqls)),
        card.mql_threshold.to_string(),
    ));
    let sales = &card.sales;
    rows.push(row(
        "sales_compliance",
        String::new(),
        n(sales.met),
        n(sales.met + sales.breached),
        opt(sales.compliance_rate()),
        String::new(),
    ));
    Table {
        header: vec!["figure", "key", "value", "of", "rate", "target"],
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_as_rfc_4180_says() {
        let table = Table {
            header: vec!["a", "b"],
            rows: vec![
                vec!["x, y".into(), "say \"hi\"\nbye".into()],
                vec!["plain".into(), String::new()],
            ],
        };
        let csv = String::from_utf8(table.to_csv().unwrap()).unwrap();
        assert_eq!(csv, "a,b\r\n\"x, y\",\"say \"\"hi\"\"\nbye\"\r\nplain,\r\n");
    }
}
