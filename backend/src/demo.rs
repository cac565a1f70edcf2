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
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait as _, DatabaseConnection,
    EntityTrait as _, QueryFilter as _, Set, TransactionTrait as _,
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

/// How many leads `--demo` creates.
pub const DEMO_LEADS: usize = 3_000;
/// How far back the demo history reaches.
const HISTORY_DAYS: i64 = 90;

/// splitmix64: deterministic, so every demo database tells the same story.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `percent` %.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Picks by weight from `(item, weight)` pairs.
    fn weighted<'a, T>(&mut self, items: &'a [(T, u64)]) -> &'a T {
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let mut roll = self.below(total);
        for (item, weight) in items {
            if roll < *weight {
                return item;
            }
            roll -= weight;
        }
        &items[0].0
    }
}

const LEAD_TYPES: [(&str, u64); 6] = [
    ("demo_request", 15),
    ("contact_sales", 5),
    ("content_download", 40),
    ("webinar", 25),
    ("event", 10),
    ("other", 5),
];
const SOURCES: [(&str, &[&str]); 6] = [
    ("paid_search", &["pricing-push", "brand-search"]),
    ("organic", &["seo-guides"]),
    ("linkedin", &["abm-enterprise", "pricing-push"]),
    ("webinar", &["webinar-series"]),
    ("events", &["trade-show-2026"]),
    ("partner", &["partner-referrals"]),
];
const AMERICAS: [&str; 4] = ["US", "CA", "BR", "MX"];
const EMEA: [&str; 5] = ["DE", "FR", "GB", "NL", "ES"];
const TITLES: [&str; 8] = [
    "VP Sales",
    "Director of Marketing",
    "Head of Revenue Operations",
    "Marketing Manager",
    "Sales Manager",
    "CTO",
    "Analyst",
    "Student",
];
const INDUSTRIES: [&str; 5] = [
    "software",
    "manufacturing",
    "finance",
    "healthcare",
    "retail",
];
/// Why sales rejects, roughly as often as teams report it.
const REJECTIONS: [(&str, u64); 7] = [
    ("bad_fit", 30),
    ("no_budget", 15),
    ("wrong_contact", 10),
    ("duplicate", 5),
    ("no_response", 20),
    ("bad_timing", 15),
    ("competitor", 5),
];

/// What [`generate_leads`] makes: `count` leads numbered from `first`, created over the `days`
/// before `until`, drawn from `seed` (the same spec gives the same leads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation {
    pub count: usize,
    pub first: usize,
    pub days: i64,
    pub seed: u64,
    pub until: DateTime<Utc>,
    /// Leads per intake transaction (1 to 1000).
    pub batch: usize,
}

/// The seed of `--demo`'s leads (and `handoff demo-data`'s default).
pub const DEMO_SEED: u64 = 0x00C0_FFEE_2026;

/// Seeds `count` leads with up to 90 days of history through the real intake (as backfill),
/// unless the database has leads already. Returns how many were stored.
#[tracing::instrument(skip(db))]
pub async fn seed_leads(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    count: usize,
) -> anyhow::Result<usize> {
    use crate::entities::leads;
    use sea_orm::PaginatorTrait as _;

    if leads::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let spec = Generation {
        count,
        first: 0,
        days: HISTORY_DAYS,
        seed: DEMO_SEED,
        until: now,
        batch: 500,
    };
    let stored = generate_leads(db, spec, |_| {}).await?;
    tracing::info!(stored, "seeded the demo leads");
    Ok(stored)
}

/// Generates the leads of `spec` with their history through the real intake, as backfill (no
/// notifications), owned by the demo organisation's reps, as an active admin of the database.
/// Memory holds one batch; `progress` hears how many leads each stored batch held. Returns how
/// many were stored.
pub async fn generate_leads(
    db: &DatabaseConnection,
    spec: Generation,
    mut progress: impl FnMut(usize),
) -> anyhow::Result<usize> {
    use crate::auth::{Credential, Principal};
    use crate::handoff::intake::{self, RawLead};

    anyhow::ensure!(
        (1..=1000).contains(&spec.batch),
        "the batch must be 1 to 1000 leads"
    );
    anyhow::ensure!(spec.days >= 1, "the history must span at least one day");
    let admin = users::Entity::find()
        .filter(users::Column::Role.eq(Role::Admin.as_str()))
        .filter(users::Column::Active.eq(true))
        .one(db)
        .await?
        .context("the database has no active admin to generate leads as")?;
    let actor = Principal {
        user_id: admin.id,
        role: Role::Admin,
        credential: Credential::Cli,
    };

    // One stream per spec, whatever the batch size: the leads do not depend on it.
    let mut dice = Dice(spec.seed ^ (spec.first as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut stored = 0;
    // The statistics are refreshed each time the generated leads double (PostgreSQL).
    let mut analyzed_at = spec.batch;
    let mut batch: Vec<RawLead> = Vec::with_capacity(spec.batch);
    for n in spec.first..spec.first + spec.count {
        batch.push(demo_lead(&mut dice, n, spec.until, spec.days));
        if batch.len() == spec.batch || n + 1 == spec.first + spec.count {
            let size = batch.len();
            let outcome = intake::ingest(db, spec.until, &actor, std::mem::take(&mut batch))
                .await
                .map_err(|e| anyhow::anyhow!("demo intake failed: {:?}", e.into_parts()))?;
            if let Some(error) = outcome.errors.first() {
                anyhow::bail!(
                    "demo lead {:?} refused: {:?} {}",
                    error.external_id,
                    error.field,
                    error.message
                );
            }
            stored += outcome.created;
            progress(size);
            if stored >= analyzed_at * 2 {
                analyze(db).await?;
                analyzed_at = stored;
            }
        }
    }
    analyze(db).await?;
    Ok(stored)
}

/// PostgreSQL: refreshes the planner's statistics of the tables a generation grows. Without
/// them (autovacuum off, or not yet run) it plans intake's lookups by e-mail as scans of every
/// lead, and each batch gets slower as the table grows. SQLite plans by its indexes as it is.
async fn analyze(db: &DatabaseConnection) -> anyhow::Result<()> {
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        db.execute_unprepared("ANALYZE leads, lead_events, sla_clocks")
            .await?;
    }
    Ok(())
}

/// One demo lead and its history: most become MQLs and are worked; the last days stay open.
fn demo_lead(
    dice: &mut Dice,
    n: usize,
    now: DateTime<Utc>,
    days: i64,
) -> crate::handoff::intake::RawLead {
    use crate::handoff::intake::{RawLead, RawLeadEvent};
    use chrono::Duration;
    use handoff_shared::lead::Bant;

    let lead_type = *dice.weighted(&LEAD_TYPES);
    let (source, campaigns) = *dice.pick(&SOURCES);
    let campaign = *dice.pick(campaigns);
    let emea = dice.chance(45);
    let country = if emea {
        *dice.pick(&EMEA)
    } else {
        *dice.pick(&AMERICAS)
    };
    // Reps who take new leads (rep 8 is out of office).
    let reps: &[u32] = if emea { &[5, 6, 7] } else { &[1, 2, 3, 4] };
    let owner = format!("rep{}@demo.test", dice.pick(reps));
    let minutes_ago = dice.below((days * 24 * 60) as u64) as i64;
    let created = now - Duration::minutes(minutes_ago);
    let company = n % 1_400;
    let at = |offset: Duration| created + offset;

    let mut events = Vec::new();
    let event = |kind: &str, when: DateTime<Utc>| RawLeadEvent {
        kind: kind.to_owned(),
        occurred_at: Some(when),
        ..Default::default()
    };
    let instant = matches!(lead_type, "demo_request" | "contact_sales");
    // Behaviour that earns points; instant types qualify without it.
    for (i, engagement) in ["pricing_page", "content_download", "webinar_attended"]
        .iter()
        .enumerate()
    {
        if dice.chance(if instant { 20 } else { 55 }) {
            let mut e = event("engagement", at(Duration::minutes(i as i64 + 1)));
            e.engagement = Some((*engagement).to_owned());
            events.push(e);
        }
    }
    let becomes_mql = instant || dice.chance(70);
    let mut cursor = at(Duration::minutes(5));
    if becomes_mql && cursor < now {
        events.push(event("mql", cursor));
        let mut assigned = event("assigned", cursor);
        assigned.owner_email = Some(owner.clone());
        events.push(assigned);
        // Response times: most within the SLA, a tail far outside it.
        let wait = match dice.below(10) {
            0..=4 => Duration::minutes(dice.below(5) as i64 + 1),
            5..=7 => Duration::minutes(dice.below(240) as i64 + 5),
            _ => Duration::hours(dice.below(48) as i64 + 4),
        };
        cursor += wait;
        let recent = now - cursor < Duration::days(2);
        if cursor < now && !(recent && dice.chance(50)) {
            let mut touch = event("touch", cursor);
            touch.channel = Some(dice.pick(&["CALL", "EMAIL", "SOCIAL"]).to_string());
            touch.outcome = Some(
                dice.pick(&["connected", "left voicemail", "sent", "replied"])
                    .to_string(),
            );
            events.push(touch);
            cursor += Duration::minutes(dice.below(180) as i64 + 10);
            if cursor < now && !(recent && dice.chance(50)) {
                if dice.chance(65) {
                    events.push(event("accepted", cursor));
                    cursor += Duration::hours(dice.below(72) as i64 + 2);
                    if cursor < now && dice.chance(45) {
                        let mut qualified = event("qualified", cursor);
                        qualified.bant = Some(Bant {
                            budget: true,
                            authority: dice.chance(80),
                            need: true,
                            timeline: dice.chance(70),
                            notes: None,
                        });
                        events.push(qualified);
                        cursor += Duration::days(dice.below(10) as i64 + 1);
                        if cursor < now && dice.chance(40) {
                            let mut converted = event("converted", cursor);
                            converted.amount = Some((dice.below(90) as f64 + 10.0) * 1_000.0);
                            events.push(converted);
                        }
                    }
                } else {
                    let mut rejected = event("rejected", cursor);
                    rejected.reason_code = Some((*dice.weighted(&REJECTIONS)).to_owned());
                    events.push(rejected);
                }
            }
        }
    }

    events.retain(|e| e.occurred_at.is_some_and(|t| t <= now));

    RawLead {
        external_id: format!("demo-{n:05}"),
        email: format!("contact{n}@company{company}.example"),
        first_name: Some(format!("Contact{n}")),
        last_name: Some("Demo".to_owned()),
        title: Some((*dice.pick(&TITLES)).to_owned()),
        company: Some(format!("Company {company}")),
        company_size: Some(*dice.pick(&[12, 60, 250, 900, 3_000, 12_000])),
        industry: Some((*dice.pick(&INDUSTRIES)).to_owned()),
        country: Some(country.to_owned()),
        source: Some(source.to_owned()),
        campaign: Some(campaign.to_owned()),
        lead_type: lead_type.to_owned(),
        occurred_at: Some(created),
        events: Some(events),
        ..Default::default()
    }
}
