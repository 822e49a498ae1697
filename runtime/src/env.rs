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

#[cfg(test)]
mod tests {
    use super::require;

    #[test]
    fn a_missing_variable_is_named_in_the_error() {
        let error = require("STRATA_TEST_SURELY_UNSET_VARIABLE", "jwt.secret_env").unwrap_err();
        assert_eq!(
            error.to_string(),
            "strata: environment variable `STRATA_TEST_SURELY_UNSET_VARIABLE` is not set (needed by `jwt.secret_env`)"
        );
    }
}
