//! A transcript: what happened at each step of a scenario, in words a trainee can read.
//!
//! ```text
//! 4. alice's app reads bob's order
//!    403 Forbidden
//!    message: Insufficient permissions provided in the authorization header for the corresponding request. …
//!    deny reason: the resource token is scoped to partition ["alice"] of dbs/shop/colls/orders, …
//! ```
//!
//! Each step is recorded *after* it ran, from its result: the status, the service's message and
//! the emulator's deny reason for a refusal; the status and (when asked) the body for a success;
//! the value for a computation. Everything goes through [`crate::redact`] first.
//!
//! A lab's transcript ([`Lab::transcript`](crate::Lab::transcript)) is also checked step by step
//! as it is written: the first step that differs from the solution's ends the scenario there,
//! with the report. A mistake in step 1 is reported as step 1's, not as the `todo!()` of step 3
//! that the scenario would have reached next.

use std::fmt::{self, Display, Write as _};
use std::future::Future;
use std::path::{Path, PathBuf};

use cosmolab_client::{Error, ErrorKind, Response};
use serde::Serialize;
use serde_json::Value;

use crate::catalog::LabInfo;
use crate::redact;
use crate::report;

/// The steps of one scenario run, in order.
#[derive(Debug, Default, Clone)]
pub struct Transcript {
    steps: Vec<Step>,
    guard: Option<Guard>,
}

/// The solution's steps, to stop a scenario at its first difference.
#[derive(Debug, Clone)]
struct Guard {
    info: LabInfo,
    root: PathBuf,
    expected: Vec<String>,
}

/// Two transcripts are equal when their steps are.
impl PartialEq for Transcript {
    fn eq(&self, other: &Self) -> bool {
        self.steps == other.steps
    }
}

impl Eq for Transcript {}

/// One step: its title and what it produced, already redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What the step does, e.g. "alice's app reads bob's order".
    pub title: String,
    /// The lines recorded under the title.
    pub lines: Vec<String>,
    /// For a step the endpoint refused: the status and the reason, in one line.
    pub refusal: Option<String>,
}

/// What a step produced, before it is written down.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The endpoint answered with a success status.
    Success {
        /// The status code.
        status: u16,
        /// The body, when the step shows it.
        body: Option<Value>,
    },
    /// The endpoint answered with an error status.
    Refused {
        /// The status code.
        status: u16,
        /// `x-ms-substatus`, when present.
        substatus: Option<u32>,
        /// The body's `message`.
        message: String,
        /// `x-cosmolab-deny-reason`, when present.
        deny_reason: Option<String>,
    },
    /// The request was never answered: the client refused to send it, or nothing listened.
    NotSent {
        /// Why.
        message: String,
    },
    /// A value computed by the trainee's code (no request involved).
    Value(Value),
    /// A value that is the same on every run (computed from fixed inputs), recorded as is: a
    /// redacted signature or date could hide a mistake.
    Exact(Value),
}

/// A raw HTTP answer, for the steps that send hand-built requests.
#[derive(Debug, Clone)]
pub struct HttpReply {
    /// The status code.
    pub status: u16,
    /// The response headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body as JSON (`Null` when empty or not JSON).
    pub body: Value,
}

impl HttpReply {
    /// One header as text, if present and printable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }
}

impl Transcript {
    /// An empty transcript.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty transcript for lab `info`, checked against its committed transcript (under the
    /// workspace `root`) as each step is recorded.
    pub(crate) fn guarded(info: &LabInfo, root: &Path) -> Self {
        Self {
            steps: Vec::new(),
            guard: report::expected_steps(info, root).map(|expected| Guard {
                info: info.clone(),
                root: root.to_owned(),
                expected,
            }),
        }
    }

    /// The steps recorded so far.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Runs a client operation as the next step, and records its status and body.
    ///
    /// Returns the resource on success, `None` on failure, so the scenario can go on or
    /// [`stop here`](crate::Lab::need).
    pub async fn request<T: Serialize>(
        &mut self,
        title: &str,
        operation: impl Future<Output = cosmolab_client::Result<Response<T>>>,
    ) -> Option<T> {
        self.run_request(title, operation, true).await
    }

    /// Like [`request`](Self::request), but records only the status: for steps whose body is
    /// noise (a created database, a replaced item).
    pub async fn request_status<T: Serialize>(
        &mut self,
        title: &str,
        operation: impl Future<Output = cosmolab_client::Result<Response<T>>>,
    ) -> Option<T> {
        self.run_request(title, operation, false).await
    }

    async fn run_request<T: Serialize>(
        &mut self,
        title: &str,
        operation: impl Future<Output = cosmolab_client::Result<Response<T>>>,
        show_body: bool,
    ) -> Option<T> {
        let _running = report::running_step(self.steps.len() + 1, title);
        match operation.await {
            Ok(response) => {
                let status = response.status().as_u16();
                let resource = response.into_resource();
                let body = show_body.then(|| to_json(&resource));
                self.push(title, Outcome::Success { status, body });
                Some(resource)
            }
            Err(error) => {
                self.push(title, outcome_of_error(&error));
                None
            }
        }
    }

    /// Runs the trainee's function that returns a value or a client error, and records it.
    pub async fn outcome<T: Serialize>(
        &mut self,
        title: &str,
        operation: impl Future<Output = cosmolab_client::Result<T>>,
    ) -> Option<T> {
        let _running = report::running_step(self.steps.len() + 1, title);
        match operation.await {
            Ok(value) => {
                self.push(title, Outcome::Value(to_json(&value)));
                Some(value)
            }
            Err(error) => {
                self.push(title, outcome_of_error(&error));
                None
            }
        }
    }

    /// Runs a management operation ([`AccountAdmin`](crate::AccountAdmin): keys, roles, account
    /// settings, the audit log) as the next step, and records what it returned — `done` when it
    /// returns nothing — or the status and message it was refused with.
    pub async fn admin<T: Serialize>(
        &mut self,
        title: &str,
        operation: impl Future<Output = Result<T, crate::AdminError>>,
    ) -> Option<T> {
        let _running = report::running_step(self.steps.len() + 1, title);
        match operation.await {
            Ok(value) => {
                let recorded = match to_json(&value) {
                    Value::Null => Value::String("done".to_owned()),
                    recorded => recorded,
                };
                self.push(title, Outcome::Value(recorded));
                Some(value)
            }
            Err(error) => {
                let outcome = match error.status {
                    Some(status) => Outcome::Refused {
                        status,
                        substatus: None,
                        message: error.message,
                        deny_reason: None,
                    },
                    None => Outcome::NotSent {
                        message: error.message,
                    },
                };
                self.push(title, outcome);
                None
            }
        }
    }

    /// Sends a hand-built HTTP request as the next step, and records its status, message and
    /// deny reason (and its body when it succeeded and `show_body` is set).
    pub async fn http(
        &mut self,
        title: &str,
        request: reqwest::RequestBuilder,
        show_body: bool,
    ) -> Option<HttpReply> {
        let _running = report::running_step(self.steps.len() + 1, title);
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => {
                let message = format!("no answer: {error}");
                self.push(title, Outcome::NotSent { message });
                return None;
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        let reply = HttpReply {
            status,
            headers,
            body,
        };
        let outcome = if (200..300).contains(&status) {
            Outcome::Success {
                status,
                body: show_body.then(|| reply.body.clone()),
            }
        } else {
            Outcome::Refused {
                status,
                substatus: reply
                    .header("x-ms-substatus")
                    .and_then(|value| value.parse().ok()),
                message: reply.body["message"].as_str().unwrap_or(&text).to_owned(),
                deny_reason: reply.header("x-cosmolab-deny-reason").map(str::to_owned),
            }
        };
        self.push(title, outcome);
        Some(reply)
    }

    /// Runs the trainee's (synchronous) function as the next step and records what it returned.
    pub fn compute<T: Serialize>(&mut self, title: &str, function: impl FnOnce() -> T) -> T {
        let _running = report::running_step(self.steps.len() + 1, title);
        let value = function();
        self.push(title, Outcome::Value(to_json(&value)));
        value
    }

    /// Like [`compute`](Self::compute), for a function of fixed inputs: its value is recorded
    /// exactly, without redaction, so that every character counts.
    pub fn compute_exact<T: Serialize>(&mut self, title: &str, function: impl FnOnce() -> T) -> T {
        let _running = report::running_step(self.steps.len() + 1, title);
        let value = function();
        self.push(title, Outcome::Exact(to_json(&value)));
        value
    }

    /// Records a fact the scenario established itself, e.g. "requests that failed: 0".
    pub fn note(&mut self, title: &str, fact: impl Display) {
        self.push(title, Outcome::Value(Value::String(fact.to_string())));
    }

    /// Records an outcome built by the scenario; in a lab's transcript, a step that differs from
    /// the solution's ends the scenario here, with the report.
    pub fn push(&mut self, title: &str, outcome: Outcome) {
        self.steps.push(Step::new(title, &outcome));
        if let Some(guard) = &self.guard {
            let index = self.steps.len() - 1;
            let written = self.steps[index].render(index + 1);
            let expected = guard.expected.get(index).map(|step| step.trim_end());
            if expected != Some(written.trim_end()) {
                report::check(&guard.info, &guard.root, self);
            }
        }
    }

    /// The transcript as text, as it is committed in `tests/snapshots/transcript.snap`.
    pub fn render(&self) -> String {
        let mut text = String::new();
        for (index, step) in self.steps.iter().enumerate() {
            let _ = writeln!(text, "{}", step.render(index + 1));
        }
        text
    }
}

impl Step {
    /// The step as the transcript writes it: `N. title`, then its lines, indented.
    fn render(&self, number: usize) -> String {
        let mut text = format!("{number}. {}", self.title);
        for line in &self.lines {
            let _ = write!(text, "\n   {line}");
        }
        text
    }

    fn new(title: &str, outcome: &Outcome) -> Self {
        let mut lines = Vec::new();
        let mut refusal = None;
        match outcome {
            Outcome::Success { status, body } => {
                lines.push(status_line(*status, None));
                if let Some(body) = body {
                    push_json(&mut lines, "body: ", &redact::json(body));
                }
            }
            Outcome::Refused {
                status,
                substatus,
                message,
                deny_reason,
            } => {
                let status = status_line(*status, *substatus);
                let message = redact::text(message);
                lines.push(status.clone());
                lines.push(format!("message: {message}"));
                let deny_reason = deny_reason.as_deref().map(redact::text);
                if let Some(reason) = &deny_reason {
                    lines.push(format!("deny reason: {reason}"));
                }
                refusal = Some(match deny_reason {
                    Some(reason) => format!("{status}, because {reason}"),
                    None => format!("{status}: {message}"),
                });
            }
            Outcome::NotSent { message } => {
                let message = redact::text(message);
                lines.push(format!("not sent: {message}"));
                refusal = Some(format!("the request was not sent: {message}"));
            }
            Outcome::Value(Value::String(text)) => {
                // Multi-line text (a string to sign) keeps its line breaks visible.
                lines.push(format!("= {:?}", redact::text(text)));
            }
            Outcome::Value(value) => push_json(&mut lines, "= ", &redact::json(value)),
            Outcome::Exact(Value::String(text)) => lines.push(format!("= {text:?}")),
            Outcome::Exact(value) => push_json(&mut lines, "= ", value),
        }
        Self {
            title: title.to_owned(),
            lines,
            refusal,
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.lines {
            writeln!(f, "     {line}")?;
        }
        Ok(())
    }
}

/// How a client error is written down: the service's answer, or why nothing was sent.
pub fn outcome_of_error(error: &Error) -> Outcome {
    match (error.kind(), error.status()) {
        (ErrorKind::Service, Some(status)) => Outcome::Refused {
            status: status.as_u16(),
            substatus: error.substatus(),
            message: error.message().to_owned(),
            deny_reason: error.deny_reason().map(str::to_owned),
        },
        _ => Outcome::NotSent {
            message: error.to_string(),
        },
    }
}

fn status_line(status: u16, substatus: Option<u32>) -> String {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|status| status.canonical_reason())
        .unwrap_or("");
    match substatus {
        Some(substatus) if substatus != 0 => format!("{status} {reason} (substatus {substatus})"),
        _ => format!("{status} {reason}"),
    }
}

fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or_else(|error| Value::String(format!("<{error}>")))
}

fn push_json(lines: &mut Vec<String>, label: &str, value: &Value) {
    let pretty = serde_json::to_string_pretty(value).unwrap_or_else(|error| format!("<{error}>"));
    let mut pretty_lines = pretty.lines();
    if let Some(first) = pretty_lines.next() {
        lines.push(format!("{label}{first}"));
    }
    lines.extend(pretty_lines.map(|line| format!("{:width$}{line}", "", width = label.len())));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_transcript_renders_numbered_steps_with_redacted_details() {
        let mut transcript = Transcript::new();
        transcript.push(
            "create the order",
            Outcome::Success {
                status: 201,
                body: Some(json!({"id": "order-1", "_rid": "abc="})),
            },
        );
        transcript.push(
            "read bob's order with alice's token",
            Outcome::Refused {
                status: 403,
                substatus: None,
                message: "Insufficient permissions".into(),
                deny_reason: Some("partition [\"bob\"] is not [\"alice\"]".into()),
            },
        );
        transcript.note("requests that failed", 0);
        insta::assert_snapshot!(transcript.render(), @r#"
        1. create the order
           201 Created
           body: {
                   "_rid": "[rid]",
                   "id": "order-1"
                 }
        2. read bob's order with alice's token
           403 Forbidden
           message: Insufficient permissions
           deny reason: partition ["bob"] is not ["alice"]
        3. requests that failed
           = "0"
        "#);
        assert_eq!(
            transcript.steps()[1].refusal.as_deref(),
            Some("403 Forbidden, because partition [\"bob\"] is not [\"alice\"]")
        );
    }
}
