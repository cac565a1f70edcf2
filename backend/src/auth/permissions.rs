//! Which role may do what: the single table of role rules.
//!
//! Rules that depend on a relationship (a manager and their reps, a rep and their own leads)
//! are functions below, next to the table, so that all policy reads in one file.

use handoff_shared::domain::Role;

use crate::entities::users;

use super::Principal;

/// Something a caller may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See users and teams.
    ViewDirectory,
    /// Create and change users.
    ManageUsers,
    /// Issue API tokens.
    ManageApiTokens,
    /// Read organisation configuration (teams, calendars, policies, rules, reasons, lead types)
    /// and preview SLA due times.
    ViewConfiguration,
    /// Edit organisation configuration: teams, calendars, SLA policies, routing.
    ManageConfiguration,
    /// Edit marketing's side of the handoff: lead types, scoring rules (what makes an MQL) and
    /// rejection reasons (what happens to a lead sales hands back).
    ManageScoring,
    /// Send leads and engagement in (forms, marketing automation).
    IngestLeads,
    /// Read leads.
    ViewLeads,
    /// Act on leads: accept, reject, touch, qualify, convert, disqualify.
    WorkLeads,
    /// Move a lead to another owner.
    ReassignLeads,
    /// Reports and dashboards.
    ViewReports,
    /// Live events over the WebSocket.
    WatchLiveEvents,
    /// Set out-of-office (for whom: see [`may_manage_user`]).
    SetAvailability,
}

/// Whether `role` has `permission`.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    use Role::*;
    match permission {
        ViewDirectory | ViewLeads | ViewConfiguration => {
            matches!(role, Admin | MarketingOps | Manager | Rep)
        }
        ManageUsers | ManageApiTokens | ManageConfiguration => matches!(role, Admin),
        ManageScoring => matches!(role, Admin | MarketingOps),
        IngestLeads => matches!(role, Admin | MarketingOps | Integration),
        WorkLeads => matches!(role, Admin | Manager | Rep),
        ReassignLeads => matches!(role, Admin | Manager),
        ViewReports => matches!(role, Admin | MarketingOps | Manager),
        WatchLiveEvents => matches!(role, Admin | MarketingOps | Manager | Rep),
        SetAvailability => matches!(role, Admin | Manager | Rep),
    }
}

/// Whether `principal` may change `target`'s availability and personal settings: an admin,
/// the user themself, their manager, or the manager of their team.
pub fn may_manage_user(
    principal: &Principal,
    target: &users::Model,
    team_manager_id: Option<i64>,
) -> bool {
    principal.role == Role::Admin
        || principal.user_id == target.id
        || target.manager_id == Some(principal.user_id)
        || (principal.role == Role::Manager && team_manager_id == Some(principal.user_id))
}

/// Whether `principal` may see live events about a lead owned by `owner_id` in `team_id`:
/// reps see their own leads; everyone else with [`Permission::WatchLiveEvents`] sees all.
pub fn may_watch(principal: &Principal, owner_id: Option<i64>) -> bool {
    match principal.role {
        Role::Rep => owner_id == Some(principal.user_id),
        role => allows(role, Permission::WatchLiveEvents),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_issue_api_tokens() {
        for &role in Role::ALL {
            assert_eq!(
                allows(role, Permission::ManageApiTokens),
                role == Role::Admin,
                "{role}"
            );
        }
    }

    #[test]
    fn integrations_may_ingest_but_not_read_leads() {
        assert!(allows(Role::Integration, Permission::IngestLeads));
        assert!(!allows(Role::Integration, Permission::ViewLeads));
        assert!(!allows(Role::Integration, Permission::WatchLiveEvents));
    }
}
