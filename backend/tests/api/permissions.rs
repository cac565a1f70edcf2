//! Who may work which lead: every stage mutation against every kind of caller.
//!
//! Reps work their own leads and claim from their team's queue; managers work and reassign
//! their teams' leads; admins everything; marketing ops and integrations never work leads.
//! Another rep's lead is FORBIDDEN (not NOT_FOUND): ids are no secret inside the organisation.

use serde_json::{Value, json};

use crate::helpers::error_code;
use crate::stages::{
    ACCEPT, CLAIM, CONVERT, DISQUALIFY, LOG_TOUCH, Org, QUALIFY, REASSIGN, REJECT, RESPONDED, bant,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Admin,
    MarketingOps,
    /// Manager of team A, the lead's team.
    TeamManager,
    /// Manager of team B.
    OtherManager,
    /// rep1, the lead's owner (team A).
    Owner,
    /// rep2, team A, not the owner.
    Teammate,
    /// rep3, team B.
    OtherTeamRep,
    Integration,
}

const CALLERS: [Caller; 8] = [
    Caller::Admin,
    Caller::MarketingOps,
    Caller::TeamManager,
    Caller::OtherManager,
    Caller::Owner,
    Caller::Teammate,
    Caller::OtherTeamRep,
    Caller::Integration,
];

fn token(org: &Org, caller: Caller) -> &str {
    match caller {
        Caller::Admin => &org.admin,
        Caller::MarketingOps => &org.marketing.1,
        Caller::TeamManager => &org.manager_a.1,
        Caller::OtherManager => &org.manager_b.1,
        Caller::Owner => &org.rep1.1,
        Caller::Teammate => &org.rep2.1,
        Caller::OtherTeamRep => &org.rep3.1,
        Caller::Integration => &org.integration,
    }
}

/// The expected answer: "OK" or an error code.
fn expected(mutation: &str, caller: Caller) -> &'static str {
    use Caller::*;
    let allowed = match mutation {
        "reassignLead" => matches!(caller, Admin | TeamManager),
        // Queue leads of team A: its members and its manager may claim them.
        "claimLead" => matches!(caller, Admin | TeamManager | Owner | Teammate),
        _ => matches!(caller, Admin | TeamManager | Owner),
    };
    if allowed { "OK" } else { "FORBIDDEN" }
}

#[tokio::test]
async fn every_stage_mutation_answers_every_caller_as_the_rules_say() {
    let org = Org::new().await;
    let mutations: [(&str, &str, &str); 9] = [
        ("acceptLead", ACCEPT, "MQL"),
        ("rejectLead", REJECT, "MQL"),
        ("logTouch", LOG_TOUCH, "MQL"),
        ("leadResponded", RESPONDED, "MQL"),
        ("qualifyLead", QUALIFY, "SAL"),
        ("convertToOpportunity", CONVERT, "SQL"),
        ("disqualifyLead", DISQUALIFY, "MQL"),
        ("reassignLead", REASSIGN, "MQL"),
        ("claimLead", CLAIM, "queue"),
    ];
    let mut failures = Vec::new();
    for (name, query, stage) in mutations {
        for caller in CALLERS {
            let id = if stage == "queue" {
                org.lead(None, Some(org.team_a)).await
            } else {
                org.lead_in(stage).await
            };
            let variables = json!({
                "id": id.to_string(),
                "reasonCode": "bad_fit",
                "channel": "CALL",
                "outcome": "connected",
                "bant": bant(),
                "amount": 1000.0,
                "ownerId": org.rep2.0.to_string(),
            });
            let response = org
                .app
                .graphql(Some(token(&org, caller)), query, variables)
                .await;
            let got = answer(&response);
            let want = expected(name, caller);
            if got != want {
                failures.push(format!(
                    "{name} by {caller:?}: expected {want}, got {got}: {response}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn answer(response: &Value) -> String {
    if response["errors"].is_null() {
        "OK".to_owned()
    } else {
        error_code(response).to_owned()
    }
}

#[tokio::test]
async fn a_manager_works_the_leads_of_reps_who_report_to_them_in_any_team() {
    let org = Org::new().await;
    // rep1 reports to manager A; the lead sits in team B (e.g. routed by territory).
    let id = org.lead(Some(org.rep1.0), Some(org.team_b)).await;
    let response = org
        .app
        .graphql(
            Some(&org.manager_a.1),
            ACCEPT,
            json!({ "id": id.to_string() }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
}
