//! Sessions and API tokens: issuing them and turning a presented token into a [`Principal`].

use chrono::{DateTime, Duration, Utc};
use handoff_shared::FieldError;
use handoff_shared::domain::{Email, Role};
use rand::RngCore as _;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, Set, TransactionTrait as _,
};

use super::{Credential, Principal, password, token};
use crate::entities::{api_tokens, sessions, users};
use crate::error::ApiError;

/// A session ends after this long without use…
pub const SESSION_IDLE_TIMEOUT: Duration = Duration::hours(12);
/// …and at the latest this long after login.
pub const SESSION_MAX_AGE: Duration = Duration::days(7);
/// Sessions and tokens record their use at most this often (a write per request is wasteful).
const TOUCH_INTERVAL: Duration = Duration::minutes(5);

/// A successful login: the bearer token (shown once) and who it belongs to.
#[derive(Debug)]
pub struct LoginOutcome {
    pub token: String,
    pub user: users::Model,
}

/// Checks an e-mail and password and opens a session.
///
/// Unknown e-mail, inactive user, user without password and wrong password all fail the same
/// way and take the same time (an Argon2 verification), so the answer reveals nothing about
/// which accounts exist.
// No fields: what people type into a login form (sometimes a password) stays out of logs.
#[tracing::instrument(skip_all)]
pub async fn login(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    email: &str,
    password: String,
) -> Result<LoginOutcome, ApiError> {
    let user = match Email::parse(email) {
        Ok(email) => {
            users::Entity::find()
                .filter(users::Column::Email.eq(email.as_str()))
                .one(db)
                .await?
        }
        Err(_) => None,
    }
    .filter(|user| user.active);
    let stored = user.as_ref().and_then(|user| user.password_hash.clone());
    let matches = password::verify(password, stored).await?;
    let Some(user) = user.filter(|_| matches) else {
        tracing::info!("login rejected");
        return Err(ApiError::Unauthenticated);
    };

    let issued = token::issue();
    sessions::ActiveModel {
        user_id: Set(user.id),
        token_hash: Set(issued.hash),
        created_at: Set(now),
        expires_at: Set(now + SESSION_IDLE_TIMEOUT),
        last_seen_at: Set(Some(now)),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    tracing::info!(user_id = user.id, "login");
    Ok(LoginOutcome {
        token: issued.plaintext,
        user,
    })
}

/// The principal behind a bearer token, or `None` when the token is unknown, expired, revoked
/// or belongs to an inactive user.
pub async fn authenticate(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    presented: &str,
) -> Result<Option<Principal>, ApiError> {
    if !token::looks_valid(presented) {
        return Ok(None);
    }
    let hash = token::hash(presented);

    let session = sessions::Entity::find()
        .filter(sessions::Column::TokenHash.eq(hash.as_str()))
        .find_also_related(users::Entity)
        .one(db)
        .await?;
    if let Some((session, user)) = session {
        let Some(user) = user.filter(|user| user.active) else {
            return Ok(None);
        };
        if session.revoked_at.is_some() || session.expires_at <= now {
            return Ok(None);
        }
        let role = stored_role(&user.role, "users", user.id)?;
        let session_id = session.id;
        touch_session(db, now, session).await?;
        return Ok(Some(Principal {
            user_id: user.id,
            role,
            credential: Credential::Session { session_id },
        }));
    }

    let api_token = api_tokens::Entity::find()
        .filter(api_tokens::Column::TokenHash.eq(hash.as_str()))
        .find_also_related(users::Entity)
        .one(db)
        .await?;
    if let Some((api_token, user)) = api_token {
        let Some(user) = user.filter(|user| user.active) else {
            return Ok(None);
        };
        if api_token.revoked_at.is_some() {
            return Ok(None);
        }
        let role = stored_role(&api_token.role, "api_tokens", api_token.id)?;
        let token_id = api_token.id;
        if api_token
            .last_used_at
            .is_none_or(|last| now - last >= TOUCH_INTERVAL)
        {
            let mut active: api_tokens::ActiveModel = api_token.into();
            active.last_used_at = Set(Some(now));
            active.update(db).await?;
        }
        return Ok(Some(Principal {
            user_id: user.id,
            role,
            credential: Credential::ApiToken { token_id },
        }));
    }
    Ok(None)
}

/// Slides the idle timeout forward, within the maximum age.
async fn touch_session(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    session: sessions::Model,
) -> Result<(), ApiError> {
    if session
        .last_seen_at
        .is_some_and(|seen| now - seen < TOUCH_INTERVAL)
    {
        return Ok(());
    }
    let expires_at = (now + SESSION_IDLE_TIMEOUT).min(session.created_at + SESSION_MAX_AGE);
    let mut active: sessions::ActiveModel = session.into();
    active.last_seen_at = Set(Some(now));
    active.expires_at = Set(expires_at);
    active.update(db).await?;
    Ok(())
}

/// A new API token and the plaintext to show once.
#[derive(Debug)]
pub struct IssuedApiToken {
    pub record: api_tokens::Model,
    pub token: String,
}

/// Issues an API token acting as a new service user with `role`, so that everything done
/// with the token is attributed to it (e.g. "CRM sync" in a lead's history).
#[tracing::instrument(skip(db, creator), fields(creator = creator.user_id))]
pub async fn create_api_token(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    creator: &Principal,
    name: &str,
    role: Role,
) -> Result<IssuedApiToken, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(FieldError::new("name", "must be 1 to 100 characters").into());
    }
    let mut suffix = [0u8; 8];
    rand::rng().fill_bytes(&mut suffix);
    let issued = token::issue();

    let txn = db.begin().await?;
    let service_user = users::ActiveModel {
        email: Set(format!(
            "api-token-{}@tokens.handoff.invalid",
            hex::encode(suffix)
        )),
        name: Set(format!("API token: {name}")),
        password_hash: Set(None),
        role: Set(role.as_str().to_owned()),
        weight: Set(1),
        out_of_office: Set(false),
        notify_email: Set(false),
        notify_chat: Set(false),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let record = api_tokens::ActiveModel {
        name: Set(name.to_owned()),
        token_hash: Set(issued.hash),
        role: Set(role.as_str().to_owned()),
        created_by: Set(Some(creator.user_id)),
        user_id: Set(service_user.id),
        created_at: Set(now),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    tracing::info!(token_id = record.id, role = %role, "api token created");
    Ok(IssuedApiToken {
        record,
        token: issued.plaintext,
    })
}

/// Every API token, oldest first, revoked ones included.
pub async fn list_api_tokens(db: &DatabaseConnection) -> Result<Vec<api_tokens::Model>, ApiError> {
    Ok(api_tokens::Entity::find()
        .order_by_asc(api_tokens::Column::Id)
        .all(db)
        .await?)
}

/// Revokes an API token: [`authenticate`] refuses it from the next request on. Revoking a
/// revoked token changes nothing (it keeps its first revocation time).
#[tracing::instrument(skip(db, actor), fields(actor = actor.user_id))]
pub async fn revoke_api_token(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    actor: &Principal,
    token_id: i64,
) -> Result<api_tokens::Model, ApiError> {
    let record = api_tokens::Entity::find_by_id(token_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no API token with id {token_id}")))?;
    if record.revoked_at.is_some() {
        return Ok(record);
    }
    let mut active: api_tokens::ActiveModel = record.into();
    active.revoked_at = Set(Some(now));
    let record = active.update(db).await?;
    tracing::info!(token_id, "api token revoked");
    Ok(record)
}

/// A role read back from the database; an unknown one is a bug, not bad input.
pub fn stored_role(raw: &str, table: &str, id: i64) -> Result<Role, ApiError> {
    Role::parse(raw).ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!("{table} row {id} has unknown role {raw:?}"))
    })
}
