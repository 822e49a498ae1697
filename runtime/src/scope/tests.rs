use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use tower::ServiceExt;
use tower_service::Service;

use super::{Arm, LastArm, Pattern, Scopes, Switch};

/// `/api/*` (1), `/api/admin/*` (2), `/health` (3), `/api` exact (4), most specific first.
static SCOPES: Scopes = Scopes {
    patterns: &[
        Pattern {
            path: "/api/admin",
            subtree: true,
            branch: 2,
        },
        Pattern {
            path: "/health",
            subtree: false,
            branch: 3,
        },
        Pattern {
            path: "/api",
            subtree: false,
            branch: 4,
        },
        Pattern {
            path: "/api",
            subtree: true,
            branch: 1,
        },
    ],
};

#[test]
fn the_most_specific_pattern_wins() {
    for (path, branch) in [
        ("/", 0),
        ("", 0),
        ("/api/x", 1),
        ("/api/", 4),
        ("/api", 4),
        ("/apix", 0),
        ("/API/x", 0),
        ("/api/admin", 2),
        ("/api/admin/users/7", 2),
        ("/api/administrator", 1),
        ("/health", 3),
        ("/health/", 3),
        ("/health//", 0),
        ("/health/x", 0),
        ("//api/x", 0),
    ] {
        assert_eq!(SCOPES.branch(path), branch, "{path:?}");
    }
}

#[test]
fn a_path_that_reads_differently_normalised_across_branches_is_ambiguous() {
    for (path, branch) in [
        ("/api/x", Some(1)),
        ("/api/x%20y", Some(1)),
        ("/api/./x", Some(1)),
        ("/api//x", Some(1)),
        ("/docs/../api", None),
        ("/%61pi/x", None),
        ("/API%2Fx", Some(0)),
        ("//api/x", None),
        ("/api/../health", None),
        ("/api/admin/../x", None),
        ("/api/%2e%2e/admin/x", None),
        ("/x/..", Some(0)),
        ("/a.b/c..d/.e", Some(0)),
        ("/api/%zz", Some(1)),
        ("/%", Some(0)),
        ("/%c3%28", Some(0)),
        ("/../../api/x", None),
    ] {
        assert_eq!(SCOPES.branch_of(path), branch, "{path:?}");
    }
}

#[test]
fn normalising_decodes_and_resolves_segments() {
    for (path, expected) in [
        ("/%61dmin/x", "/admin/x"),
        ("//a///b/", "/a/b/"),
        ("/a/./b/../c", "/a/c"),
        ("/../..", "/"),
        ("/a/%2e%2e", "/"),
        ("/bad%zzescape", "/bad%zzescape"),
        ("", "/"),
    ] {
        assert_eq!(super::normalised(path), expected, "{path:?}");
    }
    for quiet in ["/", "/api/x", "/a.b", "/a..b", "/.well-known/x", "/x/.hidden"] {
        assert!(!super::needs_normalising(quiet), "{quiet:?}");
    }
}

#[test]
fn a_root_subtree_takes_every_path() {
    static ALL: Scopes = Scopes {
        patterns: &[Pattern {
            path: "",
            subtree: true,
            branch: 1,
        }],
    };
    for path in ["/", "/a/b", ""] {
        assert_eq!(ALL.branch(path), 1, "{path:?}");
    }
}

fn answering(
    name: &'static str,
) -> impl Service<Request<()>, Response = Response<Bytes>, Error = Infallible, Future: Send> + Clone {
    tower::service_fn(move |_request: Request<()>| async move {
        Ok::<_, Infallible>(Response::new(Bytes::from_static(name.as_bytes())))
    })
}

/// Sends a request down each branch of a switch over `root`, `api` and
/// `admin` arms (branches 0 and 3 the first, 1 and 4 the second, 2 the third).
async fn assert_each_path_takes_its_arm<S>(switch: S)
where
    S: Service<Request<()>, Response = Response<Bytes>, Error = Infallible> + Clone,
{
    for (path, arm) in [
        ("/", "root"),
        ("/health", "root"),
        ("/api/x", "api"),
        ("/api", "api"),
        ("/api/admin/x", "admin"),
    ] {
        let request = Request::builder().uri(path).body(()).unwrap();
        let response = switch.clone().oneshot(request).await.unwrap();
        assert_eq!(response.body(), arm, "{path}");
    }
}

#[tokio::test]
async fn each_request_goes_down_its_branch_arm() {
    // Branches 0 and 3 share the first arm; 1 and 4 the second; 2 the third.
    let switch = Switch::new(
        &SCOPES,
        &[0, 1, 2, 0, 1],
        Arm::new(
            answering("root"),
            Arm::new(answering("api"), LastArm::new(answering("admin"))),
        ),
    );
    assert_each_path_takes_its_arm(switch).await;
}

#[tokio::test]
async fn a_tuple_of_arms_chooses_as_the_list_does() {
    let switch = Switch::new(
        &SCOPES,
        &[0, 1, 2, 0, 1],
        (answering("root"), answering("api"), answering("admin")),
    );
    assert_each_path_takes_its_arm(switch).await;
    // An arm number past the tuple's end (never generated) takes the first arm.
    let past_the_end = Switch::new(&SCOPES, &[7, 7, 7, 7, 7], (answering("root"), answering("api")));
    let request = Request::builder().uri("/api/x").body(()).unwrap();
    assert_eq!(past_the_end.oneshot(request).await.unwrap().body(), "root");
}

#[tokio::test]
async fn a_tuple_switch_refuses_an_ambiguous_path_and_waits_for_a_hesitant_arm() {
    let called = Arc::new(AtomicUsize::new(0));
    let hesitant = Hesitant {
        asked: Arc::new(AtomicUsize::new(0)),
        called: called.clone(),
    };
    let switch = Switch::new(&SCOPES, &[0, 1, 0, 0, 0], (answering("root"), hesitant));
    let request = Request::builder().uri("/%61pi/secret").body(()).unwrap();
    let response = switch.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), http::StatusCode::BAD_REQUEST);
    assert_eq!(called.load(Ordering::SeqCst), 0);
    let request = Request::builder().uri("/api/x").body(()).unwrap();
    assert_eq!(switch.oneshot(request).await.unwrap().body(), "hesitant");
    assert_eq!(called.load(Ordering::SeqCst), 1);
}

/// Ready only every other time it is asked, counting calls.
#[derive(Clone)]
struct Hesitant {
    asked: Arc<AtomicUsize>,
    called: Arc<AtomicUsize>,
}

impl Service<Request<()>> for Hesitant {
    type Response = Response<Bytes>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Response<Bytes>, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        if self.asked.fetch_add(1, Ordering::SeqCst).is_multiple_of(2) {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _request: Request<()>) -> Self::Future {
        self.called.fetch_add(1, Ordering::SeqCst);
        std::future::ready(Ok(Response::new(Bytes::from_static(b"hesitant"))))
    }
}

#[tokio::test]
async fn an_arm_that_is_not_ready_holds_up_only_its_own_requests() {
    let called = Arc::new(AtomicUsize::new(0));
    let hesitant = Hesitant {
        asked: Arc::new(AtomicUsize::new(0)),
        called: called.clone(),
    };
    let mut switch = Switch::new(
        &SCOPES,
        &[0, 1, 0, 0, 0],
        Arm::new(answering("root"), LastArm::new(hesitant)),
    );
    // The switch is always ready; only the arm's own call waits.
    std::future::poll_fn(|cx| switch.poll_ready(cx)).await.unwrap();
    let slow = switch.call(Request::builder().uri("/api/x").body(()).unwrap());
    let fast = switch.call(Request::builder().uri("/").body(()).unwrap());
    assert_eq!(fast.await.unwrap().body(), "root");
    assert_eq!(called.load(Ordering::SeqCst), 0);
    assert_eq!(slow.await.unwrap().body(), "hesitant");
    assert_eq!(called.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_ambiguous_path_is_refused_before_any_arm() {
    let called = Arc::new(AtomicUsize::new(0));
    let hesitant = Hesitant {
        asked: Arc::new(AtomicUsize::new(1)),
        called: called.clone(),
    };
    let switch = Switch::new(
        &SCOPES,
        &[0, 1, 0, 0, 0],
        Arm::new(answering("root"), LastArm::new(hesitant)),
    );
    let request = Request::builder().uri("/%61pi/secret").body(()).unwrap();
    let response = switch.oneshot(request).await.unwrap();
    assert_eq!(response.status(), http::StatusCode::BAD_REQUEST);
    assert_eq!(response.body().as_ref(), br#"{"detail":"Ambiguous path"}"#);
    assert_eq!(called.load(Ordering::SeqCst), 0);
}

/// Never ready: its readiness fails, as a `custom` layer's might.
#[derive(Clone)]
struct Broken;

impl Service<Request<()>> for Broken {
    type Response = Response<Bytes>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Response<Bytes>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Pending
    }

    fn call(&mut self, _request: Request<()>) -> Self::Future {
        unreachable!("never ready, never called")
    }
}

#[tokio::test]
async fn an_arm_that_never_gets_ready_holds_up_none_of_the_others() {
    let switch = Switch::new(&SCOPES, &[0, 1, 0, 0, 0], (answering("root"), Broken));
    let stuck = switch
        .clone()
        .oneshot(Request::builder().uri("/api/x").body(()).unwrap());
    let root = switch.oneshot(Request::builder().uri("/").body(()).unwrap());
    assert_eq!(root.await.unwrap().body(), "root");
    let waited = tokio::time::timeout(std::time::Duration::from_millis(50), stuck).await;
    assert!(waited.is_err(), "the broken arm's request waits");
}
