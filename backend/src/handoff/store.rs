//! The lead event log and its projection, the `leads` row.
//!
//! Every change to a lead goes through [`LeadRecord::append`]: the event is written to
//! `lead_events` and folded into the in-memory [`LeadState`]; [`LeadRecord::save`] then writes
//! the projection back with an optimistic version check, so two concurrent changes to one lead
//! cannot both win. Callers do both inside one transaction.
//!
//! Bulk writers (intake) may collect the events in an [`EventBuffer`] instead
//! ([`LeadRecord::create_buffered`], [`LeadRecord::append_buffered`]) and write them with
//! multi-row INSERTs before commit: one statement per [`EVENT_CHUNK`] events instead of one
//! each. A buffered event has no id until flushed, and the log read back inside the
//! transaction lacks it until then.
//!
//! Intake also writes the leads it creates behind: [`LeadBuffer`] gives a new lead an id
//! reserved up front ([`IdReserve`]) instead of inserting the row to learn it, keeps the lead's
//! latest row in memory, and writes all of them with multi-row upserts when flushed. Flush
//! before anything reads those rows or references them (`sla_clocks` and `lead_events` rows
//! have foreign keys to `leads`), and before commit.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use chrono::{DateTime, Utc};
use handoff_shared::domain::LeadStatus;
use handoff_shared::lead::{Bant, LeadEvent, LeadProfile, LeadState, ScoreLine};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DbBackend, EntityTrait as _,
    Iterable as _, QueryFilter as _, Set, Statement,
};

use crate::entities::{lead_events, leads};
use crate::error::ApiError;

/// Most events one multi-row INSERT carries: 8 bound values a row, well under SQLite's 32,766
/// and PostgreSQL's 65,535.
pub const EVENT_CHUNK: usize = 1_000;

/// `lead_events` rows not written yet; [`EventBuffer::flush`] writes them in order (so their
/// ids keep the order they were appended in). Flush before reading a lead's log and before
/// commit: whatever is left in a dropped buffer is never written.
#[derive(Debug, Default)]
pub struct EventBuffer {
    rows: Vec<lead_events::ActiveModel>,
}

impl EventBuffer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Writes the buffered events, [`EVENT_CHUNK`] a statement, and empties the buffer.
    pub async fn flush(&mut self, conn: &impl ConnectionTrait) -> Result<(), ApiError> {
        let mut rows = std::mem::take(&mut self.rows);
        while !rows.is_empty() {
            let rest = rows.split_off(rows.len().min(EVENT_CHUNK));
            lead_events::Entity::insert_many(rows)
                .exec_without_returning(conn)
                .await?;
            rows = rest;
        }
        Ok(())
    }
}

/// Most values one statement binds: SQLite allows 32,766, PostgreSQL 65,535.
pub const MAX_BIND_VALUES: usize = 32_000;

/// Ids of a table's `id` column handed out before the rows are written, so that a bulk writer
/// knows a row's id without inserting it first.
///
/// PostgreSQL: values drawn from the column's sequence (`nextval`), as an INSERT would draw
/// them. SQLite (the table is AUTOINCREMENT): the ids after the larger of `max(id)` and the
/// table's `sqlite_sequence` entry, which is moved past them, so that an automatic id drawn
/// later in the same transaction lands above the reservation. Read and moved inside the
/// caller's write transaction, the reservation belongs to that transaction (the process has
/// one SQLite connection, so its transactions are serial). [`IdReserve::release`] gives the
/// unused ids back once the rows are written, so that SQLite ids stay without gaps.
#[derive(Debug)]
pub struct IdReserve {
    table: &'static str,
    free: VecDeque<i64>,
    /// SQLite: the `sqlite_sequence` value this reservation set.
    top: Option<i64>,
}

impl IdReserve {
    /// `table` is a table with an auto-increment `id` column.
    pub fn new(table: &'static str) -> Self {
        Self {
            table,
            free: VecDeque::new(),
            top: None,
        }
    }

    /// The next reserved id; when none is left, reserves `more` (at least one) first.
    pub async fn take(
        &mut self,
        conn: &impl ConnectionTrait,
        more: usize,
    ) -> Result<i64, ApiError> {
        if self.free.is_empty() {
            self.reserve(conn, more.max(1)).await?;
        }
        self.free
            .pop_front()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no {} id was reserved", self.table)))
    }

    async fn reserve(&mut self, conn: &impl ConnectionTrait, n: usize) -> Result<(), ApiError> {
        let backend = conn.get_database_backend();
        let n = i64::try_from(n).map_err(ApiError::internal)?;
        if backend == DbBackend::Postgres {
            let rows = conn
                .query_all(Statement::from_sql_and_values(
                    backend,
                    "SELECT nextval(pg_get_serial_sequence($1, 'id')) AS id \
                     FROM generate_series(1, $2::bigint)",
                    [self.table.into(), n.into()],
                ))
                .await?;
            let mut ids = rows
                .iter()
                .map(|row| row.try_get::<i64>("", "id"))
                .collect::<Result<Vec<_>, _>>()?;
            ids.sort_unstable();
            self.free.extend(ids);
            return Ok(());
        }
        let sql = format!(
            "SELECT max(COALESCE((SELECT max(seq) FROM sqlite_sequence WHERE name = ?), 0), \
             COALESCE((SELECT max(id) FROM \"{}\"), 0)) AS top",
            self.table
        );
        let from: i64 = conn
            .query_one(Statement::from_sql_and_values(
                backend,
                sql,
                [self.table.into()],
            ))
            .await?
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no largest {} id", self.table)))?
            .try_get("", "top")?;
        let top = from + n;
        let moved = conn
            .execute(Statement::from_sql_and_values(
                backend,
                "UPDATE sqlite_sequence SET seq = ? WHERE name = ?",
                [top.into(), self.table.into()],
            ))
            .await?;
        if moved.rows_affected() == 0 {
            conn.execute(Statement::from_sql_and_values(
                backend,
                "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)",
                [self.table.into(), top.into()],
            ))
            .await?;
        }
        self.top = Some(top);
        self.free.extend(from + 1..=top);
        Ok(())
    }

    /// Gives back the ids not taken (SQLite: the next automatic id follows the last one used,
    /// unless something moved the sequence since; PostgreSQL: a sequence has gaps anyway). Call
    /// it once the rows of the taken ids are written.
    pub async fn release(&mut self, conn: &impl ConnectionTrait) -> Result<(), ApiError> {
        if let (Some(top), Some(first)) = (self.top, self.free.front().copied()) {
            conn.execute(Statement::from_sql_and_values(
                conn.get_database_backend(),
                "UPDATE sqlite_sequence SET seq = ? WHERE name = ? AND seq = ?",
                [(first - 1).into(), self.table.into(), top.into()],
            ))
            .await?;
        }
        self.free.clear();
        self.top = None;
        Ok(())
    }
}

/// Leads created in this transaction whose rows are written behind (see the module
/// documentation). A pending row is what the database would hold had the lead been inserted
/// when created and saved when its change was done, so flushing at any point leaves the
/// database as row-by-row writing would have.
#[derive(Debug)]
pub struct LeadBuffer {
    ids: IdReserve,
    /// Leads created through this buffer: only the buffer writes their rows.
    created: HashSet<i64>,
    /// Their latest rows not written yet, by id, with the owner whose open leads they count
    /// among (the owner of an MQL, SAL or SQL lead).
    rows: BTreeMap<i64, (leads::ActiveModel, Option<i64>)>,
    /// Of the created leads written already: the owner whose open leads the written row counts
    /// among.
    written_owner: HashMap<i64, Option<i64>>,
}

impl Default for LeadBuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl LeadBuffer {
    pub fn new() -> Self {
        Self {
            ids: IdReserve::new("leads"),
            created: HashSet::new(),
            rows: BTreeMap::new(),
            written_owner: HashMap::new(),
        }
    }

    /// Whether the lead was created through this buffer (its row is written by
    /// [`LeadBuffer::stage`] and [`LeadBuffer::flush`], never by [`LeadRecord::save`]).
    pub fn created(&self, id: i64) -> bool {
        self.created.contains(&id)
    }

    /// Whether rows wait to be written.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// [`LeadRecord::create`] with the row kept for the next flush and the `Created` event put
    /// in `events`. `expected` is how many leads the caller may still create: when the
    /// reserved ids run out, that many are reserved at once.
    #[allow(clippy::too_many_arguments)]
    pub async fn create(
        &mut self,
        conn: &impl ConnectionTrait,
        events: &mut EventBuffer,
        expected: usize,
        profile: LeadProfile,
        external_id: &str,
        actor_id: Option<i64>,
        occurred_at: DateTime<Utc>,
        recorded_at: DateTime<Utc>,
    ) -> Result<LeadRecord, ApiError> {
        let id = self.ids.take(conn, expected).await?;
        let state = LeadState::new(profile.clone(), occurred_at);
        let record = LeadRecord {
            id,
            loaded_version: state.version,
            state,
        };
        self.created.insert(id);
        self.stage(&record, external_id);
        events.rows.push(event_row(
            id,
            &LeadEvent::Created { profile },
            None,
            None,
            actor_id,
            occurred_at,
            recorded_at,
        ));
        Ok(record)
    }

    /// Keeps the current row of `record` (created through this buffer) for the next flush.
    pub fn stage(&mut self, record: &LeadRecord, external_id: &str) {
        let mut row = active_model(&record.state);
        row.id = Set(record.id);
        row.external_id = Set(external_id.to_owned());
        let state = &record.state;
        let counted = state.owner_id.filter(|_| {
            matches!(
                state.status,
                LeadStatus::Mql | LeadStatus::Sal | LeadStatus::Sql
            )
        });
        self.rows.insert(record.id, (row, counted));
    }

    /// The owners whose count of open (MQL, SAL, SQL) leads in the database differs from the
    /// count with the rows not written yet: a query counting them must follow a flush.
    pub fn owners_unwritten(&self) -> HashSet<i64> {
        let mut owners = HashSet::new();
        for (id, (_, counted)) in &self.rows {
            let written = self.written_owner.get(id).copied().flatten();
            if written != *counted {
                owners.extend(written);
                owners.extend(*counted);
            }
        }
        owners
    }

    /// Writes the pending rows with multi-row upserts (as many rows a statement as
    /// [`MAX_BIND_VALUES`] allows). The ids reserved and not used yet stay reserved.
    pub async fn flush(&mut self, conn: &impl ConnectionTrait) -> Result<(), ApiError> {
        if !self.rows.is_empty() {
            let columns: Vec<leads::Column> = leads::Column::iter().collect();
            let per_statement = (MAX_BIND_VALUES / columns.len()).max(1);
            let updated: Vec<leads::Column> = columns
                .iter()
                .copied()
                .filter(|c| !matches!(c, leads::Column::Id))
                .collect();
            let rows = std::mem::take(&mut self.rows);
            let mut batch = Vec::with_capacity(per_statement.min(rows.len()));
            let mut remaining = rows.len();
            for (id, (row, counted)) in rows {
                self.written_owner.insert(id, counted);
                batch.push(row);
                remaining -= 1;
                if batch.len() == per_statement || remaining == 0 {
                    leads::Entity::insert_many(std::mem::take(&mut batch))
                        .on_conflict(
                            OnConflict::column(leads::Column::Id)
                                .update_columns(updated.iter().copied())
                                .to_owned(),
                        )
                        .exec_without_returning(conn)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Gives back the reserved ids not used (see [`IdReserve::release`]); after the last flush.
    pub async fn release_ids(&mut self, conn: &impl ConnectionTrait) -> Result<(), ApiError> {
        self.ids.release(conn).await
    }
}

/// A lead loaded for change: its id, the state as stored, and the version it was read at.
#[derive(Debug, Clone)]
pub struct LeadRecord {
    pub id: i64,
    pub state: LeadState,
    /// The row's version when loaded; `save` succeeds only if it is unchanged.
    loaded_version: i32,
}

/// An event as it will be written: who did it and when it happened.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub event: LeadEvent,
    pub actor_id: Option<i64>,
    pub occurred_at: DateTime<Utc>,
}

impl LeadRecord {
    /// Loads a lead, or `None` when there is no such lead.
    pub async fn load(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Self>, ApiError> {
        let Some(model) = leads::Entity::find_by_id(id).one(conn).await? else {
            return Ok(None);
        };
        Ok(Some(Self::from_model(model)?))
    }

    /// Loads a lead or answers NOT_FOUND.
    pub async fn get(conn: &impl ConnectionTrait, id: i64) -> Result<Self, ApiError> {
        Self::load(conn, id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no lead with id {id}")))
    }

    pub fn from_model(model: leads::Model) -> Result<Self, ApiError> {
        let version = model.version;
        let id = model.id;
        Ok(Self {
            id,
            state: state_from_model(model)?,
            loaded_version: version,
        })
    }

    /// Creates the lead row from a `Created` event and writes that event. The lead's first
    /// event must be `Created`.
    pub async fn create(
        conn: &impl ConnectionTrait,
        profile: LeadProfile,
        external_id: &str,
        actor_id: Option<i64>,
        occurred_at: DateTime<Utc>,
        recorded_at: DateTime<Utc>,
    ) -> Result<Self, ApiError> {
        let mut events = EventBuffer::new();
        let record = Self::create_buffered(
            conn,
            &mut events,
            profile,
            external_id,
            actor_id,
            occurred_at,
            recorded_at,
        )
        .await?;
        events.flush(conn).await?;
        Ok(record)
    }

    /// [`LeadRecord::create`] with the `Created` event put in `events` (the row is written).
    pub async fn create_buffered(
        conn: &impl ConnectionTrait,
        events: &mut EventBuffer,
        profile: LeadProfile,
        external_id: &str,
        actor_id: Option<i64>,
        occurred_at: DateTime<Utc>,
        recorded_at: DateTime<Utc>,
    ) -> Result<Self, ApiError> {
        let state = LeadState::new(profile.clone(), occurred_at);
        let mut row = active_model(&state);
        row.external_id = Set(external_id.to_owned());
        let inserted = row.insert(conn).await?;
        let record = Self {
            id: inserted.id,
            loaded_version: state.version,
            state,
        };
        events.rows.push(event_row(
            record.id,
            &LeadEvent::Created { profile },
            None,
            None,
            actor_id,
            occurred_at,
            recorded_at,
        ));
        Ok(record)
    }

    /// Appends an event to the log and folds it into the state. The caller has checked that
    /// the event is allowed (stage machine, permissions).
    pub async fn append(
        &mut self,
        conn: &impl ConnectionTrait,
        recorded: Recorded,
        recorded_at: DateTime<Utc>,
    ) -> Result<i64, ApiError> {
        let from = self.state.status;
        let to = recorded.event.target_status();
        let id = write_event(
            conn,
            self.id,
            &recorded.event,
            Some(from),
            to,
            recorded.actor_id,
            recorded.occurred_at,
            recorded_at,
        )
        .await?;
        self.state.apply(&recorded.event, recorded.occurred_at);
        Ok(id)
    }

    /// [`LeadRecord::append`] with the event put in `events` instead of written.
    pub fn append_buffered(
        &mut self,
        events: &mut EventBuffer,
        recorded: Recorded,
        recorded_at: DateTime<Utc>,
    ) {
        events.rows.push(event_row(
            self.id,
            &recorded.event,
            Some(self.state.status),
            recorded.event.target_status(),
            recorded.actor_id,
            recorded.occurred_at,
            recorded_at,
        ));
        self.state.apply(&recorded.event, recorded.occurred_at);
    }

    /// Writes the projection back; CONFLICT when someone else changed the lead since it was
    /// loaded.
    pub async fn save(&mut self, conn: &impl ConnectionTrait) -> Result<(), ApiError> {
        let mut row = active_model(&self.state);
        row.id = Set(self.id);
        let result = leads::Entity::update_many()
            .set(row)
            .filter(leads::Column::Id.eq(self.id))
            .filter(leads::Column::Version.eq(self.loaded_version))
            .exec(conn)
            .await?;
        if result.rows_affected == 0 {
            return Err(ApiError::Conflict(
                "the lead was changed by someone else; reload and try again".to_owned(),
            ));
        }
        self.loaded_version = self.state.version;
        // The verdicts of its clocks are attributed again (`reports::facts`).
        crate::reports::facts::invalidate(conn, self.id).await?;
        Ok(())
    }

    /// Bumps the version of a lead row without other change, to claim it inside a transaction
    /// (PostgreSQL takes the row lock here, so the second of two racing writers waits, then
    /// finds the version moved and answers CONFLICT).
    pub async fn lock(&self, conn: &impl ConnectionTrait) -> Result<(), ApiError> {
        let result = leads::Entity::update_many()
            .col_expr(
                leads::Column::Version,
                Expr::col(leads::Column::Version).add(0),
            )
            .filter(leads::Column::Id.eq(self.id))
            .filter(leads::Column::Version.eq(self.loaded_version))
            .exec(conn)
            .await?;
        if result.rows_affected == 0 {
            return Err(ApiError::Conflict(
                "the lead was changed by someone else; reload and try again".to_owned(),
            ));
        }
        Ok(())
    }
}

#[allow(clippy::too_many_arguments)]
async fn write_event(
    conn: &impl ConnectionTrait,
    lead_id: i64,
    event: &LeadEvent,
    from: Option<LeadStatus>,
    to: Option<LeadStatus>,
    actor_id: Option<i64>,
    occurred_at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
) -> Result<i64, ApiError> {
    let row = event_row(lead_id, event, from, to, actor_id, occurred_at, recorded_at);
    Ok(lead_events::Entity::insert(row)
        .exec(conn)
        .await?
        .last_insert_id)
}

/// The `lead_events` row of an event (without id).
fn event_row(
    lead_id: i64,
    event: &LeadEvent,
    from: Option<LeadStatus>,
    to: Option<LeadStatus>,
    actor_id: Option<i64>,
    occurred_at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
) -> lead_events::ActiveModel {
    lead_events::ActiveModel {
        lead_id: Set(lead_id),
        kind: Set(event.kind().to_owned()),
        actor_id: Set(actor_id),
        from_status: Set(from.map(|s| s.as_str().to_owned())),
        to_status: Set(to.map(|s| s.as_str().to_owned())),
        payload: Set(event.payload_json()),
        occurred_at: Set(occurred_at),
        recorded_at: Set(recorded_at),
        ..Default::default()
    }
}

/// The `leads` row of a state (without id and external id).
pub fn active_model(state: &LeadState) -> leads::ActiveModel {
    let p = &state.profile;
    leads::ActiveModel {
        email: Set(p.email.clone()),
        email_domain: Set(p.email_domain().to_owned()),
        first_name: Set(p.first_name.clone()),
        last_name: Set(p.last_name.clone()),
        title: Set(p.title.clone()),
        phone: Set(p.phone.clone()),
        company: Set(p.company.clone()),
        company_size: Set(p.company_size),
        industry: Set(p.industry.clone()),
        country: Set(p.country.clone()),
        region: Set(p.region.clone()),
        source: Set(p.source.clone()),
        campaign: Set(p.campaign.clone()),
        lead_type: Set(p.lead_type.clone()),
        score: Set(state.score),
        score_breakdown: Set(
            serde_json::to_string(&state.score_breakdown).unwrap_or_else(|_| "[]".to_owned())
        ),
        status: Set(state.status.as_str().to_owned()),
        owner_id: Set(state.owner_id),
        team_id: Set(state.team_id),
        created_at: Set(state.created_at),
        updated_at: Set(state.updated_at),
        mql_at: Set(state.mql_at),
        assigned_at: Set(state.assigned_at),
        sal_at: Set(state.sal_at),
        sql_at: Set(state.sql_at),
        opportunity_at: Set(state.opportunity_at),
        recycled_at: Set(state.recycled_at),
        disqualified_at: Set(state.disqualified_at),
        first_response_at: Set(state.first_response_at),
        last_activity_at: Set(state.last_activity_at),
        rejected_at: Set(state.rejected_at),
        routed_at: Set(state.routed_at),
        missing_fields: Set(p.missing_required()),
        rejection_reason: Set(state.rejection_reason.clone()),
        rejection_note: Set(state.rejection_note.clone()),
        disqualify_reason: Set(state.disqualify_reason.clone()),
        bant: Set(state
            .bant
            .as_ref()
            .and_then(|b| serde_json::to_string(b).ok())),
        amount: Set(state.amount),
        touches: Set(state.touches),
        version: Set(state.version),
        ..Default::default()
    }
}

/// The state a `leads` row holds.
pub fn state_from_model(m: leads::Model) -> Result<LeadState, ApiError> {
    let status = LeadStatus::parse(&m.status).ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!(
            "lead {} has an unknown status {:?}",
            m.id,
            m.status
        ))
    })?;
    let breakdown: Vec<ScoreLine> = serde_json::from_str(&m.score_breakdown)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("lead {} score breakdown: {e}", m.id)))?;
    let bant: Option<Bant> = match &m.bant {
        Some(text) => Some(
            serde_json::from_str(text)
                .map_err(|e| ApiError::internal(anyhow::anyhow!("lead {} bant: {e}", m.id)))?,
        ),
        None => None,
    };
    Ok(LeadState {
        profile: LeadProfile {
            email: m.email,
            first_name: m.first_name,
            last_name: m.last_name,
            title: m.title,
            phone: m.phone,
            company: m.company,
            company_size: m.company_size,
            industry: m.industry,
            country: m.country,
            region: m.region,
            source: m.source,
            campaign: m.campaign,
            lead_type: m.lead_type,
        },
        status,
        score: m.score,
        score_breakdown: breakdown,
        owner_id: m.owner_id,
        team_id: m.team_id,
        created_at: m.created_at,
        updated_at: m.updated_at,
        mql_at: m.mql_at,
        assigned_at: m.assigned_at,
        sal_at: m.sal_at,
        sql_at: m.sql_at,
        opportunity_at: m.opportunity_at,
        recycled_at: m.recycled_at,
        disqualified_at: m.disqualified_at,
        first_response_at: m.first_response_at,
        last_activity_at: m.last_activity_at,
        rejected_at: m.rejected_at,
        routed_at: m.routed_at,
        rejection_reason: m.rejection_reason,
        rejection_note: m.rejection_note,
        disqualify_reason: m.disqualify_reason,
        bant,
        amount: m.amount,
        touches: m.touches,
        version: m.version,
    })
}

/// The whole log of one lead, oldest first (occurred_at, then insertion order).
pub async fn history(
    conn: &impl ConnectionTrait,
    lead_id: i64,
) -> Result<Vec<lead_events::Model>, ApiError> {
    use sea_orm::QueryOrder as _;
    Ok(lead_events::Entity::find()
        .filter(lead_events::Column::LeadId.eq(lead_id))
        .order_by_asc(lead_events::Column::OccurredAt)
        .order_by_asc(lead_events::Column::Id)
        .all(conn)
        .await?)
}
