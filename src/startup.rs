//! Builds the application: pool, migrations, HTTP server and background tasks.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Condition, DefaultHeaders};
use actix_web::{web, App, HttpResponse, HttpServer};
use tracing_actix_web::TracingLogger;

use crate::api::{self, AppState};
use crate::config::Settings;
use crate::db::{self, DbPool};
use crate::jobs;

/// A bound, not yet awaited server.
pub struct Application {
    pub server: Server,
    /// The address bound (the port is the system's choice when the settings asked for 0).
    pub address: std::net::SocketAddr,
    pub pool: DbPool,
}

/// Opens the pool and runs migrations.
pub fn prepare_database(settings: &Settings) -> anyhow::Result<DbPool> {
    let pool = db::connect_pool(&settings.database, settings.pool())?;
    let mut conn = pool.get()?;
    let applied = db::run_migrations(&mut conn)?;
    if applied > 0 {
        tracing::info!(applied, "migrations applied");
    }
    seal_plain_secrets(&mut conn, settings)?;
    Ok(pool)
}

/// Secrets stored before encryption existed are sealed as soon as a key file is given; until
/// then they are never used (their webhooks wait), and the log says why.
fn seal_plain_secrets(conn: &mut db::AnyConnection, settings: &Settings) -> anyhow::Result<()> {
    match &settings.security.secret_keys {
        Some(keys) => {
            let sealed = crate::secrets::store::seal_plain(conn, keys)?;
            if sealed > 0 {
                tracing::info!(sealed, key = keys.active_id(), "plain webhook secrets encrypted");
            }
        }
        None => {
            let plain = crate::secrets::store::count_plain(conn)?;
            if plain > 0 {
                tracing::warn!(
                    plain,
                    "webhook secrets are stored in plain text and will not be used until {} names a key file",
                    crate::secrets::KEY_FILE_SETTING
                );
            }
        }
    }
    Ok(())
}

pub fn build(settings: &Settings, pool: DbPool) -> anyhow::Result<Application> {
    let listener = TcpListener::bind(&settings.bind)?;
    let address = listener.local_addr()?;
    let reports = match &settings.read_database {
        Some(url) if url.backend != settings.database.backend => {
            anyhow::bail!("the read database must use the same backend as the database")
        }
        Some(url) => {
            tracing::info!(read_database = %url.redacted(), "reports and KPIs read from the read database");
            db::connect_read_pool(url, settings.pool())?
        }
        None => pool.clone(),
    };
    let state = AppState {
        pool: pool.clone(),
        reports,
        reservation_ttl: settings.reservation_ttl,
        request_timeout: settings.request_timeout,
        metrics_public: settings.metrics_public,
        forecast: settings.forecast.clone(),
        replenishment: settings.replenishment.clone(),
        secret_keys: settings.security.secret_keys.clone(),
        console: crate::console::ConsoleState {
            idle: settings.security.console.idle,
            secure_cookies: settings.security.tls.is_some(),
        },
    };
    let origins = settings.cors_origins.clone();
    let data = web::Data::new(state);
    // Install the recorder before any request, or counters recorded before the first scrape are lost.
    api::metrics::handle();
    let tls = match &settings.security.tls {
        Some(files) => {
            let cert = std::sync::Arc::new(crate::tls::ReloadableCert::load(files.clone())?);
            crate::tls::reload_on_sighup(cert.clone())?;
            Some(crate::tls::server_config(cert)?)
        }
        None => None,
    };
    // Browsers that once reached the service over TLS refuse plain HTTP to it for a year.
    let hsts = tls.is_some();
    let limits = web::Data::new(api::limits::Limits::new(settings.security.limits));
    let server = HttpServer::new(move || {
        App::new()
            .wrap(cors(&origins))
            .wrap(Condition::new(
                hsts,
                DefaultHeaders::new().add(("Strict-Transport-Security", "max-age=31536000")),
            ))
            .wrap(from_fn(api::limits::enforce))
            .wrap(from_fn(api::metrics::track))
            .wrap(TracingLogger::default())
            .wrap(from_fn(api::guard::guard))
            .app_data(data.clone())
            .app_data(limits.clone())
            .configure(api::configure)
            .configure(crate::console::configure)
            .default_service(web::to(not_found))
    });
    let mut server = match tls {
        Some(config) => server.listen_rustls_0_23(listener, config)?,
        None => server.listen(listener)?,
    };
    if let Some(workers) = settings.workers {
        server = server.workers(workers.max(1));
    }
    let server = server.run();
    jobs::spawn(pool.clone(), settings.expiry_interval);
    if let Some(interval) = settings.forecast_interval {
        jobs::spawn_forecasts(pool.clone(), settings.forecast.clone(), interval);
    }
    if let Some(interval) = settings.replenishment_interval {
        jobs::spawn_replenishment(pool.clone(), settings.replenishment.clone(), interval);
    }
    if let Some(interval) = settings.urgent_interval {
        jobs::spawn_urgent_replenishment(pool.clone(), settings.replenishment.clone(), interval);
    }
    if let Some(interval) = settings.webhook_interval {
        crate::webhooks::delivery::spawn(pool.clone(), interval, settings.security.secret_keys.clone());
    }
    Ok(Application { server, address, pool })
}

/// CORS stays closed (no headers: browsers refuse cross-origin calls) unless origins are set.
fn cors(origins: &[String]) -> actix_web::middleware::Condition<actix_cors::Cors> {
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers(["authorization", "content-type", "idempotency-key"])
        .expose_headers(["x-request-id", "idempotent-replayed"])
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    actix_web::middleware::Condition::new(!origins.is_empty(), cors)
}

async fn not_found() -> HttpResponse {
    crate::error::AppError::not_found("route", "for this path")
        .problem()
        .response()
}
