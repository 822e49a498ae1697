//! Start-up reports every missing or unusable environment variable at once
//! (issue 12.7): one restart per deployment mistake is one too many. They
//! are listed in the order the stack reads them: outermost layer first.

use axum::Router;

#[strata::stack(
    jwt(secret_env = "STRATA_ENV_ALL_JWT"),
    session(secret_env = "STRATA_ENV_ALL_SESSION"),
    api_key(keys_env = "STRATA_ENV_ALL_KEYS")
)]
fn app() -> Router {
    Router::new()
}

#[strata::stack(
    jwt(secret_env = "STRATA_ENV_ALL_JWT"),
    session(secret_env = "STRATA_ENV_ALL_SESSION"),
    api_key(keys_env = "STRATA_ENV_ALL_KEYS")
)]
fn fallible_app() -> Result<Router, strata::EnvError> {
    Ok(Router::new())
}

const EXPECTED: &str = "strata: 3 environment variables cannot be used:
  - environment variable `STRATA_ENV_ALL_SESSION` cannot be used by `session.secret_env`: the secret is shorter than 32 bytes; generate one with `openssl rand -base64 32`
  - environment variable `STRATA_ENV_ALL_JWT` is not set (needed by `jwt.secret_env`)
  - environment variable `STRATA_ENV_ALL_KEYS` cannot be used by `api_key.keys_env`: it holds no key (separate keys with commas)";

fn with_bad_environment<R>(f: impl FnOnce() -> R) -> R {
    temp_env::with_vars(
        [
            ("STRATA_ENV_ALL_JWT", None),
            ("STRATA_ENV_ALL_SESSION", Some("too-short")),
            ("STRATA_ENV_ALL_KEYS", Some(" , ")),
        ],
        f,
    )
}

#[test]
fn every_problem_is_in_one_error() {
    let error = with_bad_environment(fallible_app).err().expect("an Err");
    assert_eq!(error.problems.len(), 3);
    assert_eq!(error.to_string(), EXPECTED);
}

#[test]
fn without_a_result_the_panic_lists_them_all() {
    let panic = with_bad_environment(|| std::panic::catch_unwind(app).err().expect("a panic"));
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert_eq!(message, EXPECTED);
}

#[test]
fn a_good_environment_builds() {
    temp_env::with_vars(
        [
            ("STRATA_ENV_ALL_JWT", Some("jwt-secret-jwt-secret-jwt-secret-jwt")),
            ("STRATA_ENV_ALL_SESSION", Some("session-secret-session-secret-session")),
            ("STRATA_ENV_ALL_KEYS", Some("key-1,key-2")),
        ],
        || assert!(fallible_app().is_ok()),
    );
}
