//! Configuration types: `BusinessCalendar`, `SlaPolicy`, `ScoringRule`, `RoutingRule`,
//! `RejectionReason`, `LeadType`, and the inputs of their upserts. Each input becomes the
//! service's validated change here, with `TryFrom`, and nowhere else.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use handoff_shared::FieldError;
use handoff_shared::domain::{self, SlaStartOn};
use handoff_shared::sla::{BusinessCalendar as Calendar, CalendarSpec, WindowSpec};

use super::enums::{self, stored};
use super::user::Team;
use crate::configuration_admin::routing_rules::stored_list;
use crate::configuration_admin::sla_policies::stored_notify_percents;
use crate::configuration_admin::values::{match_list, optional_text};
use crate::configuration_admin::{
    CalendarChange, CriterionFields, LeadTypeChange, Name, NotifyPercents, RejectionReasonChange,
    RoutingRuleChange, ScoringCriterion, ScoringRuleChange, SlaPolicyChange, Slug, TeamChange,
    calendars, default_start_on,
};
use crate::entities::{
    business_calendars, lead_types, rejection_reasons, routing_rules, scoring_rules, sla_policies,
};
use crate::graphql::loaders::{load_calendar, load_team};
use crate::graphql::{parse_id, to_id};

// ---------------------------------------------------------------------------------------------
// Business calendars

/// A named business calendar: the hours SLA clocks count in.
#[derive(Debug, Clone)]
pub struct BusinessCalendar(pub business_calendars::Model);

#[Object]
impl BusinessCalendar {
    /// The calendar's id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// Unique calendar name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The calendar in the contract's JSON shape (time zone, weekly windows, holidays).
    async fn definition(&self) -> async_graphql::Result<CalendarDefinition> {
        Ok(calendars::definition(&self.0)?.into())
    }

    /// When the calendar was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A business calendar as CONTRACT.md section 2 spells it.
#[derive(Debug, Clone, SimpleObject)]
pub struct CalendarDefinition {
    /// IANA time zone the windows are in, e.g. `America/New_York`.
    pub timezone: String,
    /// Opening windows in local wall-clock time; several a day are allowed.
    pub weekly: Vec<CalendarWindow>,
    /// Local dates (`YYYY-MM-DD`) closed all day.
    pub holidays: Vec<String>,
}

/// One opening window of a business calendar.
#[derive(Debug, Clone, SimpleObject)]
pub struct CalendarWindow {
    /// `mon` .. `sun`.
    pub day: String,
    /// Local opening time `HH:MM`.
    pub open: String,
    /// Local closing time `HH:MM`; `24:00` is midnight at the end of the day.
    pub close: String,
}

impl From<CalendarSpec> for CalendarDefinition {
    fn from(spec: CalendarSpec) -> Self {
        Self {
            timezone: spec.timezone,
            weekly: spec
                .weekly
                .into_iter()
                .map(|w| CalendarWindow {
                    day: w.day,
                    open: w.open,
                    close: w.close,
                })
                .collect(),
            holidays: spec.holidays,
        }
    }
}

/// A business calendar (CONTRACT.md section 2).
#[derive(Debug, Clone, InputObject)]
pub struct BusinessCalendarInput {
    /// IANA time zone the windows are in, e.g. `America/New_York`.
    pub timezone: String,
    /// Opening windows in local wall-clock time. Several a day are allowed; they must not
    /// overlap, and each must close after it opens (write an overnight shift as two windows).
    pub weekly: Vec<WindowInput>,
    /// Local dates (`YYYY-MM-DD`) closed all day.
    pub holidays: Option<Vec<String>>,
}

/// One opening window: `{day: "mon", open: "09:00", close: "17:30"}`.
#[derive(Debug, Clone, InputObject)]
pub struct WindowInput {
    /// `mon` .. `sun`.
    pub day: String,
    /// Local opening time `HH:MM`.
    pub open: String,
    /// Local closing time `HH:MM`, after `open`; `24:00` for midnight at the end of the day.
    pub close: String,
}

/// Errors name the field inside the calendar (`weekly[2].close`); the caller adds the
/// calendar's own name (`calendar.weekly[2].close`).
impl TryFrom<BusinessCalendarInput> for Calendar {
    type Error = FieldError;

    fn try_from(input: BusinessCalendarInput) -> Result<Self, Self::Error> {
        Calendar::parse(&CalendarSpec {
            timezone: input.timezone,
            weekly: input
                .weekly
                .into_iter()
                .map(|w| WindowSpec {
                    day: w.day,
                    open: w.open,
                    close: w.close,
                })
                .collect(),
            holidays: input.holidays.unwrap_or_default(),
        })
    }
}

/// A named business calendar to create (without `id`) or replace (with `id`).
#[derive(Debug, Clone, InputObject)]
pub struct NamedCalendarInput {
    /// The calendar to replace; leave out to create one.
    pub id: Option<ID>,
    /// Unique calendar name.
    pub name: String,
    /// The calendar itself.
    pub calendar: BusinessCalendarInput,
}

impl TryFrom<NamedCalendarInput> for CalendarChange {
    type Error = FieldError;

    fn try_from(input: NamedCalendarInput) -> Result<Self, Self::Error> {
        Ok(Self {
            id: optional_id(input.id.as_ref(), "id")?,
            name: Name::parse(&input.name).map_err(|e| e.within("name"))?,
            calendar: Calendar::try_from(input.calendar).map_err(|e| e.within("calendar"))?,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Teams

/// A team to create (without `id`) or replace (with `id`).
#[derive(Debug, Clone, InputObject)]
pub struct TeamInput {
    /// The team to replace; leave out to create one.
    pub id: Option<ID>,
    /// Unique team name.
    pub name: String,
    /// The team's manager (receives escalations): an active MANAGER or ADMIN. Left out: none.
    pub manager_id: Option<ID>,
    /// The business calendar of the team's SLA clocks, unless a rep has their own. Left out:
    /// the organisation default.
    pub calendar_id: Option<ID>,
    /// Reps claim the team's leads from a shared queue instead of having them routed. Left out:
    /// unchanged (new teams: false).
    pub is_queue: Option<bool>,
}

impl TryFrom<TeamInput> for TeamChange {
    type Error = FieldError;

    fn try_from(input: TeamInput) -> Result<Self, Self::Error> {
        Ok(Self {
            id: optional_id(input.id.as_ref(), "id")?,
            name: Name::parse(&input.name).map_err(|e| e.within("name"))?,
            manager_id: optional_id(input.manager_id.as_ref(), "managerId")?,
            calendar_id: optional_id(input.calendar_id.as_ref(), "calendarId")?,
            is_queue: input.is_queue,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// SLA policies

/// The promise of one kind of SLA clock for one lead type.
#[derive(Debug, Clone)]
pub struct SlaPolicy(pub sla_policies::Model);

#[Object]
impl SlaPolicy {
    /// The policy's id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Key of the lead type the policy applies to.
    async fn lead_type(&self) -> &str {
        &self.0.lead_type
    }

    /// Which clock the policy sets.
    async fn kind(&self) -> async_graphql::Result<enums::SlaKind> {
        Ok(stored(&self.0.kind, domain::SlaKind::parse, "SLA kind")?.into())
    }

    /// Business seconds from the start event to due.
    async fn target_seconds(&self) -> i32 {
        i32::try_from(self.0.target_seconds).unwrap_or(i32::MAX)
    }

    /// The calendar the clock counts in; none: the owner's, else the team's, else the
    /// organisation default.
    async fn calendar(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<BusinessCalendar>> {
        Ok(match self.0.calendar_id {
            Some(id) => load_calendar(ctx, id).await?.map(BusinessCalendar),
            None => None,
        })
    }

    /// The event that starts the clock: `mql`, `assigned` or `accepted`.
    async fn start_on(&self) -> &str {
        &self.0.start_on
    }

    /// At-risk notifications, in percent of the target, ascending. Breach always notifies.
    async fn notify_at_percent(&self) -> async_graphql::Result<Vec<i32>> {
        Ok(stored_notify_percents(&self.0)?)
    }

    /// Notify the owner's manager on breach.
    async fn escalate_to_manager(&self) -> bool {
        self.0.escalate_to_manager
    }

    /// Route the lead to someone else on breach.
    async fn reassign_on_breach(&self) -> bool {
        self.0.reassign_on_breach
    }

    /// Pause the clock while waiting on the lead's reply.
    async fn pause_on_response(&self) -> bool {
        self.0.pause_on_response
    }

    /// Inactive policies start no new clocks.
    async fn active(&self) -> bool {
        self.0.active
    }
}

/// An SLA policy, keyed by `(leadType, kind)`: upserting the same pair replaces that policy
/// (same id), so clocks already running under it keep their policy.
#[derive(Debug, Clone, InputObject)]
pub struct SlaPolicyInput {
    /// Display name.
    pub name: String,
    /// Key of an existing lead type, e.g. `demo_request`.
    pub lead_type: String,
    /// Which clock the policy sets.
    pub kind: enums::SlaKind,
    /// Business seconds from the start event to due; at least 1 (a 4-second SLA is fine).
    pub target_seconds: i32,
    /// The calendar the clock counts in; none: the owner's calendar, else the team's, else the
    /// organisation default.
    pub calendar_id: Option<ID>,
    /// The event that starts the clock: `mql`, `assigned` or `accepted`. Default: `assigned`
    /// for FIRST_RESPONSE and ACCEPTANCE, `accepted` for QUALIFICATION.
    pub start_on: Option<String>,
    /// At-risk notifications in percent of the target, each 1-99; sorted and de-duplicated.
    /// Default `[50, 80]`; `[]` for none. Breach always notifies.
    pub notify_at_percent: Option<Vec<i32>>,
    /// Notify the owner's manager on breach. Default true.
    pub escalate_to_manager: Option<bool>,
    /// Route the lead to someone else on breach. Default false.
    pub reassign_on_breach: Option<bool>,
    /// Pause the clock while waiting on the lead's reply. Left out: unchanged (new policies:
    /// false).
    pub pause_on_response: Option<bool>,
    /// Inactive policies start no new clocks. Left out: unchanged (new policies: true).
    pub active: Option<bool>,
}

impl TryFrom<SlaPolicyInput> for SlaPolicyChange {
    type Error = FieldError;

    fn try_from(input: SlaPolicyInput) -> Result<Self, Self::Error> {
        let kind: domain::SlaKind = input.kind.into();
        if input.target_seconds < 1 {
            return Err(FieldError::new(
                "targetSeconds",
                "must be at least 1 second",
            ));
        }
        let start_on = match input.start_on.as_deref() {
            Some(raw) => SlaStartOn::parse(raw).ok_or_else(|| {
                FieldError::new(
                    "startOn",
                    format!("{raw:?} is not a start event; use mql, assigned or accepted"),
                )
            })?,
            None => default_start_on(kind),
        };
        let notify_at_percent = match input.notify_at_percent.as_deref() {
            Some(values) => {
                NotifyPercents::parse(values).map_err(|e| e.within("notifyAtPercent"))?
            }
            None => NotifyPercents::standard(),
        };
        Ok(Self {
            name: Name::parse(&input.name).map_err(|e| e.within("name"))?,
            lead_type: Slug::parse(&input.lead_type).map_err(|e| e.within("leadType"))?,
            kind,
            target_seconds: i64::from(input.target_seconds),
            calendar_id: optional_id(input.calendar_id.as_ref(), "calendarId")?,
            start_on,
            notify_at_percent,
            escalate_to_manager: input.escalate_to_manager.unwrap_or(true),
            reassign_on_breach: input.reassign_on_breach.unwrap_or(false),
            pause_on_response: input.pause_on_response,
            active: input.active,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Scoring rules

/// Points for who a lead is (firmographic: `field`, `operator`, `value`) or for what they did
/// (behavioural: `engagement`, counted up to `maxTimes`).
#[derive(Debug, Clone)]
pub struct ScoringRule(pub scoring_rules::Model);

#[Object]
impl ScoringRule {
    /// The rule's id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Points awarded; negative points lower the score.
    async fn points(&self) -> i32 {
        self.0.points
    }

    /// Firmographic: the lead attribute compared (`companySize`, `title`, `industry`, `country`,
    /// `region`, `source`, `campaign`, `leadType`, `email_domain`).
    async fn field(&self) -> Option<&str> {
        self.0.field.as_deref()
    }

    /// Firmographic: `equals`, `in`, `between`, `contains` or `contains_any`.
    async fn operator(&self) -> Option<&str> {
        self.0.operator.as_deref()
    }

    /// Firmographic: the value compared with; lists are comma-separated, `between` is
    /// `"min,max"`.
    async fn value(&self) -> Option<&str> {
        self.0.value.as_deref()
    }

    /// Behavioural: the engagement that earns the points, e.g. `pricing_page`.
    async fn engagement(&self) -> Option<&str> {
        self.0.engagement.as_deref()
    }

    /// Behavioural: how many times the engagement counts; none for no limit.
    async fn max_times(&self) -> Option<i32> {
        self.0.max_times
    }

    /// Inactive rules award nothing.
    async fn active(&self) -> bool {
        self.0.active
    }
}

/// A scoring rule to create (without `id`) or replace (with `id`): either firmographic
/// (`field`, `operator` and `value`) or behavioural (`engagement`, optional `maxTimes`).
#[derive(Debug, Clone, InputObject)]
pub struct ScoringRuleInput {
    /// The rule to replace; leave out to create one.
    pub id: Option<ID>,
    /// Display name.
    pub name: String,
    /// Points awarded; negative points lower the score.
    pub points: i32,
    /// Firmographic: `companySize`, `title`, `industry`, `country`, `region`, `source`,
    /// `campaign`, `leadType` or `email_domain`.
    pub field: Option<String>,
    /// Firmographic: `equals`, `in` (comma-separated values), `between` (`"min,max"`, numbers
    /// only), `contains` or `contains_any` (comma-separated; text only).
    pub operator: Option<String>,
    /// Firmographic: the value compared with, e.g. `"50,5000"` for companySize between.
    pub value: Option<String>,
    /// Behavioural: the engagement that earns the points, e.g. `pricing_page`.
    pub engagement: Option<String>,
    /// Behavioural: count the engagement at most this many times (at least 1). Left out: no
    /// limit.
    pub max_times: Option<i32>,
    /// Inactive rules award nothing. Default true.
    pub active: Option<bool>,
}

impl TryFrom<ScoringRuleInput> for ScoringRuleChange {
    type Error = FieldError;

    fn try_from(input: ScoringRuleInput) -> Result<Self, Self::Error> {
        let criterion = ScoringCriterion::parse(CriterionFields {
            field: input.field.as_deref(),
            operator: input.operator.as_deref(),
            value: input.value.as_deref(),
            engagement: input.engagement.as_deref(),
            max_times: input.max_times,
        })?;
        Ok(Self {
            id: optional_id(input.id.as_ref(), "id")?,
            name: Name::parse(&input.name).map_err(|e| e.within("name"))?,
            points: input.points,
            criterion,
            active: input.active.unwrap_or(true),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Routing rules

/// Where MQLs go: the first active rule (lowest priority) whose conditions all match picks the
/// team and the method.
#[derive(Debug, Clone)]
pub struct RoutingRule(pub routing_rules::Model);

#[Object]
impl RoutingRule {
    /// The rule's id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Lower runs first; the first match wins.
    async fn priority(&self) -> i32 {
        self.0.priority
    }

    /// Lead type keys matched; none matches all.
    async fn lead_types(&self) -> async_graphql::Result<Option<Vec<String>>> {
        Ok(stored_list(
            &self.0,
            "lead_types",
            self.0.lead_types.as_deref(),
        )?)
    }

    /// Countries matched; none matches all.
    async fn countries(&self) -> async_graphql::Result<Option<Vec<String>>> {
        Ok(stored_list(
            &self.0,
            "countries",
            self.0.countries.as_deref(),
        )?)
    }

    /// Regions matched; none matches all.
    async fn regions(&self) -> async_graphql::Result<Option<Vec<String>>> {
        Ok(stored_list(&self.0, "regions", self.0.regions.as_deref())?)
    }

    /// Industries matched; none matches all.
    async fn industries(&self) -> async_graphql::Result<Option<Vec<String>>> {
        Ok(stored_list(
            &self.0,
            "industries",
            self.0.industries.as_deref(),
        )?)
    }

    /// Smallest company size matched; none for no lower bound.
    async fn min_company_size(&self) -> Option<i32> {
        self.0.min_company_size
    }

    /// Largest company size matched; none for no upper bound.
    async fn max_company_size(&self) -> Option<i32> {
        self.0.max_company_size
    }

    /// How the owner is picked inside the team.
    async fn method(&self) -> async_graphql::Result<enums::RoutingMethod> {
        Ok(stored(
            &self.0.method,
            domain::RoutingMethod::parse,
            "routing method",
        )?
        .into())
    }

    /// The team matched leads go to.
    async fn team(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Team>> {
        Ok(match self.0.team_id {
            Some(id) => load_team(ctx, id).await?.map(Team),
            None => None,
        })
    }

    /// Matched leads wait in the team's queue for a rep to claim instead of being assigned.
    async fn queue_only(&self) -> bool {
        self.0.queue_only
    }

    /// Inactive rules are skipped.
    async fn active(&self) -> bool {
        self.0.active
    }
}

/// A routing rule to create (without `id`) or replace (with `id`). Conditions left out (or
/// given as empty lists) match every lead.
#[derive(Debug, Clone, InputObject)]
pub struct RoutingRuleInput {
    /// The rule to replace; leave out to create one.
    pub id: Option<ID>,
    /// Display name.
    pub name: String,
    /// Lower runs first; the first match wins.
    pub priority: i32,
    /// Match these lead types (keys of existing lead types).
    pub lead_types: Option<Vec<String>>,
    /// Match these countries.
    pub countries: Option<Vec<String>>,
    /// Match these regions.
    pub regions: Option<Vec<String>>,
    /// Match these industries.
    pub industries: Option<Vec<String>>,
    /// Match companies at least this large (0 or more).
    pub min_company_size: Option<i32>,
    /// Match companies at most this large; not below `minCompanySize`.
    pub max_company_size: Option<i32>,
    /// How the owner is picked inside the team. Default ROUND_ROBIN.
    pub method: Option<enums::RoutingMethod>,
    /// The team matched leads go to (an existing team).
    pub team_id: Option<ID>,
    /// Leave matched leads in the team's queue for reps to claim; needs `teamId`. Default false.
    pub queue_only: Option<bool>,
    /// Inactive rules are skipped. Default true.
    pub active: Option<bool>,
}

impl TryFrom<RoutingRuleInput> for RoutingRuleChange {
    type Error = FieldError;

    fn try_from(input: RoutingRuleInput) -> Result<Self, Self::Error> {
        let size = |value: Option<i32>, field: &str| match value {
            Some(size) if size < 0 => Err(FieldError::new(field, "must not be negative")),
            other => Ok(other),
        };
        let min_company_size = size(input.min_company_size, "minCompanySize")?;
        let max_company_size = size(input.max_company_size, "maxCompanySize")?;
        if let (Some(min), Some(max)) = (min_company_size, max_company_size)
            && min > max
        {
            return Err(FieldError::new(
                "maxCompanySize",
                format!("{max} is below minCompanySize {min}"),
            ));
        }
        let team_id = optional_id(input.team_id.as_ref(), "teamId")?;
        let queue_only = input.queue_only.unwrap_or(false);
        if queue_only && team_id.is_none() {
            return Err(FieldError::new(
                "queueOnly",
                "needs a teamId: the team whose queue holds the leads",
            ));
        }
        let lead_types = match_list(input.lead_types.as_deref())
            .map_err(|e| e.within("leadTypes"))?
            .map(|keys| {
                keys.iter()
                    .enumerate()
                    .map(|(index, key)| {
                        Slug::parse(key).map_err(|e| e.within(&format!("leadTypes[{index}]")))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        Ok(Self {
            id: optional_id(input.id.as_ref(), "id")?,
            name: Name::parse(&input.name).map_err(|e| e.within("name"))?,
            priority: input.priority,
            lead_types,
            countries: match_list(input.countries.as_deref()).map_err(|e| e.within("countries"))?,
            regions: match_list(input.regions.as_deref()).map_err(|e| e.within("regions"))?,
            industries: match_list(input.industries.as_deref())
                .map_err(|e| e.within("industries"))?,
            min_company_size,
            max_company_size,
            method: input
                .method
                .map_or(domain::RoutingMethod::RoundRobin, Into::into),
            team_id,
            queue_only,
            active: input.active.unwrap_or(true),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Rejection reasons

/// Why a rep hands a lead back to marketing.
#[derive(Debug, Clone, SimpleObject)]
pub struct RejectionReason {
    /// Stable code, e.g. `bad_fit`.
    pub code: String,
    /// What reps see.
    pub label: String,
    /// Inactive reasons stay on past rejections but are not offered for new ones.
    pub active: bool,
    /// What marketing does with a lead rejected for this reason, e.g. "long-term nurture".
    pub recycle_play: Option<String>,
}

impl From<rejection_reasons::Model> for RejectionReason {
    fn from(row: rejection_reasons::Model) -> Self {
        Self {
            code: row.code,
            label: row.label,
            active: row.active,
            recycle_play: row.recycle_play,
        }
    }
}

/// A rejection reason, keyed by `code`: upserting an existing code updates it.
#[derive(Debug, Clone, InputObject)]
pub struct RejectionReasonInput {
    /// Stable code: lower-case letters, digits and `_`, starting with a letter (`bad_fit`).
    pub code: String,
    /// What reps see.
    pub label: String,
    /// Offered for new rejections. Default true.
    pub active: Option<bool>,
    /// What marketing does with a lead rejected for this reason. Left out: unchanged; null or
    /// blank: none.
    pub recycle_play: MaybeUndefined<String>,
}

impl TryFrom<RejectionReasonInput> for RejectionReasonChange {
    type Error = FieldError;

    fn try_from(input: RejectionReasonInput) -> Result<Self, Self::Error> {
        let recycle_play = match input.recycle_play {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(play) => {
                Some(optional_text(Some(&play)).map_err(|e| e.within("recyclePlay"))?)
            }
        };
        Ok(Self {
            code: Slug::parse(&input.code).map_err(|e| e.within("code"))?,
            label: Name::parse(&input.label).map_err(|e| e.within("label"))?,
            active: input.active.unwrap_or(true),
            recycle_play,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Lead types

/// An admin-defined kind of lead, e.g. `demo_request`.
#[derive(Debug, Clone, SimpleObject)]
pub struct LeadType {
    /// Stable key, e.g. `demo_request`; what `LeadInput.leadType` names.
    pub key: String,
    /// What people see.
    pub label: String,
    /// Leads of this type are MQLs on arrival, whatever their score.
    pub instant_mql: bool,
    /// Whether the type is in use; inactive types stay for history.
    pub active: bool,
}

impl From<lead_types::Model> for LeadType {
    fn from(row: lead_types::Model) -> Self {
        Self {
            key: row.key,
            label: row.label,
            instant_mql: row.instant_mql,
            active: row.active,
        }
    }
}

/// A lead type, keyed by `key`: upserting an existing key updates it.
#[derive(Debug, Clone, InputObject)]
pub struct LeadTypeInput {
    /// Stable key: lower-case letters, digits and `_`, starting with a letter (`demo_request`).
    pub key: String,
    /// What people see.
    pub label: String,
    /// Leads of this type are MQLs on arrival, whatever their score. Default false.
    pub instant_mql: Option<bool>,
    /// Whether the type is in use. Left out: unchanged (new types: true).
    pub active: Option<bool>,
}

impl TryFrom<LeadTypeInput> for LeadTypeChange {
    type Error = FieldError;

    fn try_from(input: LeadTypeInput) -> Result<Self, Self::Error> {
        Ok(Self {
            key: Slug::parse(&input.key).map_err(|e| e.within("key"))?,
            label: Name::parse(&input.label).map_err(|e| e.within("label"))?,
            instant_mql: input.instant_mql.unwrap_or(false),
            active: input.active,
        })
    }
}

/// An optional id input.
fn optional_id(id: Option<&ID>, field: &str) -> Result<Option<i64>, FieldError> {
    id.map(|id| parse_id(id, field)).transpose()
}
