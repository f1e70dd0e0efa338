// The JavaScript half of the script engine: the Cosmos DB server-side API a script sees
// (`getContext()`, `console.log`, `ErrorCodes`, the two-argument `Error`), and the few internal
// functions the Rust half (`engine.rs`) drives a run with.
//
// How the two halves talk: Rust evaluates this file once per run (once per query for UDFs). The
// file defines the script's globals and *returns* an object of internal functions (`begin`,
// `run`, `next`, `succeed`, `fail`, `finish`, `describe`…). That object lives only in Rust's hands:
// no global points to it, so a script cannot call it, replace it or read the engine's state.
// JavaScript never calls Rust: when a script asks for a document operation, the operation is only
// written down in a queue; Rust reads the queue after the script's function has returned, performs
// each operation on the store, and calls back into this file with the result. That is also how the
// service behaves: a callback never runs inside the call that scheduled it.
//
// Every value that crosses between the halves is JSON text (JSON.stringify here, serde_json in
// Rust), so there is exactly one conversion rule, the one documents are stored with anyway.

(function () {
  "use strict";

  var global = globalThis;

  // The built-ins the engine relies on, captured before any script runs: a script that replaces
  // `JSON.stringify` or `Error` changes what *it* sees, not how the engine reports its results.
  var NativeError = global.Error;
  var stringify = JSON.stringify;
  var parse = JSON.parse;
  var construct = Reflect.construct;
  var defineProperty = Object.defineProperty;
  var freeze = Object.freeze;
  var isInteger = Number.isInteger;
  var slice = Array.prototype.slice;
  var StringOf = String;
  var call = Function.prototype.call;
  // `weakGet(map, key)` is `map.get(key)` with the method taken now: a script that replaces
  // `WeakMap.prototype.get` cannot make its own errors pass for failed operations.
  var weakGet = call.bind(WeakMap.prototype.get);
  var weakSet = call.bind(WeakMap.prototype.set);

  // ---------------------------------------------------------------------------------------------
  // The state of the current run. Reset by `begin`; read by the objects `getContext()` returns.
  // ---------------------------------------------------------------------------------------------
  var state = {
    // "storedProcedure", "trigger" or "udf" (a UDF has no context: it only computes a value).
    mode: "udf",
    // The collection's links, for getSelfLink() / getAltLink().
    selfLink: undefined,
    altLink: undefined,
    requestBody: undefined,
    responseBody: undefined,
    // Operations scheduled and not yet performed: {kind, text, callback}, oldest first.
    queue: [],
    // The operation Rust is performing now (taken off the queue by `next`).
    current: null,
    // What `console.log` wrote, one entry a call.
    log: [],
    // A rejection of the promise an `async function` script returned, reported by `finish`.
    rejection: null,
  };

  // Errors made for failed document operations, with the status and message they were made
  // with. A WeakMap rather than a property: a script can neither forge one (`throw {__status:
  // 409}`) nor change what is reported (`err.number = 200; throw err;`).
  var hostErrors = new WeakMap();

  function hostError(status, message) {
    var err = new NativeError(message);
    err.number = status;
    err.body = message;
    weakSet(hostErrors, err, { status: status, message: message });
    return err;
  }

  // ---------------------------------------------------------------------------------------------
  // `Error(number, message)`: Cosmos DB ran its scripts on Chakra, whose `Error` constructor takes
  // an optional numeric code first, and scripts rely on it (`throw new Error(ErrorCodes.Conflict,
  // "taken")`). The replacement creates real native errors (so `e.message`, `e.stack`, `String(e)`
  // and `instanceof Error` behave as usual, `class MyError extends Error` too) and only moves the
  // number into `e.number`, which the engine reports as the substatus.
  // ---------------------------------------------------------------------------------------------
  function Error(numberOrMessage, message) {
    var withNumber = arguments.length >= 2 && typeof numberOrMessage === "number";
    var args = withNumber ? [message] : slice.call(arguments);
    var err = construct(NativeError, args, new.target || Error);
    if (withNumber) {
      err.number = numberOrMessage;
    }
    return err;
  }
  // Share the prototype, so errors made by either constructor (and TypeError, RangeError…, whose
  // prototypes inherit from it) are all `instanceof Error`.
  Error.prototype = NativeError.prototype;
  defineProperty(NativeError.prototype, "constructor", {
    value: Error,
    writable: true,
    configurable: true,
  });
  Object.setPrototypeOf(Error, NativeError);
  defineProperty(global, "Error", { value: Error, writable: true, configurable: true });

  // The status codes scripts use with `Error` and `getContext().abort`.
  var ErrorCodes = freeze({
    BadRequest: 400,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PreconditionFailed: 412,
    RequestEntityTooLarge: 413,
    RetryWith: 449,
    InternalServerError: 500,
  });
  defineProperty(global, "ErrorCodes", { value: ErrorCodes, writable: true, configurable: true });

  // A script's mistake in calling the API (a missing link, a document that is not an object):
  // thrown at the call, with 400 as its substatus, as the service does.
  function badRequest(text) {
    return new Error(ErrorCodes.BadRequest, text);
  }

  // ---------------------------------------------------------------------------------------------
  // console.log: the service returns it in the `x-ms-documentdb-script-log-results` header.
  // ---------------------------------------------------------------------------------------------
  function logText(value) {
    if (typeof value === "string") {
      return value;
    }
    if (value instanceof NativeError) {
      return StringOf(value);
    }
    if (typeof value === "object" && value !== null) {
      try {
        var text = stringify(value);
        if (text !== undefined) {
          return text;
        }
      } catch (ignored) {
        // A cycle or a BigInt: fall back to String below.
      }
    }
    try {
      return StringOf(value);
    } catch (ignored) {
      return "[unprintable]";
    }
  }

  var console = {
    log: function () {
      var parts = [];
      for (var i = 0; i < arguments.length; i++) {
        parts.push(logText(arguments[i]));
      }
      state.log.push(parts.join(" "));
    },
  };
  defineProperty(global, "console", { value: console, writable: true, configurable: true });

  // ---------------------------------------------------------------------------------------------
  // getContext(): the request, the response and the collection.
  // ---------------------------------------------------------------------------------------------
  var request = {
    getBody: function () {
      return state.requestBody;
    },
    setBody: function (value) {
      state.requestBody = value;
    },
  };
  request.getValue = request.getBody;
  request.setValue = request.setBody;

  var response = {
    getBody: function () {
      return state.responseBody;
    },
    setBody: function (value) {
      state.responseBody = value;
    },
    // Concatenates onto the current body: nothing yet counts as "", a non-string body as its
    // JSON text (the service keeps the response body as text).
    appendBody: function (value) {
      var current = state.responseBody;
      if (current === undefined) {
        current = "";
      } else if (typeof current !== "string") {
        current = stringify(current);
      }
      state.responseBody = current + StringOf(value);
    },
  };
  response.getValue = response.getBody;
  response.setValue = response.setBody;

  // Puts an operation on the queue. `operation` is serialised now, when the script issues it, as
  // a request would be: changing the document object afterwards does not change what is written.
  function schedule(kind, operation, callback) {
    if (callback !== undefined && callback !== null && typeof callback !== "function") {
      throw badRequest("The callback of " + kind + " must be a function.");
    }
    operation.op = kind;
    state.queue.push({ kind: kind, text: stringify(operation), callback: callback || null });
    // "Accepted": the service answers false when a script is near its budget and must stop
    // issuing work; the emulator never does.
    return true;
  }

  // Options may be left out: a function where the options go is the callback.
  function splitOptions(options, callback) {
    if (typeof options === "function") {
      return { options: {}, callback: options };
    }
    return { options: options || {}, callback: callback };
  }

  // `{etag}` or `{accessCondition: {type: "IfMatch", condition}}` → the If-Match etag.
  function ifMatchOf(options) {
    var etag = options.etag;
    var condition = options.accessCondition;
    if (etag === undefined && condition && (condition.type === undefined || condition.type === "IfMatch")) {
      etag = condition.condition;
    }
    if (etag === undefined || etag === null) {
      return null;
    }
    if (typeof etag !== "string") {
      throw badRequest("The etag of the options must be a string.");
    }
    return etag;
  }

  function checkCollectionLink(link) {
    if (typeof link !== "string" || link === "") {
      throw badRequest("The collection link must be a non-empty string.");
    }
  }

  // The document's id (or _rid) is the segment after `docs/`: `dbs/shop/colls/orders/docs/o1`.
  function documentIdOf(link) {
    if (typeof link !== "string") {
      throw badRequest("The document link must be a string.");
    }
    var segments = link.replace(/\/+$/, "").split("/");
    if (segments.length < 2 || segments[segments.length - 2] !== "docs" || segments[segments.length - 1] === "") {
      throw badRequest("'" + link + "' is not a document link (…/docs/<id>).");
    }
    return segments[segments.length - 1];
  }

  function checkDocument(document) {
    if (typeof document !== "object" || document === null || Array.isArray(document)) {
      throw badRequest("The document must be a JSON object.");
    }
    return document;
  }

  function write(kind, upsert) {
    return function (collectionLink, document, options, callback) {
      var args = splitOptions(options, callback);
      checkCollectionLink(collectionLink);
      return schedule(kind, { document: checkDocument(document), upsert: upsert }, args.callback);
    };
  }

  var collection = {
    getSelfLink: function () {
      return state.selfLink;
    },
    getAltLink: function () {
      return state.altLink;
    },
    createDocument: write("create", false),
    upsertDocument: write("create", true),
    readDocument: function (documentLink, options, callback) {
      var args = splitOptions(options, callback);
      return schedule("read", { id: documentIdOf(documentLink) }, args.callback);
    },
    replaceDocument: function (documentLink, document, options, callback) {
      var args = splitOptions(options, callback);
      return schedule(
        "replace",
        { id: documentIdOf(documentLink), document: checkDocument(document), ifMatch: ifMatchOf(args.options) },
        args.callback
      );
    },
    deleteDocument: function (documentLink, options, callback) {
      var args = splitOptions(options, callback);
      return schedule(
        "delete",
        { id: documentIdOf(documentLink), ifMatch: ifMatchOf(args.options) },
        args.callback
      );
    },
    // `query` is the text, or `{query, parameters: [{name: "@x", value: …}]}`.
    queryDocuments: function (collectionLink, query, options, callback) {
      var args = splitOptions(options, callback);
      checkCollectionLink(collectionLink);
      var text = query;
      var parameters = [];
      if (typeof query === "object" && query !== null) {
        text = query.query;
        parameters = query.parameters === undefined ? [] : query.parameters;
      }
      if (typeof text !== "string") {
        throw badRequest("The query must be a string or {query, parameters}.");
      }
      if (!Array.isArray(parameters)) {
        throw badRequest("The query's parameters must be an array of {name, value}.");
      }
      return schedule("query", { query: text, parameters: parameters }, args.callback);
    },
    readDocuments: function (collectionLink, options, callback) {
      var args = splitOptions(options, callback);
      checkCollectionLink(collectionLink);
      return schedule("readAll", {}, args.callback);
    },
  };

  var context = {
    getCollection: function () {
      return collection;
    },
    getRequest: function () {
      return request;
    },
    getResponse: function () {
      return response;
    },
    // Stops the script with `err`: the run fails and nothing it wrote is kept.
    abort: function (err) {
      throw err === undefined ? new Error("The script called abort().") : err;
    },
  };

  function getContext() {
    if (state.mode === "udf") {
      throw new Error("getContext() is not available in a user-defined function.");
    }
    return context;
  }
  defineProperty(global, "getContext", { value: getContext, writable: true, configurable: true });

  // `__`: the service's shorthand for the collection, with `__.request` and `__.response`. Only
  // the document operations: the fluent query API (`__.filter`, `__.map`, …) is not supported.
  var shorthand = Object.create(collection);
  shorthand.request = request;
  shorthand.response = response;
  defineProperty(global, "__", {
    get: function () {
      return getContext() && shorthand;
    },
    configurable: true,
  });

  // ---------------------------------------------------------------------------------------------
  // The internal functions, for engine.rs only.
  // ---------------------------------------------------------------------------------------------

  // Calls the operation's callback the way the service does: `(err, resource, responseOptions)`,
  // except delete, whose callback gets `(err, responseOptions)`.
  function callBack(item, err, result) {
    var responseOptions = {};
    if (item.kind === "delete") {
      item.callback(err, responseOptions);
      return;
    }
    if (item.kind === "query" || item.kind === "readAll") {
      // Every result comes in one page: there is never a continuation.
      responseOptions.continuation = undefined;
    }
    item.callback(err, result, responseOptions);
  }

  // The user-defined functions of a query, by id (a query calls them as `udf.<id>(…)`).
  var udfs = new Map();

  function take() {
    var item = state.current;
    state.current = null;
    return item;
  }

  return {
    // Starts a run. `requestJson` / `responseJson` are the bodies as JSON text, or undefined.
    begin: function (mode, requestJson, responseJson, selfLink, altLink) {
      state.mode = mode;
      state.requestBody = requestJson === undefined ? undefined : parse(requestJson);
      state.responseBody = responseJson === undefined ? undefined : parse(responseJson);
      state.selfLink = selfLink;
      state.altLink = altLink;
      state.queue = [];
      state.current = null;
      state.log = [];
      state.rejection = null;
    },

    // Calls the script's function with the arguments (a JSON array). An `async function` returns
    // a promise: its rejection is remembered and reported by `finish`, like a throw.
    run: function (fn, argsJson) {
      var result = fn.apply(null, parse(argsJson));
      if (result !== null && typeof result === "object" && typeof result.then === "function") {
        result.then(undefined, function (err) {
          state.rejection = { err: err };
        });
      }
    },

    // The next scheduled operation, as JSON text ({op, id, document, upsert, ifMatch, query,
    // parameters}), or undefined when there is none left.
    next: function () {
      var item = state.queue.shift();
      state.current = item || null;
      return item ? item.text : undefined;
    },

    // The current operation succeeded; `resultJson` is its result (undefined for delete).
    succeed: function (resultJson) {
      var item = take();
      if (item && item.callback) {
        callBack(item, null, resultJson === undefined ? undefined : parse(resultJson));
      }
    },

    // The current operation failed. Without a callback the failure stops the script.
    fail: function (status, message) {
      var item = take();
      var err = hostError(status, message);
      if (!item || !item.callback) {
        throw err;
      }
      callBack(item, err, undefined);
    },

    // The run's results, as JSON text: {request, response, log}. A body that is undefined is
    // left out by JSON.stringify, which Rust reads as "no body".
    finish: function () {
      if (state.rejection) {
        throw state.rejection.err;
      }
      return stringify({
        request: state.requestBody,
        response: state.responseBody,
        log: state.log.join("\n"),
      });
    },

    // Defines and calls user-defined functions; Rust compiles them and keeps their names.
    defineUdf: function (name, fn) {
      udfs.set(name, fn);
    },
    // The result as JSON text, or undefined when the function returned undefined.
    callUdf: function (name, argsJson) {
      var result = udfs.get(name).apply(null, parse(argsJson));
      return stringify(result);
    },

    // What a thrown value means, as JSON text. Never throws (every access a script could have
    // booby-trapped with a getter is guarded):
    //   {"host": {"status": 409, "message": "…"}}  an `err` from a failed operation, rethrown
    //   {"message": "Error: boom", "substatus": 409} anything else; substatus from `e.number`
    describe: function (thrown) {
      var host = typeof thrown === "object" && thrown !== null ? weakGet(hostErrors, thrown) : undefined;
      if (host) {
        return stringify({ host: host });
      }
      var message;
      var substatus = null;
      try {
        if (typeof thrown === "object" && thrown !== null) {
          var number = thrown.number;
          if (isInteger(number) && number >= 0 && number <= 4294967295) {
            substatus = number;
          }
          // Errors read best as "Error: text"; other objects as their JSON.
          message = thrown instanceof NativeError ? StringOf(thrown) : stringify(thrown);
        }
      } catch (ignored) {
        message = undefined;
      }
      if (message === undefined) {
        try {
          message = StringOf(thrown);
        } catch (ignored) {
          message = "(a value that cannot be shown as text)";
        }
      }
      return stringify({ message: message, substatus: substatus });
    },
  };
})();
