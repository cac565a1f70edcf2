//! The `handoff` binary's SLA commands, driven through a real pipe.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};

const NEW_YORK: &str = r#"{"timezone":"America/New_York","weekly":[{"day":"mon","open":"09:00","close":"17:00"},{"day":"fri","open":"09:00","close":"17:00"}],"holidays":["2026-12-25"]}"#;

fn handoff(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_handoff"));
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

#[test]
fn sla_add_answers_each_line_in_order_and_reports_bad_ones_in_place() {
    let mut child = handoff(&["sla", "add"]).spawn().unwrap();
    let input = format!(
        "{{\"calendar\":{NEW_YORK},\"start\":\"2026-03-06T16:59:00-05:00\",\"seconds\":14400}}\n\
         {{\"calendar\":{NEW_YORK},\"start\":\"2026-03-06T16:59:00-05:00\"}}\n\
         {{\"calendar\":{NEW_YORK},\"start\":\"2026-03-06T16:59:00-05:00\",\"seconds\":60}}\n"
    );
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let lines: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(
        lines,
        [
            r#"{"due":"2026-03-09T16:59:00Z"}"#,
            r#"{"error":"seconds: is required"}"#,
            r#"{"due":"2026-03-06T22:00:00Z"}"#,
        ]
    );
}

#[test]
fn sla_elapsed_answers_as_soon_as_a_line_arrives() {
    // A conversation, not a batch: each answer must come before the next question is sent.
    let mut child = handoff(&["sla", "elapsed"]).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    for (start, end, seconds) in [
        (
            "2026-03-06T16:59:00-05:00",
            "2026-03-09T12:59:00-04:00",
            14_400,
        ),
        ("2026-03-09T09:00:00-04:00", "2026-03-09T09:00:30-04:00", 30),
    ] {
        writeln!(
            stdin,
            r#"{{"calendar":{NEW_YORK},"start":"{start}","end":"{end}"}}"#
        )
        .unwrap();
        stdin.flush().unwrap();
        let mut answer = String::new();
        stdout.read_line(&mut answer).unwrap();
        assert_eq!(answer.trim(), format!(r#"{{"seconds":{seconds}}}"#));
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn an_unknown_subcommand_is_a_one_line_usage_error_with_exit_code_2() {
    let output = handoff(&["sla", "multiply"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
}
