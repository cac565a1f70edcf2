//! `handoff serve --demo`: a demo organisation on an empty database, so every screen has data.
//!
//! Two sales teams in two time zones with their managers, office calendars with lunch breaks and
//! public holidays, territory routing, a marketing-ops user and eight reps (one out of office).
//! Leads and their history are added by the handoff engine's generator.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use handoff_shared::domain::{Email, Role, RoutingMethod};
use handoff_shared::sla::{BusinessCalendar, CalendarSpec, WindowSpec};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, Set, TransactionTrait as _,
};

use crate::auth::password::{self, Password};
use crate::entities::{business_calendars, routing_rules, teams, users};

pub const DEMO_REP_PASSWORD: &str = "demo-rep";
pub const DEMO_MANAGER_PASSWORD: &str = "demo-manager";
pub const DEMO_MARKETING_PASSWORD: &str = "demo-marketing";

struct Office {
    team: &'static str,
    calendar: &'static str,
    timezone: &'static str,
    morning: (&'static str, &'static str),
    afternoon: (&'static str, &'static str),
    holidays: &'static [&'static str],
    manager: (&'static str, &'static str),
    countries: &'static [&'static str],
    /// (rep number, name, weight, capacity)
    reps: &'static [(u32, &'static str, i32, Option<i32>)],
}

const OFFICES: [Office; 2] = [
    Office {
        team: "Americas",
        calendar: "New York office",
        timezone: "America/New_York",
        morning: ("09:00", "12:00"),
        afternoon: ("13:00", "17:30"),
        holidays: &[
            "2026-01-01",
            "2026-01-19",
            "2026-05-25",
            "2026-07-03",
            "2026-09-07",
            "2026-11-26",
            "2026-12-25",
            "2027-01-01",
            "2027-01-18",
            "2027-05-31",
            "2027-07-05",
        ],
        manager: ("manager.americas@demo.test", "Maya Brooks"),
        countries: &["US", "CA", "MX", "BR", "AR", "CL", "CO"],
        reps: &[
            (1, "Riley Chen", 2, Some(60)),
            (2, "Jordan Ortiz", 1, Some(40)),
            (3, "Sam Patel", 1, Some(40)),
            (4, "Avery Johnson", 1, None),
        ],
    },
    Office {
        team: "EMEA",
        calendar: "Berlin office",
        timezone: "Europe/Berlin",
        morning: ("09:00", "13:00"),
        afternoon: ("14:00", "18:00"),
        holidays: &[
            "2026-01-01",
            "2026-04-03",
            "2026-04-06",
            "2026-05-01",
            "2026-05-14",
            "2026-05-25",
            "2026-10-03",
            "2026-12-25",
            "2026-12-26",
            "2027-01-01",
            "2027-03-26",
            "2027-03-29",
        ],
        manager: ("manager.emea@demo.test", "Lena Vogel"),
        countries: &[
            "DE", "AT", "CH", "FR", "GB", "NL", "BE", "ES", "IT", "SE", "PL",
        ],
        reps: &[
            (5, "Jonas Weber", 1, Some(40)),
            (6, "Claire Martin", 1, Some(40)),
            (7, "Elif Kaya", 2, Some(60)),
            (8, "Tom Fischer", 1, Some(40)),
        ],
    },
];

/// The rep who is out of office in the demo, to show routing skipping them.
const OUT_OF_OFFICE_REP: u32 = 8;

/// Seeds the demo organisation unless it is already there. Returns whether it seeded.
#[tracing::instrument(skip(db))]
pub async fn seed_organisation(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let already = users::Entity::find()
        .filter(users::Column::Email.eq("rep1@demo.test"))
        .one(db)
        .await?
        .is_some();
    if already {
        return Ok(false);
    }

    // Hash outside the transaction: argon2 is deliberately slow.
    let rep_hash = hash(DEMO_REP_PASSWORD).await?;
    let manager_hash = hash(DEMO_MANAGER_PASSWORD).await?;
    let marketing_hash = hash(DEMO_MARKETING_PASSWORD).await?;

    let txn = db.begin().await?;
    new_user(
        &txn,
        now,
        "marketing@demo.test",
        "Morgan Lee",
        Role::MarketingOps,
        &marketing_hash,
        None,
        None,
        None,
    )
    .await?;

    for (index, office) in OFFICES.iter().enumerate() {
        let calendar = office_calendar(office)?;
        let calendar = business_calendars::ActiveModel {
            name: Set(office.calendar.to_owned()),
            definition: Set(serde_json::to_string(calendar.spec())?),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;

        let manager = new_user(
            &txn,
            now,
            office.manager.0,
            office.manager.1,
            Role::Manager,
            &manager_hash,
            Some(office.timezone),
            Some(calendar.id),
            None,
        )
        .await?;
        let team = teams::ActiveModel {
            name: Set(office.team.to_owned()),
            manager_id: Set(Some(manager.id)),
            calendar_id: Set(Some(calendar.id)),
            is_queue: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut manager: users::ActiveModel = manager.into();
        manager.team_id = Set(Some(team.id));
        manager.update(&txn).await?;

        for &(number, name, weight, capacity) in office.reps {
            let rep = new_user(
                &txn,
                now,
                &format!("rep{number}@demo.test"),
                name,
                Role::Rep,
                &rep_hash,
                Some(office.timezone),
                Some(calendar.id),
                Some(team.id),
            )
            .await?;
            let mut rep: users::ActiveModel = rep.into();
            rep.manager_id = Set(Some(team.manager_id.unwrap_or_default()));
            rep.weight = Set(weight);
            rep.capacity = Set(capacity);
            if number == OUT_OF_OFFICE_REP {
                rep.out_of_office = Set(true);
                rep.out_of_office_since = Set(Some(now));
            }
            rep.update(&txn).await?;
        }

        routing_rules::ActiveModel {
            name: Set(format!("{} territory", office.team)),
            priority: Set(100 + i32::try_from(index)? * 10),
            countries: Set(Some(serde_json::to_string(office.countries)?)),
            method: Set(RoutingMethod::RoundRobin.as_str().to_owned()),
            team_id: Set(Some(team.id)),
            queue_only: Set(false),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    tracing::info!("seeded the demo organisation");
    Ok(true)
}

fn office_calendar(office: &Office) -> anyhow::Result<BusinessCalendar> {
    let mut weekly = Vec::new();
    for day in ["mon", "tue", "wed", "thu", "fri"] {
        weekly.push(WindowSpec::new(day, office.morning.0, office.morning.1));
        weekly.push(WindowSpec::new(day, office.afternoon.0, office.afternoon.1));
    }
    let spec = CalendarSpec {
        timezone: office.timezone.to_owned(),
        weekly,
        holidays: office.holidays.iter().map(|h| (*h).to_owned()).collect(),
    };
    BusinessCalendar::parse(&spec)
        .map_err(|e| anyhow::anyhow!("demo calendar {}: {e}", office.calendar))
}

async fn hash(raw: &str) -> anyhow::Result<String> {
    let password = Password::parse(raw).map_err(|e| anyhow::anyhow!("demo password: {e}"))?;
    password::hash(password).await
}

#[allow(clippy::too_many_arguments)]
async fn new_user(
    txn: &sea_orm::DatabaseTransaction,
    now: DateTime<Utc>,
    email: &str,
    name: &str,
    role: Role,
    password_hash: &str,
    timezone: Option<&str>,
    calendar_id: Option<i64>,
    team_id: Option<i64>,
) -> anyhow::Result<users::Model> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("demo user: {e}"))?;
    users::ActiveModel {
        email: Set(email.into_inner()),
        name: Set(name.to_owned()),
        password_hash: Set(Some(password_hash.to_owned())),
        role: Set(role.as_str().to_owned()),
        team_id: Set(team_id),
        timezone: Set(timezone.map(str::to_owned)),
        calendar_id: Set(calendar_id),
        weight: Set(1),
        out_of_office: Set(false),
        notify_email: Set(true),
        notify_chat: Set(true),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .with_context(|| format!("cannot create demo user {name}"))
}
