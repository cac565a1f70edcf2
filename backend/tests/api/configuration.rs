//! Organisation configuration: teams, calendars, SLA policies, scoring and routing rules,
//! rejection reasons, lead types, and the SLA preview.

use sea_orm::EntityTrait as _;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, error_field, spawn_app};

const UPSERT_TEAM: &str = "mutation($input: TeamInput!) { upsertTeam(input: $input) { id name manager { id } calendar { id name } isQueue } }";
const UPSERT_CALENDAR: &str = "mutation($input: NamedCalendarInput!) { upsertBusinessCalendar(input: $input) { id name definition { timezone weekly { day open close } holidays } } }";
const UPSERT_SLA_POLICY: &str = "mutation($input: SlaPolicyInput!) { upsertSlaPolicy(input: $input) { id name leadType kind targetSeconds startOn notifyAtPercent escalateToManager reassignOnBreach active calendar { id name } } }";
const UPSERT_SCORING_RULE: &str = "mutation($input: ScoringRuleInput!) { upsertScoringRule(input: $input) { id name points field operator value engagement maxTimes active } }";
const UPSERT_ROUTING_RULE: &str = "mutation($input: RoutingRuleInput!) { upsertRoutingRule(input: $input) { id name priority leadTypes countries regions industries minCompanySize maxCompanySize method team { id name } queueOnly active } }";
const UPSERT_REJECTION_REASON: &str = "mutation($input: RejectionReasonInput!) { upsertRejectionReason(input: $input) { code label active recyclePlay } }";
const UPSERT_LEAD_TYPE: &str = "mutation($input: LeadTypeInput!) { upsertLeadType(input: $input) { key label instantMql active } }";
const SLA_PREVIEW: &str = "query($calendar: BusinessCalendarInput!, $start: DateTime!, $seconds: Int!) { slaPreview(calendar: $calendar, start: $start, seconds: $seconds) }";

/// Mon-fri 09:00-17:00 in New York.
fn new_york_office_hours() -> Value {
    let weekly: Vec<Value> = ["mon", "tue", "wed", "thu", "fri"]
        .iter()
        .map(|day| json!({ "day": day, "open": "09:00", "close": "17:00" }))
        .collect();
    json!({ "timezone": "America/New_York", "weekly": weekly, "holidays": ["2026-12-25"] })
}

/// Runs an upsert mutation and returns its payload, failing the test on any error.
async fn upsert(app: &TestApp, token: &str, mutation: &str, input: Value) -> Value {
    let response = app
        .graphql(Some(token), mutation, json!({ "input": input }))
        .await;
    assert!(
        response["errors"].is_null(),
        "{mutation} failed: {response}"
    );
    let data = response["data"].as_object().expect("data");
    data.values().next().expect("one payload").clone()
}

async fn query(app: &TestApp, token: &str, query: &str) -> Value {
    let response = app.graphql(Some(token), query, json!({})).await;
    assert!(response["errors"].is_null(), "{query} failed: {response}");
    response["data"].clone()
}

/// `base` with the fields of `change` added or replaced.
fn merged(base: &Value, change: Value) -> Value {
    let mut fields = base.as_object().unwrap().clone();
    fields.extend(change.as_object().unwrap().clone());
    Value::Object(fields)
}

/// Asserts a BAD_USER_INPUT naming `field`.
fn assert_bad_input(response: &Value, field: &str, why: &str) {
    assert_eq!(error_code(response), "BAD_USER_INPUT", "{why}: {response}");
    assert_eq!(error_field(response), field, "{why}: {response}");
}

#[tokio::test]
async fn an_admin_creates_a_team_and_updates_it_by_id() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (manager_id, _) = app.user_with_token("boss@handoff.test", "MANAGER").await;
    let calendar = upsert(
        &app,
        &admin,
        UPSERT_CALENDAR,
        json!({ "name": "New York", "calendar": new_york_office_hours() }),
    )
    .await;

    let created = upsert(
        &app,
        &admin,
        UPSERT_TEAM,
        json!({ "name": "East", "managerId": manager_id, "calendarId": calendar["id"], "isQueue": true }),
    )
    .await;
    assert_eq!(created["name"], "East");
    assert_eq!(created["manager"]["id"], manager_id.as_str());
    assert_eq!(created["calendar"]["name"], "New York");
    assert_eq!(created["isQueue"], true);

    let renamed = upsert(
        &app,
        &admin,
        UPSERT_TEAM,
        json!({ "id": created["id"], "name": "East coast" }),
    )
    .await;
    assert_eq!(
        renamed["id"], created["id"],
        "an upsert with an id updates that team"
    );
    assert!(
        renamed["manager"].is_null(),
        "a manager left out is cleared: {renamed}"
    );
    assert_eq!(renamed["isQueue"], true, "isQueue left out is kept");

    let teams = query(&app, &admin, "{ teams { id name } }").await;
    let names: Vec<&str> = teams["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["East coast", "default"],
        "teams are listed by name, without duplicates"
    );
}

#[tokio::test]
async fn a_team_manager_must_be_a_manager_or_an_admin_and_its_calendar_must_exist() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (rep_id, _) = app.user_with_token("rep@handoff.test", "REP").await;
    let cases = [
        (
            "managerId",
            json!({ "name": "East", "managerId": rep_id }),
            "a rep as manager",
        ),
        (
            "managerId",
            json!({ "name": "East", "managerId": "999999" }),
            "an unknown manager",
        ),
        (
            "calendarId",
            json!({ "name": "East", "calendarId": "999999" }),
            "an unknown calendar",
        ),
        ("name", json!({ "name": "  " }), "a blank name"),
    ];
    for (field, input, why) in cases {
        let response = app
            .graphql(Some(&admin), UPSERT_TEAM, json!({ "input": input }))
            .await;
        assert_bad_input(&response, field, why);
    }
}

#[tokio::test]
async fn a_calendar_is_stored_as_the_contract_json() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let saved = upsert(
        &app,
        &admin,
        UPSERT_CALENDAR,
        json!({ "name": "New York", "calendar": new_york_office_hours() }),
    )
    .await;
    assert_eq!(
        saved["definition"],
        new_york_office_hours(),
        "read back as given"
    );

    let data = query(&app, &admin, "{ businessCalendars { id name } }").await;
    let names: Vec<&str> = data["businessCalendars"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Default", "New York"]);

    let id: i64 = saved["id"].as_str().unwrap().parse().unwrap();
    let row = handoff::entities::business_calendars::Entity::find_by_id(id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let stored: Value = serde_json::from_str(&row.definition).unwrap();
    assert_eq!(
        stored,
        new_york_office_hours(),
        "business_calendars.definition holds the contract JSON"
    );

    let berlin = json!({ "timezone": "Europe/Berlin", "weekly": [{ "day": "mon", "open": "08:00", "close": "24:00" }], "holidays": [] });
    let replaced = upsert(
        &app,
        &admin,
        UPSERT_CALENDAR,
        json!({ "id": saved["id"], "name": "Berlin", "calendar": berlin }),
    )
    .await;
    assert_eq!(
        replaced["id"], saved["id"],
        "an upsert with an id replaces that calendar"
    );
    assert_eq!(replaced["name"], "Berlin");
    assert_eq!(replaced["definition"], berlin);
}

#[tokio::test]
async fn a_bad_calendar_names_the_field_inside_calendar() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut closes_before_it_opens = new_york_office_hours();
    closes_before_it_opens["weekly"][0]["close"] = json!("08:00");
    let mut bad_zone = new_york_office_hours();
    bad_zone["timezone"] = json!("Mars/Olympus");
    let mut bad_holiday = new_york_office_hours();
    bad_holiday["holidays"] = json!(["2026-12-25", "Christmas"]);
    let cases = [
        (
            "calendar.weekly[0].close",
            closes_before_it_opens,
            "a window closing before it opens",
        ),
        ("calendar.timezone", bad_zone, "an unknown time zone"),
        (
            "calendar.holidays[1]",
            bad_holiday,
            "a holiday that is not a date",
        ),
    ];
    for (field, calendar, why) in cases {
        let input = json!({ "name": "Broken", "calendar": calendar });
        let response = app
            .graphql(Some(&admin), UPSERT_CALENDAR, json!({ "input": input }))
            .await;
        assert_bad_input(&response, field, why);
    }
}

#[tokio::test]
async fn duplicate_team_and_calendar_names_are_a_conflict() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let team = app
        .graphql(
            Some(&admin),
            UPSERT_TEAM,
            json!({ "input": { "name": "default" } }),
        )
        .await;
    assert_eq!(
        error_code(&team),
        "CONFLICT",
        "the seeded team is called default: {team}"
    );

    let input = json!({ "name": "Default", "calendar": new_york_office_hours() });
    let calendar = app
        .graphql(Some(&admin), UPSERT_CALENDAR, json!({ "input": input }))
        .await;
    assert_eq!(
        error_code(&calendar),
        "CONFLICT",
        "the seeded calendar is called Default: {calendar}"
    );

    let east = upsert(&app, &admin, UPSERT_TEAM, json!({ "name": "East" })).await;
    let rename = app
        .graphql(
            Some(&admin),
            UPSERT_TEAM,
            json!({ "input": { "id": east["id"], "name": "default" } }),
        )
        .await;
    assert_eq!(
        error_code(&rename),
        "CONFLICT",
        "renaming onto a taken name: {rename}"
    );
}

#[tokio::test]
async fn upserting_with_an_unknown_id_is_not_found() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let cases = [
        (UPSERT_TEAM, json!({ "id": "424242", "name": "Ghost" })),
        (
            UPSERT_CALENDAR,
            json!({ "id": "424242", "name": "Ghost", "calendar": new_york_office_hours() }),
        ),
        (
            UPSERT_SCORING_RULE,
            json!({ "id": "424242", "name": "Ghost", "points": 1, "engagement": "pricing_page" }),
        ),
        (
            UPSERT_ROUTING_RULE,
            json!({ "id": "424242", "name": "Ghost", "priority": 1 }),
        ),
    ];
    for (mutation, input) in cases {
        let response = app
            .graphql(Some(&admin), mutation, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&response), "NOT_FOUND", "{mutation}: {response}");
    }
}

#[tokio::test]
async fn upserting_the_same_lead_type_and_kind_updates_the_policy_in_place() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let before = query(
        &app,
        &admin,
        "{ slaPolicies { id leadType kind targetSeconds } }",
    )
    .await;
    let seeded = before["slaPolicies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["leadType"] == "demo_request" && p["kind"] == "FIRST_RESPONSE")
        .expect("the seeded demo_request first-response policy")
        .clone();
    assert_eq!(seeded["targetSeconds"], 300);

    let input = json!({ "name": "Demo first response", "leadType": "demo_request", "kind": "FIRST_RESPONSE", "targetSeconds": 4 });
    let updated = upsert(&app, &admin, UPSERT_SLA_POLICY, input.clone()).await;
    let again = upsert(
        &app,
        &admin,
        UPSERT_SLA_POLICY,
        merged(&input, json!({ "targetSeconds": 600 })),
    )
    .await;
    assert_eq!(updated["id"], seeded["id"], "the same row, not a new one");
    assert_eq!(again["id"], seeded["id"], "still the same row");
    assert_eq!(again["targetSeconds"], 600);
    assert_eq!(again["name"], "Demo first response");

    let after = query(&app, &admin, "{ slaPolicies { id } }").await;
    assert_eq!(
        after["slaPolicies"].as_array().unwrap().len(),
        before["slaPolicies"].as_array().unwrap().len(),
        "no policy was added"
    );
}

#[tokio::test]
async fn a_new_sla_policy_takes_the_contract_defaults() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let qualification = upsert(
        &app,
        &admin,
        UPSERT_SLA_POLICY,
        json!({ "name": "Demo qualification", "leadType": "demo_request", "kind": "QUALIFICATION", "targetSeconds": 86400 }),
    )
    .await;
    assert_eq!(
        qualification["startOn"], "accepted",
        "QUALIFICATION counts from acceptance"
    );
    assert_eq!(qualification["notifyAtPercent"], json!([50, 80]));
    assert_eq!(qualification["escalateToManager"], true);
    assert_eq!(qualification["reassignOnBreach"], false);
    assert_eq!(qualification["active"], true);
    assert!(qualification["calendar"].is_null());

    let calendar = upsert(
        &app,
        &admin,
        UPSERT_CALENDAR,
        json!({ "name": "New York", "calendar": new_york_office_hours() }),
    )
    .await;
    let acceptance = upsert(
        &app,
        &admin,
        UPSERT_SLA_POLICY,
        json!({ "name": "Webinar acceptance", "leadType": "webinar", "kind": "ACCEPTANCE", "targetSeconds": 7200,
                "notifyAtPercent": [90, 25, 90], "calendarId": calendar["id"], "startOn": "mql" }),
    )
    .await;
    assert_eq!(
        acceptance["notifyAtPercent"],
        json!([25, 90]),
        "sorted and de-duplicated"
    );
    assert_eq!(acceptance["startOn"], "mql");
    assert_eq!(acceptance["calendar"]["name"], "New York");
}

#[tokio::test]
async fn invalid_sla_policies_are_bad_user_input_naming_the_field() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let valid = json!({ "name": "Demo first response", "leadType": "demo_request", "kind": "FIRST_RESPONSE", "targetSeconds": 300 });
    let with = |change: Value| merged(&valid, change);
    let cases = [
        (
            "targetSeconds",
            with(json!({ "targetSeconds": 0 })),
            "a zero target",
        ),
        (
            "leadType",
            with(json!({ "leadType": "carrier_pigeon" })),
            "an unknown lead type",
        ),
        (
            "startOn",
            with(json!({ "startOn": "whenever" })),
            "an unknown start event",
        ),
        (
            "notifyAtPercent[1]",
            with(json!({ "notifyAtPercent": [50, 100] })),
            "a threshold of 100 %",
        ),
        (
            "calendarId",
            with(json!({ "calendarId": "999999" })),
            "an unknown calendar",
        ),
    ];
    for (field, input, why) in cases {
        let response = app
            .graphql(Some(&admin), UPSERT_SLA_POLICY, json!({ "input": input }))
            .await;
        assert_bad_input(&response, field, why);
    }
}

#[tokio::test]
async fn scoring_rules_are_firmographic_or_behavioural() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let size = upsert(
        &app,
        &admin,
        UPSERT_SCORING_RULE,
        json!({ "name": "Mid-market", "points": 25, "field": "companySize", "operator": "between", "value": "50, 5000" }),
    )
    .await;
    assert_eq!(size["value"], "50,5000");
    assert!(size["engagement"].is_null());
    assert_eq!(size["active"], true);

    let pricing = upsert(
        &app,
        &admin,
        UPSERT_SCORING_RULE,
        json!({ "name": "Pricing page", "points": 15, "engagement": "pricing_page", "maxTimes": 2 }),
    )
    .await;
    assert_eq!(pricing["maxTimes"], 2);
    assert!(pricing["field"].is_null());

    let penalty = upsert(
        &app,
        &admin,
        UPSERT_SCORING_RULE,
        json!({ "id": pricing["id"], "name": "Student", "points": -30, "field": "title", "operator": "contains", "value": "student" }),
    )
    .await;
    assert_eq!(penalty["id"], pricing["id"]);
    assert_eq!(penalty["points"], -30, "negative points are allowed");
    assert!(
        penalty["engagement"].is_null() && penalty["maxTimes"].is_null(),
        "the rule changed kind: {penalty}"
    );

    let listed = query(&app, &admin, "{ scoringRules { id name } }").await;
    let names: Vec<&str> = listed["scoringRules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Mid-market")
            && names.contains(&"Student")
            && !names.contains(&"Pricing page"),
        "{names:?}"
    );
}

#[tokio::test]
async fn invalid_scoring_rules_are_bad_user_input_naming_the_field() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let rule = |fields: Value| merged(&json!({ "name": "Rule", "points": 10 }), fields);
    let cases = [
        ("field", rule(json!({})), "neither kind"),
        (
            "engagement",
            rule(
                json!({ "field": "title", "operator": "contains", "value": "vp", "engagement": "pricing_page" }),
            ),
            "both kinds",
        ),
        (
            "value",
            rule(json!({ "field": "companySize", "operator": "between", "value": "5000,50" })),
            "between with min above max",
        ),
        (
            "value",
            rule(json!({ "field": "companySize", "operator": "between", "value": "fifty,500" })),
            "between without numbers",
        ),
        (
            "field",
            rule(json!({ "field": "shoeSize", "operator": "equals", "value": "44" })),
            "an unknown field",
        ),
        (
            "operator",
            rule(json!({ "field": "title", "operator": "like", "value": "vp" })),
            "an unknown operator",
        ),
        (
            "operator",
            rule(json!({ "field": "companySize" })),
            "a firmographic rule without operator",
        ),
        (
            "maxTimes",
            rule(json!({ "engagement": "pricing_page", "maxTimes": 0 })),
            "maxTimes below 1",
        ),
    ];
    for (field, input, why) in cases {
        let response = app
            .graphql(Some(&admin), UPSERT_SCORING_RULE, json!({ "input": input }))
            .await;
        assert_bad_input(&response, field, why);
    }
}

#[tokio::test]
async fn routing_rules_default_to_round_robin_and_are_listed_by_priority() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let team = upsert(&app, &admin, UPSERT_TEAM, json!({ "name": "Enterprise" })).await;
    let rule = upsert(
        &app,
        &admin,
        UPSERT_ROUTING_RULE,
        json!({ "name": "Big DACH demos", "priority": 10, "leadTypes": ["demo_request"], "countries": ["DE", "AT", "DE"],
                "minCompanySize": 1000, "teamId": team["id"] }),
    )
    .await;
    assert_eq!(rule["method"], "ROUND_ROBIN");
    assert_eq!(rule["countries"], json!(["DE", "AT"]));
    assert!(rule["regions"].is_null(), "no condition matches all");
    assert_eq!(rule["team"]["name"], "Enterprise");
    assert_eq!(rule["queueOnly"], false);
    assert_eq!(rule["active"], true);

    let balanced = upsert(
        &app,
        &admin,
        UPSERT_ROUTING_RULE,
        json!({ "id": rule["id"], "name": "Big DACH demos", "priority": 10, "method": "LOAD_BALANCED", "teamId": team["id"], "queueOnly": true }),
    )
    .await;
    assert_eq!(balanced["id"], rule["id"]);
    assert_eq!(balanced["method"], "LOAD_BALANCED");
    assert!(
        balanced["countries"].is_null(),
        "the rule was replaced: {balanced}"
    );

    let listed = query(&app, &admin, "{ routingRules { name priority } }").await;
    let priorities: Vec<i64> = listed["routingRules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["priority"].as_i64().unwrap())
        .collect();
    assert_eq!(priorities, [10, 1000], "our rule before the seeded default");
}

#[tokio::test]
async fn invalid_routing_rules_are_bad_user_input_naming_the_field() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let cases = [
        (
            "maxCompanySize",
            json!({ "name": "R", "priority": 1, "minCompanySize": 500, "maxCompanySize": 50 }),
            "min above max",
        ),
        (
            "teamId",
            json!({ "name": "R", "priority": 1, "teamId": "999999" }),
            "an unknown team",
        ),
        (
            "leadTypes[1]",
            json!({ "name": "R", "priority": 1, "leadTypes": ["webinar", "carrier_pigeon"] }),
            "an unknown lead type",
        ),
        (
            "queueOnly",
            json!({ "name": "R", "priority": 1, "queueOnly": true }),
            "a queue without a team",
        ),
    ];
    for (field, input, why) in cases {
        let response = app
            .graphql(Some(&admin), UPSERT_ROUTING_RULE, json!({ "input": input }))
            .await;
        assert_bad_input(&response, field, why);
    }
}

#[tokio::test]
async fn rejection_reasons_are_upserted_by_code_and_inactive_ones_are_hidden_by_default() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let created = upsert(
        &app,
        &admin,
        UPSERT_REJECTION_REASON,
        json!({ "code": "student", "label": "Student", "recyclePlay": "education nurture" }),
    )
    .await;
    assert_eq!(
        created,
        json!({ "code": "student", "label": "Student", "active": true, "recyclePlay": "education nurture" })
    );

    let retired = upsert(
        &app,
        &admin,
        UPSERT_REJECTION_REASON,
        json!({ "code": "student", "label": "Student (retired)", "active": false }),
    )
    .await;
    assert_eq!(retired["active"], false);
    assert_eq!(
        retired["recyclePlay"], "education nurture",
        "a play left out is kept"
    );

    let active = query(&app, &admin, "{ rejectionReasons { code } }").await;
    let codes: Vec<&str> = active["rejectionReasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"bad_fit") && !codes.contains(&"student"),
        "{codes:?}"
    );
    let all = query(
        &app,
        &admin,
        "{ rejectionReasons(includeInactive: true) { code label } }",
    )
    .await;
    let student: Vec<&Value> = all["rejectionReasons"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["code"] == "student")
        .collect();
    assert_eq!(
        student,
        [&json!({ "code": "student", "label": "Student (retired)" })],
        "one row, updated"
    );

    let response = app
        .graphql(
            Some(&admin),
            UPSERT_REJECTION_REASON,
            json!({ "input": { "code": "Bad Fit", "label": "x" } }),
        )
        .await;
    assert_bad_input(&response, "code", "a code that is not a lower-case slug");
}

#[tokio::test]
async fn lead_types_are_upserted_by_key() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let created = upsert(
        &app,
        &admin,
        UPSERT_LEAD_TYPE,
        json!({ "key": "free_trial", "label": "Free trial" }),
    )
    .await;
    assert_eq!(
        created,
        json!({ "key": "free_trial", "label": "Free trial", "instantMql": false, "active": true })
    );
    let updated = upsert(
        &app,
        &admin,
        UPSERT_LEAD_TYPE,
        json!({ "key": "free_trial", "label": "Free trial signup", "instantMql": true }),
    )
    .await;
    assert_eq!(updated["instantMql"], true);

    let listed = query(&app, &admin, "{ leadTypes { key label } }").await;
    let trials: Vec<&Value> = listed["leadTypes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["key"] == "free_trial")
        .collect();
    assert_eq!(
        trials,
        [&json!({ "key": "free_trial", "label": "Free trial signup" })]
    );

    let response = app
        .graphql(
            Some(&admin),
            UPSERT_LEAD_TYPE,
            json!({ "input": { "key": "free-trial", "label": "x" } }),
        )
        .await;
    assert_bad_input(&response, "key", "a key that is not a slug");
}

#[tokio::test]
async fn a_rep_may_read_configuration_but_not_change_it() {
    let app = spawn_app().await;
    let (_, rep) = app.user_with_token("rep@handoff.test", "REP").await;
    let data = query(&app, &rep, "{ teams { name } businessCalendars { name } slaPolicies { id } scoringRules { id } routingRules { id } rejectionReasons { code } leadTypes { key } }").await;
    assert!(
        !data["slaPolicies"].as_array().unwrap().is_empty(),
        "{data}"
    );

    let cases = [
        (UPSERT_TEAM, json!({ "name": "Mine" })),
        (
            UPSERT_CALENDAR,
            json!({ "name": "Mine", "calendar": new_york_office_hours() }),
        ),
        (
            UPSERT_SLA_POLICY,
            json!({ "name": "Mine", "leadType": "webinar", "kind": "FIRST_RESPONSE", "targetSeconds": 1 }),
        ),
        (
            UPSERT_SCORING_RULE,
            json!({ "name": "Mine", "points": 100, "engagement": "pricing_page" }),
        ),
        (
            UPSERT_ROUTING_RULE,
            json!({ "name": "Mine", "priority": 0 }),
        ),
        (
            UPSERT_REJECTION_REASON,
            json!({ "code": "mine", "label": "Mine" }),
        ),
        (UPSERT_LEAD_TYPE, json!({ "key": "mine", "label": "Mine" })),
    ];
    for (mutation, input) in cases {
        let response = app
            .graphql(Some(&rep), mutation, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&response), "FORBIDDEN", "{mutation}: {response}");
    }
}

#[tokio::test]
async fn marketing_ops_may_edit_scoring_but_not_sla_policies() {
    let app = spawn_app().await;
    let (_, ops) = app
        .user_with_token("ops@handoff.test", "MARKETING_OPS")
        .await;
    upsert(
        &app,
        &ops,
        UPSERT_SCORING_RULE,
        json!({ "name": "Webinar", "points": 15, "engagement": "webinar_attended" }),
    )
    .await;
    upsert(
        &app,
        &ops,
        UPSERT_LEAD_TYPE,
        json!({ "key": "free_trial", "label": "Free trial" }),
    )
    .await;
    upsert(
        &app,
        &ops,
        UPSERT_REJECTION_REASON,
        json!({ "code": "student", "label": "Student" }),
    )
    .await;

    let cases = [
        (
            UPSERT_SLA_POLICY,
            json!({ "name": "Faster", "leadType": "webinar", "kind": "FIRST_RESPONSE", "targetSeconds": 60 }),
        ),
        (UPSERT_TEAM, json!({ "name": "Marketing's own" })),
        (
            UPSERT_ROUTING_RULE,
            json!({ "name": "Mine", "priority": 0 }),
        ),
        (
            UPSERT_CALENDAR,
            json!({ "name": "Mine", "calendar": new_york_office_hours() }),
        ),
    ];
    for (mutation, input) in cases {
        let response = app
            .graphql(Some(&ops), mutation, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&response), "FORBIDDEN", "{mutation}: {response}");
    }
}

#[tokio::test]
async fn integrations_and_anonymous_callers_cannot_read_configuration() {
    let app = spawn_app().await;
    let (_, integration) = app.user_with_token("crm@handoff.test", "INTEGRATION").await;
    let response = app
        .graphql(Some(&integration), "{ slaPolicies { id } }", json!({}))
        .await;
    assert_eq!(error_code(&response), "FORBIDDEN", "{response}");
    let response = app.graphql(None, "{ teams { id } }", json!({})).await;
    assert_eq!(error_code(&response), "UNAUTHENTICATED", "{response}");
}

#[tokio::test]
async fn sla_preview_counts_business_time_across_a_weekend_and_a_dst_change() {
    let app = spawn_app().await;
    let (_, rep) = app.user_with_token("rep@handoff.test", "REP").await;
    // Friday 16:59 EST: one minute on Friday, then 3 h 59 min from Monday 09:00 EDT.
    let variables = json!({ "calendar": new_york_office_hours(), "start": "2026-03-06T16:59:00-05:00", "seconds": 14400 });
    let response = app.graphql(Some(&rep), SLA_PREVIEW, variables).await;
    assert_eq!(
        instant(&response["data"]["slaPreview"]),
        instant(&json!("2026-03-09T16:59:00Z")),
        "{response}"
    );

    let zero = json!({ "calendar": new_york_office_hours(), "start": "2026-03-07T12:00:00Z", "seconds": 0 });
    let response = app.graphql(Some(&rep), SLA_PREVIEW, zero).await;
    assert_eq!(
        instant(&response["data"]["slaPreview"]),
        instant(&json!("2026-03-07T12:00:00Z")),
        "zero seconds is the start: {response}"
    );
}

/// An RFC 3339 value as an instant: the API may spell UTC as `Z` or `+00:00`.
fn instant(value: &Value) -> chrono::DateTime<chrono::Utc> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("{value} is not a DateTime"));
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .to_utc()
}

#[tokio::test]
async fn sla_preview_rejects_a_bad_calendar_and_negative_seconds_naming_the_field() {
    let app = spawn_app().await;
    let (_, rep) = app.user_with_token("rep@handoff.test", "REP").await;
    let mut overnight = new_york_office_hours();
    overnight["weekly"][0] = json!({ "day": "mon", "open": "22:00", "close": "06:00" });
    let mut no_such_day = new_york_office_hours();
    no_such_day["weekly"][3]["day"] = json!("someday");
    let cases = [
        (
            "calendar.weekly[0].close",
            json!({ "calendar": overnight, "start": "2026-03-06T12:00:00Z", "seconds": 60 }),
        ),
        (
            "calendar.weekly[3].day",
            json!({ "calendar": no_such_day, "start": "2026-03-06T12:00:00Z", "seconds": 60 }),
        ),
        (
            "seconds",
            json!({ "calendar": new_york_office_hours(), "start": "2026-03-06T12:00:00Z", "seconds": -1 }),
        ),
    ];
    for (field, variables) in cases {
        let response = app.graphql(Some(&rep), SLA_PREVIEW, variables).await;
        assert_bad_input(&response, field, field);
    }
}
