//! All network calls and GraphQL documents of the app.

mod graphql;

pub use graphql::{ApiErrors, execute};

use handoff_shared::domain::Role;
use serde::Deserialize;
use serde_json::json;

/// `Mutation.login`: exchanges credentials for a bearer token.
pub const LOGIN: &str = "mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { token user { id email name role } }
}";

/// `Query.me`: the signed-in user.
pub const ME: &str = "query Me { me { id email name role team { name } } }";

/// A user as `login` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UserSummary {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// The `Session` type of the schema: a token and whom it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LoginResult {
    pub token: String,
    pub user: UserSummary,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TeamName {
    pub name: String,
}

/// The signed-in user as `me` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Me {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    #[serde(default)]
    pub team: Option<TeamName>,
}

#[derive(Deserialize)]
struct LoginData {
    login: LoginResult,
}

#[derive(Deserialize)]
struct MeData {
    me: Me,
}

pub async fn login(email: &str, password: &str) -> Result<LoginResult, ApiErrors> {
    let variables = json!({ "email": email, "password": password });
    execute::<_, LoginData>(LOGIN, variables, None)
        .await
        .map(|d| d.login)
}

pub async fn me(token: &str) -> Result<Me, ApiErrors> {
    execute::<_, MeData>(ME, json!({}), Some(token))
        .await
        .map(|d| d.me)
}

#[cfg(test)]
mod tests {
    use super::graphql::parse_response;
    use super::*;

    #[test]
    fn the_login_answer_decodes_into_a_session() {
        let body = r#"{"data":{"login":{"token":"t0k","user":
            {"id":"1","email":"a@b.test","name":"Ada","role":"ADMIN"}}}}"#;
        let data: LoginData = parse_response(200, body).unwrap();
        assert_eq!(data.login.token, "t0k");
        assert_eq!(data.login.user.role, Role::Admin);
    }

    #[test]
    fn me_decodes_with_and_without_a_team() {
        let with = r#"{"data":{"me":{"id":"1","email":"a@b.test","name":"Ada","role":"REP",
            "team":{"name":"default"}}}}"#;
        let me = parse_response::<MeData>(200, with).unwrap().me;
        assert_eq!(me.team.map(|t| t.name).as_deref(), Some("default"));
        let without = r#"{"data":{"me":{"id":"1","email":"a@b.test","name":"Ada",
            "role":"MARKETING_OPS","team":null}}}"#;
        let me = parse_response::<MeData>(200, without).unwrap().me;
        assert_eq!((me.role, me.team), (Role::MarketingOps, None));
    }
}
