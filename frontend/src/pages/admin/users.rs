//! Users and teams: the directory with roles, teams, managers, time zones, capacity, weight,
//! availability and notification choices; a form that creates a user (`createUser`), one that
//! changes a user's profile and routing settings (`updateUser`), one that sets a user's
//! availability and notification channels (`setOutOfOffice`, `setNotificationPreferences`), and
//! the teams with a form that creates or replaces one (`upsertTeam`). Read as JSON, drawn with
//! the shared table and form.

use leptos::prelude::*;
use serde_json::{Value, json};

use super::form::{Control, Editor, JsonForm, JsonLoad, Kind, choices, control};
use crate::pages::dashboards::generic::{DataTable, at, list, text};

const USERS: &str = "query AdminUsers { \
     users { id email name role timezone outOfOffice notifyEmail notifyChat slackWebhookUrl \
       teamsWebhookUrl capacity weight calendar { id name } team { id name } manager { id name } } \
     teams { id name isQueue manager { id name } calendar { id name } } \
     businessCalendars { id name } }";

const CREATE: &str =
    "mutation CreateUser($input: UserInput!) { createUser(input: $input) { id name } }";

const UPDATE: &str = "mutation UpdateUser($id: ID!, $input: UserUpdateInput!) \
     { updateUser(id: $id, input: $input) { id name } }";

const AVAILABILITY: &str = "mutation EditUser($id: ID!, $ooo: Boolean!, \
     $prefs: NotificationPreferencesInput!) { setOutOfOffice(userId: $id, outOfOffice: $ooo) { id } \
     setNotificationPreferences(userId: $id, input: $prefs) { id name } }";

const TEAM: &str =
    "mutation SaveTeam($input: TeamInput!) { upsertTeam(input: $input) { id name } }";

const ROLES: [(&str, &str); 5] = [
    ("REP", "Rep"),
    ("MANAGER", "Manager"),
    ("MARKETING_OPS", "Marketing ops"),
    ("ADMIN", "Admin"),
    ("INTEGRATION", "Integration"),
];

fn input(form: Value) -> Value {
    json!({ "input": form })
}

fn availability(form: Value) -> Value {
    json!({
        "id": at(&form, "id"),
        "ooo": at(&form, "outOfOffice"),
        "prefs": {
            "email": at(&form, "notifyEmail"),
            "chat": at(&form, "notifyChat"),
            "slackWebhookUrl": at(&form, "slackWebhookUrl"),
            "teamsWebhookUrl": at(&form, "teamsWebhookUrl"),
        },
    })
}

fn update(mut form: Value) -> Value {
    let id = form
        .as_object_mut()
        .and_then(|o| o.remove("id"))
        .unwrap_or(Value::Null);
    json!({ "id": id, "input": form })
}

/// The profile form's values (no form until a user is chosen).
fn profile_initial(u: &Value) -> Value {
    if u.is_null() {
        return Value::Null;
    }
    json!({
        "id": at(u, "id"),
        "name": at(u, "name"),
        "role": at(u, "role"),
        "teamId": at(at(u, "team"), "id"),
        "managerId": at(at(u, "manager"), "id"),
        "timezone": at(u, "timezone"),
        "calendarId": at(at(u, "calendar"), "id"),
        "capacity": at(u, "capacity"),
        "weight": at(u, "weight"),
    })
}

/// The edit form's values: the user as listed (no form until one is chosen).
fn user_initial(u: &Value) -> Value {
    u.clone()
}

fn team_initial(t: &Value) -> Value {
    if t.is_null() {
        return json!({});
    }
    json!({
        "id": at(t, "id"),
        "name": at(t, "name"),
        "managerId": at(at(t, "manager"), "id"),
        "calendarId": at(at(t, "calendar"), "id"),
        "isQueue": at(t, "isQueue"),
    })
}

fn name_of(v: &Value, key: &str) -> String {
    text(at(v, key), "name")
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let reload = RwSignal::new(0_u32);
    let notice = RwSignal::new(None::<String>);
    let saved = move |what: &'static str| {
        Callback::new(move |_: Value| {
            notice.set(Some(what.to_owned()));
            reload.update(|r| *r += 1);
        })
    };
    let render = Callback::new(move |d: Value| {
        let users = list(&d, "users").to_vec();
        let teams = list(&d, "teams").to_vec();
        let calendars = list(&d, "businessCalendars").to_vec();
        let user_rows = users
            .iter()
            .map(|u| {
                vec![
                    text(u, "name"),
                    text(u, "email"),
                    text(u, "role"),
                    name_of(u, "team"),
                    name_of(u, "manager"),
                    text(u, "timezone"),
                    name_of(u, "calendar"),
                    text(u, "capacity"),
                    text(u, "weight"),
                    text(u, "outOfOffice"),
                    text(u, "notifyEmail"),
                    text(u, "notifyChat"),
                ]
            })
            .collect();
        let team_rows = teams
            .iter()
            .map(|t| {
                vec![
                    text(t, "name"),
                    name_of(t, "manager"),
                    if at(t, "calendar").is_null() {
                        "organisation default".to_owned()
                    } else {
                        name_of(t, "calendar")
                    },
                    text(t, "isQueue"),
                ]
            })
            .collect();
        let managers: Vec<Value> = users
            .iter()
            .filter(|u| matches!(at(u, "role").as_str(), Some("MANAGER" | "ADMIN")))
            .cloned()
            .collect();
        let team_choices = choices(&teams, "name", Some("None (reps: the default team)"));
        let manager_choices = choices(&managers, "name", Some("None"));
        let calendar_choices = choices(
            &calendars,
            "name",
            Some("The team's, else the organisation's"),
        );
        // The fields createUser and updateUser share.
        let profile_controls: Vec<Control> = vec![
            control("name", "Name", Kind::Text),
            control(
                "role",
                "Role",
                Kind::Choice(
                    ROLES
                        .iter()
                        .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
                        .collect(),
                ),
            ),
            control("teamId", "Team", Kind::Choice(team_choices)),
            control(
                "managerId",
                "Manager",
                Kind::Choice(manager_choices.clone()),
            ),
            control(
                "timezone",
                "Time zone (IANA, e.g. Europe/Paris)",
                Kind::OptText,
            ),
            control("calendarId", "Calendar", Kind::Choice(calendar_choices)),
            control(
                "capacity",
                "Capacity (open leads; empty: no limit)",
                Kind::Number,
            ),
            control("weight", "Routing weight (1–100)", Kind::Number),
        ];
        let mut create_controls = vec![control("email", "E-mail", Kind::Text)];
        create_controls.extend(profile_controls.iter().cloned());
        create_controls.extend([
            control("password", "Password (optional)", Kind::OptText),
            control("notifyEmail", "Notify by e-mail", Kind::Check),
            control("notifyChat", "Notify by chat", Kind::Check),
        ]);
        let blank = json!({ "role": "REP", "weight": 1, "notifyEmail": true, "notifyChat": true });
        let edit_controls = vec![
            control("outOfOffice", "Out of office", Kind::Check),
            control("notifyEmail", "Notify by e-mail", Kind::Check),
            control("notifyChat", "Notify by chat", Kind::Check),
            control("slackWebhookUrl", "Slack webhook URL", Kind::OptText),
            control(
                "teamsWebhookUrl",
                "Microsoft Teams webhook URL",
                Kind::OptText,
            ),
        ];
        let team_controls = vec![
            control("name", "Team name", Kind::Text),
            control("managerId", "Team manager", Kind::Choice(manager_choices)),
            control(
                "calendarId",
                "Team calendar",
                Kind::Choice(choices(
                    &calendars,
                    "name",
                    Some("The organisation default"),
                )),
            ),
            control(
                "isQueue",
                "Reps claim leads from a shared queue",
                Kind::Check,
            ),
        ];
        view! {
            <h2>"Users"</h2>
            <DataTable testid="user-list"
                headers=vec!["Name", "E-mail", "Role", "Team", "Manager", "Time zone", "Calendar", "Capacity", "Weight", "Out of office", "E-mail notices", "Chat notices"]
                rows=user_rows/>
            <JsonForm title="New user".to_owned() prefix="user" controls=create_controls initial=blank
                mutation=CREATE vars=input submit="Create user" on_saved=saved("User created.")/>
            <h2>"Profile and routing"</h2>
            <Editor pick_label="User to edit" new_label="Choose a user to edit" items=users.clone() id_key="id"
                label_key="name" prefix="profile" controls=profile_controls to_initial=profile_initial
                mutation=UPDATE vars=update submit="Save profile" on_saved=saved("Profile saved.")/>
            <h2>"Availability and notifications"</h2>
            <Editor pick_label="User" new_label="Choose a user" items=users id_key="id" label_key="name"
                prefix="edit-user" controls=edit_controls to_initial=user_initial mutation=AVAILABILITY
                vars=availability submit="Save user" on_saved=saved("User saved.")/>
            <h2>"Teams"</h2>
            <DataTable testid="team-list" headers=vec!["Team", "Manager", "Calendar", "Shared queue"] rows=team_rows/>
            <Editor pick_label="Team to edit" new_label="New team" items=teams id_key="id" label_key="name"
                prefix="team" controls=team_controls to_initial=team_initial mutation=TEAM
                vars=input submit="Save team" on_saved=saved("Team saved.")/>
        }
        .into_any()
    });
    view! {
        <section class="panel admin" aria-labelledby="users-title">
            <h1 id="users-title">"Users and teams"</h1>
            {move || notice.get().map(|n| view! { <p class="notice" role="status" data-testid="admin-saved">{n}</p> })}
            <JsonLoad query=USERS reload render/>
        </section>
    }
}
