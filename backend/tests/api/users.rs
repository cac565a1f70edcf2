//! Creating users and managing availability.

use serde_json::json;

use crate::helpers::{CREATE_USER, error_code, error_field, spawn_app};

const SET_OUT_OF_OFFICE: &str = "mutation($userId: ID!, $out: Boolean!) { setOutOfOffice(userId: $userId, outOfOffice: $out) { id outOfOffice } }";

#[tokio::test]
async fn a_rep_created_without_a_team_joins_the_default_team() {
    let app = spawn_app().await;
    let rep = app
        .create_user(json!({ "email": "Rep.One@Handoff.test", "name": "Rep One", "role": "REP", "timezone": "America/New_York" }))
        .await;
    assert_eq!(
        rep["email"], "rep.one@handoff.test",
        "e-mails are stored lower-case"
    );
    assert_eq!(rep["role"], "REP");
    assert_eq!(rep["timezone"], "America/New_York");
    assert_eq!(rep["team"]["name"], "default");
    assert_eq!(rep["outOfOffice"], false);
}

#[tokio::test]
async fn a_manager_created_without_a_team_has_none() {
    let app = spawn_app().await;
    let manager = app
        .create_user(json!({ "email": "boss@handoff.test", "name": "Boss", "role": "MANAGER" }))
        .await;
    assert!(manager["team"].is_null(), "{manager}");
}

#[tokio::test]
async fn creating_a_user_with_a_taken_email_is_a_conflict() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let input = json!({ "email": "twin@handoff.test", "name": "Twin", "role": "REP" });
    let first = app
        .graphql(Some(&admin), CREATE_USER, json!({ "input": input }))
        .await;
    assert!(first["errors"].is_null(), "{first}");
    let input = json!({ "email": "TWIN@handoff.test", "name": "Twin", "role": "REP" });
    let second = app
        .graphql(Some(&admin), CREATE_USER, json!({ "input": input }))
        .await;
    assert_eq!(error_code(&second), "CONFLICT", "{second}");
}

#[tokio::test]
async fn invalid_user_input_is_bad_user_input_naming_the_field() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let cases = [
        (
            "email",
            json!({ "email": "not-an-email", "name": "X", "role": "REP" }),
        ),
        (
            "timezone",
            json!({ "email": "a@handoff.test", "name": "X", "role": "REP", "timezone": "Mars/Olympus" }),
        ),
        (
            "password",
            json!({ "email": "a@handoff.test", "name": "X", "role": "REP", "password": "short" }),
        ),
        (
            "teamId",
            json!({ "email": "a@handoff.test", "name": "X", "role": "REP", "teamId": "999999" }),
        ),
        (
            "managerId",
            json!({ "email": "a@handoff.test", "name": "X", "role": "REP", "managerId": "999999" }),
        ),
        (
            "name",
            json!({ "email": "a@handoff.test", "name": " ", "role": "REP" }),
        ),
    ];
    for (field, input) in cases {
        let response = app
            .graphql(Some(&admin), CREATE_USER, json!({ "input": input }))
            .await;
        assert_eq!(
            error_code(&response),
            "BAD_USER_INPUT",
            "bad {field}: {response}"
        );
        assert_eq!(error_field(&response), field, "bad {field}: {response}");
    }
}

#[tokio::test]
async fn a_rep_cannot_create_users() {
    let app = spawn_app().await;
    let (_, rep) = app.user_with_token("rep@handoff.test", "REP").await;
    let input = json!({ "email": "friend@handoff.test", "name": "Friend", "role": "ADMIN" });
    let response = app
        .graphql(Some(&rep), CREATE_USER, json!({ "input": input }))
        .await;
    assert_eq!(error_code(&response), "FORBIDDEN", "{response}");
}

#[tokio::test]
async fn a_rep_can_set_themself_out_of_office_and_back() {
    let app = spawn_app().await;
    let (id, rep) = app.user_with_token("rep@handoff.test", "REP").await;
    let away = app
        .graphql(
            Some(&rep),
            SET_OUT_OF_OFFICE,
            json!({ "userId": id, "out": true }),
        )
        .await;
    assert_eq!(
        away["data"]["setOutOfOffice"]["outOfOffice"], true,
        "{away}"
    );
    let back = app
        .graphql(
            Some(&rep),
            SET_OUT_OF_OFFICE,
            json!({ "userId": id, "out": false }),
        )
        .await;
    assert_eq!(
        back["data"]["setOutOfOffice"]["outOfOffice"], false,
        "{back}"
    );
}

#[tokio::test]
async fn a_rep_cannot_set_a_colleague_out_of_office() {
    let app = spawn_app().await;
    let (colleague, _) = app.user_with_token("colleague@handoff.test", "REP").await;
    let (_, rep) = app.user_with_token("rep@handoff.test", "REP").await;
    let response = app
        .graphql(
            Some(&rep),
            SET_OUT_OF_OFFICE,
            json!({ "userId": colleague, "out": true }),
        )
        .await;
    assert_eq!(error_code(&response), "FORBIDDEN", "{response}");
}

#[tokio::test]
async fn a_manager_can_set_their_rep_out_of_office() {
    let app = spawn_app().await;
    let (manager_id, manager) = app.user_with_token("boss@handoff.test", "MANAGER").await;
    let rep = app
        .create_user(json!({ "email": "rep@handoff.test", "name": "Rep", "role": "REP", "managerId": manager_id }))
        .await;
    assert_eq!(rep["manager"]["id"], manager_id.as_str());
    let response = app
        .graphql(
            Some(&manager),
            SET_OUT_OF_OFFICE,
            json!({ "userId": rep["id"], "out": true }),
        )
        .await;
    assert_eq!(
        response["data"]["setOutOfOffice"]["outOfOffice"], true,
        "{response}"
    );
}

#[tokio::test]
async fn setting_an_unknown_user_out_of_office_is_not_found() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let response = app
        .graphql(
            Some(&admin),
            SET_OUT_OF_OFFICE,
            json!({ "userId": "424242", "out": true }),
        )
        .await;
    assert_eq!(error_code(&response), "NOT_FOUND", "{response}");
}

const USERS: &str = "query($teamId: ID, $out: Boolean) { users(teamId: $teamId, outOfOffice: $out) { name outOfOffice team { id } } }";

#[tokio::test]
async fn the_directory_lists_users_by_name_and_who_is_out_of_office() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let zoe = app
        .create_user(json!({ "email": "zoe@handoff.test", "name": "Zoe", "role": "REP" }))
        .await;
    app.create_user(json!({ "email": "amy@handoff.test", "name": "Amy", "role": "REP" }))
        .await;
    let response = app
        .graphql(
            Some(&admin),
            SET_OUT_OF_OFFICE,
            json!({ "userId": zoe["id"], "out": true }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");

    let all = app
        .graphql(Some(&admin), USERS, json!({ "teamId": zoe["team"]["id"] }))
        .await;
    let names: Vec<&str> = all["data"]["users"]
        .as_array()
        .unwrap_or_else(|| panic!("{all}"))
        .iter()
        .filter_map(|u| u["name"].as_str())
        .collect();
    assert_eq!(names, ["Amy", "Zoe"], "the default team's members by name");

    let away = app
        .graphql(Some(&admin), USERS, json!({ "out": true }))
        .await;
    assert_eq!(
        away["data"]["users"],
        json!([{ "name": "Zoe", "outOfOffice": true, "team": { "id": zoe["team"]["id"] } }]),
        "{away}"
    );

    let bad = app
        .graphql(Some(&admin), USERS, json!({ "teamId": "x" }))
        .await;
    assert_eq!(error_code(&bad), "BAD_USER_INPUT", "{bad}");
    assert_eq!(error_field(&bad), "teamId");
    let anonymous = app.graphql(None, USERS, json!({})).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED", "{anonymous}");
}

const UPDATE_USER: &str = "mutation($id: ID!, $input: UserUpdateInput!) { updateUser(id: $id, input: $input) { id name role timezone capacity weight calendar { id name } team { id name } manager { id } } }";

#[tokio::test]
async fn an_admin_changes_a_users_routing_settings_and_clears_them_with_null() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let rep = app
        .create_user(json!({ "email": "rep@handoff.test", "name": "Rep", "role": "REP" }))
        .await;
    let boss = app
        .create_user(json!({ "email": "boss@handoff.test", "name": "Boss", "role": "MANAGER" }))
        .await;
    let weekly: Vec<_> = ["mon", "tue", "wed", "thu", "fri"]
        .iter()
        .map(|day| json!({ "day": day, "open": "08:00", "close": "16:00" }))
        .collect();
    let calendar = app
        .graphql(
            Some(&admin),
            "mutation($input: NamedCalendarInput!) { upsertBusinessCalendar(input: $input) { id } }",
            json!({ "input": { "name": "Early", "calendar": { "timezone": "Europe/Berlin", "weekly": weekly } } }),
        )
        .await["data"]["upsertBusinessCalendar"]["id"]
        .clone();
    let changed = app
        .graphql(
            Some(&admin),
            UPDATE_USER,
            json!({ "id": rep["id"], "input": { "name": "Rep Renamed", "capacity": 12, "weight": 3,
                    "calendarId": calendar, "managerId": boss["id"], "timezone": "Europe/Berlin" } }),
        )
        .await;
    assert!(changed["errors"].is_null(), "{changed}");
    let user = &changed["data"]["updateUser"];
    assert_eq!(user["name"], "Rep Renamed");
    assert_eq!(user["capacity"], 12);
    assert_eq!(user["weight"], 3);
    assert_eq!(user["calendar"]["name"], "Early");
    assert_eq!(user["manager"]["id"], boss["id"]);
    assert_eq!(user["timezone"], "Europe/Berlin");
    assert_eq!(user["team"]["name"], "default", "omitted fields stay");

    let cleared = app
        .graphql(
            Some(&admin),
            UPDATE_USER,
            json!({ "id": rep["id"], "input": { "capacity": null, "calendarId": null, "role": "MANAGER" } }),
        )
        .await;
    let user = &cleared["data"]["updateUser"];
    assert!(user["capacity"].is_null(), "{cleared}");
    assert!(user["calendar"].is_null());
    assert_eq!(user["role"], "MANAGER");
    assert_eq!(user["weight"], 3);
}

#[tokio::test]
async fn a_bad_field_in_update_user_is_named_and_nothing_is_written() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let rep = app
        .create_user(json!({ "email": "rep@handoff.test", "name": "Rep", "role": "REP" }))
        .await;
    let cases = [
        (json!({ "name": "Changed", "teamId": "999" }), "teamId"),
        (
            json!({ "name": "Changed", "managerId": rep["id"] }),
            "managerId",
        ),
        (
            json!({ "name": "Changed", "calendarId": "999" }),
            "calendarId",
        ),
        (json!({ "name": "Changed", "weight": 0 }), "weight"),
        (json!({ "name": "Changed", "capacity": -1 }), "capacity"),
        (
            json!({ "name": "Changed", "timezone": "Mars/Olympus" }),
            "timezone",
        ),
        (json!({ "name": "  " }), "name"),
    ];
    for (input, field) in cases {
        let response = app
            .graphql(
                Some(&admin),
                UPDATE_USER,
                json!({ "id": rep["id"], "input": input }),
            )
            .await;
        assert_eq!(
            error_code(&response),
            "BAD_USER_INPUT",
            "{field}: {response}"
        );
        assert_eq!(error_field(&response), field, "{response}");
    }
    let users = app
        .graphql(Some(&admin), "{ users { id name weight } }", json!({}))
        .await;
    let stored = users["data"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == rep["id"])
        .cloned()
        .unwrap();
    assert_eq!(
        stored["name"], "Rep",
        "nothing of a refused change is written"
    );
    assert_eq!(stored["weight"], 1);
}

#[tokio::test]
async fn only_admins_update_users_and_an_admin_keeps_their_own_admin_role() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (rep_id, rep_token) = app.user_with_token("rep@handoff.test", "REP").await;
    let denied = app
        .graphql(
            Some(&rep_token),
            UPDATE_USER,
            json!({ "id": rep_id, "input": { "weight": 100 } }),
        )
        .await;
    assert_eq!(error_code(&denied), "FORBIDDEN", "{denied}");
    let me = app.graphql(Some(&admin), "{ me { id } }", json!({})).await;
    let demote = app
        .graphql(
            Some(&admin),
            UPDATE_USER,
            json!({ "id": me["data"]["me"]["id"], "input": { "role": "REP" } }),
        )
        .await;
    assert_eq!(error_field(&demote), "role", "{demote}");
}
