//! All network calls and GraphQL documents of the app.

mod graphql;
pub mod types;
pub mod ws;

pub use graphql::{ApiErrors, execute};

use chrono::{DateTime, Utc};
use handoff_shared::domain::{Role, TouchChannel};
use serde::Deserialize;
use serde_json::{Value, json};

use types::{ComplianceReport, DirectoryUser, LeadDetail, LeadSummary, RejectionReason};

/// `Mutation.login`: exchanges credentials for a bearer token.
pub const LOGIN: &str = "mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { token user { id email name role } }
}";

/// `Query.me`: the signed-in user.
pub const ME: &str = "query Me { me { id email name role team { id name isQueue } } }";

/// A user as `login` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UserSummary {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// The `Session` type of the schema: a token and whom it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LoginResult {
    pub token: String,
    pub user: UserSummary,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TeamName {
    #[serde(default)]
    pub id: String,
    pub name: String,
    #[serde(default, rename = "isQueue")]
    pub is_queue: bool,
}

/// The signed-in user as `me` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Me {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    #[serde(default)]
    pub team: Option<TeamName>,
}

#[derive(Deserialize)]
struct LoginData {
    login: LoginResult,
}

#[derive(Deserialize)]
struct MeData {
    me: Me,
}

pub async fn login(email: &str, password: &str) -> Result<LoginResult, ApiErrors> {
    let variables = json!({ "email": email, "password": password });
    execute::<_, LoginData>(LOGIN, variables, None)
        .await
        .map(|d| d.login)
}

pub async fn me(token: &str) -> Result<Me, ApiErrors> {
    execute::<_, MeData>(ME, json!({}), Some(token))
        .await
        .map(|d| d.me)
}

/// The fields of an SLA clock, with the calendar the browser ticks it in.
macro_rules! clock_fields {
    () => {
        "kind state startedAt dueAt stoppedAt targetSeconds elapsedBusinessSeconds \
         remainingBusinessSeconds percentElapsed policy { name } \
         calendar { timezone weekly { day open close } holidays }"
    };
}

/// The fields of a lead in a list.
macro_rules! lead_summary_fields {
    () => {
        concat!(
            "id email company firstName lastName leadType status score \
             owner { id name } team { id name } slaBreached slaClocks { ",
            clock_fields!(),
            " }"
        )
    };
}

/// Everything the lead page shows.
macro_rules! lead_detail_fields {
    () => {
        concat!(
            lead_summary_fields!(),
            " externalId title phone companySize industry country source campaign createdAt \
             assignedAt lastActivityAt scoreBreakdown { rule points times } \
             rejectionReason { code label } \
             history { id kind occurredAt actor { id name } fromStatus toStatus detail } \
             cadence { touchesDone touchesPlanned windowDays nextTouchDueAt onTrack connected ended }"
        )
    };
}

/// `Query.myQueue`: the caller's open leads, most urgent first.
pub const MY_QUEUE: &str = concat!(
    "query MyQueue { myQueue(first: 100) { ",
    lead_summary_fields!(),
    " } }"
);

/// The unclaimed leads waiting in a team's queue.
pub const TEAM_QUEUE: &str = concat!(
    "query TeamQueue($teamId: ID!) { leads(filter: { teamId: $teamId, unassigned: true }, first: 50) \
     { totalCount edges { node { ",
    lead_summary_fields!(),
    " } } } }"
);

pub const LEAD: &str = concat!(
    "query Lead($id: ID!) { lead(id: $id) { ",
    lead_detail_fields!(),
    " } }"
);

pub const REJECTION_REASONS: &str = "query Reasons { rejectionReasons { code label } }";

pub const USERS: &str = "query Users($teamId: ID, $out: Boolean) { users(teamId: $teamId, outOfOffice: $out) \
     { id name email role outOfOffice team { id name } } }";

pub const SLA_COMPLIANCE: &str = "query Compliance($filter: ReportFilter) { slaCompliance(filter: $filter) \
     { met breached running approaching complianceRate \
       byTeam { key label met breached running approaching complianceRate } } }";

pub const CLAIM: &str = concat!(
    "mutation Claim($id: ID!) { claimLead(id: $id) { ",
    lead_detail_fields!(),
    " } }"
);
pub const ACCEPT: &str = concat!(
    "mutation Accept($id: ID!) { acceptLead(id: $id) { ",
    lead_detail_fields!(),
    " } }"
);
pub const REJECT: &str = concat!(
    "mutation Reject($id: ID!, $reasonCode: String!, $note: String) { \
     rejectLead(id: $id, reasonCode: $reasonCode, note: $note) { ",
    lead_detail_fields!(),
    " } }"
);
pub const LOG_TOUCH: &str = concat!(
    "mutation Touch($id: ID!, $channel: TouchChannel!, $outcome: String!) { \
     logTouch(id: $id, channel: $channel, outcome: $outcome) { ",
    lead_detail_fields!(),
    " } }"
);
pub const RESPONDED: &str = concat!(
    "mutation Responded($id: ID!) { leadResponded(id: $id) { ",
    lead_detail_fields!(),
    " } }"
);
pub const QUALIFY: &str = concat!(
    "mutation Qualify($id: ID!, $bant: BantInput!) { qualifyLead(id: $id, bant: $bant) { ",
    lead_detail_fields!(),
    " } }"
);
pub const CONVERT: &str = concat!(
    "mutation Convert($id: ID!, $amount: Float) { convertToOpportunity(id: $id, amount: $amount) { ",
    lead_detail_fields!(),
    " } }"
);
pub const DISQUALIFY: &str = concat!(
    "mutation Disqualify($id: ID!, $reasonCode: String!, $note: String) { \
     disqualifyLead(id: $id, reasonCode: $reasonCode, note: $note) { ",
    lead_detail_fields!(),
    " } }"
);
pub const REASSIGN: &str = concat!(
    "mutation Reassign($id: ID!, $ownerId: ID!) { reassignLead(id: $id, ownerId: $ownerId) { ",
    lead_detail_fields!(),
    " } }"
);

/// Live: a lead of the caller (or of their teams) changed; only its id is needed to refresh.
pub const LEAD_CHANGED: &str =
    "subscription LeadChanged($ownerId: ID) { leadChanged(ownerId: $ownerId) { id status } }";

/// Live: SLA transitions the caller may see.
pub const SLA_EVENTS: &str = "subscription SlaEvents { slaEvents { kind occurredAt \
     clock { kind dueAt percentElapsed } lead { id email company owner { id name } team { id name } } } }";

#[derive(Deserialize)]
struct MyQueueData {
    #[serde(rename = "myQueue")]
    my_queue: Vec<LeadSummary>,
}

#[derive(Deserialize)]
struct Node<T> {
    node: T,
}

#[derive(Deserialize)]
struct Connection<T> {
    edges: Vec<Node<T>>,
}

#[derive(Deserialize)]
struct TeamQueueData {
    leads: Connection<LeadSummary>,
}

#[derive(Deserialize)]
struct LeadData {
    lead: Option<LeadDetail>,
}

#[derive(Deserialize)]
struct ReasonsData {
    #[serde(rename = "rejectionReasons")]
    rejection_reasons: Vec<RejectionReason>,
}

#[derive(Deserialize)]
struct UsersData {
    users: Vec<DirectoryUser>,
}

#[derive(Deserialize)]
struct ComplianceData {
    #[serde(rename = "slaCompliance")]
    sla_compliance: ComplianceReport,
}

/// The answer of every lead mutation: one field holding the lead as it is now.
#[derive(Deserialize)]
struct MutationData(std::collections::HashMap<String, LeadDetail>);

pub async fn my_queue(token: &str) -> Result<Vec<LeadSummary>, ApiErrors> {
    execute::<_, MyQueueData>(MY_QUEUE, json!({}), Some(token))
        .await
        .map(|d| d.my_queue)
}

pub async fn team_queue(token: &str, team_id: &str) -> Result<Vec<LeadSummary>, ApiErrors> {
    execute::<_, TeamQueueData>(TEAM_QUEUE, json!({ "teamId": team_id }), Some(token))
        .await
        .map(|d| d.leads.edges.into_iter().map(|e| e.node).collect())
}

pub async fn lead(token: &str, id: &str) -> Result<Option<LeadDetail>, ApiErrors> {
    execute::<_, LeadData>(LEAD, json!({ "id": id }), Some(token))
        .await
        .map(|d| d.lead)
}

pub async fn rejection_reasons(token: &str) -> Result<Vec<RejectionReason>, ApiErrors> {
    execute::<_, ReasonsData>(REJECTION_REASONS, json!({}), Some(token))
        .await
        .map(|d| d.rejection_reasons)
}

pub async fn users(
    token: &str,
    team_id: Option<&str>,
    out_of_office: Option<bool>,
) -> Result<Vec<DirectoryUser>, ApiErrors> {
    let variables = json!({ "teamId": team_id, "out": out_of_office });
    execute::<_, UsersData>(USERS, variables, Some(token))
        .await
        .map(|d| d.users)
}

/// SLA compliance of the clocks started since `from`.
pub async fn sla_compliance(
    token: &str,
    from: DateTime<Utc>,
) -> Result<ComplianceReport, ApiErrors> {
    let variables = json!({ "filter": { "from": from.to_rfc3339() } });
    execute::<_, ComplianceData>(SLA_COMPLIANCE, variables, Some(token))
        .await
        .map(|d| d.sla_compliance)
}

/// The BANT answers of `qualifyLead`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bant {
    pub budget: bool,
    pub authority: bool,
    pub need: bool,
    pub timeline: bool,
    pub notes: String,
}

/// A step on a lead; each is one mutation answering the lead as it is afterwards.
#[derive(Debug, Clone, PartialEq)]
pub enum LeadAction {
    Claim,
    Accept,
    Reject {
        reason_code: String,
        note: String,
    },
    LogTouch {
        channel: TouchChannel,
        outcome: String,
    },
    Responded,
    Qualify(Bant),
    Convert {
        amount: Option<f64>,
    },
    Disqualify {
        reason_code: String,
        note: String,
    },
    Reassign {
        owner_id: String,
    },
}

fn optional(text: &str) -> Value {
    let text = text.trim();
    if text.is_empty() {
        Value::Null
    } else {
        Value::String(text.to_owned())
    }
}

impl LeadAction {
    fn document(&self) -> (&'static str, Value) {
        match self {
            Self::Claim => (CLAIM, json!({})),
            Self::Accept => (ACCEPT, json!({})),
            Self::Reject { reason_code, note } => (
                REJECT,
                json!({ "reasonCode": reason_code, "note": optional(note) }),
            ),
            Self::LogTouch { channel, outcome } => (
                LOG_TOUCH,
                json!({ "channel": channel.as_str(), "outcome": outcome.trim() }),
            ),
            Self::Responded => (RESPONDED, json!({})),
            Self::Qualify(bant) => (
                QUALIFY,
                json!({ "bant": {
                    "budget": bant.budget, "authority": bant.authority, "need": bant.need,
                    "timeline": bant.timeline, "notes": optional(&bant.notes),
                } }),
            ),
            Self::Convert { amount } => (CONVERT, json!({ "amount": amount })),
            Self::Disqualify { reason_code, note } => (
                DISQUALIFY,
                json!({ "reasonCode": reason_code, "note": optional(note) }),
            ),
            Self::Reassign { owner_id } => (REASSIGN, json!({ "ownerId": owner_id })),
        }
    }
}

/// Runs `action` on lead `id`; the answer is the lead afterwards.
pub async fn act(token: &str, id: &str, action: &LeadAction) -> Result<LeadDetail, ApiErrors> {
    let (document, mut variables) = action.document();
    if let Value::Object(map) = &mut variables {
        map.insert("id".to_owned(), Value::String(id.to_owned()));
    }
    let data = execute::<_, MutationData>(document, variables, Some(token)).await?;
    data.0
        .into_values()
        .next()
        .ok_or_else(|| ApiErrors::unexpected("The server answered without the lead."))
}

#[cfg(test)]
mod tests {
    use super::graphql::parse_response;
    use super::*;

    #[test]
    fn the_login_answer_decodes_into_a_session() {
        let body = r#"{"data":{"login":{"token":"t0k","user":
            {"id":"1","email":"a@b.test","name":"Ada","role":"ADMIN"}}}}"#;
        let data: LoginData = parse_response(200, body).unwrap();
        assert_eq!(data.login.token, "t0k");
        assert_eq!(data.login.user.role, Role::Admin);
    }

    #[test]
    fn me_decodes_with_and_without_a_team() {
        let with = r#"{"data":{"me":{"id":"1","email":"a@b.test","name":"Ada","role":"REP",
            "team":{"name":"default"}}}}"#;
        let me = parse_response::<MeData>(200, with).unwrap().me;
        assert_eq!(me.team.map(|t| t.name).as_deref(), Some("default"));
        let without = r#"{"data":{"me":{"id":"1","email":"a@b.test","name":"Ada",
            "role":"MARKETING_OPS","team":null}}}"#;
        let me = parse_response::<MeData>(200, without).unwrap().me;
        assert_eq!((me.role, me.team), (Role::MarketingOps, None));
    }
}
