//! Serves the deep stack when `SERVE` is set (the test never sets it). It is
//! here so that a release build compiles the whole service, every layer's
//! `call` and response future, where rustc once overflowed (E0275); the
//! library alone only compiles the function that builds the stack.

fn main() -> std::io::Result<()> {
    if std::env::var_os("SERVE").is_none() {
        return Ok(());
    }
    tokio::runtime::Runtime::new()?.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 8080)).await?;
        strata::serve(listener, deep_stack_example::app()).await
    })
}
