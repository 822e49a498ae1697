use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use http::{Method, Request, StatusCode};
use tokio::sync::Notify;
use tower::{Service, ServiceExt};
use tower_layer::Layer;

use super::MetricsLayer;
use super::registry::{Registry, method_index};
use crate::route::{RecordRoutes as _, RouteHook};
use crate::test_util::{body_string, header_values};

static BUCKETS: &[f64] = &[0.005, 0.01, 0.1, 1.0];

fn app() -> Router {
    Router::new()
        .route(
            "/users/{id}",
            get(|| async { "user" }).post(|| async { StatusCode::CREATED }),
        )
        .route("/broken", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
        .nest("/api", Router::new().route("/items/{item}", get(|| async { "item" })))
}

/// The app with its routes marked, as generated code builds it.
fn marked(router: Router) -> Router {
    RouteHook::new(router).record_routes()
}

async fn send<S>(service: &S, method: &str, path: &str) -> (StatusCode, String)
where
    S: Service<Request<Body>, Response = http::Response<Body>, Error = std::convert::Infallible> + Clone,
{
    let request = Request::builder()
        .method(method)
        .uri(path)
        .body(Body::empty())
        .expect("valid request");
    let response = service.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    (status, body_string(response).await)
}

fn lines_with<'a>(exposition: &'a str, prefix: &str) -> Vec<&'a str> {
    exposition.lines().filter(|line| line.starts_with(prefix)).collect()
}

#[tokio::test]
async fn requests_are_counted_by_method_route_template_and_status() {
    let layer = MetricsLayer::new("/metrics", BUCKETS);
    let service = layer.layer(marked(app()));
    for id in 0..3 {
        assert_eq!(send(&service, "GET", &format!("/users/{id}")).await.0, StatusCode::OK);
    }
    assert_eq!(send(&service, "POST", "/users/9").await.0, StatusCode::CREATED);
    assert_eq!(send(&service, "GET", "/api/items/7").await.0, StatusCode::OK);
    assert_eq!(
        send(&service, "GET", "/broken").await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(send(&service, "GET", "/nope/123").await.0, StatusCode::NOT_FOUND);
    // Another method on a route: the route's own 405, labelled with it.
    assert_eq!(
        send(&service, "DELETE", "/users/1").await.0,
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(
        send(&service, "BREW", "/users/1").await.0,
        StatusCode::METHOD_NOT_ALLOWED
    );

    let (status, exposition) = send(&service, "GET", "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        lines_with(&exposition, "http_requests_total{"),
        [
            r#"http_requests_total{method="GET",route="/api/items/{item}",status="200"} 1"#,
            r#"http_requests_total{method="GET",route="/broken",status="500"} 1"#,
            r#"http_requests_total{method="GET",route="/users/{id}",status="200"} 3"#,
            r#"http_requests_total{method="POST",route="/users/{id}",status="201"} 1"#,
            r#"http_requests_total{method="DELETE",route="/users/{id}",status="405"} 1"#,
            r#"http_requests_total{method="other",route="/users/{id}",status="405"} 1"#,
            r#"http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
        ],
        "{exposition}"
    );
    assert_eq!(layer.render(), exposition, "a scrape is not counted");
    assert!(exposition.contains("# TYPE http_requests_total counter\n"));
    assert!(exposition.contains("# TYPE http_request_duration_seconds histogram\n"));
    assert!(exposition.ends_with("# TYPE http_requests_in_flight gauge\nhttp_requests_in_flight 0\n"));
}

#[tokio::test]
async fn each_histogram_is_cumulative_and_ends_in_its_count() {
    let layer = MetricsLayer::new("/metrics", BUCKETS);
    let service = layer.layer(marked(app()));
    for _ in 0..4 {
        send(&service, "GET", "/users/1").await;
    }
    let exposition = layer.render();
    let buckets = lines_with(
        &exposition,
        r#"http_request_duration_seconds_bucket{method="GET",route="/users/{id}","#,
    );
    let les: Vec<&str> = buckets
        .iter()
        .map(|line| {
            line.split("le=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap()
        })
        .collect();
    assert_eq!(les, ["0.005", "0.01", "0.1", "1", "+Inf"]);
    let counts: Vec<u64> = buckets
        .iter()
        .map(|line| line.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert!(counts.windows(2).all(|pair| pair[0] <= pair[1]), "{counts:?}");
    assert_eq!(counts.last(), Some(&4));
    assert!(exposition.contains("http_request_duration_seconds_count{method=\"GET\",route=\"/users/{id}\"} 4\n"));
    let sum_line = lines_with(&exposition, "http_request_duration_seconds_sum{method=\"GET\"")[0];
    let sum: f64 = sum_line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(sum > 0.0 && sum < 4.0, "{sum_line}");
}

#[test]
fn durations_fall_in_the_first_bucket_whose_bound_they_do_not_exceed() {
    let registry = Registry::new(BUCKETS);
    let get = method_index(&Method::GET);
    for millis in [5, 6, 10, 2000] {
        registry.record(Some("/t"), get, 200, Duration::from_millis(millis));
    }
    let exposition = registry.expose();
    for (le, count) in [("0.005", 1), ("0.01", 3), ("0.1", 3), ("1", 3), ("+Inf", 4)] {
        let line = format!("http_request_duration_seconds_bucket{{method=\"GET\",route=\"/t\",le=\"{le}\"}} {count}\n");
        assert!(exposition.contains(&line), "{line}in{exposition}");
    }
    assert!(exposition.contains("http_request_duration_seconds_sum{method=\"GET\",route=\"/t\"} 2.021\n"));
}

#[test]
fn label_values_are_escaped() {
    let registry = Registry::new(BUCKETS);
    registry.record(Some("/a\"b\\c\nd"), 0, 200, Duration::ZERO);
    assert!(
        registry
            .expose()
            .contains(r#"http_requests_total{method="GET",route="/a\"b\\c\nd",status="200"} 1"#)
    );
}

#[tokio::test]
async fn the_scrape_answers_get_and_head_and_refuses_other_methods() {
    let layer = MetricsLayer::new("/internal/metrics", BUCKETS);
    let service = layer.layer(marked(app()));
    let response = service
        .clone()
        .oneshot(Request::get("/internal/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(
        header_values(&response, "content-type"),
        ["text/plain; version=0.0.4; charset=utf-8"]
    );
    assert!(body_string(response).await.contains("http_requests_in_flight 0"));

    let head = service
        .clone()
        .oneshot(Request::head("/internal/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(body_string(head).await, "");

    let post = service
        .clone()
        .oneshot(Request::post("/internal/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header_values(&post, "allow"), ["GET, HEAD"]);

    // Only the exact path: `/metrics` is the app's (a 404 here), and counted.
    assert_eq!(send(&service, "GET", "/metrics").await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        send(&service, "GET", "/internal/metrics/").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        lines_with(&layer.render(), "http_requests_total{"),
        [r#"http_requests_total{method="GET",route="unmatched",status="404"} 2"#]
    );
}

#[tokio::test]
async fn in_flight_counts_waiting_requests_and_forgets_cancelled_ones() {
    let release = Arc::new(Notify::new());
    let entered = Arc::new(Notify::new());
    let router = Router::new().route(
        "/slow",
        get({
            let (release, entered) = (release.clone(), entered.clone());
            move || async move {
                entered.notify_one();
                release.notified().await;
                "done"
            }
        }),
    );
    let layer = MetricsLayer::new("/metrics", BUCKETS);
    let service = layer.layer(marked(router));

    let spawn_slow =
        |service: super::Metrics<Router>| tokio::spawn(async move { send(&service, "GET", "/slow").await });
    let waiting = spawn_slow(service.clone());
    entered.notified().await;
    assert!(layer.render().contains("\nhttp_requests_in_flight 1\n"));
    release.notify_one();
    assert_eq!(waiting.await.unwrap().0, StatusCode::OK);
    assert!(layer.render().contains("\nhttp_requests_in_flight 0\n"));

    // A request whose client went away: its future is dropped unanswered.
    let cancelled = spawn_slow(service.clone());
    entered.notified().await;
    assert!(layer.render().contains("\nhttp_requests_in_flight 1\n"));
    cancelled.abort();
    let _ = cancelled.await;
    assert!(layer.render().contains("\nhttp_requests_in_flight 0\n"));
    assert_eq!(
        lines_with(&layer.render(), "http_requests_total{"),
        [r#"http_requests_total{method="GET",route="/slow",status="200"} 1"#]
    );
}

#[tokio::test]
async fn a_service_that_is_not_a_router_counts_as_unmatched() {
    let inner = tower::service_fn(|_request: Request<Body>| async {
        Ok::<_, std::convert::Infallible>(http::Response::new(Body::from("any")))
    });
    let inner = {
        use crate::route::NoRoutesToRecord as _;
        (&RouteHook::new(inner)).record_routes()
    };
    let layer = MetricsLayer::new("/metrics", BUCKETS);
    let service = layer.layer(inner);
    send(&service, "GET", "/users/1").await;
    assert_eq!(
        lines_with(&layer.render(), "http_requests_total{"),
        [r#"http_requests_total{method="GET",route="unmatched",status="200"} 1"#]
    );
}

#[tokio::test]
async fn random_paths_and_methods_add_a_bounded_number_of_series() {
    let layer = MetricsLayer::new("/metrics", BUCKETS);
    let service = layer.layer(marked(app()));
    send(&service, "GET", "/users/1").await;
    let before = layer.render().lines().filter(|line| !line.starts_with('#')).count();
    for i in 0..2000u32 {
        let method = ["GET", "POST", "X-CUSTOM", "PROPFIND", "DELETE"][(i % 5) as usize];
        let method = if i % 7 == 0 {
            format!("M{i}")
        } else {
            method.to_string()
        };
        send(
            &service,
            &method,
            &format!("/random/{i}/{:x}", i.wrapping_mul(2_654_435_761)),
        )
        .await;
    }
    let after = layer.render().lines().filter(|line| !line.starts_with('#')).count();
    // At most the methods' labels (GET, POST, DELETE, other) × (a status
    // line + the histogram's 7 lines) on `unmatched`.
    assert!(after - before <= 4 * 8, "{before} -> {after}");
}

#[tokio::test]
async fn a_path_that_redirect_slashes_trims_counts_under_the_route_it_reached() {
    use crate::redirect_slashes::{RedirectSlashes, SlashMode};
    // As generated code orders the hooks: the marks, then the fallback.
    for (mode, status, route) in [
        (SlashMode::Trim, StatusCode::OK, "/users/{id}"),
        (SlashMode::Redirect, StatusCode::TEMPORARY_REDIRECT, "unmatched"),
    ] {
        let router = RedirectSlashes::new(mode).attach(marked(app()));
        let layer = MetricsLayer::new("/metrics", BUCKETS);
        let service = layer.layer(router);
        assert_eq!(send(&service, "GET", "/users/1/").await.0, status);
        let expected = format!(
            "http_requests_total{{method=\"GET\",route=\"{route}\",status=\"{}\"}} 1",
            status.as_u16()
        );
        assert_eq!(lines_with(&layer.render(), "http_requests_total{"), [expected.as_str()]);
    }
}
