//! Login, sessions, API tokens and role checks.

use chrono::Duration;
use handoff::entities::{api_tokens, sessions};
use sea_orm::EntityTrait as _;
use serde_json::json;
use sha2::{Digest as _, Sha256};

use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, error_code, spawn_app, spawn_app_with};

const ME: &str = "{ me { id email role } }";
const CREATE_API_TOKEN: &str = "mutation($name: String!, $role: Role!) { createApiToken(name: $name, role: $role) { id name role token createdAt } }";

#[tokio::test]
async fn the_first_admin_logs_in_and_sees_themself() {
    let app = spawn_app().await;
    let login = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert!(login["errors"].is_null(), "{login}");
    let token = login["data"]["login"]["token"].as_str().unwrap();
    assert!(token.starts_with("hs_"), "{token}");
    assert_eq!(login["data"]["login"]["user"]["role"], "ADMIN");

    let me = app.graphql(Some(token), ME, json!({})).await;
    assert_eq!(me["data"]["me"]["email"], ADMIN_EMAIL, "{me}");
}

#[tokio::test]
async fn login_accepts_the_email_in_any_case() {
    let app = spawn_app().await;
    let login = app.login(&ADMIN_EMAIL.to_uppercase(), ADMIN_PASSWORD).await;
    assert!(login["data"]["login"]["token"].is_string(), "{login}");
}

#[tokio::test]
async fn login_with_a_wrong_password_is_unauthenticated() {
    let app = spawn_app().await;
    let login = app.login(ADMIN_EMAIL, "not-the-password").await;
    assert_eq!(error_code(&login), "UNAUTHENTICATED", "{login}");
    assert!(login["data"].is_null(), "{login}");
}

#[tokio::test]
async fn login_with_an_unknown_email_fails_exactly_like_a_wrong_password() {
    let app = spawn_app().await;
    let unknown = app.login("nobody@handoff.test", "not-the-password").await;
    let wrong = app.login(ADMIN_EMAIL, "not-the-password").await;
    assert_eq!(error_code(&unknown), "UNAUTHENTICATED");
    assert_eq!(
        unknown["errors"][0]["message"], wrong["errors"][0]["message"],
        "no user enumeration"
    );
}

#[tokio::test]
async fn me_without_a_token_is_unauthenticated() {
    let app = spawn_app().await;
    let me = app.graphql(None, ME, json!({})).await;
    assert_eq!(error_code(&me), "UNAUTHENTICATED", "{me}");
}

#[tokio::test]
async fn me_with_an_unknown_token_is_unauthenticated() {
    let app = spawn_app().await;
    for token in ["garbage", "hs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
        let me = app.graphql(Some(token), ME, json!({})).await;
        assert_eq!(error_code(&me), "UNAUTHENTICATED", "{token}: {me}");
    }
}

#[tokio::test]
async fn a_session_unused_for_more_than_twelve_hours_expires() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    app.clock.advance(Duration::hours(11));
    let me = app.graphql(Some(&token), ME, json!({})).await;
    assert!(me["errors"].is_null(), "used within 12 hours: {me}");

    app.clock.advance(Duration::hours(11));
    let me = app.graphql(Some(&token), ME, json!({})).await;
    assert!(me["errors"].is_null(), "each use extends the session: {me}");

    app.clock.advance(Duration::hours(13));
    let me = app.graphql(Some(&token), ME, json!({})).await;
    assert_eq!(
        error_code(&me),
        "UNAUTHENTICATED",
        "idle for 13 hours: {me}"
    );
}

#[tokio::test]
async fn a_rep_calling_create_api_token_is_forbidden() {
    let app = spawn_app().await;
    let (_, rep) = app.user_with_token("rep@handoff.test", "REP").await;
    let response = app
        .graphql(
            Some(&rep),
            CREATE_API_TOKEN,
            json!({ "name": "sneaky", "role": "ADMIN" }),
        )
        .await;
    assert_eq!(error_code(&response), "FORBIDDEN", "{response}");
}

#[tokio::test]
async fn create_api_token_without_a_token_is_unauthenticated() {
    let app = spawn_app().await;
    let response = app
        .graphql(
            None,
            CREATE_API_TOKEN,
            json!({ "name": "x", "role": "INTEGRATION" }),
        )
        .await;
    assert_eq!(error_code(&response), "UNAUTHENTICATED", "{response}");
}

#[tokio::test]
async fn an_api_token_authenticates_with_its_role() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let created = app
        .graphql(
            Some(&admin),
            CREATE_API_TOKEN,
            json!({ "name": "Marketo sync", "role": "INTEGRATION" }),
        )
        .await;
    assert!(created["errors"].is_null(), "{created}");
    let api_token = &created["data"]["createApiToken"];
    assert_eq!(api_token["name"], "Marketo sync");
    assert_eq!(api_token["role"], "INTEGRATION");
    let token = api_token["token"].as_str().unwrap();

    let me = app.graphql(Some(token), ME, json!({})).await;
    assert_eq!(me["data"]["me"]["role"], "INTEGRATION", "{me}");

    let forbidden = app
        .graphql(
            Some(token),
            CREATE_API_TOKEN,
            json!({ "name": "escalate", "role": "ADMIN" }),
        )
        .await;
    assert_eq!(
        error_code(&forbidden),
        "FORBIDDEN",
        "an integration token cannot mint tokens"
    );
}

#[tokio::test]
async fn tokens_are_stored_only_as_hashes() {
    let app = spawn_app().await;
    let session_token = app.admin_token().await;
    let created = app
        .graphql(
            Some(&session_token),
            CREATE_API_TOKEN,
            json!({ "name": "CRM", "role": "INTEGRATION" }),
        )
        .await;
    let api_token = created["data"]["createApiToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let sessions = sessions::Entity::find().all(app.db()).await.unwrap();
    let tokens = api_tokens::Entity::find().all(app.db()).await.unwrap();
    let stored = format!("{sessions:?} {tokens:?}");
    for token in [&session_token, &api_token] {
        assert!(
            !stored.contains(token.as_str()),
            "the plaintext token is in the database"
        );
        assert!(
            !stored.contains(&token[3..]),
            "the token's secret part is in the database"
        );
        let hash = hex::encode(Sha256::digest(token.as_bytes()));
        assert!(stored.contains(&hash), "the SHA-256 of the token is stored");
    }
}

#[tokio::test]
async fn without_admin_settings_a_first_admin_is_still_created() {
    let app = spawn_app_with(|settings| settings.admin = Default::default()).await;
    let admins = handoff::entities::users::Entity::find()
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(admins.len(), 1);
    assert_eq!(admins[0].role, "ADMIN");
    assert!(
        admins[0]
            .password_hash
            .as_deref()
            .is_some_and(|h| h.starts_with("$argon2id$"))
    );
}

const API_TOKENS: &str = "{ apiTokens { id name role createdAt lastUsedAt revokedAt revoked } }";
const REVOKE: &str = "mutation($id: ID!) { revokeApiToken(id: $id) { id revoked revokedAt } }";

#[tokio::test]
async fn tokens_are_listed_without_their_secret_and_a_revoked_one_stops_working_at_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let created = app
        .graphql(
            Some(&admin),
            CREATE_API_TOKEN,
            json!({ "name": "CRM sync", "role": "INTEGRATION" }),
        )
        .await;
    let created = &created["data"]["createApiToken"];
    let token = created["token"].as_str().unwrap().to_owned();
    let me = app.graphql(Some(&token), ME, json!({})).await;
    assert_eq!(me["data"]["me"]["role"], "INTEGRATION", "{me}");

    let listed = app.graphql(Some(&admin), API_TOKENS, json!({})).await;
    let tokens = listed["data"]["apiTokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 1, "{listed}");
    assert_eq!(tokens[0]["id"], created["id"]);
    assert_eq!(tokens[0]["name"], "CRM sync");
    assert_eq!(tokens[0]["role"], "INTEGRATION");
    assert_eq!(tokens[0]["revoked"], false);
    assert!(tokens[0]["lastUsedAt"].is_string(), "its use is recorded");
    assert!(
        !listed.to_string().contains(&token[3..]),
        "the list never shows the secret"
    );

    let revoked = app
        .graphql(Some(&admin), REVOKE, json!({ "id": created["id"] }))
        .await;
    assert_eq!(
        revoked["data"]["revokeApiToken"]["revoked"], true,
        "{revoked}"
    );
    let refused = app.graphql(Some(&token), ME, json!({})).await;
    assert_eq!(error_code(&refused), "UNAUTHENTICATED", "{refused}");
    let again = app
        .graphql(Some(&admin), REVOKE, json!({ "id": created["id"] }))
        .await;
    assert_eq!(
        again["data"]["revokeApiToken"]["revokedAt"],
        revoked["data"]["revokeApiToken"]["revokedAt"],
        "revoking twice keeps the first time"
    );
    let listed = app.graphql(Some(&admin), API_TOKENS, json!({})).await;
    assert_eq!(listed["data"]["apiTokens"][0]["revoked"], true);
}

#[tokio::test]
async fn only_admins_list_and_revoke_tokens() {
    let app = spawn_app().await;
    let (_, rep) = app.user_with_token("rep@handoff.test", "REP").await;
    let listed = app.graphql(Some(&rep), API_TOKENS, json!({})).await;
    assert_eq!(error_code(&listed), "FORBIDDEN", "{listed}");
    let revoke = app.graphql(Some(&rep), REVOKE, json!({ "id": "1" })).await;
    assert_eq!(error_code(&revoke), "FORBIDDEN", "{revoke}");
    let admin = app.admin_token().await;
    let missing = app
        .graphql(Some(&admin), REVOKE, json!({ "id": "999" }))
        .await;
    assert_eq!(error_code(&missing), "NOT_FOUND", "{missing}");
}
