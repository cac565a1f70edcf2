//! `User`, `Team`, `UserInput` and `NotificationPreferencesInput`.

use std::str::FromStr as _;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono_tz::Tz;
use handoff_shared::FieldError;
use handoff_shared::domain::{self, Email};

use super::config::BusinessCalendar;
use super::enums::{self, stored};
use crate::auth::password::Password;
use crate::auth::{self, permissions::may_see_personal_webhooks};
use crate::entities::{teams, users};
use crate::graphql::loaders::{load_calendar, load_team, load_user};
use crate::graphql::{parse_id, to_id};
use crate::notify::channels;
use crate::users::{NewUser, NotificationPreferences, UserChange};

/// A person who works leads or configures Handoff (or an API token's service identity).
#[derive(Debug, Clone)]
pub struct User(pub users::Model);

#[Object]
impl User {
    /// The user's id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// Lower-case e-mail address; also the login.
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What the user may do.
    async fn role(&self) -> async_graphql::Result<enums::Role> {
        Ok(stored(&self.0.role, domain::Role::parse, "role")?.into())
    }

    /// The team the user belongs to.
    async fn team(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Team>> {
        Ok(match self.0.team_id {
            Some(id) => load_team(ctx, id).await?.map(Team),
            None => None,
        })
    }

    /// The user's manager, who receives their escalations.
    async fn manager(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(match self.0.manager_id {
            Some(id) => load_user(ctx, id).await?.map(User),
            None => None,
        })
    }

    /// IANA time zone, e.g. `Europe/Berlin`; none means the organisation's.
    async fn timezone(&self) -> Option<&str> {
        self.0.timezone.as_deref()
    }

    /// Out of office: routing skips the user.
    async fn out_of_office(&self) -> bool {
        self.0.out_of_office
    }

    /// Most open leads (MQL, SAL, SQL) routing gives the user; null for no limit.
    async fn capacity(&self) -> Option<i32> {
        self.0.capacity
    }

    /// Round-robin weight, 1-100: a weight of 2 gets twice the leads of a weight of 1.
    async fn weight(&self) -> i32 {
        self.0.weight
    }

    /// The business calendar the user's SLA clocks count in; null: the team's, else the
    /// organisation's.
    async fn calendar(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<BusinessCalendar>> {
        Ok(match self.0.calendar_id {
            Some(id) => load_calendar(ctx, id).await?.map(BusinessCalendar),
            None => None,
        })
    }

    /// SLA notifications reach the user by e-mail.
    async fn notify_email(&self) -> bool {
        self.0.notify_email
    }

    /// SLA notifications reach the user's own Slack/Teams incoming webhooks (when set).
    async fn notify_chat(&self) -> bool {
        self.0.notify_chat
    }

    /// The user's Slack incoming-webhook URL. A credential: shown only to the user themself
    /// and to admins, null for everyone else.
    async fn slack_webhook_url(&self, ctx: &Context<'_>) -> Option<&str> {
        self.personal_webhook(ctx, &self.0.slack_webhook_url)
    }

    /// The user's Microsoft Teams incoming-webhook URL. A credential: shown only to the user
    /// themself and to admins, null for everyone else.
    async fn teams_webhook_url(&self, ctx: &Context<'_>) -> Option<&str> {
        self.personal_webhook(ctx, &self.0.teams_webhook_url)
    }
}

impl User {
    fn personal_webhook<'a>(&self, ctx: &Context<'_>, url: &'a Option<String>) -> Option<&'a str> {
        let principal = auth::principal(ctx).ok()?;
        may_see_personal_webhooks(principal, self.0.id)
            .then_some(url.as_deref())
            .flatten()
    }
}

/// A team of reps.
#[derive(Debug, Clone)]
pub struct Team(pub teams::Model);

#[Object]
impl Team {
    /// The team's id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// Unique team name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The team's manager.
    async fn manager(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(match self.0.manager_id {
            Some(id) => load_user(ctx, id).await?.map(User),
            None => None,
        })
    }

    /// The business calendar of the team's SLA clocks (unless a rep has their own); none: the
    /// organisation default.
    async fn calendar(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<BusinessCalendar>> {
        Ok(match self.0.calendar_id {
            Some(id) => load_calendar(ctx, id).await?.map(BusinessCalendar),
            None => None,
        })
    }

    /// Reps claim the team's leads from a shared queue instead of having them routed.
    async fn is_queue(&self) -> bool {
        self.0.is_queue
    }
}

/// A new user.
#[derive(Debug, InputObject)]
pub struct UserInput {
    /// E-mail address; also the login. Stored lower-case; must be unique.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Initial password, at least 8 characters. Without one the user cannot log in yet.
    pub password: Option<String>,
    /// What the user may do.
    pub role: enums::Role,
    /// The user's team. A rep created without one joins the `default` team.
    pub team_id: Option<ID>,
    /// The user's manager (receives escalations).
    pub manager_id: Option<ID>,
    /// IANA time zone, e.g. `America/New_York`.
    pub timezone: Option<String>,
    /// The business calendar the user's SLA clocks count in; default: the team's, else the
    /// organisation's.
    pub calendar_id: Option<ID>,
    /// Maximum open leads routed to the user; none for no limit.
    pub capacity: Option<i32>,
    /// Round-robin weight (1-100, default 1): a weight of 2 gets twice the leads.
    pub weight: Option<i32>,
    /// Slack incoming-webhook URL for the user's notifications.
    pub slack_webhook_url: Option<String>,
    /// Microsoft Teams incoming-webhook URL for the user's notifications.
    pub teams_webhook_url: Option<String>,
    /// SLA notifications by e-mail; default true.
    pub notify_email: Option<bool>,
    /// SLA notifications to the user's Slack/Teams webhooks; default true.
    pub notify_chat: Option<bool>,
}

/// A change to a user: omitted fields keep their value; `null` clears a clearable one.
#[derive(Debug, Default, InputObject)]
pub struct UserUpdateInput {
    /// Display name, 1-200 characters.
    pub name: Option<String>,
    /// What the user may do.
    pub role: Option<enums::Role>,
    /// The user's team; null: none.
    pub team_id: MaybeUndefined<ID>,
    /// The user's manager (receives escalations); null: none.
    pub manager_id: MaybeUndefined<ID>,
    /// IANA time zone, e.g. `America/New_York`; null: the organisation's.
    pub timezone: MaybeUndefined<String>,
    /// The business calendar of the user's SLA clocks; null: the team's, else the
    /// organisation's.
    pub calendar_id: MaybeUndefined<ID>,
    /// Most open leads routed to the user, 0 or more; null: no limit.
    pub capacity: MaybeUndefined<i32>,
    /// Round-robin weight, 1-100.
    pub weight: Option<i32>,
}

/// `Some(None)` for null, `None` for omitted.
fn three_state<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

fn optional_id(value: MaybeUndefined<ID>, field: &str) -> Result<Option<Option<i64>>, FieldError> {
    three_state(value)
        .map(|id| id.map(|id| parse_id(&id, field)).transpose())
        .transpose()
}

impl TryFrom<UserUpdateInput> for UserChange {
    type Error = FieldError;

    fn try_from(input: UserUpdateInput) -> Result<Self, Self::Error> {
        let name = input.name.map(|n| user_name(&n)).transpose()?;
        let timezone = three_state(input.timezone)
            .map(|tz| tz.as_deref().map(time_zone).transpose())
            .transpose()?;
        let capacity = three_state(input.capacity)
            .map(|c| c.map(capacity).transpose())
            .transpose()?;
        Ok(UserChange {
            name,
            role: input.role.map(Into::into),
            team_id: optional_id(input.team_id, "teamId")?,
            manager_id: optional_id(input.manager_id, "managerId")?,
            timezone,
            calendar_id: optional_id(input.calendar_id, "calendarId")?,
            capacity,
            weight: input.weight.map(weight).transpose()?,
        })
    }
}

fn user_name(raw: &str) -> Result<String, FieldError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(FieldError::new("name", "must be 1 to 200 characters"));
    }
    Ok(name.to_owned())
}

fn time_zone(raw: &str) -> Result<Tz, FieldError> {
    Tz::from_str(raw.trim())
        .map_err(|_| FieldError::new("timezone", format!("{raw:?} is not an IANA time zone")))
}

fn capacity(capacity: i32) -> Result<i32, FieldError> {
    if capacity < 0 {
        return Err(FieldError::new("capacity", "must not be negative"));
    }
    Ok(capacity)
}

fn weight(weight: i32) -> Result<i32, FieldError> {
    if !(1..=100).contains(&weight) {
        return Err(FieldError::new("weight", "must be between 1 and 100"));
    }
    Ok(weight)
}

/// How a user wants to hear about SLA thresholds; omitted fields keep their value.
#[derive(Debug, Default, InputObject)]
pub struct NotificationPreferencesInput {
    /// E-mail to the user's address.
    pub email: Option<bool>,
    /// The user's own Slack/Teams incoming webhooks below.
    pub chat: Option<bool>,
    /// Slack incoming-webhook URL (`http(s)://`); blank clears it.
    pub slack_webhook_url: Option<String>,
    /// Microsoft Teams incoming-webhook URL (`http(s)://`); blank clears it.
    pub teams_webhook_url: Option<String>,
}

impl TryFrom<NotificationPreferencesInput> for NotificationPreferences {
    type Error = FieldError;

    fn try_from(input: NotificationPreferencesInput) -> Result<Self, Self::Error> {
        let url =
            |raw: Option<String>, field: &str| -> Result<Option<Option<String>>, FieldError> {
                raw.map(|raw| webhook_url(Some(raw), field)).transpose()
            };
        Ok(Self {
            email: input.email,
            chat: input.chat,
            slack_webhook_url: url(input.slack_webhook_url, "slackWebhookUrl")?,
            teams_webhook_url: url(input.teams_webhook_url, "teamsWebhookUrl")?,
        })
    }
}

impl TryFrom<UserInput> for NewUser {
    type Error = FieldError;

    fn try_from(input: UserInput) -> Result<Self, Self::Error> {
        let name = user_name(&input.name)?;
        let timezone = input.timezone.as_deref().map(time_zone).transpose()?;
        let capacity = input.capacity.map(capacity).transpose()?;
        let weight = weight(input.weight.unwrap_or(1))?;
        Ok(NewUser {
            email: Email::parse(&input.email)?,
            name,
            password: input.password.as_deref().map(Password::parse).transpose()?,
            role: input.role.into(),
            team_id: input
                .team_id
                .as_ref()
                .map(|id| parse_id(id, "teamId"))
                .transpose()?,
            manager_id: input
                .manager_id
                .as_ref()
                .map(|id| parse_id(id, "managerId"))
                .transpose()?,
            timezone,
            calendar_id: input
                .calendar_id
                .as_ref()
                .map(|id| parse_id(id, "calendarId"))
                .transpose()?,
            capacity,
            weight,
            slack_webhook_url: webhook_url(input.slack_webhook_url, "slackWebhookUrl")?,
            teams_webhook_url: webhook_url(input.teams_webhook_url, "teamsWebhookUrl")?,
            notify_email: input.notify_email.unwrap_or(true),
            notify_chat: input.notify_chat.unwrap_or(true),
        })
    }
}

/// An optional `http(s)://` URL; blank means none.
fn webhook_url(raw: Option<String>, field: &str) -> Result<Option<String>, FieldError> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(url) => channels::http_url(url, field).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> UserInput {
        UserInput {
            email: "Ada@Example.com".into(),
            name: " Ada ".into(),
            password: Some("long enough".into()),
            role: enums::Role::Rep,
            team_id: None,
            manager_id: None,
            timezone: Some("Europe/Berlin".into()),
            calendar_id: None,
            capacity: None,
            weight: None,
            slack_webhook_url: None,
            teams_webhook_url: None,
            notify_email: None,
            notify_chat: None,
        }
    }

    #[test]
    fn blank_urls_clear_and_omitted_ones_stay() {
        let prefs = NotificationPreferences::try_from(NotificationPreferencesInput {
            email: Some(false),
            slack_webhook_url: Some("  ".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(prefs.email, Some(false));
        assert_eq!(prefs.slack_webhook_url, Some(None));
        assert_eq!(prefs.teams_webhook_url, None);
        let bad = NotificationPreferences::try_from(NotificationPreferencesInput {
            teams_webhook_url: Some("mailto:x@y".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(bad.field, "teamsWebhookUrl");
    }

    #[test]
    fn a_valid_input_is_normalised() {
        let user = NewUser::try_from(input()).unwrap();
        assert_eq!(user.email.as_str(), "ada@example.com");
        assert_eq!(user.name, "Ada");
        assert_eq!(user.weight, 1);
        assert_eq!(user.timezone, Some(chrono_tz::Europe::Berlin));
    }

    #[test]
    fn each_bad_field_is_named() {
        type Spoil = Box<dyn Fn(&mut UserInput)>;
        let cases: Vec<(&str, Spoil)> = vec![
            ("email", Box::new(|i| i.email = "not-an-email".into())),
            ("name", Box::new(|i| i.name = "  ".into())),
            ("password", Box::new(|i| i.password = Some("short".into()))),
            (
                "timezone",
                Box::new(|i| i.timezone = Some("Mars/Olympus".into())),
            ),
            ("teamId", Box::new(|i| i.team_id = Some(ID::from("abc")))),
            ("weight", Box::new(|i| i.weight = Some(0))),
            ("capacity", Box::new(|i| i.capacity = Some(-1))),
            (
                "slackWebhookUrl",
                Box::new(|i| i.slack_webhook_url = Some("ftp://x".into())),
            ),
        ];
        for (field, spoil) in cases {
            let mut bad = input();
            spoil(&mut bad);
            let err = NewUser::try_from(bad).expect_err(field);
            assert_eq!(
                err.field, field,
                "a bad {field} must be reported on {field}"
            );
        }
    }
}
