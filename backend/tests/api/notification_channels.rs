//! Choosing how people are notified, over GraphQL: personal preferences
//! (`setNotificationPreferences`) and notification channels (`upsertNotificationChannel`,
//! `deleteNotificationChannel`, `notificationChannels`), their validation, who may do what, and
//! that what is saved is what the SLA notifier sends to.

use chrono::Duration;
use handoff::clock::Clock as _;
use handoff::entities::{notification_channels, notifications};
use handoff::handoff::store::{LeadRecord, Recorded};
use handoff::sla;
use handoff_shared::lead::{Assignment, LeadEvent, LeadProfile, MqlReason};
use sea_orm::{
    ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _, TransactionTrait as _,
};
use serde_json::{Value, json};

use crate::helpers::{Receiver, TestApp, error_code, error_field, eventually, spawn_app};

const SECRET: &str = "team-webhook-secret-0123456789";
const PASSWORD: &str = "a-good-password";

const SET_PREFS: &str = "mutation($userId: ID!, $input: NotificationPreferencesInput!) { setNotificationPreferences(userId: $userId, input: $input) { id notifyEmail notifyChat slackWebhookUrl teamsWebhookUrl } }";
const UPSERT: &str = "mutation($input: NotificationChannelInput!) { upsertNotificationChannel(input: $input) { id scope scopeId kind target hasSecret events active } }";
const DELETE: &str = "mutation($id: ID!) { deleteNotificationChannel(id: $id) }";
const LIST: &str = "query($scope: ChannelScope, $scopeId: ID) { notificationChannels(scope: $scope, scopeId: $scopeId) { id scope scopeId kind target } }";

/// Two teams, each with its manager and a rep: (id, token) pairs.
struct Org {
    admin: String,
    team: String,
    other_team: String,
    boss: (String, String),
    other_boss: (String, String),
    rep: (String, String),
    other_rep: (String, String),
}

async fn organisation(app: &TestApp) -> Org {
    let admin = app.admin_token().await;
    let user = async |email: &str, role: &str, extra: Value| {
        let mut input =
            json!({ "email": email, "name": email, "password": PASSWORD, "role": role });
        if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
            input.extend(extra.clone());
        }
        let id = app.create_user(input).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        (id, app.token_for(email, PASSWORD).await)
    };
    let team = async |name: &str, manager: &str| {
        let response = app
            .graphql(
                Some(&admin),
                "mutation($input: TeamInput!) { upsertTeam(input: $input) { id } }",
                json!({ "input": { "name": name, "managerId": manager } }),
            )
            .await;
        assert!(response["errors"].is_null(), "{response}");
        response["data"]["upsertTeam"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let boss = user("boss@handoff.test", "MANAGER", json!({})).await;
    let other_boss = user("other-boss@handoff.test", "MANAGER", json!({})).await;
    let team_id = team("Inbound", &boss.0).await;
    let other_team = team("Outbound", &other_boss.0).await;
    let rep = user(
        "rep@handoff.test",
        "REP",
        json!({ "teamId": team_id, "timezone": "America/New_York" }),
    )
    .await;
    let other_rep = user(
        "other-rep@handoff.test",
        "REP",
        json!({ "teamId": other_team }),
    )
    .await;
    Org {
        admin,
        team: team_id,
        other_team,
        boss,
        other_boss,
        rep,
        other_rep,
    }
}

fn ok(response: &Value, what: &str) {
    assert!(response["errors"].is_null(), "{what}: {response}");
}

fn forbidden(response: &Value, what: &str) {
    assert_eq!(error_code(response), "FORBIDDEN", "{what}: {response}");
}

#[tokio::test]
async fn bad_values_are_bad_user_input_naming_the_field() {
    let app = spawn_app().await;
    let org = organisation(&app).await;
    let url = "https://hooks.example/x";
    let cases: Vec<(&str, &str, Value)> = vec![
        (
            "an EMAIL channel needs an address",
            "target",
            json!({ "scope": "ORG", "kind": "EMAIL", "target": url }),
        ),
        (
            "a SLACK channel needs an http(s) URL",
            "target",
            json!({ "scope": "ORG", "kind": "SLACK", "target": "ftp://hooks.example/x" }),
        ),
        (
            "a WEBHOOK channel needs a secret",
            "secret",
            json!({ "scope": "ORG", "kind": "WEBHOOK", "target": url }),
        ),
        (
            "of at least 16 characters",
            "secret",
            json!({ "scope": "ORG", "kind": "WEBHOOK", "target": url, "secret": "too-short" }),
        ),
        (
            "only WEBHOOK channels are signed",
            "secret",
            json!({ "scope": "ORG", "kind": "SLACK", "target": url, "secret": SECRET }),
        ),
        (
            "events the notifier does not know",
            "events[1]",
            json!({ "scope": "ORG", "kind": "SLACK", "target": url, "events": ["sla.breached", "lead.created"] }),
        ),
        (
            "a TEAM channel needs its team",
            "scopeId",
            json!({ "scope": "TEAM", "kind": "SLACK", "target": url }),
        ),
        (
            "which must exist",
            "scopeId",
            json!({ "scope": "TEAM", "scopeId": "999999", "kind": "SLACK", "target": url }),
        ),
        (
            "a USER channel's user must exist",
            "scopeId",
            json!({ "scope": "USER", "scopeId": "999999", "kind": "SLACK", "target": url }),
        ),
        (
            "an ORG channel has no scope id",
            "scopeId",
            json!({ "scope": "ORG", "scopeId": org.team, "kind": "SLACK", "target": url }),
        ),
        (
            "ids are numbers",
            "scopeId",
            json!({ "scope": "USER", "scopeId": "abc", "kind": "SLACK", "target": url }),
        ),
    ];
    for (what, field, input) in cases {
        let response = app
            .graphql(Some(&org.admin), UPSERT, json!({ "input": input }))
            .await;
        assert_eq!(
            error_code(&response),
            "BAD_USER_INPUT",
            "{what}: {response}"
        );
        assert_eq!(error_field(&response), field, "{what}: {response}");
    }
    assert_eq!(
        notification_channels::Entity::find()
            .all(app.db())
            .await
            .unwrap()
            .len(),
        0,
        "nothing was stored"
    );

    for (field, input) in [
        ("slackWebhookUrl", json!({ "slackWebhookUrl": "ftp://x" })),
        (
            "teamsWebhookUrl",
            json!({ "teamsWebhookUrl": "hooks.example/x" }),
        ),
    ] {
        let response = app
            .graphql(
                Some(&org.rep.1),
                SET_PREFS,
                json!({ "userId": org.rep.0, "input": input }),
            )
            .await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response}");
        assert_eq!(error_field(&response), field, "{response}");
    }
    let response = app
        .graphql(
            Some(&org.rep.1),
            SET_PREFS,
            json!({ "userId": "x", "input": {} }),
        )
        .await;
    assert_eq!(error_field(&response), "userId", "{response}");
}

#[tokio::test]
async fn preferences_are_set_by_the_user_their_manager_or_an_admin() {
    let app = spawn_app().await;
    let org = organisation(&app).await;
    let slack = "https://hooks.slack.example/rep";

    // The rep turns e-mail off and adds a Slack webhook; the URL is theirs to see.
    let own = app
        .graphql(
            Some(&org.rep.1),
            SET_PREFS,
            json!({ "userId": org.rep.0, "input": { "email": false, "slackWebhookUrl": slack } }),
        )
        .await;
    ok(&own, "a rep sets their own");
    let user = &own["data"]["setNotificationPreferences"];
    assert_eq!(user["notifyEmail"], false);
    assert_eq!(user["notifyChat"], true);
    assert_eq!(user["slackWebhookUrl"], slack);
    assert_eq!(user["teamsWebhookUrl"], Value::Null);

    // Someone else's: a rep never; a manager only for their own reports; an admin always.
    forbidden(
        &app.graphql(
            Some(&org.other_rep.1),
            SET_PREFS,
            json!({ "userId": org.rep.0, "input": { "email": true } }),
        )
        .await,
        "a rep sets another's",
    );
    forbidden(
        &app.graphql(
            Some(&org.other_boss.1),
            SET_PREFS,
            json!({ "userId": org.rep.0, "input": { "email": true } }),
        )
        .await,
        "a manager sets another team's rep's",
    );
    forbidden(
        &app.graphql(
            Some(&org.rep.1),
            SET_PREFS,
            json!({ "userId": org.boss.0, "input": { "chat": false } }),
        )
        .await,
        "a rep sets their manager's",
    );
    let by_manager = app
        .graphql(
            Some(&org.boss.1),
            SET_PREFS,
            json!({ "userId": org.rep.0, "input": { "chat": false } }),
        )
        .await;
    ok(&by_manager, "the team's manager sets their rep's");
    let user = &by_manager["data"]["setNotificationPreferences"];
    assert_eq!(user["notifyChat"], false);
    assert_eq!(user["notifyEmail"], false, "untouched");
    assert_eq!(
        user["slackWebhookUrl"],
        Value::Null,
        "the URL is a credential: hidden from the manager"
    );

    // A direct report (manager_id) outside the manager's team.
    let direct = app
        .create_user(json!({ "email": "direct@handoff.test", "name": "Direct", "role": "REP",
                             "teamId": org.other_team, "managerId": org.boss.0, "notifyEmail": false }))
        .await["id"]
        .clone();
    let by_manager = app
        .graphql(
            Some(&org.boss.1),
            SET_PREFS,
            json!({ "userId": direct, "input": { "email": true } }),
        )
        .await;
    ok(&by_manager, "the manager sets their direct report's");
    assert_eq!(
        by_manager["data"]["setNotificationPreferences"]["notifyEmail"], true,
        "createUser took notifyEmail: false, the manager turned it back on"
    );

    let by_admin = app
        .graphql(
            Some(&org.admin),
            SET_PREFS,
            json!({ "userId": org.rep.0, "input": { "slackWebhookUrl": "  ", "teamsWebhookUrl": "https://teams.example/rep" } }),
        )
        .await;
    ok(&by_admin, "an admin sets anyone's");
    let user = &by_admin["data"]["setNotificationPreferences"];
    assert_eq!(
        user["slackWebhookUrl"],
        Value::Null,
        "a blank URL clears it"
    );
    assert_eq!(
        user["teamsWebhookUrl"], "https://teams.example/rep",
        "admins see the URLs"
    );

    let missing = app
        .graphql(
            Some(&org.admin),
            SET_PREFS,
            json!({ "userId": "999999", "input": { "email": true } }),
        )
        .await;
    assert_eq!(error_code(&missing), "NOT_FOUND", "{missing}");

    // Others reading the rep through the directory do not see the URL either.
    let me = app
        .graphql(
            Some(&org.rep.1),
            "{ me { notifyEmail notifyChat teamsWebhookUrl manager { id } } }",
            json!({}),
        )
        .await;
    ok(&me, "me");
    assert_eq!(
        me["data"]["me"]["teamsWebhookUrl"],
        "https://teams.example/rep"
    );
}

#[tokio::test]
async fn channels_are_managed_by_admins_and_team_managers_for_their_own_team() {
    let app = spawn_app().await;
    let org = organisation(&app).await;
    let team_channel = |team: &str| {
        json!({ "input": { "scope": "TEAM", "scopeId": team, "kind": "SLACK",
                            "target": "https://hooks.slack.example/team" } })
    };

    // Reps (and marketing ops) may not touch channels at all, not even read them.
    for (what, token) in [("a rep", &org.rep.1), ("another rep", &org.other_rep.1)] {
        forbidden(
            &app.graphql(Some(token), UPSERT, team_channel(&org.team))
                .await,
            what,
        );
        forbidden(&app.graphql(Some(token), LIST, json!({})).await, what);
    }

    // A manager: their own team's channels only.
    let created = app
        .graphql(Some(&org.boss.1), UPSERT, team_channel(&org.team))
        .await;
    ok(&created, "a manager creates their team's channel");
    let channel = created["data"]["upsertNotificationChannel"].clone();
    assert_eq!(channel["scope"], "TEAM");
    assert_eq!(channel["scopeId"], org.team.as_str());
    assert_eq!(channel["kind"], "SLACK");
    assert_eq!(channel["events"], json!(["*"]));
    assert_eq!(channel["active"], true);
    assert_eq!(channel["hasSecret"], false);
    let id = channel["id"].as_str().unwrap().to_owned();

    forbidden(
        &app.graphql(Some(&org.boss.1), UPSERT, team_channel(&org.other_team))
            .await,
        "a manager creates another team's channel",
    );
    for scope in [
        json!({ "scope": "ORG" }),
        json!({ "scope": "USER", "scopeId": org.rep.0 }),
    ] {
        let mut input = scope;
        input["kind"] = json!("EMAIL");
        input["target"] = json!("alerts@handoff.test");
        forbidden(
            &app.graphql(Some(&org.boss.1), UPSERT, json!({ "input": input }))
                .await,
            "a manager creates an ORG or USER channel",
        );
    }
    // Nor can they move their channel to another team.
    let mut moved = team_channel(&org.other_team);
    moved["input"]["id"] = json!(id);
    forbidden(
        &app.graphql(Some(&org.boss.1), UPSERT, moved).await,
        "a manager moves a channel out of their team",
    );

    // The admin: anything, including a signed webhook of the other team and an ORG mailbox.
    let webhook = app
        .graphql(
            Some(&org.admin),
            UPSERT,
            json!({ "input": { "scope": "TEAM", "scopeId": org.other_team, "kind": "WEBHOOK",
                                "target": "https://crm.example/hook", "secret": SECRET,
                                "events": ["sla.breached", "at_risk_80"] } }),
        )
        .await;
    ok(&webhook, "an admin creates a webhook channel");
    let webhook = webhook["data"]["upsertNotificationChannel"].clone();
    assert_eq!(webhook["hasSecret"], true);
    assert_eq!(webhook["events"], json!(["sla.breached", "AT_RISK_80"]));
    let webhook_id = webhook["id"].as_str().unwrap().to_owned();
    let stored = notification_channels::Entity::find_by_id(webhook_id.parse::<i64>().unwrap())
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.secret.as_deref(),
        Some(SECRET),
        "stored as given: it signs"
    );
    let org_mail = app
        .graphql(
            Some(&org.admin),
            UPSERT,
            json!({ "input": { "scope": "ORG", "kind": "EMAIL", "target": "Alerts@Handoff.test" } }),
        )
        .await;
    ok(&org_mail, "an admin creates an ORG channel");
    assert_eq!(
        org_mail["data"]["upsertNotificationChannel"]["target"],
        "alerts@handoff.test"
    );

    // Replacing a webhook without a secret keeps the stored one.
    let renamed = app
        .graphql(
            Some(&org.admin),
            UPSERT,
            json!({ "input": { "id": webhook_id, "scope": "TEAM", "scopeId": org.other_team,
                                "kind": "WEBHOOK", "target": "https://crm.example/hook2", "active": false } }),
        )
        .await;
    ok(&renamed, "an admin replaces the webhook");
    assert_eq!(
        renamed["data"]["upsertNotificationChannel"]["hasSecret"],
        true
    );
    assert_eq!(
        renamed["data"]["upsertNotificationChannel"]["active"],
        false
    );

    // Listing: the admin sees all three, filtered by scope; the manager only their team's.
    let all = app.graphql(Some(&org.admin), LIST, json!({})).await;
    ok(&all, "admin lists");
    assert_eq!(
        all["data"]["notificationChannels"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let orgs = app
        .graphql(Some(&org.admin), LIST, json!({ "scope": "ORG" }))
        .await;
    assert_eq!(
        orgs["data"]["notificationChannels"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let other = app
        .graphql(
            Some(&org.admin),
            LIST,
            json!({ "scope": "TEAM", "scopeId": org.other_team }),
        )
        .await;
    assert_eq!(
        other["data"]["notificationChannels"][0]["id"],
        webhook_id.as_str()
    );
    let mine = app.graphql(Some(&org.boss.1), LIST, json!({})).await;
    ok(&mine, "manager lists");
    let ids: Vec<&str> = mine["data"]["notificationChannels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str()]);
    let theirs = app.graphql(Some(&org.other_boss.1), LIST, json!({})).await;
    assert_eq!(
        theirs["data"]["notificationChannels"][0]["id"],
        webhook_id.as_str()
    );

    // Deleting: the other team's manager may not delete this team's channel; its own may.
    forbidden(
        &app.graphql(Some(&org.other_boss.1), DELETE, json!({ "id": id }))
            .await,
        "a manager deletes another team's channel",
    );
    forbidden(
        &app.graphql(Some(&org.rep.1), DELETE, json!({ "id": id }))
            .await,
        "a rep deletes a channel",
    );
    let deleted = app
        .graphql(Some(&org.boss.1), DELETE, json!({ "id": id }))
        .await;
    ok(&deleted, "the team's manager deletes it");
    assert_eq!(deleted["data"]["deleteNotificationChannel"], true);
    let again = app
        .graphql(Some(&org.admin), DELETE, json!({ "id": id }))
        .await;
    assert_eq!(error_code(&again), "NOT_FOUND", "{again}");
    let all = app.graphql(Some(&org.admin), LIST, json!({})).await;
    assert_eq!(
        all["data"]["notificationChannels"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

/// A 24/7 calendar and a 100-second FIRST_RESPONSE policy from assignment, escalating.
async fn sla_policy(app: &TestApp, admin: &str) {
    let gql = async |query: &str, variables: Value| {
        let response = app.graphql(Some(admin), query, variables).await;
        ok(&response, query);
        response["data"].clone()
    };
    let weekly: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|day| json!({ "day": day, "open": "00:00", "close": "24:00" }))
        .collect();
    let calendar = gql(
        "mutation($input: NamedCalendarInput!) { upsertBusinessCalendar(input: $input) { id } }",
        json!({ "input": { "name": "Always", "calendar": { "timezone": "UTC", "weekly": weekly } } }),
    )
    .await["upsertBusinessCalendar"]["id"]
        .clone();
    gql(
        "mutation($input: SlaPolicyInput!) { upsertSlaPolicy(input: $input) { id } }",
        json!({ "input": { "name": "Demo first response", "leadType": "demo_request", "kind": "FIRST_RESPONSE",
                "targetSeconds": 100, "startOn": "assigned", "calendarId": calendar, "escalateToManager": true } }),
    )
    .await;
    gql(
        "mutation($input: SlaPolicyInput!) { upsertSlaPolicy(input: $input) { id } }",
        json!({ "input": { "name": "Demo acceptance", "leadType": "demo_request", "kind": "ACCEPTANCE",
                "targetSeconds": 30 * 86_400, "startOn": "assigned", "calendarId": calendar } }),
    )
    .await;
}

/// A live demo request assigned now to `owner` in `team`.
async fn assigned_lead(app: &TestApp, owner: i64, team: i64) -> i64 {
    let now = app.clock.now();
    let txn = app.db().begin().await.unwrap();
    let profile = LeadProfile {
        email: "jane@initech.example".into(),
        first_name: Some("Jane".into()),
        last_name: Some("Doe".into()),
        company: Some("Initech".into()),
        lead_type: "demo_request".into(),
        ..Default::default()
    };
    let mut record = LeadRecord::create(&txn, profile, "jane", None, now, now)
        .await
        .unwrap();
    let events = [
        LeadEvent::Mql {
            reason: MqlReason::History,
            score: 0,
        },
        LeadEvent::Assigned(Assignment {
            owner_id: Some(owner),
            team_id: Some(team),
            method: "test".into(),
            rule: None,
            previous_owner_id: None,
            detail: None,
        }),
    ];
    for event in events {
        record
            .append(
                &txn,
                Recorded {
                    event: event.clone(),
                    actor_id: None,
                    occurred_at: now,
                },
                now,
            )
            .await
            .unwrap();
        for t in sla::on_lead_event(&txn, &record, &event, now, now)
            .await
            .unwrap()
        {
            record.append(&txn, t, now).await.unwrap();
        }
    }
    record.save(&txn).await.unwrap();
    txn.commit().await.unwrap();
    record.id
}

/// What the scheduler does for a due clock: settle at now and append the transitions.
async fn settle(app: &TestApp, lead_id: i64) -> usize {
    let now = app.clock.now();
    let txn = app.db().begin().await.unwrap();
    let mut record = LeadRecord::load(&txn, lead_id).await.unwrap().unwrap();
    let transitions = sla::settle(&txn, &record, now).await.unwrap();
    for t in &transitions {
        record.append(&txn, t.clone(), now).await.unwrap();
    }
    record.save(&txn).await.unwrap();
    txn.commit().await.unwrap();
    transitions.len()
}

/// (channel, target) of the lead's outbox rows, in order.
async fn outbox(app: &TestApp, lead_id: i64) -> Vec<(String, String)> {
    notifications::Entity::find()
        .filter(notifications::Column::LeadId.eq(lead_id))
        .order_by_asc(notifications::Column::Id)
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.channel, row.target))
        .collect()
}

#[tokio::test]
async fn channels_and_preferences_saved_through_the_api_steer_sla_notifications() {
    let receiver = Receiver::start(SECRET);
    let app = spawn_app().await;
    let org = organisation(&app).await;
    sla_policy(&app, &org.admin).await;
    let team_slack = format!("{}/slack/team", receiver.base);
    let rep_slack = format!("{}/slack/rep", receiver.base);

    // The manager gives the team a Slack channel for the late thresholds; the admin adds a
    // signed webhook for the at-risk ones; the rep wants Slack, not e-mail.
    ok(
        &app.graphql(
            Some(&org.boss.1),
            UPSERT,
            json!({ "input": { "scope": "TEAM", "scopeId": org.team, "kind": "SLACK",
                                "target": team_slack, "events": ["AT_RISK_80", "sla.breached"] } }),
        )
        .await,
        "the team's Slack channel",
    );
    ok(
        &app.graphql(
            Some(&org.admin),
            UPSERT,
            json!({ "input": { "scope": "TEAM", "scopeId": org.team, "kind": "WEBHOOK",
                                "target": format!("{}/hook", receiver.base), "secret": SECRET,
                                "events": ["sla.at_risk"] } }),
        )
        .await,
        "the team's webhook",
    );
    ok(
        &app.graphql(
            Some(&org.rep.1),
            SET_PREFS,
            json!({ "userId": org.rep.0, "input": { "email": false, "slackWebhookUrl": rep_slack } }),
        )
        .await,
        "the rep's preferences",
    );

    let id = |s: &str| s.parse::<i64>().unwrap();
    let lead = assigned_lead(&app, id(&org.rep.0), id(&org.team)).await;
    for seconds in [55, 30, 20] {
        app.clock.advance(Duration::seconds(seconds));
        assert_eq!(
            settle(&app, lead).await,
            1,
            "one threshold after {seconds} s"
        );
    }

    // 50 %: rep's Slack, webhook. 80 %: rep's Slack, the manager's mail, team Slack, webhook.
    // Breach: the manager's mail, team Slack. Never a mail to the rep.
    let rows = outbox(&app, lead).await;
    let count = |channel: &str, target: &str| {
        rows.iter()
            .filter(|(c, t)| c == channel && t == target)
            .count()
    };
    assert_eq!(count("email", "rep@handoff.test"), 0, "{rows:?}");
    assert_eq!(count("email", "boss@handoff.test"), 2, "{rows:?}");
    assert_eq!(count("slack", &rep_slack), 2, "{rows:?}");
    assert_eq!(count("slack", &team_slack), 2, "{rows:?}");
    assert_eq!(
        count("webhook", &format!("{}/hook", receiver.base)),
        2,
        "{rows:?}"
    );
    assert_eq!(rows.len(), 8, "{rows:?}");

    let (team, hook) = eventually("the team's Slack messages and the webhooks", || {
        let team = receiver.hits("/slack/team");
        let hook = receiver.hits("/hook");
        (team.len() == 2 && hook.len() == 2 && receiver.hits("/slack/rep").len() == 2)
            .then_some((team, hook))
    })
    .await;
    let texts: Vec<&str> = team
        .iter()
        .map(|h| h.body["text"].as_str().unwrap())
        .collect();
    assert!(
        texts.iter().any(|t| t.contains("SLA at risk (80 %)")),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.contains("SLA breached")),
        "{texts:?}"
    );
    assert!(hook.iter().all(|h| !h.signature.is_empty()), "{hook:?}");
    let mut percents: Vec<u64> = hook
        .iter()
        .map(|h| h.body["percent"].as_u64().unwrap())
        .collect();
    percents.sort_unstable();
    assert_eq!(percents, [50, 80]);

    // The delivery log agrees: no e-mail row addressed to the rep.
    let log = app
        .graphql(
            Some(&org.admin),
            "query($filter: NotificationFilter) { notifications(filter: $filter, first: 50) { edges { node { target } } } }",
            json!({ "filter": { "leadId": lead.to_string(), "channel": "email" } }),
        )
        .await;
    let targets: Vec<&str> = log["data"]["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["boss@handoff.test", "boss@handoff.test"], "{log}");
}
