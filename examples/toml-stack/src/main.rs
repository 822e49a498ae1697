//! Serves the stack from `stack.toml` on loopback.
//!
//! ```sh
//! cargo run -p toml-stack-example                        # dev profile
//! STRATA_PROFILE=prod cargo run -p toml-stack-example    # prod profile
//! ```

use std::net::SocketAddr;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt().init();
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8081);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("serving on http://localhost:{port}");
    println!("try: curl -i -H 'origin: http://localhost:3000' http://localhost:{port}/");
    let app = toml_stack_example::stack(toml_stack_example::routes());
    let service = axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<SocketAddr>(app);
    axum::serve(listener, service).await
}
