#[strata::stack(request_id)]
struct App;

fn main() {}
