//! The first admin of a fresh installation.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use handoff_shared::domain::{Email, Role};
use sea_orm::{
    ActiveModelTrait as _, DatabaseConnection, DbErr, EntityTrait as _, PaginatorTrait as _, Set,
    SqlErr,
};

use super::password::{self, Password};
use super::token;
use crate::configuration::Settings;
use crate::entities::users;

/// Used when `HANDOFF_ADMIN_EMAIL` is not set.
pub const DEFAULT_ADMIN_EMAIL: &str = "admin@handoff.local";
/// The demo organisation's admin (CONTRACT.md section 1).
pub const DEMO_ADMIN_EMAIL: &str = "admin@demo.test";
pub const DEMO_ADMIN_PASSWORD: &str = "demo-admin";

/// On a database without users, creates an admin: the demo admin with `--demo`, else from
/// `HANDOFF_ADMIN_EMAIL`/`HANDOFF_ADMIN_PASSWORD`, generating a password (printed once to
/// stderr) when none is configured. Does nothing once any user exists.
pub async fn ensure_first_admin(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    settings: &Settings,
) -> anyhow::Result<()> {
    if users::Entity::find().count(db).await? > 0 {
        return Ok(());
    }
    let (email, password, generated) = if settings.demo {
        (
            DEMO_ADMIN_EMAIL.to_owned(),
            DEMO_ADMIN_PASSWORD.to_owned(),
            false,
        )
    } else {
        let email = settings
            .admin
            .email
            .clone()
            .unwrap_or_else(|| DEFAULT_ADMIN_EMAIL.to_owned());
        match settings.admin.password.clone() {
            Some(password) => (email, password, false),
            None => (email, token::random_secret(), true),
        }
    };
    let email =
        Email::parse(&email).map_err(|e| anyhow::anyhow!("HANDOFF_ADMIN_EMAIL {}", e.message))?;
    let password = Password::parse(&password)
        .map_err(|e| anyhow::anyhow!("HANDOFF_ADMIN_PASSWORD {}", e.message))?;
    let password_hash = password::hash(password.clone()).await?;

    let inserted = users::ActiveModel {
        email: Set(email.as_str().to_owned()),
        name: Set("Administrator".to_owned()),
        password_hash: Set(Some(password_hash)),
        role: Set(Role::Admin.as_str().to_owned()),
        weight: Set(1),
        out_of_office: Set(false),
        notify_email: Set(true),
        notify_chat: Set(true),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await;
    match inserted {
        Ok(user) => {
            tracing::info!(user_id = user.id, email = %email, "created the first admin");
            if generated {
                eprintln!(
                    "Handoff: created the first admin {email} with password {} \
                     (shown once; set HANDOFF_ADMIN_PASSWORD to choose it)",
                    password.expose()
                );
            }
            Ok(())
        }
        // Another instance starting on the same database won the race.
        Err(error) if is_unique_violation(&error) => Ok(()),
        Err(error) => Err(error).context("cannot create the first admin"),
    }
}

fn is_unique_violation(error: &DbErr) -> bool {
    matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}
