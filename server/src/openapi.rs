//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`.

use serde_json::{json, Value};

fn window_parameters() -> Value {
    json!([
        { "name": "window", "in": "query", "required": false,
          "description": "A preset window ending at the next whole minute: 1h, 4h, 1d, 7d or 30d (default 1d). Not with from/to.",
          "schema": { "type": "string", "enum": ["1h", "4h", "1d", "7d", "30d"] } },
        { "name": "from", "in": "query", "required": false,
          "description": "Start of the window (inclusive), RFC 3339. Needs `to`.",
          "schema": { "type": "string", "format": "date-time" } },
        { "name": "to", "in": "query", "required": false,
          "description": "End of the window (exclusive), RFC 3339. Needs `from`.",
          "schema": { "type": "string", "format": "date-time" } }
    ])
}

pub(crate) fn document() -> Value {
    let error = json!({
        "description": "A parameter is wrong; the message says which and why.",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
    });
    let mut signal_params = window_parameters();
    signal_params.as_array_mut().expect("array").extend([
        json!({ "name": "query", "in": "query", "required": false,
                "description": "An explorer query (docs/product.md §3), e.g. `@workflow.rule.id:def-0001 @workflow.triage.state:open`.",
                "schema": { "type": "string" } }),
        json!({ "name": "format", "in": "query", "required": false,
                "description": "json (paged), ndjson or csv (every match, streamed).",
                "schema": { "type": "string", "enum": ["json", "ndjson", "csv"], "default": "json" } }),
        json!({ "name": "limit", "in": "query", "required": false,
                "schema": { "type": "integer", "minimum": 1, "maximum": 1000, "default": 50 } }),
        json!({ "name": "cursor", "in": "query", "required": false,
                "description": "`next_cursor` of the previous page.", "schema": { "type": "string" } }),
        json!({ "name": "sort", "in": "query", "required": false,
                "schema": { "type": "string", "enum": ["newest", "oldest", "severity", "state"], "default": "newest" } }),
    ]);
    let mut module_parameters = vec![json!({
        "name": "id", "in": "path", "required": true,
        "schema": { "type": "string", "enum": analytics::overview::ModuleId::ALL.iter().map(|m| m.as_str()).collect::<Vec<_>>() }
    })];
    module_parameters.extend(window_parameters().as_array().expect("array").iter().cloned());
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Signalboard API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The Cloud SIEM overview's data: every overview module and the signals behind each number; triage, cases, incidents, workflows and administration. Every route but /healthz needs a session cookie or an API key."
        },
        "security": [{ "session": [] }, { "apiKey": [] }],
        "paths": {
            "/healthz": {
                "get": {
                    "summary": "Health: 200 while the database answers, 503 otherwise.",
                    "responses": { "200": { "description": "Healthy" }, "503": { "description": "Database unreachable" } }
                }
            },
            "/api/v1/overview": {
                "get": {
                    "summary": "Every overview module for a window, keyed by module id, each with its computed_at.",
                    "parameters": window_parameters(),
                    "responses": {
                        "200": { "description": "The overview", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Overview" } } } },
                        "400": error.clone(),
                        "503": error.clone()
                    }
                }
            },
            "/api/v1/modules/{id}": {
                "get": {
                    "summary": "One overview module for a window.",
                    "parameters": module_parameters,
                    "responses": {
                        "200": { "description": "The module" },
                        "400": error.clone(),
                        "503": error.clone(),
                        "404": { "description": "No such module" }
                    }
                }
            },
            "/api/v1/team-performance": {
                "get": {
                    "summary": "Team performance with a row per analyst (signals taken, response and archive times, archives by reason, reopens, open work). Admins only: the team-performance module has the team row for everyone.",
                    "parameters": window_parameters(),
                    "responses": {
                        "200": { "description": "{from, to, data}: data as the team-performance module's, with `analysts` filled in" },
                        "400": error.clone(),
                        "403": error.clone(),
                        "503": error.clone()
                    }
                }
            },
            "/api/v1/signals": {
                "get": {
                    "summary": "Signals matching an explorer query in a window, with their triage history.",
                    "parameters": signal_params,
                    "responses": {
                        "200": {
                            "description": "A page of signals (json), or every match (ndjson, csv)",
                            "content": {
                                "application/json": { "schema": { "$ref": "#/components/schemas/SignalPage" } },
                                "application/x-ndjson": { "schema": { "type": "string" } },
                                "text/csv": { "schema": { "type": "string" } }
                            }
                        },
                        "503": error.clone(),
                        "400": error
                    }
                }
            }
        },
        "components": {
            "securitySchemes": {
                "session": { "type": "apiKey", "in": "cookie", "name": "signalboard_session" },
                "apiKey": { "type": "http", "scheme": "bearer", "description": "An API key (sb_…) an admin created; it acts with its account's role." }
            },
            "schemas": {
                "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "string" } } },
                "Overview": {
                    "type": "object",
                    "required": ["from", "to", "modules"],
                    "properties": {
                        "from": { "type": "string", "format": "date-time" },
                        "to": { "type": "string", "format": "date-time" },
                        "modules": {
                            "type": "object",
                            "additionalProperties": {
                                "type": "object",
                                "required": ["computed_at", "data"],
                                "properties": { "computed_at": { "type": "string", "format": "date-time" }, "data": { "type": "object" } }
                            }
                        }
                    }
                },
                "SignalPage": {
                    "type": "object",
                    "required": ["total", "signals"],
                    "properties": {
                        "total": { "type": "integer" },
                        "signals": { "type": "array", "items": { "type": "object" } },
                        "next_cursor": { "type": ["string", "null"] }
                    }
                }
            }
        }
    });
    let paths = doc["paths"].as_object_mut().expect("paths");
    for (path, method, summary, needs) in WRITES {
        let mut operation = json!({
            "summary": summary,
            "description": format!("Needs {needs}. A refusal is 401 (no session), 403 (the role lacks the permission, or a cross-site request), 400 (a field is wrong, named in the message), 404, 409 (someone changed it first: reload), 415 (the body is not JSON), 422 (the workflow forbids it), 502 (the webhook failed) or 503 (busy: try again)."),
            "responses": {
                "200": { "description": "Done" }, "201": { "description": "Created" }, "204": { "description": "Done" },
                "400": { "$ref": "#/components/responses/Refused" }, "401": { "$ref": "#/components/responses/Refused" },
                "403": { "$ref": "#/components/responses/Refused" }, "404": { "$ref": "#/components/responses/Refused" },
                "409": { "$ref": "#/components/responses/Refused" }, "415": { "$ref": "#/components/responses/Refused" },
                "422": { "$ref": "#/components/responses/Refused" }, "502": { "$ref": "#/components/responses/Refused" },
                "503": { "$ref": "#/components/responses/Refused" }
            }
        });
        if path.contains("{id}") {
            operation["parameters"] = json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer", "format": "int64" } }]);
        }
        if matches!(*method, "post" | "patch" | "put") {
            operation["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "type": "object" } } } });
        }
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = operation;
    }
    doc["components"]["responses"] = json!({
        "Refused": { "description": "Refused; the message says why.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
    });
    doc
}

/// The routes beyond the reads above: (path, method, summary, permission).
const WRITES: &[(&str, &str, &str, &str)] = &[
    ("/api/v1/signals/{id}", "get", "One signal with its history and version.", "a session"),
    ("/api/v1/signals/{id}/triage", "post", "Change a signal's state, assignee or case: {version, change: state|assign|case, …}.", "security_monitoring_signals_write"),
    ("/api/v1/signals/triage", "post", "The same change for several signals: {signals: [{id, version}], change, …}; answers changed and refused.", "security_monitoring_signals_write"),
    ("/api/v1/signals/{id}/workflow", "post", "Post the signal as JSON to the configured webhook.", "security_monitoring_signals_write"),
    ("/api/v1/cases", "post", "Create a case: {title, description?, priority?, assignee_id?, signals?}.", "security_monitoring_signals_write"),
    ("/api/v1/cases/{id}", "patch", "Change a case: {title?, description?, status?, priority?, assignee_id?}.", "security_monitoring_signals_write"),
    ("/api/v1/cases/{id}/signals", "post", "Link signals to a case: {signals: [{id, version}]}.", "security_monitoring_signals_write"),
    ("/api/v1/incidents", "post", "Declare an incident: {title, severity, case_id? | signal_id?, commander_id?}.", "security_monitoring_signals_write"),
    ("/api/v1/incidents/{id}", "patch", "Change an incident: {status?, severity?, commander_id?}.", "security_monitoring_signals_write"),
    ("/api/v1/history", "get", "The audit trail, newest first: actor, action, asset_type, limit.", "a session"),
    ("/api/v1/users", "get", "Every account.", "the admin role"),
    ("/api/v1/users", "post", "Invite a user: {username, role, display_name?, email?, service?}; the one-time password (changed by its owner at first sign-in) is in the answer; a service account gets none.", "the admin role"),
    ("/api/v1/users/{id}", "patch", "Change a role or deactivate: {role?, active?}.", "the admin role"),
    ("/api/v1/api-keys", "get", "Every API key (never the key).", "the admin role"),
    ("/api/v1/api-keys", "post", "Create an API key: {name, user_id?} acting as yourself or a service account; the key is in the answer once.", "the admin role"),
    ("/api/v1/api-keys/{id}", "delete", "Revoke an API key.", "the admin role"),
    ("/api/v1/settings/webhook", "get", "The workflow webhook URL.", "the admin role"),
    ("/api/v1/settings/webhook", "put", "Set the workflow webhook URL: {url}.", "the admin role"),
    ("/api/v1/attack/navigator-layer", "get", "The detection coverage as a MITRE ATT&CK Navigator layer (format 4.5, enterprise-attack), as a download.", "a session"),
    ("/api/v1/attack/layers", "get", "The Navigator layers you keep: [{id, name, techniques}].", "a session"),
    ("/api/v1/attack/layers", "post", "Keep a Navigator layer (its name and enabled techniques; the body is the layer's JSON) and answer it drawn over the matrix: {layer, overlay}.", "a session"),
    ("/api/v1/attack/layers/{id}", "delete", "Forget one of your layers.", "a session"),
    ("/api/v1/attack/groups", "get", "MITRE ATT&CK's groups (intrusion sets) of the shipped release: [{id, name, aliases, techniques}].", "a session"),
    ("/api/v1/attack/overlay", "get", "One of your layers (?layer=ID) or a group (?group=G0016) over today's matrix: {name, techniques: [{id, name, from, covered}] uncovered first, covered, unplaced}.", "a session"),
    ("/api/v1/settings/case-sla", "get", "The case SLA targets: {targets: [{priority, response_ms, close_ms}]}, P1 first.", "a session"),
    ("/api/v1/settings/case-sla", "put", "Set the case SLA targets: {targets: [{priority, response_ms, close_ms}]} for every priority, each above zero, at most 365 days, the response no later than the close.", "the admin role"),
];
