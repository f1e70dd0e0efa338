//! The JavaScript engine for server-side scripts: stored procedures, triggers and user-defined
//! functions (UDFs), run on QuickJS (through `rquickjs`).
//!
//! # Why QuickJS
//!
//! A script is code a client sent us. It may loop forever or allocate without end, and the service
//! stops such a script (after 5 seconds, or when it exceeds its memory). QuickJS can do both: it
//! calls an *interrupt handler* every few thousand instructions (we answer "stop" once the
//! deadline has passed) and it refuses allocations past a per-runtime *memory limit*. Every run
//! gets a fresh runtime, so nothing a script leaves behind reaches the next one.
//!
//! # The two halves
//!
//! The Cosmos DB API a script sees (`getContext()`, `console.log`, `ErrorCodes`…) is written in
//! JavaScript, in `prelude.js`. Evaluating the prelude defines those globals and hands Rust an
//! object of internal functions that no script can reach. JavaScript never calls Rust: a script's
//! `createDocument(…)` only appends the operation to a queue in the prelude and returns `true`.
//! Once the script's function has returned, [`run_stored_procedure`] / [`run_trigger`] take the
//! operations off that queue one by one, perform each on the [`ScriptCollection`], and call back
//! into the prelude with the result, which runs the script's callback — which may queue more
//! operations. This is the service's model too (callbacks never run inside the call that scheduled
//! them, and run in the order their operations were issued), and it keeps the Rust side simple:
//! only this loop ever touches the collection, so no JavaScript function needs to borrow it.
//!
//! Values cross between the halves as JSON text, `JSON.stringify` on one side and `serde_json` on
//! the other: one conversion rule, the one documents are stored with anyway.
//!
//! # How a run ends
//!
//! | What happened                                       | Result                          |
//! |-----------------------------------------------------|---------------------------------|
//! | the source is not one function                      | [`ScriptError::Compile`]        |
//! | the script threw (`throw new Error(409, "taken")`)  | [`ScriptError::Thrown`]         |
//! | an operation failed and the script let `err` escape | [`ScriptError::Host`]           |
//! | the deadline passed                                 | [`ScriptError::TimedOut`]       |
//! | the memory limit was reached                        | [`ScriptError::OutOfMemory`]    |
//!
//! The prelude's `describe` tells a rethrown operation error (kept in a `WeakMap`, so a script can
//! neither forge nor alter one) from any other thrown value.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rquickjs::context::EvalOptions;
use rquickjs::function::IntoArgs;
use rquickjs::{Context, Ctx, FromJs, Function, Object, Persistent, Runtime, Value};
use serde_json::Value as Json;

use super::host::{HostError, ScriptCollection, ScriptError, ScriptLimits, ScriptRun};

/// The JavaScript half of the engine (see the module docs).
const PRELUDE: &str = include_str!("prelude.js");

/// How deep JavaScript may recurse, in bytes of native stack. QuickJS throws a catchable
/// `RangeError` past it, long before the thread's own stack (2 MiB for test threads and tokio's
/// threads) could overflow and abort the whole emulator. 256 KiB is about 450 nested JavaScript
/// calls, and documents nested about 120 deep; callback chains do not nest at all (each callback
/// runs from the queue, see the module docs). Raise it only for threads with larger stacks.
const MAX_STACK_BYTES: usize = 512 << 10;

/// The message QuickJS gives its out-of-memory error, when it still has the memory to make one.
const OUT_OF_MEMORY_MESSAGE: &str = "InternalError: out of memory";

/// Runs a stored procedure: calls the function `source` defines with `args`, then performs the
/// document operations it scheduled, running their callbacks, until none is left.
///
/// The request body is undefined for a stored procedure; [`ScriptRun::response_body`] is what the
/// script set with `getContext().getResponse().setBody(…)`.
pub fn run_stored_procedure(
    source: &str,
    args: &[Json],
    collection: &mut dyn ScriptCollection,
    limits: ScriptLimits,
) -> Result<ScriptRun, ScriptError> {
    let run = Run {
        mode: "storedProcedure",
        what: "The stored procedure",
        args: Json::Array(args.to_vec()),
        request_body: None,
        response_body: None,
    };
    run.execute(source, collection, limits)
}

/// Runs a pre- or post-trigger: calls the function `source` defines (without arguments), then
/// performs the document operations it scheduled, as [`run_stored_procedure`] does.
///
/// `request_body` is what `getRequest().getBody()` starts as (the document being written; a
/// pre-trigger may replace it with `setBody`), `response_body` what `getResponse().getBody()`
/// starts as (for a post-trigger, the document as written). Both final values are returned.
pub fn run_trigger(
    source: &str,
    request_body: Option<Json>,
    response_body: Option<Json>,
    collection: &mut dyn ScriptCollection,
    limits: ScriptLimits,
) -> Result<ScriptRun, ScriptError> {
    let run = Run {
        mode: "trigger",
        what: "The trigger",
        args: Json::Array(Vec::new()),
        request_body,
        response_body,
    };
    run.execute(source, collection, limits)
}

/// The user-defined functions of one query, compiled once and called for each document.
///
/// One runtime serves the whole query, and [`ScriptLimits::time`] covers the whole query: the
/// deadline is set when the runner is created. UDFs have no `getContext()`. State a UDF leaves in
/// a global survives into later calls of the same query (as it would on the service's engine).
///
/// Not `Send`: a query's UDFs run on the thread that created the runner.
pub struct UdfRunner {
    // Field order matters: fields drop in declaration order, and the prelude object must be
    // released before the runtime it lives in (QuickJS aborts if a value outlives its runtime).
    /// The prelude's internal object, kept between calls.
    engine: Persistent<Object<'static>>,
    /// The runtime, its context and its deadline.
    sandbox: Sandbox,
    /// The ids of the UDFs defined, to answer "does not exist" without entering JavaScript.
    names: HashSet<String>,
}

impl UdfRunner {
    /// Compiles `functions`, `(udf id, source)` pairs. A source that is not a function is a
    /// [`ScriptError::Compile`] naming the UDF.
    pub fn new(functions: &[(String, String)], limits: ScriptLimits) -> Result<Self, ScriptError> {
        let sandbox = Sandbox::new(limits)?;
        let engine = sandbox.context.with(|ctx| {
            let session = sandbox.session(ctx.clone())?;
            session.call::<_, ()>("begin", ("udf", None::<String>, None::<String>, "", ""))?;
            for (name, source) in functions {
                let what = format!("The user-defined function udf.{name}");
                let function = session.compile(source, &what)?;
                session.call::<_, ()>("defineUdf", (name.as_str(), function))?;
            }
            Ok(Persistent::save(&ctx, session.engine))
        })?;
        let names = functions.iter().map(|(name, _)| name.clone()).collect();
        Ok(Self {
            engine,
            sandbox,
            names,
        })
    }

    /// Calls `udf.<name>(args…)`. `Ok(None)` when the function returned `undefined` (the query
    /// then leaves the property out); a UDF that throws is a [`ScriptError::Thrown`], as is a name
    /// the query defined no UDF for.
    pub fn call(&self, name: &str, args: &[Json]) -> Result<Option<Json>, ScriptError> {
        if !self.names.contains(name) {
            return Err(ScriptError::Thrown {
                message: format!("The user-defined function udf.{name} does not exist."),
                substatus: None,
            });
        }
        self.sandbox.check_deadline()?;
        let args = to_json_text(&Json::Array(args.to_vec()))?;
        self.sandbox.context.with(|ctx| {
            let engine = self.engine.clone().restore(&ctx).map_err(internal)?;
            let session = Session {
                ctx,
                engine,
                sandbox: &self.sandbox,
            };
            let result: Option<String> = session.call("callUdf", (name, args))?;
            result.map(|text| from_json_text(&text)).transpose()
        })
    }
}

/// One QuickJS runtime with its limits: a fresh one per stored procedure or trigger run, one per
/// query for UDFs.
struct Sandbox {
    /// The context scripts run in (it keeps its runtime alive).
    context: Context,
    /// When the run must stop; `None` for a time limit too large to express as an instant.
    deadline: Option<Instant>,
    /// Set by the interrupt handler when it stopped the script: the error QuickJS raises then is
    /// an ordinary-looking `InternalError`, and this flag is how we know it meant "time is up".
    interrupted: Arc<AtomicBool>,
}

impl Sandbox {
    /// A runtime with the memory limit, a stack limit and an interrupt handler for the deadline.
    fn new(limits: ScriptLimits) -> Result<Self, ScriptError> {
        // `checked_add`: `Instant + Duration` panics on overflow, and a limit like `Duration::MAX`
        // simply means "no deadline".
        let deadline = Instant::now().checked_add(limits.time);
        // Creating a runtime only fails when memory cannot be allocated.
        let runtime = Runtime::new().map_err(|_| ScriptError::OutOfMemory)?;
        // The limit counts everything in the runtime, the ~100 KiB of built-ins and prelude
        // included: a run's budget is small next to the 64 MiB default.
        runtime.set_memory_limit(limits.memory_bytes);
        runtime.set_max_stack_size(MAX_STACK_BYTES);
        let interrupted = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&interrupted);
        // QuickJS calls this regularly while JavaScript runs; `true` stops the script with an
        // error no `try`/`catch` can catch. (An `Arc` rather than an `Rc` only because rquickjs
        // requires the handler to be `Send` when built with its `parallel` feature.)
        runtime.set_interrupt_handler(Some(Box::new(move || {
            let stop = past(deadline);
            if stop {
                flag.store(true, Ordering::Relaxed);
            }
            stop
        })));
        // A memory limit too small for the built-ins fails here.
        let context = Context::full(&runtime).map_err(|_| ScriptError::OutOfMemory)?;
        Ok(Self {
            context,
            deadline,
            interrupted,
        })
    }

    /// [`ScriptError::TimedOut`] once the deadline has passed. QuickJS only checks while
    /// JavaScript runs; this covers the time spent in Rust, performing operations.
    fn check_deadline(&self) -> Result<(), ScriptError> {
        if self.interrupted.load(Ordering::Relaxed) || past(self.deadline) {
            return Err(ScriptError::TimedOut);
        }
        Ok(())
    }

    /// Evaluates the prelude in `ctx` and returns a session over its internal object.
    fn session<'js>(&self, ctx: Ctx<'js>) -> Result<Session<'_, 'js>, ScriptError> {
        let engine = match ctx.eval::<Object<'js>, _>(PRELUDE) {
            Ok(engine) => engine,
            // Only the limits can make the prelude fail (a memory limit too small to hold it).
            Err(error) => {
                ctx.catch();
                self.check_deadline()?;
                return Err(match error {
                    rquickjs::Error::Exception | rquickjs::Error::Allocation => {
                        ScriptError::OutOfMemory
                    }
                    other => internal(other),
                });
            }
        };
        Ok(Session {
            ctx,
            engine,
            sandbox: self,
        })
    }
}

/// A run in progress inside `Context::with`: the context and the prelude's internal object.
struct Session<'s, 'js> {
    ctx: Ctx<'js>,
    engine: Object<'js>,
    sandbox: &'s Sandbox,
}

impl<'js> Session<'_, 'js> {
    /// Calls the prelude's internal function `name`; whatever it throws (including what the
    /// script's own code, called from it, throws) becomes a [`ScriptError`].
    fn call<A: IntoArgs<'js>, R: FromJs<'js>>(
        &self,
        name: &str,
        args: A,
    ) -> Result<R, ScriptError> {
        let function: Function<'js> = self.engine.get(name).map_err(internal)?;
        function.call(args).map_err(|error| self.failure(error))
    }

    /// Evaluates `source` as an expression and checks that it is a function. Anything going
    /// wrong on the way (a syntax error, an expression that throws) is a compile error, except the
    /// limits: evaluating `(function(){}, (() => { while(true){} })())` still times out.
    fn compile(&self, source: &str, what: &str) -> Result<Function<'js>, ScriptError> {
        // `(` on the first line keeps the line numbers of syntax errors right; the newline before
        // `)` stops a trailing `// comment` from swallowing it. A trailing `;` is common in
        // scripts written as statements and harmless, so it is dropped rather than refused.
        let body = source.trim_end().trim_end_matches(';');
        // Sloppy mode, as on the service (rquickjs defaults to strict): a script that assigns an
        // undeclared variable creates a global there, and must not fail here.
        let mut options = EvalOptions::default();
        options.strict = false;
        options.filename = Some("script".to_owned());
        let value = self
            .ctx
            .eval_with_options::<Value<'js>, _>(format!("({body}\n)"), options)
            .map_err(|error| match self.failure(error) {
                ScriptError::Thrown { message, .. }
                | ScriptError::Host(HostError { message, .. }) => {
                    ScriptError::Compile(format!("{what} does not compile: {message}"))
                }
                limit => limit,
            })?;
        let kind = value.type_name();
        value.into_function().ok_or_else(|| {
            ScriptError::Compile(format!("{what} must be a single function, not a {kind}."))
        })
    }

    /// Performs the scheduled operations one by one, oldest first, handing each result to its
    /// callback (which may schedule more), until the queue is empty. Promise jobs (`async`
    /// scripts, `.then`) run after the script's function and after each callback, as an event
    /// loop would run them.
    fn drain(&self, collection: &mut dyn ScriptCollection) -> Result<(), ScriptError> {
        self.run_jobs()?;
        loop {
            self.sandbox.check_deadline()?;
            let Some(text) = self.call::<_, Option<String>>("next", ())? else {
                return Ok(());
            };
            let operation: Json = from_json_text(&text)?;
            match perform(collection, &operation) {
                Ok(result) => {
                    let result = result.as_ref().map(to_json_text).transpose()?;
                    self.call::<_, ()>("succeed", (result,))?;
                }
                Err(refusal) => {
                    self.call::<_, ()>("fail", (refusal.status, refusal.message))?;
                }
            }
            self.run_jobs()?;
        }
    }

    /// Runs pending promise jobs. A job that throws only rejects its promise (the prelude reports
    /// the rejection of the script's own promise); only the deadline stops the loop.
    fn run_jobs(&self) -> Result<(), ScriptError> {
        while self.ctx.execute_pending_job() {
            self.sandbox.check_deadline()?;
        }
        self.sandbox.check_deadline()
    }

    /// Turns an error from QuickJS into the way the run ends.
    fn failure(&self, error: rquickjs::Error) -> ScriptError {
        // The interrupt handler stopped the script: whatever was raised, time is up.
        if self.sandbox.interrupted.load(Ordering::Relaxed) {
            return ScriptError::TimedOut;
        }
        match error {
            rquickjs::Error::Exception => {
                let thrown = self.ctx.catch();
                self.classify(thrown)
            }
            rquickjs::Error::Allocation => ScriptError::OutOfMemory,
            other => internal(other),
        }
    }

    /// What a thrown value means, asked of the prelude's `describe`.
    fn classify(&self, thrown: Value<'js>) -> ScriptError {
        // When memory is so exhausted that QuickJS cannot even build its "out of memory" error, it
        // throws `null`. A script could `throw null` itself, and would be reported as out of
        // memory too; nothing else tells the two apart, and no real script throws null.
        if thrown.is_null() {
            return ScriptError::OutOfMemory;
        }
        let described = self
            .engine
            .get::<_, Function<'js>>("describe")
            .and_then(|describe| describe.call::<_, String>((thrown,)));
        let Ok(text) = described else {
            // `describe` cannot throw by itself: it failed because the runtime is out of time or
            // (having kept its memory in globals) still out of memory.
            self.ctx.catch();
            return if self.sandbox.interrupted.load(Ordering::Relaxed) {
                ScriptError::TimedOut
            } else {
                ScriptError::OutOfMemory
            };
        };
        let description: Json = serde_json::from_str(&text).unwrap_or_default();
        if let Some(host) = description.get("host") {
            let status = host.get("status").and_then(Json::as_u64).unwrap_or(500);
            let message = host
                .get("message")
                .and_then(Json::as_str)
                .unwrap_or_default();
            return ScriptError::Host(HostError::new(
                u16::try_from(status).unwrap_or(500),
                message,
            ));
        }
        let message = description
            .get("message")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned();
        if message == OUT_OF_MEMORY_MESSAGE {
            return ScriptError::OutOfMemory;
        }
        let substatus = description
            .get("substatus")
            .and_then(Json::as_u64)
            .and_then(|number| u32::try_from(number).ok());
        ScriptError::Thrown { message, substatus }
    }
}

/// The parts of a stored procedure or trigger run that differ between the two.
struct Run {
    /// The prelude's mode: `storedProcedure` or `trigger`.
    mode: &'static str,
    /// How compile errors name the script.
    what: &'static str,
    /// The arguments, a JSON array.
    args: Json,
    /// The request body the script starts with.
    request_body: Option<Json>,
    /// The response body the script starts with.
    response_body: Option<Json>,
}

impl Run {
    /// Compiles and calls the script, performs its operations and collects the results.
    fn execute(
        self,
        source: &str,
        collection: &mut dyn ScriptCollection,
        limits: ScriptLimits,
    ) -> Result<ScriptRun, ScriptError> {
        let args = to_json_text(&self.args)?;
        let request = self.request_body.as_ref().map(to_json_text).transpose()?;
        let response = self.response_body.as_ref().map(to_json_text).transpose()?;
        let (self_link, alt_link) = (collection.self_link(), collection.alt_link());
        let sandbox = Sandbox::new(limits)?;
        sandbox.context.with(|ctx| {
            let session = sandbox.session(ctx)?;
            let function = session.compile(source, self.what)?;
            session.call::<_, ()>("begin", (self.mode, request, response, self_link, alt_link))?;
            session.call::<_, ()>("run", (function, args))?;
            session.drain(collection)?;
            let finished: String = session.call("finish", ())?;
            let mut finished: Json = from_json_text(&finished)?;
            Ok(ScriptRun {
                response_body: finished.get_mut("response").map(Json::take),
                request_body: finished.get_mut("request").map(Json::take),
                log: finished
                    .get("log")
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            })
        })
    }
}

/// Performs one operation the prelude queued (`{"op": "create", "document": …}`) on the
/// collection. `Ok(None)` for a delete, which has no result.
fn perform(
    collection: &mut dyn ScriptCollection,
    operation: &Json,
) -> Result<Option<Json>, HostError> {
    let text = |key: &str| operation.get(key).and_then(Json::as_str);
    let id = text("id").unwrap_or_default();
    let if_match = text("ifMatch");
    let document = || operation.get("document").cloned().unwrap_or_default();
    match text("op").unwrap_or_default() {
        "create" => {
            let upsert = operation.get("upsert").and_then(Json::as_bool) == Some(true);
            collection.create(document(), upsert).map(Some)
        }
        "read" => collection.read(id).map(Some),
        "replace" => collection.replace(id, document(), if_match).map(Some),
        "delete" => collection.delete(id, if_match).map(|()| None),
        "query" => {
            let empty = Json::Array(Vec::new());
            let parameters = operation.get("parameters").unwrap_or(&empty);
            let documents = collection.query(text("query").unwrap_or_default(), parameters)?;
            Ok(Some(Json::Array(documents)))
        }
        "readAll" => collection
            .read_all()
            .map(|documents| Some(Json::Array(documents))),
        // The prelude only queues the operations above.
        other => Err(HostError::new(
            400,
            format!("Unknown script operation '{other}'."),
        )),
    }
}

/// Whether the deadline (if any) has passed.
fn past(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|deadline| Instant::now() > deadline)
}

/// JSON text for the prelude. Cannot fail for a `serde_json::Value`; mapped anyway rather than
/// unwrapped, so that no input can panic the engine.
fn to_json_text(value: &Json) -> Result<String, ScriptError> {
    serde_json::to_string(value).map_err(|error| internal(error.to_string()))
}

/// A value from the prelude's JSON text. `JSON.stringify` made it, so it is valid JSON, but
/// serde_json refuses values nested more than 128 deep: the script's mistake, not the engine's.
fn from_json_text(text: &str) -> Result<Json, ScriptError> {
    serde_json::from_str(text).map_err(|error| ScriptError::Thrown {
        message: format!("The script produced a value the emulator cannot read: {error}"),
        substatus: Some(400),
    })
}

/// A failure of the engine itself rather than of the script (which the interface has no variant
/// for): reported as a thrown error with an explicit message, never a panic.
fn internal(error: impl std::fmt::Display) -> ScriptError {
    ScriptError::Thrown {
        message: format!("Internal error in the script engine: {error}"),
        substatus: None,
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
