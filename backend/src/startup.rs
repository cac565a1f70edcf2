//! The production wiring: database, migrations, first admin, schema, HTTP server.
//! Tests build the very same [`Application`] on port 0.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use tracing_actix_web::TracingLogger;

use crate::auth::bootstrap;
use crate::clock::{SharedClock, SystemClock};
use crate::configuration::Settings;
use crate::graphql::{AppSchema, build_schema};
use crate::routes;
use crate::state::AppState;
use crate::{db, graphql};

/// A built, bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

impl Application {
    /// Connects and migrates the database, creates the first admin if needed, and binds the
    /// listener (port 0 picks a free port).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// [`Application::build`] with a chosen clock (tests pass a `ManualClock`).
    pub async fn build_with_clock(settings: Settings, clock: SharedClock) -> anyhow::Result<Self> {
        // Bind first: a taken port should fail before the database is touched.
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        let address = listener.local_addr()?;

        let db = db::connect(&settings.database).await?;
        db::migrate(&db).await?;
        bootstrap::ensure_first_admin(&db, clock.now(), &settings).await?;
        if settings.demo {
            crate::demo::seed_organisation(&db, clock.now()).await?;
            crate::demo::seed_leads(&db, clock.now(), settings.demo_leads).await?;
        }
        let state = AppState::new(db, clock, settings);
        // Delivers the notification outbox (signed webhooks), retrying with backoff.
        crate::notify::outbox::spawn_sender(state.clone());
        // Fires SLA thresholds (at risk, breached) at their instants.
        if state.settings.sla_scheduler {
            crate::sla::scheduler::spawn(state.clone());
        }
        // Sends the weekly digest to marketing ops at its scheduled instant.
        if state.settings.weekly_digest {
            crate::notify::digest::spawn(state.clone());
        }
        // Attributes finished SLA clocks for the compliance report.
        if state.settings.report_facts {
            crate::reports::facts::spawn(state.clone());
        }
        // Recycles leads whose follow-up cadence ran out without a connect, every minute.
        crate::handoff::cadence::spawn_sweeper(state.clone());
        // Tells admins, once per month, about each maintenance red flag of the last month.
        crate::reports::governance::spawn_checker(state.clone());
        // Turns committed `lead_events` into live events for the subscriptions.
        crate::events::feed::spawn(state.db.clone(), state.events.clone())
            .await
            .context("cannot start the live feed")?;
        let schema = build_schema(state.clone());
        let server = run(listener, state.clone(), schema)?;
        tracing::info!(%address, "Handoff is listening on http://{address}");
        Ok(Self {
            port: address.port(),
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state (database, clock, event bus), for tests and background jobs.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until the process is told to stop (SIGINT/SIGTERM).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn run(listener: TcpListener, state: AppState, schema: AppSchema) -> anyhow::Result<Server> {
    let frontend = routes::frontend::Frontend::detect(&state.settings.static_dir);
    let state = web::Data::new(state);
    let schema = web::Data::new(schema);
    let server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(routes::metrics::record))
            .wrap(Compress::default())
            .wrap(TracingLogger::default())
            .app_data(state.clone())
            .app_data(schema.clone())
            .app_data(web::PayloadConfig::new(routes::graphql::MAX_BODY_BYTES))
            .route("/graphql", web::post().to(routes::graphql::graphql))
            .route("/graphql", web::get().to(routes::graphql::graphql_ws))
            .route("/graphiql", web::get().to(routes::graphql::graphiql))
            .route("/webhooks/leads", web::post().to(routes::webhooks::leads))
            .route("/reports/{file}", web::get().to(routes::reports::export))
            .route("/healthz", web::get().to(routes::health::healthz))
            .route("/metrics", web::get().to(routes::metrics::metrics))
            .configure(|cfg| routes::frontend::configure(cfg, &frontend))
    })
    .listen(listener)?
    .run();
    Ok(server)
}

/// The schema SDL (no database needed).
pub fn schema_sdl() -> String {
    graphql::schema::sdl()
}
