//! Intake and lead-reading types: `LeadInput`, `LeadEventInput`, `IngestResult`, `IngestError`,
//! `EngagementInput`, `LeadFilter`, `LeadConnection`, `ScoreLine`, `LeadEvent`, domain lists.
//! Inputs become service types here, at the edge.

use async_graphql::connection::PageInfo;
use async_graphql::{ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use handoff_shared::domain::{self, Email};
use handoff_shared::lead::Bant;

use super::enums::{LeadStatus, TouchChannel};
use super::lead::Lead;
use super::stages::BantInput;
use crate::configuration_admin::Slug;
use crate::error::ApiError;
use crate::graphql::parse_id;
use crate::handoff::intake::{self, LeadRef, NewEngagement, RawLead, RawLeadEvent};
use crate::handoff::leads as lead_queries;

/// A lead from marketing. Required: `externalId`, `email`, `leadType`.
#[derive(Debug, Clone, InputObject)]
pub struct LeadInput {
    /// The source system's id; re-sending it updates the lead, never duplicates it.
    pub external_id: String,
    /// E-mail address; trimmed and lower-cased. A new `externalId` with the e-mail of an open
    /// lead (NEW, MQL, SAL, SQL) is merged into that lead as an engagement.
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Job title (scoring rules often look at it).
    pub title: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    /// Employees; 0 or more.
    pub company_size: Option<i32>,
    pub industry: Option<String>,
    /// Country, as routing rules name it (e.g. `DE`).
    pub country: Option<String>,
    pub region: Option<String>,
    /// Where the lead came from, e.g. `paid_search`.
    pub source: Option<String>,
    pub campaign: Option<String>,
    /// Key of an active lead type, e.g. `demo_request`.
    pub lead_type: String,
    /// When it happened at the source; default now. At most 5 minutes in the future (clock
    /// skew, read as now).
    pub occurred_at: Option<DateTime<Utc>>,
    /// History for backfill, applied in time order as the truth (the stage machine must allow
    /// each step); automation fills in only the steps the history lacks, at ingest time.
    pub events: Option<Vec<LeadEventInput>>,
}

/// One entry of a backfilled lead's history.
#[derive(Debug, Clone, InputObject)]
pub struct LeadEventInput {
    /// `engagement`, `mql`, `assigned`, `accepted`, `rejected`, `touch`, `responded`,
    /// `qualified`, `converted`, `disqualified` or `recycled`.
    pub kind: String,
    /// When it happened (not in the future).
    pub occurred_at: DateTime<Utc>,
    /// `assigned`: the e-mail of the owner, a user of the system.
    pub owner_email: Option<String>,
    /// `rejected`, `disqualified`, `recycled`: a rejection reason code.
    pub reason_code: Option<String>,
    /// `rejected`, `disqualified`, `recycled`: free text.
    pub note: Option<String>,
    /// `touch`: how.
    pub channel: Option<TouchChannel>,
    /// `touch`: what came of it.
    pub outcome: Option<String>,
    /// `engagement`: what the lead did, e.g. `pricing_page`.
    pub engagement: Option<String>,
    /// `qualified`: BANT.
    pub bant: Option<BantInput>,
    /// `converted`: the deal amount.
    pub amount: Option<f64>,
}

impl From<LeadInput> for RawLead {
    fn from(input: LeadInput) -> Self {
        Self {
            external_id: input.external_id,
            email: input.email,
            first_name: input.first_name,
            last_name: input.last_name,
            title: input.title,
            phone: input.phone,
            company: input.company,
            company_size: input.company_size,
            industry: input.industry,
            country: input.country,
            region: input.region,
            source: input.source,
            campaign: input.campaign,
            lead_type: input.lead_type,
            occurred_at: input.occurred_at,
            events: input
                .events
                .map(|events| events.into_iter().map(RawLeadEvent::from).collect()),
        }
    }
}

impl From<LeadEventInput> for RawLeadEvent {
    fn from(input: LeadEventInput) -> Self {
        Self {
            kind: input.kind,
            occurred_at: Some(input.occurred_at),
            owner_email: input.owner_email,
            reason_code: input.reason_code,
            note: input.note,
            channel: input
                .channel
                .map(|c| domain::TouchChannel::from(c).as_str().to_owned()),
            outcome: input.outcome,
            engagement: input.engagement,
            bant: input.bant.map(Bant::from),
            amount: input.amount,
        }
    }
}

/// What a batch came to.
#[derive(Debug, Clone, SimpleObject)]
pub struct IngestResult {
    /// Leads created.
    pub created: i32,
    /// Leads updated: re-sent `externalId`s, and new ones merged into an open lead with the
    /// same e-mail.
    pub updated: i32,
    /// The stored leads in input order, the refused left out.
    pub leads: Vec<Lead>,
    /// The refused items; each was left entirely unwritten.
    pub errors: Vec<IngestError>,
}

/// A refused item.
#[derive(Debug, Clone, SimpleObject)]
pub struct IngestError {
    /// Position of the item in `leads` (0-based).
    pub index: i32,
    /// The item's `externalId`, when it had one.
    pub external_id: Option<String>,
    /// The offending field inside the item, e.g. `email`, `leadType` or `events[1].ownerEmail`
    /// (the item itself is `index`).
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl From<intake::IngestOutcome> for IngestResult {
    fn from(outcome: intake::IngestOutcome) -> Self {
        Self {
            created: i32::try_from(outcome.created).unwrap_or(i32::MAX),
            updated: i32::try_from(outcome.updated).unwrap_or(i32::MAX),
            leads: outcome.leads.into_iter().map(Lead).collect(),
            errors: outcome
                .errors
                .into_iter()
                .map(|e| IngestError {
                    index: i32::try_from(e.index).unwrap_or(i32::MAX),
                    external_id: e.external_id,
                    field: e.field,
                    message: e.message,
                })
                .collect(),
        }
    }
}

/// Behaviour of a known lead. Give `leadId`, or `email` (the open lead with that address).
#[derive(Debug, Clone, InputObject)]
pub struct EngagementInput {
    /// The lead.
    pub lead_id: Option<ID>,
    /// Instead of `leadId`: the open lead (NEW, MQL, SAL, SQL) with this e-mail.
    pub email: Option<String>,
    /// What the lead did, e.g. `demo_request`, `pricing_page`, `content_download`,
    /// `webinar_attended`.
    pub engagement: String,
    /// When; default now.
    pub occurred_at: Option<DateTime<Utc>>,
}

impl TryFrom<EngagementInput> for NewEngagement {
    type Error = ApiError;

    fn try_from(input: EngagementInput) -> Result<Self, ApiError> {
        let lead = match (&input.lead_id, input.email.as_deref()) {
            (Some(id), _) => LeadRef::Id(parse_id(id, "leadId")?),
            (None, Some(email)) => LeadRef::Email(Email::parse(email)?),
            (None, None) => {
                return Err(ApiError::bad_input("leadId", "give leadId or email"));
            }
        };
        let engagement = Slug::parse(&input.engagement).map_err(|e| e.within("engagement"))?;
        Ok(Self {
            lead,
            engagement,
            occurred_at: input.occurred_at,
        })
    }
}

/// Narrows `leads`; every given field must match.
#[derive(Debug, Clone, Default, InputObject)]
pub struct LeadFilter {
    /// Any of these stages.
    pub status: Option<Vec<LeadStatus>>,
    /// Owned by this user.
    pub owner_id: Option<ID>,
    /// Routed to this team.
    pub team_id: Option<ID>,
    /// true: only leads without owner (in a queue); false: only owned ones.
    pub unassigned: Option<bool>,
    pub source: Option<String>,
    pub campaign: Option<String>,
    /// A lead type key.
    pub lead_type: Option<String>,
    /// Part of the e-mail address or company name, any case.
    pub search: Option<String>,
}

impl TryFrom<LeadFilter> for lead_queries::LeadFilter {
    type Error = ApiError;

    fn try_from(f: LeadFilter) -> Result<Self, ApiError> {
        Ok(Self {
            statuses: f
                .status
                .map(|s| s.into_iter().map(domain::LeadStatus::from).collect()),
            owner_id: f
                .owner_id
                .as_ref()
                .map(|id| parse_id(id, "filter.ownerId"))
                .transpose()?,
            team_id: f
                .team_id
                .as_ref()
                .map(|id| parse_id(id, "filter.teamId"))
                .transpose()?,
            unassigned: f.unassigned,
            source: f.source,
            campaign: f.campaign,
            lead_type: f.lead_type,
            search: f.search,
        })
    }
}

/// A page of leads (Relay), newest first.
#[derive(SimpleObject)]
pub struct LeadConnection {
    pub edges: Vec<LeadEdge>,
    pub page_info: PageInfo,
    /// All leads matching the filter (and visible to the caller), on every page.
    pub total_count: i32,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct LeadEdge {
    /// Opaque; pass it as `after` to continue behind this lead.
    pub cursor: String,
    pub node: Lead,
}

impl LeadConnection {
    pub fn from_page(page: lead_queries::LeadPage, has_previous_page: bool) -> Self {
        let edges: Vec<LeadEdge> = page
            .leads
            .into_iter()
            .map(|lead| LeadEdge {
                cursor: lead_queries::encode_cursor(lead.id),
                node: Lead(lead),
            })
            .collect();
        Self {
            page_info: PageInfo {
                has_next_page: page.has_next_page,
                has_previous_page,
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            },
            edges,
            total_count: i32::try_from(page.total_count).unwrap_or(i32::MAX),
        }
    }
}

/// One scoring rule's contribution to a lead's score.
#[derive(Debug, Clone, SimpleObject)]
pub struct ScoreLine {
    /// The rule's name (red flags: `red flag: …`).
    pub rule: String,
    /// The scoring rule's id; null for red-flag penalties.
    pub rule_id: Option<ID>,
    /// Points it gave in all (negative: it lowered the score).
    pub points: i32,
    /// How often it counted: engagements up to the rule's cap; 1 for firmographic rules.
    pub times: i32,
}

impl From<handoff_shared::lead::ScoreLine> for ScoreLine {
    fn from(line: handoff_shared::lead::ScoreLine) -> Self {
        Self {
            rule: line.rule,
            rule_id: (line.rule_id > 0).then(|| crate::graphql::to_id(line.rule_id)),
            points: line.points,
            times: line.times,
        }
    }
}

/// A red-flag domain list.
#[derive(Debug, Clone, SimpleObject)]
pub struct DomainList {
    /// `free_mail` and `disposable` lower the score; `competitor` disqualifies with reason
    /// `competitor`.
    pub list: String,
    /// Domains, lower-case; subdomains of a listed domain count as listed.
    pub domains: Vec<String>,
}

/// A whole red-flag list, replacing what it held.
#[derive(Debug, Clone, InputObject)]
pub struct DomainListInput {
    /// `free_mail`, `disposable` or `competitor`.
    pub list: String,
    /// Domains such as `gmail.com`; trimmed, lower-cased, de-duplicated.
    pub domains: Vec<String>,
}

impl TryFrom<DomainListInput> for crate::handoff::dedupe::DomainListChange {
    type Error = ApiError;

    fn try_from(input: DomainListInput) -> Result<Self, ApiError> {
        let list = crate::handoff::scoring::RedFlag::parse(&input.list).ok_or_else(|| {
            ApiError::bad_input("list", "is one of free_mail, disposable, competitor")
        })?;
        if input.domains.len() > crate::handoff::dedupe::MAX_DOMAINS {
            return Err(ApiError::bad_input(
                "domains",
                format!("at most {} domains", crate::handoff::dedupe::MAX_DOMAINS),
            ));
        }
        let mut domains = input
            .domains
            .iter()
            .enumerate()
            .map(|(i, d)| {
                crate::handoff::dedupe::parse_domain(d)
                    .map_err(|e| e.within(&format!("domains[{i}]")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        domains.sort();
        domains.dedup();
        Ok(Self { list, domains })
    }
}
