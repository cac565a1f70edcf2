//! The people of the organisation: creating users and managing their availability.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use handoff_shared::domain::{Email, Role};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, Set, SqlErr, TransactionTrait as _,
};

use crate::auth::Principal;
use crate::auth::password::{self, Password};
use crate::auth::permissions::{may_manage_user, may_set_notification_preferences};
use crate::entities::{business_calendars, teams, users};
use crate::error::ApiError;

/// The team reps join when created without one (CONTRACT.md section 3).
pub const DEFAULT_TEAM: &str = "default";

/// A user to create, already validated at the API edge.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub name: String,
    /// `None`: the user cannot log in with a password (yet).
    pub password: Option<Password>,
    pub role: Role,
    pub team_id: Option<i64>,
    pub manager_id: Option<i64>,
    pub timezone: Option<Tz>,
    pub calendar_id: Option<i64>,
    /// Maximum open leads; `None` for no limit.
    pub capacity: Option<i32>,
    /// Round-robin weight, at least 1.
    pub weight: i32,
    pub slack_webhook_url: Option<String>,
    pub teams_webhook_url: Option<String>,
    /// SLA notifications by e-mail (default true).
    pub notify_email: bool,
    /// SLA notifications to the user's Slack/Teams webhooks (default true).
    pub notify_chat: bool,
}

/// A change to how a user is notified; `None` keeps the current value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationPreferences {
    pub email: Option<bool>,
    pub chat: Option<bool>,
    /// `Some(None)` clears the URL.
    pub slack_webhook_url: Option<Option<String>>,
    /// `Some(None)` clears the URL.
    pub teams_webhook_url: Option<Option<String>>,
}

/// A change to a user, validated at the API edge: `None` keeps a value, `Some(None)` clears a
/// clearable one.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub team_id: Option<Option<i64>>,
    pub manager_id: Option<Option<i64>>,
    pub timezone: Option<Option<Tz>>,
    pub calendar_id: Option<Option<i64>>,
    pub capacity: Option<Option<i32>>,
    /// At least 1.
    pub weight: Option<i32>,
}

/// Changes a user's profile and routing settings (admins: the resolver checks). Every
/// reference is checked before the one update, so a bad field changes nothing.
#[tracing::instrument(skip(db, actor, change), fields(actor = actor.user_id))]
pub async fn update_user(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    actor: &Principal,
    user_id: i64,
    change: UserChange,
) -> Result<users::Model, ApiError> {
    let txn = db.begin().await?;
    let target = users::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no user with id {user_id}")))?;
    if let Some(role) = change.role
        && actor.user_id == target.id
        && role != Role::Admin
        && target.role == Role::Admin.as_str()
    {
        return Err(ApiError::bad_input(
            "role",
            "you cannot take away your own admin role; ask another admin",
        ));
    }
    if let Some(Some(id)) = change.team_id {
        exists(&txn, teams::Entity::find_by_id(id), "teamId", "team", id).await?;
    }
    if let Some(Some(id)) = change.manager_id {
        if id == user_id {
            return Err(ApiError::bad_input(
                "managerId",
                "a user cannot be their own manager",
            ));
        }
        exists(&txn, users::Entity::find_by_id(id), "managerId", "user", id).await?;
    }
    if let Some(Some(id)) = change.calendar_id {
        let query = business_calendars::Entity::find_by_id(id);
        exists(&txn, query, "calendarId", "calendar", id).await?;
    }
    let mut active: users::ActiveModel = target.into();
    if let Some(name) = change.name {
        active.name = Set(name);
    }
    if let Some(role) = change.role {
        active.role = Set(role.as_str().to_owned());
    }
    if let Some(team_id) = change.team_id {
        active.team_id = Set(team_id);
    }
    if let Some(manager_id) = change.manager_id {
        active.manager_id = Set(manager_id);
    }
    if let Some(timezone) = change.timezone {
        active.timezone = Set(timezone.map(|tz| tz.name().to_owned()));
    }
    if let Some(calendar_id) = change.calendar_id {
        active.calendar_id = Set(calendar_id);
    }
    if let Some(capacity) = change.capacity {
        active.capacity = Set(capacity);
    }
    if let Some(weight) = change.weight {
        active.weight = Set(weight);
    }
    active.updated_at = Set(now);
    let user = active.update(&txn).await?;
    txn.commit().await?;
    tracing::info!(user_id, "user updated");
    Ok(user)
}

/// `BAD_USER_INPUT` on `field` unless `query` finds a row.
async fn exists<E: sea_orm::EntityTrait>(
    conn: &impl ConnectionTrait,
    query: sea_orm::Select<E>,
    field: &str,
    what: &str,
    id: i64,
) -> Result<(), ApiError> {
    if query.one(conn).await?.is_none() {
        return Err(ApiError::bad_input(
            field,
            format!("there is no {what} with id {id}"),
        ));
    }
    Ok(())
}

/// Creates a user. Referenced team, manager and calendar must exist; a rep without a team
/// joins the `default` team.
#[tracing::instrument(skip(db, new), fields(email = %new.email, role = %new.role))]
pub async fn create_user(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    new: NewUser,
) -> Result<users::Model, ApiError> {
    let team_id = match new.team_id {
        Some(id) => {
            if teams::Entity::find_by_id(id).one(db).await?.is_none() {
                return Err(ApiError::bad_input(
                    "teamId",
                    format!("there is no team with id {id}"),
                ));
            }
            Some(id)
        }
        None if new.role == Role::Rep => default_team_id(db).await?,
        None => None,
    };
    if let Some(id) = new.manager_id
        && users::Entity::find_by_id(id).one(db).await?.is_none()
    {
        return Err(ApiError::bad_input(
            "managerId",
            format!("there is no user with id {id}"),
        ));
    }
    if let Some(id) = new.calendar_id
        && business_calendars::Entity::find_by_id(id)
            .one(db)
            .await?
            .is_none()
    {
        return Err(ApiError::bad_input(
            "calendarId",
            format!("there is no calendar with id {id}"),
        ));
    }
    let password_hash = match new.password {
        Some(password) => Some(password::hash(password).await?),
        None => None,
    };

    let inserted = users::ActiveModel {
        email: Set(new.email.as_str().to_owned()),
        name: Set(new.name),
        password_hash: Set(password_hash),
        role: Set(new.role.as_str().to_owned()),
        team_id: Set(team_id),
        manager_id: Set(new.manager_id),
        timezone: Set(new.timezone.map(|tz| tz.name().to_owned())),
        calendar_id: Set(new.calendar_id),
        capacity: Set(new.capacity),
        weight: Set(new.weight),
        out_of_office: Set(false),
        out_of_office_since: Set(None),
        slack_webhook_url: Set(new.slack_webhook_url),
        teams_webhook_url: Set(new.teams_webhook_url),
        notify_email: Set(new.notify_email),
        notify_chat: Set(new.notify_chat),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await;
    match inserted {
        Ok(user) => {
            tracing::info!(user_id = user.id, "user created");
            Ok(user)
        }
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => Err(
            ApiError::Conflict(format!("a user with e-mail {} already exists", new.email)),
        ),
        Err(error) => Err(error.into()),
    }
}

/// Marks a user out of office (routing skips them) or back. Allowed for admins, the user
/// themself and their manager.
#[tracing::instrument(skip(db, actor), fields(actor = actor.user_id))]
pub async fn set_out_of_office(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    actor: &Principal,
    user_id: i64,
    out_of_office: bool,
) -> Result<users::Model, ApiError> {
    let target = find_user(db, user_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no user with id {user_id}")))?;
    let team_manager_id = team_manager_of(db, &target).await?;
    if !may_manage_user(actor, &target, team_manager_id) {
        return Err(ApiError::Forbidden);
    }
    if target.out_of_office == out_of_office {
        return Ok(target);
    }
    let mut active: users::ActiveModel = target.into();
    active.out_of_office = Set(out_of_office);
    active.out_of_office_since = Set(out_of_office.then_some(now));
    active.updated_at = Set(now);
    let user = active.update(db).await?;
    tracing::info!(user_id, out_of_office, "availability changed");
    Ok(user)
}

/// Changes how a user hears about SLA thresholds. Allowed for the user themself, admins, and
/// the user's manager (directly or as manager of their team).
#[tracing::instrument(skip(db, actor, change), fields(actor = actor.user_id))]
pub async fn set_notification_preferences(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    actor: &Principal,
    user_id: i64,
    change: NotificationPreferences,
) -> Result<users::Model, ApiError> {
    let target = find_user(db, user_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no user with id {user_id}")))?;
    let team_manager_id = team_manager_of(db, &target).await?;
    if !may_set_notification_preferences(actor, &target, team_manager_id) {
        return Err(ApiError::Forbidden);
    }
    if change == NotificationPreferences::default() {
        return Ok(target);
    }
    let mut active: users::ActiveModel = target.into();
    if let Some(email) = change.email {
        active.notify_email = Set(email);
    }
    if let Some(chat) = change.chat {
        active.notify_chat = Set(chat);
    }
    if let Some(url) = change.slack_webhook_url {
        active.slack_webhook_url = Set(url);
    }
    if let Some(url) = change.teams_webhook_url {
        active.teams_webhook_url = Set(url);
    }
    active.updated_at = Set(now);
    let user = active.update(db).await?;
    tracing::info!(
        user_id,
        notify_email = user.notify_email,
        notify_chat = user.notify_chat,
        "notification preferences changed"
    );
    Ok(user)
}

/// The manager of the user's team, if any.
async fn team_manager_of(
    db: &DatabaseConnection,
    user: &users::Model,
) -> Result<Option<i64>, ApiError> {
    Ok(match user.team_id {
        Some(team_id) => teams::Entity::find_by_id(team_id)
            .one(db)
            .await?
            .and_then(|t| t.manager_id),
        None => None,
    })
}

pub async fn find_user(db: &DatabaseConnection, id: i64) -> Result<Option<users::Model>, ApiError> {
    Ok(users::Entity::find_by_id(id).one(db).await?)
}

/// The id of the `default` team, if it still exists.
pub async fn default_team_id(db: &DatabaseConnection) -> Result<Option<i64>, ApiError> {
    Ok(teams::Entity::find()
        .filter(teams::Column::Name.eq(DEFAULT_TEAM))
        .one(db)
        .await?
        .map(|team| team.id))
}

/// The active users by name, optionally only one team's and only those (not) out of office.
pub async fn list_users(
    db: &DatabaseConnection,
    team_id: Option<i64>,
    out_of_office: Option<bool>,
) -> Result<Vec<users::Model>, ApiError> {
    let mut query = users::Entity::find().filter(users::Column::Active.eq(true));
    if let Some(team_id) = team_id {
        query = query.filter(users::Column::TeamId.eq(team_id));
    }
    if let Some(out_of_office) = out_of_office {
        query = query.filter(users::Column::OutOfOffice.eq(out_of_office));
    }
    Ok(query
        .order_by_asc(users::Column::Name)
        .order_by_asc(users::Column::Id)
        .all(db)
        .await?)
}
