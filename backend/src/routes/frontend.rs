//! The built frontend at `/`: files from `HANDOFF_STATIC_DIR`, and `index.html` for every
//! other GET so that client-side routes (`/leads/42`) survive a reload.

use std::path::{Path, PathBuf};

use actix_files::{Files, NamedFile};
use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};

/// Where the frontend comes from, decided once at start.
#[derive(Debug, Clone)]
pub enum Frontend {
    /// A directory with a built `index.html`.
    Built(PathBuf),
    /// Not built yet: `/` explains how to build it.
    Missing(PathBuf),
}

impl Frontend {
    pub fn detect(static_dir: &Path) -> Self {
        if static_dir.join("index.html").is_file() {
            Self::Built(static_dir.to_owned())
        } else {
            tracing::warn!(
                dir = %static_dir.display(),
                "no built frontend (index.html) found; serving a placeholder page at /"
            );
            Self::Missing(static_dir.to_owned())
        }
    }
}

/// Mounts the frontend, or a page explaining how to build it.
pub fn configure(cfg: &mut web::ServiceConfig, frontend: &Frontend) {
    match frontend {
        Frontend::Built(dir) => {
            let index = dir.join("index.html");
            cfg.service(
                Files::new("/", dir)
                    .index_file("index.html")
                    .prefer_utf8(true)
                    .default_handler(fn_service(move |request: ServiceRequest| {
                        spa_fallback(request, index.clone())
                    })),
            );
        }
        Frontend::Missing(dir) => {
            let dir = dir.display().to_string();
            cfg.default_service(web::to(move |request: HttpRequest| {
                missing_frontend(request, dir.clone())
            }));
        }
    }
}

async fn spa_fallback(
    request: ServiceRequest,
    index: PathBuf,
) -> Result<ServiceResponse, actix_web::Error> {
    let (request, _) = request.into_parts();
    let last_segment = request.path().rsplit('/').next().unwrap_or_default();
    // A missing asset (`/app-1a2b.js`) is a 404, not the app shell.
    let looks_like_file = last_segment.contains('.');
    if !matches!(*request.method(), Method::GET | Method::HEAD) || looks_like_file {
        return Ok(ServiceResponse::new(
            request,
            HttpResponse::NotFound().finish(),
        ));
    }
    let file = NamedFile::open_async(&index).await?;
    let response = file.into_response(&request);
    Ok(ServiceResponse::new(request, response))
}

async fn missing_frontend(request: HttpRequest, dir: String) -> HttpResponse {
    let dir = html_escape(&dir);
    let mut response = if request.path() == "/" {
        HttpResponse::Ok()
    } else {
        HttpResponse::NotFound()
    };
    response.content_type("text/html; charset=utf-8").body(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Handoff</title></head>\
         <body style=\"font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5\">\
         <h1>Handoff is running</h1>\
         <p>The web interface has not been built: there is no <code>index.html</code> in <code>{dir}</code>.</p>\
         <p>Build it with <code>trunk build --release</code> in <code>frontend/</code>, or point \
         <code>HANDOFF_STATIC_DIR</code> at a built copy.</p>\
         <p>The API works regardless: <a href=\"/graphiql\">GraphiQL</a> · <a href=\"/healthz\">health</a> · \
         <a href=\"/metrics\">metrics</a>.</p></body></html>"
    ))
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
