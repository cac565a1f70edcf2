//! Who hears about an SLA threshold, on which channels, and what the message says.
//!
//! The SLA hook ([`crate::sla::on_lead_event_with`], [`crate::sla::settle_with`]) hands the
//! transitions it logged to [`on_transitions`] inside the same transaction, so the outbox rows
//! commit or roll back with the log entries that caused them. Only thresholds notify (the
//! at-risk points and the breach reached while a clock runs, `percent` set), and never those of
//! backfilled history (`backfill`).
//!
//! Recipients, by how far the clock got:
//! - below 80 %: the owner (rep);
//! - 80 % up to 100 %: the rep, and a copy to the manager when the policy escalates;
//! - the breach: the manager when the policy escalates, else (or without a manager) the rep.
//!
//! The manager is the owner's `manager_id`, else the manager of the owner's team, else of the
//! lead's team. A lead in a team queue (no owner) goes to the team's manager. Inactive users
//! are skipped.
//!
//! Channels of each recipient: e-mail to their own address (`notify_email`), their Slack- and
//! Teams-style incoming webhooks (`notify_chat`), and their `user`-scoped notification channels.
//! Besides people: the `team`-scoped channels of the lead's team, the `org`-scoped channels,
//! and the outbound webhooks subscribed to the event (signed JSON).
//!
//! One outbox row per (clock, threshold, recipient, channel), keyed by exactly that, so a
//! retried or concurrent enqueue of the same threshold stores nothing new.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use handoff_shared::domain::{SlaEventKind, SlaKind};
use handoff_shared::lead::{LeadEvent, LeadState, SlaTransition};
use sea_orm::{
    ColumnTrait as _, Condition, ConnectionTrait, EntityTrait as _, QueryFilter as _,
    QueryOrder as _,
};
use serde_json::{Value, json};

use crate::entities::{
    notification_channels, org_settings, outbound_webhooks, sla_policies, teams, users,
};
use crate::error::ApiError;
use crate::handoff::store::{LeadRecord, Recorded};
use crate::integrations::outbound;
use crate::notify::outbox::{self, NewNotification};

/// The event of an at-risk threshold (50 %, 80 %, … of the target).
pub const SLA_AT_RISK: &str = "sla.at_risk";
/// The event of a breach (100 % of the target reached while the clock runs).
pub const SLA_BREACHED: &str = "sla.breached";

/// What the notifications of SLA thresholds read, cached for one transaction (configuration
/// and people do not change under it), and, for a batch writer, the outbox rows held back
/// until [`Lookups::flush`]. The SLA hook keeps one in its [`crate::sla::SlaContext`].
#[derive(Debug, Default)]
pub struct Lookups {
    /// `org_settings` (read once).
    org: Option<Option<org_settings::Model>>,
    people: People,
    /// Policy id -> whether its breach escalates to the manager.
    escalate: HashMap<i64, bool>,
    /// (scope, scope id) -> the active channels.
    channels: HashMap<(&'static str, Option<i64>), Vec<notification_channels::Model>>,
    /// Event -> the outbound webhooks subscribed to it.
    subscribers: HashMap<&'static str, Vec<outbound_webhooks::Model>>,
    /// Set by [`Lookups::hold`]: rows not written yet.
    held: Option<Vec<NewNotification>>,
}

impl Lookups {
    /// Holds the outbox rows back for [`Lookups::flush`] (one multi-row INSERT) instead of
    /// writing each at once.
    pub fn hold(&mut self) {
        self.held.get_or_insert_default();
    }

    /// Writes the rows held back; returns how many were new. Call it before commit.
    pub async fn flush(
        &mut self,
        conn: &impl ConnectionTrait,
        now: DateTime<Utc>,
    ) -> Result<usize, ApiError> {
        match self.held.as_mut() {
            Some(held) if !held.is_empty() => {
                outbox::enqueue_many(conn, now, std::mem::take(held)).await
            }
            _ => Ok(0),
        }
    }

    async fn org(
        &mut self,
        conn: &impl ConnectionTrait,
    ) -> Result<Option<&org_settings::Model>, ApiError> {
        if self.org.is_none() {
            self.org = Some(org_settings::Entity::find_by_id(1).one(conn).await?);
        }
        Ok(self.org.as_ref().and_then(Option::as_ref))
    }

    async fn escalates(
        &mut self,
        conn: &impl ConnectionTrait,
        policy_id: i64,
    ) -> Result<bool, ApiError> {
        if let Some(escalate) = self.escalate.get(&policy_id) {
            return Ok(*escalate);
        }
        let escalate = sla_policies::Entity::find_by_id(policy_id)
            .one(conn)
            .await?
            .is_none_or(|policy| policy.escalate_to_manager);
        self.escalate.insert(policy_id, escalate);
        Ok(escalate)
    }

    /// The active notification channels of a scope.
    async fn channels(
        &mut self,
        conn: &impl ConnectionTrait,
        scope: &'static str,
        scope_id: Option<i64>,
    ) -> Result<Vec<notification_channels::Model>, ApiError> {
        if let Some(found) = self.channels.get(&(scope, scope_id)) {
            return Ok(found.clone());
        }
        let found = channels(conn, scope, scope_id).await?;
        self.channels.insert((scope, scope_id), found.clone());
        Ok(found)
    }

    async fn subscribers(
        &mut self,
        conn: &impl ConnectionTrait,
        event: &'static str,
    ) -> Result<Vec<outbound_webhooks::Model>, ApiError> {
        if let Some(found) = self.subscribers.get(event) {
            return Ok(found.clone());
        }
        let found = outbound::subscribers(conn, event).await?;
        self.subscribers.insert(event, found.clone());
        Ok(found)
    }

    async fn enqueue(
        &mut self,
        conn: &impl ConnectionTrait,
        now: DateTime<Utc>,
        rows: Vec<NewNotification>,
    ) -> Result<usize, ApiError> {
        match self.held.as_mut() {
            Some(held) => {
                let count = rows.len();
                held.extend(rows);
                Ok(count)
            }
            None => outbox::enqueue_many(conn, now, rows).await,
        }
    }
}

/// The hook: enqueues the notifications of `transitions` (just logged for `record`), linking
/// to the lead under `org_settings.app_base_url`. Costs nothing when no transition notifies.
/// Returns how many rows were enqueued (held back ones included).
pub async fn on_transitions(
    lookups: &mut Lookups,
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    record: &LeadRecord,
    transitions: &[Recorded],
) -> Result<usize, ApiError> {
    let thresholds: Vec<(&SlaTransition, Threshold, DateTime<Utc>)> = transitions
        .iter()
        .filter_map(|r| {
            let (t, threshold) = threshold_of(r)?;
            Some((t, threshold, r.occurred_at))
        })
        .collect();
    if thresholds.is_empty() {
        return Ok(0);
    }
    let lead_id = record.id;
    let lead = &record.state;
    let org = lookups.org(conn).await?;
    let org_zone = org
        .and_then(|o| o.org_timezone.parse::<Tz>().ok())
        .unwrap_or(Tz::UTC);
    let public_url = org.map_or_else(
        || format!("http://{}", crate::configuration::DEFAULT_BIND),
        |o| o.app_base_url.clone(),
    );
    let link = format!("{}/leads/{lead_id}", public_url.trim_end_matches('/'));
    let mut enqueued = 0;

    for (t, threshold, at) in thresholds {
        let escalate = lookups.escalates(conn, t.policy_id).await?;
        let owner = match t.owner_id {
            Some(id) => lookups.people.user(conn, id).await?,
            None => None,
        };
        let manager = lookups
            .people
            .manager_of(conn, owner.as_ref(), lead.team_id)
            .await?;
        let recipients = recipients(threshold, escalate, owner.as_ref(), manager.as_ref());
        let event = threshold.event();
        let facts = Facts {
            lead_id,
            lead,
            t,
            threshold,
            at,
            now,
            link: &link,
            owner: owner.as_ref(),
        };
        let key_base = format!("sla:{}:{}", t.clock_id, threshold.percent());
        let mut rows: Vec<NewNotification> = Vec::new();

        for (user, role) in &recipients {
            let zone = user
                .timezone
                .as_deref()
                .and_then(|z| z.parse::<Tz>().ok())
                .unwrap_or(org_zone);
            let text = facts.text(zone, Some((user, *role)));
            let subject = facts.subject();
            let user_key = format!("{key_base}:user:{}", user.id);
            let row = |channel: &str, key: String, target: &str, body: String| NewNotification {
                idempotency_key: key,
                lead_id: Some(lead_id),
                clock_id: Some(t.clock_id),
                event: event.to_owned(),
                recipient_user_id: Some(user.id),
                channel: channel.to_owned(),
                target: target.to_owned(),
                subject: subject.clone(),
                body,
            };
            if user.notify_email {
                rows.push(row(
                    outbox::EMAIL,
                    format!("{user_key}:{}", outbox::EMAIL),
                    &user.email,
                    text.clone(),
                ));
            }
            if user.notify_chat {
                if let Some(url) = non_empty(&user.slack_webhook_url) {
                    rows.push(row(
                        outbox::SLACK,
                        format!("{user_key}:{}", outbox::SLACK),
                        url,
                        facts.slack(&text),
                    ));
                }
                if let Some(url) = non_empty(&user.teams_webhook_url) {
                    rows.push(row(
                        outbox::TEAMS,
                        format!("{user_key}:{}", outbox::TEAMS),
                        url,
                        facts.teams(&text),
                    ));
                }
            }
            for channel in lookups.channels(conn, "user", Some(user.id)).await? {
                if !wants(&channel, event, t.transition) {
                    continue;
                }
                let Some((kind, body)) = facts.channel_body(&channel.kind, &text, &recipients)
                else {
                    continue;
                };
                rows.push(row(
                    kind,
                    outbox::channel_key(&user_key, channel.id),
                    &channel.target,
                    body,
                ));
            }
        }

        // Shared destinations: the team's and the organisation's channels, integrators.
        let team_id = lead.team_id.or(owner.as_ref().and_then(|o| o.team_id));
        let text = facts.text(org_zone, None);
        let mut shared = lookups.channels(conn, "org", None).await?;
        if let Some(team_id) = team_id {
            shared.extend(lookups.channels(conn, "team", Some(team_id)).await?);
        }
        let shared_row = |channel: &str, key: String, target: &str, body: String| NewNotification {
            idempotency_key: key,
            lead_id: Some(lead_id),
            clock_id: Some(t.clock_id),
            event: event.to_owned(),
            recipient_user_id: None,
            channel: channel.to_owned(),
            target: target.to_owned(),
            subject: facts.subject(),
            body,
        };
        for channel in shared {
            if !wants(&channel, event, t.transition) {
                continue;
            }
            let Some((kind, body)) = facts.channel_body(&channel.kind, &text, &recipients) else {
                continue;
            };
            rows.push(shared_row(
                kind,
                outbox::channel_key(&key_base, channel.id),
                &channel.target,
                body,
            ));
        }
        for webhook in lookups.subscribers(conn, event).await? {
            rows.push(shared_row(
                outbox::WEBHOOK,
                format!("{key_base}:webhook:{}", webhook.id),
                &webhook.url,
                facts.json(&recipients).to_string(),
            ));
        }

        enqueued += lookups.enqueue(conn, now, rows).await?;
    }
    Ok(enqueued)
}

/// How far a clock got, for choosing recipients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Threshold {
    /// An at-risk point below 80 %: the rep.
    Early(u32),
    /// An at-risk point from 80 %: the rep, copying the manager.
    Late(u32),
    /// 100 %: the manager.
    Breach,
}

impl Threshold {
    fn percent(self) -> u32 {
        match self {
            Self::Early(p) | Self::Late(p) => p,
            Self::Breach => 100,
        }
    }

    fn event(self) -> &'static str {
        match self {
            Self::Breach => SLA_BREACHED,
            _ => SLA_AT_RISK,
        }
    }
}

/// The threshold a log entry marks, if it is one that notifies.
fn threshold_of(recorded: &Recorded) -> Option<(&SlaTransition, Threshold)> {
    let LeadEvent::Sla(t) = &recorded.event else {
        return None;
    };
    if t.backfill {
        return None;
    }
    let percent = t.percent?;
    let threshold = match t.transition {
        SlaEventKind::Breached => Threshold::Breach,
        SlaEventKind::AtRisk50 | SlaEventKind::AtRisk80 if percent >= 100 => Threshold::Breach,
        SlaEventKind::AtRisk50 | SlaEventKind::AtRisk80 if percent >= 80 => {
            Threshold::Late(percent)
        }
        SlaEventKind::AtRisk50 | SlaEventKind::AtRisk80 => Threshold::Early(percent),
        _ => return None,
    };
    Some((t, threshold))
}

/// Why a person gets the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Owner,
    Manager,
}

fn recipients(
    threshold: Threshold,
    escalate: bool,
    owner: Option<&users::Model>,
    manager: Option<&users::Model>,
) -> Vec<(users::Model, Role)> {
    let as_owner = |u: &users::Model| (u.clone(), Role::Owner);
    let as_manager = |u: &users::Model| (u.clone(), Role::Manager);
    let Some(owner) = owner else {
        // A team queue: nobody owns it, the team's manager answers for it.
        return manager.map(as_manager).into_iter().collect();
    };
    match (threshold, manager) {
        (Threshold::Early(_), _) => vec![as_owner(owner)],
        (Threshold::Late(_), Some(manager)) if escalate => {
            vec![as_owner(owner), as_manager(manager)]
        }
        (Threshold::Late(_), _) => vec![as_owner(owner)],
        (Threshold::Breach, Some(manager)) if escalate => vec![as_manager(manager)],
        (Threshold::Breach, _) => vec![as_owner(owner)],
    }
}

/// Users and teams read once per transaction.
#[derive(Debug, Default)]
struct People {
    users: HashMap<i64, Option<users::Model>>,
    teams: HashMap<i64, Option<teams::Model>>,
}

impl People {
    /// An active user.
    async fn user(
        &mut self,
        conn: &impl ConnectionTrait,
        id: i64,
    ) -> Result<Option<users::Model>, ApiError> {
        if let Some(user) = self.users.get(&id) {
            return Ok(user.clone());
        }
        let user = users::Entity::find_by_id(id)
            .one(conn)
            .await?
            .filter(|u| u.active);
        self.users.insert(id, user.clone());
        Ok(user)
    }

    async fn team_manager(
        &mut self,
        conn: &impl ConnectionTrait,
        team_id: i64,
    ) -> Result<Option<users::Model>, ApiError> {
        let team = match self.teams.get(&team_id) {
            Some(team) => team.clone(),
            None => {
                let team = teams::Entity::find_by_id(team_id).one(conn).await?;
                self.teams.insert(team_id, team.clone());
                team
            }
        };
        match team.and_then(|t| t.manager_id) {
            Some(id) => self.user(conn, id).await,
            None => Ok(None),
        }
    }

    /// The owner's manager, else their team's, else the lead's team's; never the owner.
    async fn manager_of(
        &mut self,
        conn: &impl ConnectionTrait,
        owner: Option<&users::Model>,
        lead_team: Option<i64>,
    ) -> Result<Option<users::Model>, ApiError> {
        let owner_id = owner.map(|o| o.id);
        let mut candidates = Vec::new();
        if let Some(owner) = owner {
            if let Some(id) = owner.manager_id {
                candidates.push(self.user(conn, id).await?);
            }
            if let Some(team) = owner.team_id {
                candidates.push(self.team_manager(conn, team).await?);
            }
        }
        if let Some(team) = lead_team {
            candidates.push(self.team_manager(conn, team).await?);
        }
        Ok(candidates
            .into_iter()
            .flatten()
            .find(|m| Some(m.id) != owner_id))
    }
}

/// The active notification channels of a scope.
async fn channels(
    conn: &impl ConnectionTrait,
    scope: &str,
    scope_id: Option<i64>,
) -> Result<Vec<notification_channels::Model>, ApiError> {
    let mut condition = Condition::all()
        .add(notification_channels::Column::Scope.eq(scope))
        .add(notification_channels::Column::Active.eq(true));
    if let Some(id) = scope_id {
        condition = condition.add(notification_channels::Column::ScopeId.eq(id));
    }
    Ok(notification_channels::Entity::find()
        .filter(condition)
        .order_by_asc(notification_channels::Column::Id)
        .all(conn)
        .await?)
}

/// Whether a channel's event list (none: everything) takes this event: by name
/// (`sla.at_risk`), by family (`sla.*`), by transition (`AT_RISK_80`) or `*`.
fn wants(channel: &notification_channels::Model, event: &str, transition: SlaEventKind) -> bool {
    let Some(raw) = &channel.events else {
        return true;
    };
    let Ok(events) = serde_json::from_str::<Vec<String>>(raw) else {
        return true;
    };
    events.is_empty()
        || events.iter().any(|e| {
            e == "*" || e == event || e == "sla.*" || e.eq_ignore_ascii_case(transition.as_str())
        })
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// What a message says.
struct Facts<'a> {
    lead_id: i64,
    lead: &'a LeadState,
    t: &'a SlaTransition,
    threshold: Threshold,
    /// When the threshold was reached.
    at: DateTime<Utc>,
    /// When the message is written.
    now: DateTime<Utc>,
    link: &'a str,
    owner: Option<&'a users::Model>,
}

impl Facts<'_> {
    fn lead_name(&self) -> String {
        let profile = &self.lead.profile;
        let name = [profile.first_name.as_deref(), profile.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let name = if name.is_empty() {
            profile.email.clone()
        } else {
            name
        };
        match profile.company.as_deref().map(str::trim) {
            Some(company) if !company.is_empty() => format!("{name} ({company})"),
            _ => name,
        }
    }

    fn subject(&self) -> String {
        let kind = kind_label(self.t.clock);
        match self.threshold {
            Threshold::Breach => format!("SLA breached: {kind} for {}", self.lead_name()),
            Threshold::Early(p) | Threshold::Late(p) => {
                format!("SLA at risk ({p} %): {kind} for {}", self.lead_name())
            }
        }
    }

    /// The plain-text message, with times in `zone`; `to` is the person it is written to.
    fn text(&self, zone: Tz, to: Option<(&users::Model, Role)>) -> String {
        let kind = kind_label(self.t.clock).to_lowercase();
        let profile = &self.lead.profile;
        let mut lines = Vec::new();
        let target = duration(self.t.target_seconds);
        lines.push(match self.threshold {
            Threshold::Breach => format!(
                "The {kind} SLA ({target}) for lead {} <{}> is breached.",
                self.lead_name(),
                profile.email
            ),
            Threshold::Early(p) | Threshold::Late(p) => format!(
                "The {kind} SLA ({target}) for lead {} <{}> has reached {p} % of its time.",
                self.lead_name(),
                profile.email
            ),
        });
        lines.push(String::new());
        if let Some(due) = self.t.due_at {
            let local = due.with_timezone(&zone);
            lines.push(format!(
                "Due: {} ({}), {} UTC",
                local.format("%a %Y-%m-%d %H:%M %Z"),
                zone.name(),
                due.format("%Y-%m-%d %H:%M")
            ));
            let left = due - self.now;
            if left.num_seconds() > 0 {
                lines.push(format!("Time left: {}", duration(left.num_seconds())));
            } else {
                lines.push(format!("Overdue by: {}", duration(-left.num_seconds())));
            }
        }
        lines.push(format!(
            "Reached at: {} UTC",
            self.at.format("%Y-%m-%d %H:%M:%S")
        ));
        lines.push(match self.owner {
            Some(owner) => format!("Owner: {} <{}>", owner.name, owner.email),
            None => "Owner: nobody yet (in the team queue)".to_owned(),
        });
        if let Some((_, Role::Manager)) = to {
            lines.push("You receive this as the manager responsible for the lead.".to_owned());
        }
        lines.push(String::new());
        lines.push(format!("Open the lead: {}", self.link));
        lines.join("\n")
    }

    /// A Slack-style incoming-webhook body (mrkdwn).
    fn slack(&self, text: &str) -> String {
        let text = format!(
            "*{}*\n{}\n<{}|Open the lead in Handoff>",
            slack_escape(&self.subject()),
            slack_escape(text),
            self.link
        );
        json!({ "text": text }).to_string()
    }

    /// A Teams-style incoming-webhook body (a MessageCard).
    fn teams(&self, text: &str) -> String {
        let colour = match self.threshold {
            Threshold::Breach => "D7000C",
            Threshold::Late(_) => "FF8C00",
            Threshold::Early(_) => "FFC300",
        };
        json!({
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": self.subject(),
            "themeColor": colour,
            "title": self.subject(),
            "text": text.replace('\n', "  \n"),
            "potentialAction": [{
                "@type": "OpenUri",
                "name": "Open the lead",
                "targets": [{ "os": "default", "uri": self.link }],
            }],
        })
        .to_string()
    }

    /// The generic JSON body of integrators' webhooks (signed by the sender).
    fn json(&self, recipients: &[(users::Model, Role)]) -> Value {
        let profile = &self.lead.profile;
        let person =
            |u: &users::Model| json!({ "id": u.id.to_string(), "email": u.email, "name": u.name });
        json!({
            "event": self.threshold.event(),
            "transition": self.t.transition.as_str(),
            "percent": self.threshold.percent(),
            "occurredAt": rfc3339(self.at),
            "clock": {
                "id": self.t.clock_id.to_string(),
                "kind": self.t.clock.as_str(),
                "policyId": self.t.policy_id.to_string(),
                "dueAt": self.t.due_at.map(rfc3339),
                "targetSeconds": self.t.target_seconds,
                "elapsedBusinessSeconds": self.t.elapsed_seconds,
            },
            "lead": {
                "id": self.lead_id.to_string(),
                "email": profile.email,
                "firstName": profile.first_name,
                "lastName": profile.last_name,
                "company": profile.company,
                "leadType": profile.lead_type,
                "status": self.lead.status.as_str(),
                "ownerId": self.t.owner_id.map(|id| id.to_string()),
                "teamId": self.lead.team_id.map(|id| id.to_string()),
                "url": self.link,
            },
            "owner": self.owner.map(person),
            "notified": recipients.iter().map(|(u, role)| {
                let mut p = person(u);
                p["role"] = json!(match role { Role::Owner => "owner", Role::Manager => "manager" });
                p
            }).collect::<Vec<_>>(),
        })
    }

    /// The row (channel, body) for a notification channel of `kind`; None for unknown kinds.
    fn channel_body(
        &self,
        kind: &str,
        text: &str,
        recipients: &[(users::Model, Role)],
    ) -> Option<(&'static str, String)> {
        match kind {
            outbox::EMAIL => Some((outbox::EMAIL, text.to_owned())),
            outbox::SLACK => Some((outbox::SLACK, self.slack(text))),
            outbox::TEAMS => Some((outbox::TEAMS, self.teams(text))),
            outbox::WEBHOOK => Some((outbox::WEBHOOK, self.json(recipients).to_string())),
            _ => None,
        }
    }
}

fn kind_label(kind: SlaKind) -> &'static str {
    match kind {
        SlaKind::FirstResponse => "First response",
        SlaKind::Acceptance => "Acceptance",
        SlaKind::Qualification => "Qualification",
    }
}

/// `1 d 2 h`, `3 h 5 min`, `4 min 10 s`, `40 s`.
fn duration(seconds: i64) -> String {
    let s = seconds.max(0);
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    let parts: Vec<String> = if d > 0 {
        vec![format!("{d} d"), format!("{h} h")]
    } else if h > 0 {
        vec![format!("{h} h"), format!("{m} min")]
    } else if m > 0 {
        vec![format!("{m} min"), format!("{sec} s")]
    } else {
        vec![format!("{sec} s")]
    };
    parts
        .into_iter()
        .filter(|p| !p.starts_with("0 ") || s == 0)
        .collect::<Vec<_>>()
        .join(" ")
}

fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_two_units_at_most() {
        assert_eq!(duration(0), "0 s");
        assert_eq!(duration(40), "40 s");
        assert_eq!(duration(250), "4 min 10 s");
        assert_eq!(duration(3600), "1 h");
        assert_eq!(duration(3 * 3600 + 300), "3 h 5 min");
        assert_eq!(duration(86_400 + 7200 + 5), "1 d 2 h");
    }

    fn user(id: i64) -> users::Model {
        users::Model {
            id,
            email: format!("u{id}@handoff.test"),
            name: format!("U{id}"),
            password_hash: None,
            role: "REP".into(),
            team_id: None,
            manager_id: None,
            timezone: None,
            calendar_id: None,
            capacity: None,
            weight: 1,
            out_of_office: false,
            out_of_office_since: None,
            slack_webhook_url: None,
            teams_webhook_url: None,
            notify_email: true,
            notify_chat: true,
            active: true,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn ids(list: &[(users::Model, Role)]) -> Vec<(i64, Role)> {
        list.iter().map(|(u, r)| (u.id, *r)).collect()
    }

    #[test]
    fn recipients_follow_the_tiers() {
        let (rep, boss) = (user(1), user(2));
        let (o, m) = (Some(&rep), Some(&boss));
        use Role::{Manager, Owner};
        assert_eq!(
            ids(&recipients(Threshold::Early(50), true, o, m)),
            [(1, Owner)]
        );
        assert_eq!(
            ids(&recipients(Threshold::Late(80), true, o, m)),
            [(1, Owner), (2, Manager)]
        );
        assert_eq!(
            ids(&recipients(Threshold::Late(80), false, o, m)),
            [(1, Owner)]
        );
        assert_eq!(
            ids(&recipients(Threshold::Breach, true, o, m)),
            [(2, Manager)]
        );
        assert_eq!(
            ids(&recipients(Threshold::Breach, false, o, m)),
            [(1, Owner)]
        );
        assert_eq!(
            ids(&recipients(Threshold::Breach, true, o, None)),
            [(1, Owner)]
        );
        assert_eq!(
            ids(&recipients(Threshold::Early(50), true, None, m)),
            [(2, Manager)]
        );
        assert!(recipients(Threshold::Breach, true, None, None).is_empty());
    }
}
