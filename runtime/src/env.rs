//! Secrets and URLs from the environment, read once when the stack is built.
//!
//! A missing variable stops the app before it serves a single request, with
//! an error that names the variable and the option that asked for it.

use std::fmt;

/// A required environment variable is not set (or is not UTF-8), or its
/// value cannot be used (`invalid` says why, never quoting the value, which
/// may be a secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingEnv {
    /// The variable's name, e.g. `JWT_SECRET`.
    pub variable: &'static str,
    /// The option that names it, e.g. `jwt.secret_env`.
    pub purpose: &'static str,
    /// Set when the variable is there but its value is refused.
    pub invalid: Option<&'static str>,
}

impl MissingEnv {
    /// The variable is set, but its value cannot be used, for `reason`.
    pub fn invalid(variable: &'static str, purpose: &'static str, reason: &'static str) -> Self {
        Self {
            variable,
            purpose,
            invalid: Some(reason),
        }
    }
}

impl fmt::Display for MissingEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.invalid {
            None => write!(
                f,
                "strata: environment variable `{}` is not set (needed by `{}`)",
                self.variable, self.purpose
            ),
            Some(reason) => write!(
                f,
                "strata: environment variable `{}` cannot be used by `{}`: {reason}",
                self.variable, self.purpose
            ),
        }
    }
}

impl std::error::Error for MissingEnv {}

/// The value of a start-up step, or a panic whose message is the error's
/// (what a stack built by a function that does not return a `Result` does
/// when a variable is missing). A function, not `panic!` in generated code:
/// a macro expanded inside the stack would make rustc's incremental cache
/// of the whole function depend on where it sits in the file.
#[track_caller]
pub fn or_panic<T, E: fmt::Display>(result: Result<T, E>) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("{error}"),
    }
}

/// The variable's value; empty counts as missing, since an empty secret is
/// never what anyone meant.
pub fn require(variable: &'static str, purpose: &'static str) -> Result<String, MissingEnv> {
    match std::env::var(variable) {
        Ok(value) if !value.is_empty() => Ok(value),
        _ => Err(MissingEnv {
            variable,
            purpose,
            invalid: None,
        }),
    }
}

/// One environment variable a stack needs: its name, the option that names
/// it, and what its value must be (`None` when usable, else why not).
#[derive(Clone, Copy, Debug)]
pub struct Need {
    pub variable: &'static str,
    pub purpose: &'static str,
    pub check: fn(&str) -> Option<&'static str>,
}

/// Any non-empty value.
pub fn any(_value: &str) -> Option<&'static str> {
    None
}

/// A signing secret: at least 32 bytes.
pub fn secret(value: &str) -> Option<&'static str> {
    (value.len() < 32).then_some("the secret is shorter than 32 bytes; generate one with `openssl rand -base64 32`")
}

/// A list of API keys, separated by commas or whitespace: at least one.
pub fn key_list(value: &str) -> Option<&'static str> {
    (!value
        .split(|c: char| c == ',' || c.is_whitespace())
        .any(|key| !key.is_empty()))
    .then_some("it holds no key (separate keys with commas)")
}

/// A Redis URL (the client checks the rest when it connects).
pub fn redis_url(value: &str) -> Option<&'static str> {
    let scheme_ok = ["redis://", "rediss://", "redis+unix://", "unix://"]
        .iter()
        .any(|scheme| value.starts_with(scheme));
    (!scheme_ok).then_some("it is not a Redis URL (redis://[:password@]host[:port][/db])")
}

/// Every environment variable a stack could not use, found at once when the
/// stack is built, so a deployment learns about all of them in one start-up.
/// What a `#[strata::stack]` function that returns `Result<_, E>` gives back
/// (with `E: From<EnvError>`); without a `Result`, the same text is the panic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvError {
    /// One entry per variable, in the order the stack reads them.
    pub problems: Vec<MissingEnv>,
}

impl fmt::Display for EnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "{one}"),
            many => {
                write!(f, "strata: {} environment variables cannot be used:", many.len())?;
                for problem in many {
                    let text = problem.to_string();
                    write!(f, "\n  - {}", text.strip_prefix("strata: ").unwrap_or(&text))?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for EnvError {}

impl From<MissingEnv> for EnvError {
    fn from(problem: MissingEnv) -> Self {
        EnvError {
            problems: vec![problem],
        }
    }
}

/// Checks every variable a stack needs before any layer is built: all the
/// missing and unusable ones are reported together, never one per restart.
/// A variable named twice (two options sharing a secret) is reported once.
pub fn check_all(needs: &[Need]) -> Result<(), EnvError> {
    let mut problems: Vec<MissingEnv> = Vec::new();
    for need in needs {
        if problems.iter().any(|known| known.variable == need.variable) {
            continue;
        }
        match require(need.variable, need.purpose) {
            Err(missing) => problems.push(missing),
            Ok(value) => {
                if let Some(reason) = (need.check)(&value) {
                    problems.push(MissingEnv::invalid(need.variable, need.purpose, reason));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(EnvError { problems })
    }
}

#[cfg(test)]
mod tests {
    use super::{EnvError, Need, any, check_all, key_list, require, secret};

    #[test]
    fn every_problem_is_reported_at_once() {
        // SAFETY-free: these names are unique to this test and only read.
        let needs = [
            Need {
                variable: "STRATA_TEST_ENV_ALL_MISSING_ONE",
                purpose: "jwt.secret_env",
                check: secret,
            },
            Need {
                variable: "PATH",
                purpose: "session.secret_env",
                check: |_| Some("the secret is shorter than 32 bytes"),
            },
            Need {
                variable: "STRATA_TEST_ENV_ALL_MISSING_TWO",
                purpose: "api_key.keys_env",
                check: key_list,
            },
            Need {
                variable: "STRATA_TEST_ENV_ALL_MISSING_ONE",
                purpose: "session.secret_env",
                check: any,
            },
        ];
        let error: EnvError = check_all(&needs).unwrap_err();
        let variables: Vec<&str> = error.problems.iter().map(|p| p.variable).collect();
        assert_eq!(
            variables,
            [
                "STRATA_TEST_ENV_ALL_MISSING_ONE",
                "PATH",
                "STRATA_TEST_ENV_ALL_MISSING_TWO"
            ]
        );
        let text = error.to_string();
        assert!(
            text.starts_with("strata: 3 environment variables cannot be used:"),
            "{text}"
        );
        assert!(
            text.contains("\n  - environment variable `PATH` cannot be used by `session.secret_env`"),
            "{text}"
        );
    }

    #[test]
    fn the_checks_say_why() {
        assert!(secret("short").is_some());
        assert!(secret(&"x".repeat(32)).is_none());
        assert!(key_list(" , ,").is_some());
        assert!(key_list("a,b").is_none());
        assert!(super::redis_url("http://x").is_some());
        assert!(super::redis_url("redis://127.0.0.1:6379/0").is_none());
    }

    #[test]
    fn a_missing_variable_is_named_in_the_error() {
        let error = require("STRATA_TEST_SURELY_UNSET_VARIABLE", "jwt.secret_env").unwrap_err();
        assert_eq!(
            error.to_string(),
            "strata: environment variable `STRATA_TEST_SURELY_UNSET_VARIABLE` is not set (needed by `jwt.secret_env`)"
        );
    }
}
