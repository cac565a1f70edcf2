//! Rejection reasons (all of them, inactive ones too) and lead types: the lists, and forms that
//! create or edit one with `upsertRejectionReason` / `upsertLeadType`; a reason or a type is
//! deactivated by clearing "Active". Read as JSON, drawn with the shared table and form.

use leptos::prelude::*;
use serde_json::{Value, json};

use super::form::{Editor, JsonLoad, Kind, control};
use crate::pages::dashboards::generic::{DataTable, list, text};

const LOAD: &str = "query AdminReasons { rejectionReasons(includeInactive: true) \
     { code label active recyclePlay } leadTypes { key label instantMql active } }";

const REASON: &str = "mutation SaveReason($input: RejectionReasonInput!) \
     { upsertRejectionReason(input: $input) { code } }";

const LEAD_TYPE: &str =
    "mutation SaveLeadType($input: LeadTypeInput!) { upsertLeadType(input: $input) { key } }";

fn input(form: Value) -> Value {
    json!({ "input": form })
}

/// The item as the form edits it; a new one starts active.
fn initial(item: &Value) -> Value {
    if item.is_null() {
        json!({ "active": true })
    } else {
        item.clone()
    }
}

fn rows(items: &[Value], keys: &[&str]) -> Vec<Vec<String>> {
    items
        .iter()
        .map(|i| keys.iter().map(|k| text(i, k)).collect())
        .collect()
}

#[component]
pub fn ReasonsPage() -> impl IntoView {
    let reload = RwSignal::new(0_u32);
    let notice = RwSignal::new(None::<String>);
    let saved = move |what: &'static str| {
        Callback::new(move |_: Value| {
            notice.set(Some(what.to_owned()));
            reload.update(|r| *r += 1);
        })
    };
    let render = Callback::new(move |d: Value| {
        let reasons = list(&d, "rejectionReasons").to_vec();
        let types = list(&d, "leadTypes").to_vec();
        view! {
            <h2>"Rejection reasons"</h2>
            <DataTable testid="reason-list" headers=vec!["Code", "Label", "Recycle play", "Active"]
                rows=rows(&reasons, &["code", "label", "recyclePlay", "active"])/>
            <Editor pick_label="Reason to edit" new_label="New reason" items=reasons id_key="code"
                label_key="label" prefix="reason" to_initial=initial mutation=REASON vars=input
                submit="Save reason" on_saved=saved("Reason saved.")
                controls=vec![
                    control("code", "Code", Kind::Text),
                    control("label", "Label", Kind::Text),
                    control("recyclePlay", "Recycle play (optional)", Kind::OptText),
                    control("active", "Active", Kind::Check),
                ]/>
            <h2>"Lead types"</h2>
            <DataTable testid="lead-type-list" headers=vec!["Key", "Label", "MQL on arrival", "Active"]
                rows=rows(&types, &["key", "label", "instantMql", "active"])/>
            <Editor pick_label="Lead type to edit" new_label="New lead type" items=types id_key="key"
                label_key="label" prefix="lead-type" to_initial=initial mutation=LEAD_TYPE vars=input
                submit="Save lead type" on_saved=saved("Lead type saved.")
                controls=vec![
                    control("key", "Key", Kind::Text),
                    control("label", "Label", Kind::Text),
                    control("instantMql", "An MQL on arrival", Kind::Check),
                    control("active", "Active", Kind::Check),
                ]/>
        }
        .into_any()
    });
    view! {
        <section class="panel admin" aria-labelledby="reasons-title">
            <h1 id="reasons-title">"Rejection reasons and lead types"</h1>
            {move || notice.get().map(|n| view! { <p class="notice" role="status" data-testid="admin-saved">{n}</p> })}
            <JsonLoad query=LOAD reload render/>
        </section>
    }
}
