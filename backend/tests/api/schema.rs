//! The checked-in schema is what the server serves: integrators and the web app read it.

#[test]
fn the_checked_in_schema_matches_the_server() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../frontend/schema.graphql");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    let actual = handoff::startup::schema_sdl();
    assert!(
        checked_in == actual,
        "frontend/schema.graphql is out of date; regenerate it with\n    cargo run -p handoff -- schema > frontend/schema.graphql"
    );
}
