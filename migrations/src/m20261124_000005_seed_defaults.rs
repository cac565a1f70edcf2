//! The playbook's recommended defaults on a fresh database (CONTRACT.md section 3), all editable
//! by an admin afterwards.
//!
//! Written with sea-query statements and bound values only, so that the same rows (and the same
//! timestamp encoding as the application's) land on SQLite and PostgreSQL.

use handoff_shared::domain::{RoutingMethod, SlaKind, SlaStartOn};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::DateTimeUtc;

use crate::m20261124_000001_create_org_tables::{BusinessCalendars, OrgSettings, Teams};
use crate::m20261124_000002_create_config_tables::{
    DomainLists, LeadTypes, RejectionReasons, RoutingRules, ScoringRules, SlaPolicies,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

const DEFAULT_CALENDAR: &str = "Default";
const DEFAULT_TEAM: &str = "default";
const DEFAULT_ROUTING_RULE: &str = "Default round robin";
const DEFAULT_ROUTING_PRIORITY: i32 = 1000;
const MQL_THRESHOLD: i32 = 75;

/// `(key, label, instant_mql, FIRST_RESPONSE target in seconds)`.
const LEAD_TYPES: &[(&str, &str, bool, i64)] = &[
    ("demo_request", "Demo request", true, 300),
    ("contact_sales", "Contact sales", true, 300),
    ("content_download", "Content download", false, 14_400),
    ("webinar", "Webinar", false, 86_400),
    ("event", "Event", false, 86_400),
    ("other", "Other", false, 86_400),
];

/// ACCEPTANCE target for every lead type, in seconds.
const ACCEPTANCE_SECONDS: i64 = 14_400;

/// Firmographic rules: `(name, points, field, operator, value)`.
const FIRMOGRAPHIC_RULES: &[(&str, i32, &str, &str, &str)] = &[
    (
        "Senior title",
        20,
        "title",
        "contains_any",
        "vp,vice president,director,head,chief,cto,ceo,cmo,cfo,founder",
    ),
    ("Manager title", 10, "title", "contains_any", "manager"),
    (
        "Company size 50-5,000",
        25,
        "companySize",
        "between",
        "50,5000",
    ),
];

/// Behavioural rules: `(name, points, engagement, max_times)`.
const ENGAGEMENT_RULES: &[(&str, i32, &str, i32)] = &[
    ("Pricing page visit", 15, "pricing_page", 2),
    ("Content download", 10, "content_download", 3),
    ("Webinar attended", 15, "webinar_attended", 2),
    ("Demo request", 50, "demo_request", 1),
];

/// `(code, label, recycle play)`.
const REJECTION_REASONS: &[(&str, &str, &str)] = &[
    ("bad_fit", "Bad fit", "long-term nurture"),
    (
        "no_budget",
        "No budget",
        "budget-cycle nurture, re-engage next quarter",
    ),
    (
        "wrong_contact",
        "Wrong contact",
        "find the buying contact at the account",
    ),
    ("duplicate", "Duplicate", "merge into the existing lead"),
    ("no_response", "No response", "re-engagement nurture"),
    ("bad_timing", "Bad timing", "nurture, revisit in 90 days"),
    (
        "competitor",
        "Competitor",
        "competitive displacement nurture",
    ),
];

/// `(domain, list)`.
const DOMAIN_LISTS: &[(&str, &str)] = &[
    ("gmail.com", "free_mail"),
    ("yahoo.com", "free_mail"),
    ("hotmail.com", "free_mail"),
    ("outlook.com", "free_mail"),
    ("aol.com", "free_mail"),
    ("icloud.com", "free_mail"),
    ("mailinator.com", "disposable"),
    ("guerrillamail.com", "disposable"),
    ("10minutemail.com", "disposable"),
];

/// Mon-fri 09:00-17:00 in UTC, in the CONTRACT.md section 2 format.
fn default_calendar_definition() -> String {
    let weekly: Vec<serde_json::Value> = ["mon", "tue", "wed", "thu", "fri"]
        .iter()
        .map(|day| serde_json::json!({"day": day, "open": "09:00", "close": "17:00"}))
        .collect();
    serde_json::json!({"timezone": "UTC", "weekly": weekly, "holidays": []}).to_string()
}

fn policy_name(label: &str, kind: SlaKind) -> String {
    let what = match kind {
        SlaKind::FirstResponse => "first response",
        SlaKind::Acceptance => "acceptance",
        SlaKind::Qualification => "qualification",
    };
    format!("{label} {what}")
}

/// `(SELECT id FROM <table> WHERE <name_col> = <name>)`, to reference a seeded row whose id the
/// database chose.
fn id_of<T, C>(table: T, id_col: C, name_col: C, name: &str) -> SimpleExpr
where
    T: IntoIden + 'static,
    C: IntoIden + 'static,
{
    SimpleExpr::SubQuery(
        None,
        Box::new(
            Query::select()
                .column(id_col)
                .from(table)
                .and_where(Expr::col(name_col).eq(name))
                .take()
                .into_sub_query_statement(),
        ),
    )
}

/// Adds one row of values, mapping a column/value count mismatch to a `DbErr`.
fn add_row<const N: usize>(
    stmt: &mut InsertStatement,
    values: [SimpleExpr; N],
) -> Result<(), DbErr> {
    stmt.values(values)
        .map(|_| ())
        .map_err(|e| DbErr::Custom(format!("seed row: {e}")))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Bound as a chrono value, so SQLite stores the same text encoding as rows the
        // application writes later.
        let now: DateTimeUtc = chrono::Utc::now();

        let mut stmt = Query::insert();
        stmt.into_table(BusinessCalendars::Table).columns([
            BusinessCalendars::Name,
            BusinessCalendars::Definition,
            BusinessCalendars::CreatedAt,
            BusinessCalendars::UpdatedAt,
        ]);
        add_row(
            &mut stmt,
            [
                DEFAULT_CALENDAR.into(),
                default_calendar_definition().into(),
                now.into(),
                now.into(),
            ],
        )?;
        manager.exec_stmt(stmt).await?;

        let mut stmt = Query::insert();
        stmt.into_table(OrgSettings::Table).columns([
            OrgSettings::Id,
            OrgSettings::DefaultCalendarId,
            OrgSettings::MqlThreshold,
            OrgSettings::UpdatedAt,
        ]);
        add_row(
            &mut stmt,
            [
                1_i64.into(),
                id_of(
                    BusinessCalendars::Table,
                    BusinessCalendars::Id,
                    BusinessCalendars::Name,
                    DEFAULT_CALENDAR,
                ),
                MQL_THRESHOLD.into(),
                now.into(),
            ],
        )?;
        manager.exec_stmt(stmt).await?;

        let mut stmt = Query::insert();
        stmt.into_table(LeadTypes::Table).columns([
            LeadTypes::Key,
            LeadTypes::Label,
            LeadTypes::InstantMql,
            LeadTypes::CreatedAt,
            LeadTypes::UpdatedAt,
        ]);
        for &(key, label, instant_mql, _) in LEAD_TYPES {
            add_row(
                &mut stmt,
                [
                    key.into(),
                    label.into(),
                    instant_mql.into(),
                    now.into(),
                    now.into(),
                ],
            )?;
        }
        manager.exec_stmt(stmt).await?;

        let mut stmt = Query::insert();
        stmt.into_table(SlaPolicies::Table).columns([
            SlaPolicies::Name,
            SlaPolicies::LeadType,
            SlaPolicies::Kind,
            SlaPolicies::TargetSeconds,
            SlaPolicies::StartOn,
            SlaPolicies::CreatedAt,
            SlaPolicies::UpdatedAt,
        ]);
        for &(key, label, _, first_response_seconds) in LEAD_TYPES {
            for (kind, seconds) in [
                (SlaKind::FirstResponse, first_response_seconds),
                (SlaKind::Acceptance, ACCEPTANCE_SECONDS),
            ] {
                add_row(
                    &mut stmt,
                    [
                        policy_name(label, kind).into(),
                        key.into(),
                        kind.as_str().into(),
                        seconds.into(),
                        SlaStartOn::Assigned.as_str().into(),
                        now.into(),
                        now.into(),
                    ],
                )?;
            }
        }
        manager.exec_stmt(stmt).await?;

        let mut stmt = Query::insert();
        stmt.into_table(ScoringRules::Table).columns([
            ScoringRules::Name,
            ScoringRules::Points,
            ScoringRules::Field,
            ScoringRules::Operator,
            ScoringRules::Value,
            ScoringRules::CreatedAt,
            ScoringRules::UpdatedAt,
        ]);
        for &(name, points, field, operator, value) in FIRMOGRAPHIC_RULES {
            add_row(
                &mut stmt,
                [
                    name.into(),
                    points.into(),
                    field.into(),
                    operator.into(),
                    value.into(),
                    now.into(),
                    now.into(),
                ],
            )?;
        }
        manager.exec_stmt(stmt).await?;

        let mut stmt = Query::insert();
        stmt.into_table(ScoringRules::Table).columns([
            ScoringRules::Name,
            ScoringRules::Points,
            ScoringRules::Engagement,
            ScoringRules::MaxTimes,
            ScoringRules::CreatedAt,
            ScoringRules::UpdatedAt,
        ]);
        for &(name, points, engagement, max_times) in ENGAGEMENT_RULES {
            add_row(
                &mut stmt,
                [
                    name.into(),
                    points.into(),
                    engagement.into(),
                    max_times.into(),
                    now.into(),
                    now.into(),
                ],
            )?;
        }
        manager.exec_stmt(stmt).await?;

        let mut stmt = Query::insert();
        stmt.into_table(RejectionReasons::Table).columns([
            RejectionReasons::Code,
            RejectionReasons::Label,
            RejectionReasons::RecyclePlay,
            RejectionReasons::CreatedAt,
            RejectionReasons::UpdatedAt,
        ]);
        for &(code, label, recycle_play) in REJECTION_REASONS {
            add_row(
                &mut stmt,
                [
                    code.into(),
                    label.into(),
                    recycle_play.into(),
                    now.into(),
                    now.into(),
                ],
            )?;
        }
        manager.exec_stmt(stmt).await?;

        let mut stmt = Query::insert();
        stmt.into_table(Teams::Table)
            .columns([Teams::Name, Teams::CreatedAt, Teams::UpdatedAt]);
        add_row(&mut stmt, [DEFAULT_TEAM.into(), now.into(), now.into()])?;
        manager.exec_stmt(stmt).await?;

        let mut stmt = Query::insert();
        stmt.into_table(RoutingRules::Table).columns([
            RoutingRules::Name,
            RoutingRules::Priority,
            RoutingRules::Method,
            RoutingRules::TeamId,
            RoutingRules::CreatedAt,
            RoutingRules::UpdatedAt,
        ]);
        add_row(
            &mut stmt,
            [
                DEFAULT_ROUTING_RULE.into(),
                DEFAULT_ROUTING_PRIORITY.into(),
                RoutingMethod::RoundRobin.as_str().into(),
                id_of(Teams::Table, Teams::Id, Teams::Name, DEFAULT_TEAM),
                now.into(),
                now.into(),
            ],
        )?;
        manager.exec_stmt(stmt).await?;

        let mut stmt = Query::insert();
        stmt.into_table(DomainLists::Table)
            .columns([DomainLists::Domain, DomainLists::List]);
        for &(domain, list) in DOMAIN_LISTS {
            add_row(&mut stmt, [domain.into(), list.into()])?;
        }
        manager.exec_stmt(stmt).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Dependants first. Rows the application has since made depend on (a rep in the default
        // team, a clock on a default policy) make this fail rather than lose data.
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(DomainLists::Table)
                    .cond_where(
                        DOMAIN_LISTS
                            .iter()
                            .fold(Cond::any(), |cond, &(domain, list)| {
                                cond.add(
                                    Expr::col(DomainLists::Domain)
                                        .eq(domain)
                                        .and(Expr::col(DomainLists::List).eq(list)),
                                )
                            }),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(RoutingRules::Table)
                    .and_where(Expr::col(RoutingRules::Name).eq(DEFAULT_ROUTING_RULE))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(Teams::Table)
                    .and_where(Expr::col(Teams::Name).eq(DEFAULT_TEAM))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(RejectionReasons::Table)
                    .and_where(
                        Expr::col(RejectionReasons::Code)
                            .is_in(REJECTION_REASONS.iter().map(|&(code, _, _)| code)),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(ScoringRules::Table)
                    .and_where(
                        Expr::col(ScoringRules::Name).is_in(
                            FIRMOGRAPHIC_RULES
                                .iter()
                                .map(|&(name, ..)| name)
                                .chain(ENGAGEMENT_RULES.iter().map(|&(name, ..)| name)),
                        ),
                    )
                    .to_owned(),
            )
            .await?;
        let lead_type_keys = || LEAD_TYPES.iter().map(|&(key, ..)| key);
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(SlaPolicies::Table)
                    .and_where(Expr::col(SlaPolicies::LeadType).is_in(lead_type_keys()))
                    .and_where(Expr::col(SlaPolicies::Kind).is_in([
                        SlaKind::FirstResponse.as_str(),
                        SlaKind::Acceptance.as_str(),
                    ]))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(LeadTypes::Table)
                    .and_where(Expr::col(LeadTypes::Key).is_in(lead_type_keys()))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(OrgSettings::Table)
                    .and_where(Expr::col(OrgSettings::Id).eq(1))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(BusinessCalendars::Table)
                    .and_where(Expr::col(BusinessCalendars::Name).eq(DEFAULT_CALENDAR))
                    .to_owned(),
            )
            .await
    }
}
