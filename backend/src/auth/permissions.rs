//! Which role may do what: the single table of role rules.
//!
//! Rules that depend on a relationship (a manager and their reps, a rep and their own leads)
//! are functions below, next to the table, so that all policy reads in one file.

use handoff_shared::domain::Role;

use crate::entities::users;
use crate::notify::channels::ChannelScope;

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
    /// Connect other systems: inbound integrations (their secrets), outbound webhooks, and
    /// the notification delivery log.
    ManageIntegrations,
    /// Choose how someone is notified (for whom: see [`may_set_notification_preferences`]).
    SetNotificationPreferences,
    /// Manage notification channels (which ones: see [`may_manage_channel`]).
    ManageNotificationChannels,
}

/// Whether `role` has `permission`.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    use Role::*;
    match permission {
        ViewDirectory | ViewConfiguration => {
            matches!(role, Admin | MarketingOps | Manager | Rep)
        }
        // Integrations read back what they sent (the issue: "INTEGRATION tokens ingest and read").
        ViewLeads => matches!(role, Admin | MarketingOps | Manager | Rep | Integration),
        ManageUsers | ManageApiTokens | ManageConfiguration | ManageIntegrations => {
            matches!(role, Admin)
        }
        ManageScoring => matches!(role, Admin | MarketingOps),
        IngestLeads => matches!(role, Admin | MarketingOps | Integration),
        WorkLeads => matches!(role, Admin | Manager | Rep),
        ReassignLeads => matches!(role, Admin | Manager),
        ViewReports => matches!(role, Admin | MarketingOps | Manager),
        WatchLiveEvents => matches!(role, Admin | MarketingOps | Manager | Rep),
        SetAvailability => matches!(role, Admin | Manager | Rep),
        SetNotificationPreferences => matches!(role, Admin | MarketingOps | Manager | Rep),
        ManageNotificationChannels => matches!(role, Admin | Manager),
    }
}

/// Whether `principal` may choose how `target` is notified (e-mail, chat, personal webhooks):
/// the user themself, an admin, or a MANAGER of the user (their `manager_id`, or the manager of
/// their team, `team_manager_id`).
pub fn may_set_notification_preferences(
    principal: &Principal,
    target: &users::Model,
    team_manager_id: Option<i64>,
) -> bool {
    principal.user_id == target.id
        || principal.role == Role::Admin
        || (principal.role == Role::Manager
            && (target.manager_id == Some(principal.user_id)
                || team_manager_id == Some(principal.user_id)))
}

/// Whether `principal` may read the personal Slack/Teams webhook URLs of user `target_id`:
/// those URLs are bearer credentials (anyone holding one can post to the channel), so only the
/// user themself and admins see them.
pub fn may_see_personal_webhooks(principal: &Principal, target_id: i64) -> bool {
    principal.user_id == target_id || principal.role == Role::Admin
}

/// Which notification channels a caller may manage at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelRights {
    /// Every channel (admins).
    All,
    /// The TEAM channels of the teams they manage (managers).
    TeamsManaged,
    /// None.
    None,
}

/// The notification channels `principal` may manage: see [`ChannelRights`].
pub fn channel_rights(principal: &Principal) -> ChannelRights {
    if !allows(principal.role, Permission::ManageNotificationChannels) {
        return ChannelRights::None;
    }
    match principal.role {
        Role::Admin => ChannelRights::All,
        Role::Manager => ChannelRights::TeamsManaged,
        _ => ChannelRights::None,
    }
}

/// Whether `principal` may create, change or delete a channel of `scope`; `team_manager_id` is
/// the manager of the team of a TEAM scope. Admins any channel; managers the TEAM channels of
/// the teams they manage (USER and ORG channels route other people's alerts: admins only).
pub fn may_manage_channel(
    principal: &Principal,
    scope: ChannelScope,
    team_manager_id: Option<i64>,
) -> bool {
    match channel_rights(principal) {
        ChannelRights::All => true,
        ChannelRights::TeamsManaged => {
            matches!(scope, ChannelScope::Team(_)) && team_manager_id == Some(principal.user_id)
        }
        ChannelRights::None => false,
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

/// Who stands around a lead: what [`may_work_lead`], [`may_reassign_lead`] and
/// [`may_claim_lead`] decide on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LeadParties {
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    /// The manager of the lead's team.
    pub team_manager_id: Option<i64>,
    /// The manager of the lead's owner.
    pub owner_manager_id: Option<i64>,
}

impl LeadParties {
    /// Whether `principal` manages the lead's team or its owner.
    fn managed_by(&self, principal: &Principal) -> bool {
        principal.role == Role::Manager
            && (self.team_manager_id == Some(principal.user_id)
                || self.owner_manager_id == Some(principal.user_id))
    }
}

/// Whether `principal` may work a lead (accept, reject, touch, qualify, convert, disqualify,
/// record a reply): admins any lead, managers their teams' and their reps' leads (and their
/// own), reps only the leads they own. Someone else's lead is FORBIDDEN, not NOT_FOUND: the
/// id is no secret inside the organisation, and the answer tells a rep to ask their manager.
/// A lead waiting in a queue is claimed ([`may_claim_lead`]) before a rep works it.
pub fn may_work_lead(principal: &Principal, lead: &LeadParties) -> bool {
    match principal.role {
        Role::Admin => true,
        Role::Manager => lead.owner_id == Some(principal.user_id) || lead.managed_by(principal),
        Role::Rep => lead.owner_id == Some(principal.user_id),
        Role::MarketingOps | Role::Integration => false,
    }
}

/// Whether `principal` may move a lead to another owner: admins, and managers of the lead's
/// team or of its owner.
pub fn may_reassign_lead(principal: &Principal, lead: &LeadParties) -> bool {
    principal.role == Role::Admin || lead.managed_by(principal)
}

/// Whether `principal` (a member of `caller_team_id`) may claim a lead waiting in its team's
/// queue: reps and managers of that team, managers of the team, and admins. Whether the lead is
/// still unclaimed is the caller's check (a race: CONFLICT, not FORBIDDEN).
pub fn may_claim_lead(
    principal: &Principal,
    caller_team_id: Option<i64>,
    lead: &LeadParties,
) -> bool {
    match principal.role {
        Role::Admin => true,
        Role::Rep | Role::Manager => {
            lead.team_id.is_some()
                && (caller_team_id == lead.team_id
                    || lead.team_manager_id == Some(principal.user_id))
        }
        Role::MarketingOps | Role::Integration => false,
    }
}

/// Which leads a caller may read: see [`lead_scope`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeadScope {
    /// Every lead (admins, marketing ops, integrations).
    All,
    /// Leads owned by `user_id`, leads of `teams` (their team queue for a rep; the teams a
    /// manager runs), and leads owned by `reports` (a manager's reps).
    Some {
        user_id: i64,
        /// Teams whose leads are all visible (managers).
        teams: Vec<i64>,
        /// Teams whose unclaimed queue leads are visible (a rep's own team).
        queues: Vec<i64>,
        reports: Vec<i64>,
    },
}

/// The leads `principal` may read: admins, marketing ops and integrations all; a manager their
/// own, those of the teams they manage or belong to, and those of the reps who report to them;
/// a rep their own and the unclaimed leads waiting in their team's queue. `caller_team_id` is the
/// caller's team, `managed_teams` the teams they manage, `reports` the users whose manager they
/// are. Leads outside the scope read as absent (`lead` is null), not FORBIDDEN.
pub fn lead_scope(
    principal: &Principal,
    caller_team_id: Option<i64>,
    managed_teams: Vec<i64>,
    reports: Vec<i64>,
) -> Option<LeadScope> {
    match principal.role {
        Role::Admin | Role::MarketingOps | Role::Integration => Some(LeadScope::All),
        Role::Manager => {
            let mut teams = managed_teams;
            teams.extend(caller_team_id);
            Some(LeadScope::Some {
                user_id: principal.user_id,
                teams,
                queues: Vec::new(),
                reports,
            })
        }
        Role::Rep => Some(LeadScope::Some {
            user_id: principal.user_id,
            teams: Vec::new(),
            queues: caller_team_id.into_iter().collect(),
            reports: Vec::new(),
        }),
    }
}

impl LeadScope {
    /// Whether a lead owned by `owner_id` in `team_id` is inside the scope.
    pub fn contains(&self, owner_id: Option<i64>, team_id: Option<i64>) -> bool {
        match self {
            Self::All => true,
            Self::Some {
                user_id,
                teams,
                queues,
                reports,
            } => {
                owner_id == Some(*user_id)
                    || owner_id.is_some_and(|o| reports.contains(&o))
                    || team_id.is_some_and(|t| teams.contains(&t))
                    || (owner_id.is_none() && team_id.is_some_and(|t| queues.contains(&t)))
            }
        }
    }
}

/// Whose figures a caller may see in reports: see [`report_scope`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportScope {
    /// The whole organisation (admins, marketing ops).
    All,
    /// Only these teams: a manager's, the ones they manage and the one they belong to.
    Teams(Vec<i64>),
}

/// The report figures `principal` may see: admins and marketing ops the organisation's, a
/// manager only their teams' (those they manage and their own), nobody else any (reps work
/// from their queue and lead pages; a report of one rep's clocks would be a league table
/// nobody asked for). None: FORBIDDEN.
pub fn report_scope(
    principal: &Principal,
    caller_team_id: Option<i64>,
    managed_teams: Vec<i64>,
) -> Option<ReportScope> {
    if !allows(principal.role, Permission::ViewReports) {
        return None;
    }
    match principal.role {
        Role::Admin | Role::MarketingOps => Some(ReportScope::All),
        Role::Manager => {
            let mut teams = managed_teams;
            teams.extend(caller_team_id);
            teams.sort_unstable();
            teams.dedup();
            Some(ReportScope::Teams(teams))
        }
        Role::Rep | Role::Integration => None,
    }
}

impl ReportScope {
    /// The team list a report runs with, given the one asked for: within a manager's teams,
    /// asking for another team is refused (None: FORBIDDEN); asking for none means all of
    /// theirs.
    pub fn narrow(&self, asked: Option<Vec<i64>>) -> Option<Option<Vec<i64>>> {
        match self {
            Self::All => Some(asked),
            Self::Teams(mine) => match asked {
                None => Some(Some(mine.clone())),
                Some(asked) if asked.iter().all(|t| mine.contains(t)) => Some(Some(asked)),
                Some(_) => None,
            },
        }
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

    fn principal(user_id: i64, role: Role) -> Principal {
        Principal {
            user_id,
            role,
            credential: crate::auth::Credential::Cli,
        }
    }

    #[test]
    fn managers_manage_only_their_own_teams_channels() {
        let boss = principal(7, Role::Manager);
        assert!(may_manage_channel(&boss, ChannelScope::Team(1), Some(7)));
        assert!(!may_manage_channel(&boss, ChannelScope::Team(2), Some(8)));
        assert!(!may_manage_channel(&boss, ChannelScope::User(7), None));
        assert!(!may_manage_channel(&boss, ChannelScope::Org, None));
        let admin = principal(1, Role::Admin);
        assert!(may_manage_channel(&admin, ChannelScope::Org, None));
        for role in [Role::Rep, Role::MarketingOps, Role::Integration] {
            assert!(
                !may_manage_channel(&principal(7, role), ChannelScope::Team(1), Some(7)),
                "{role}"
            );
        }
    }

    #[test]
    fn managers_see_reports_of_their_teams_only_and_reps_none() {
        let boss = principal(7, Role::Manager);
        let scope = report_scope(&boss, Some(3), vec![1, 3]);
        assert_eq!(scope, Some(ReportScope::Teams(vec![1, 3])));
        let scope = scope.unwrap_or(ReportScope::All);
        assert_eq!(scope.narrow(None), Some(Some(vec![1, 3])));
        assert_eq!(scope.narrow(Some(vec![3])), Some(Some(vec![3])));
        assert_eq!(scope.narrow(Some(vec![2])), None);
        assert_eq!(
            report_scope(&principal(1, Role::MarketingOps), None, vec![]),
            Some(ReportScope::All)
        );
        assert_eq!(ReportScope::All.narrow(None), Some(None));
        assert_eq!(
            report_scope(&principal(2, Role::Rep), Some(3), vec![]),
            None
        );
    }

    #[test]
    fn integrations_may_ingest_and_read_leads_but_not_watch_them() {
        assert!(allows(Role::Integration, Permission::IngestLeads));
        assert!(allows(Role::Integration, Permission::ViewLeads));
        assert!(!allows(Role::Integration, Permission::WatchLiveEvents));
    }
}
