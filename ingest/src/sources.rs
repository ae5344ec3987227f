//! The built-in log sources (docs/product.md §7): what each one's events look like, where its
//! event time, event id, actor, host, source IP and cloud resource are, and which content pack
//! of its integration it belongs to. The ids are the demo's, so ingested logs and demo data
//! count under the same source.

use std::borrow::Cow;
use std::collections::HashMap;

use analytics::model::{EntityKind, PackCategory};
use serde_json::value::RawValue;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// One built-in log source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceSpec {
    /// The id shippers name (`?source=`, HEC `sourcetype`).
    pub id: &'static str,
    pub name: &'static str,
    /// Other names shippers use for it (Splunk source types), accepted as `sourcetype`.
    pub aliases: &'static [&'static str],
    pub pack_id: &'static str,
    pub pack_name: &'static str,
    pub category: PackCategory,
    /// Where the event time is, first found wins (RFC 3339 text, or epoch seconds or
    /// milliseconds as a number).
    time: &'static [&'static str],
    /// Where the event's own unique id is; `None` when the source has none (a hash of the event
    /// stands in).
    id_paths: &'static [&'static str],
    actor: &'static [&'static str],
    host: &'static [&'static str],
    ip: &'static [&'static str],
    resource: &'static [&'static str],
    /// A CloudTrail-style wrapper: `{"Records": [...]}` holds the events.
    pub records_key: Option<&'static str>,
}

/// Every built-in log source, in the order they are listed to users.
pub const SOURCES: &[SourceSpec] = &[
    SourceSpec {
        id: "cloudtrail",
        name: "AWS CloudTrail",
        aliases: &["aws:cloudtrail", "aws_cloudtrail"],
        pack_id: "aws-cloudtrail",
        pack_name: "AWS CloudTrail",
        category: PackCategory::CloudAudit,
        time: &["eventTime"],
        id_paths: &["eventID"],
        actor: &["userIdentity.arn", "userIdentity.principalId", "userIdentity.invokedBy"],
        host: &[],
        ip: &["sourceIPAddress"],
        resource: &[
            "resources.0.ARN",
            "requestParameters.bucketName",
            "requestParameters.name",
            "requestParameters.userName",
            "requestParameters.roleName",
            "requestParameters.instanceId",
            "requestParameters.snapshotId",
            "requestParameters.groupId",
            "requestParameters.secretId",
            "requestParameters.trailName",
        ],
        records_key: Some("Records"),
    },
    SourceSpec {
        id: "okta",
        name: "Okta System Log",
        aliases: &["okta:im2:log", "OktaIM2:log", "okta:system_log"],
        pack_id: "okta",
        pack_name: "Okta",
        category: PackCategory::Identity,
        time: &["published"],
        id_paths: &["uuid"],
        actor: &["actor.alternateId", "actor.id"],
        host: &["client.device"],
        ip: &["client.ipAddress", "request.ipChain.0.ip"],
        resource: &["target.0.alternateId", "target.0.displayName"],
        records_key: None,
    },
    SourceSpec {
        id: "github-audit",
        name: "GitHub audit log",
        aliases: &["github", "github:enterprise:audit", "github_audit"],
        pack_id: "github",
        pack_name: "GitHub Audit Log",
        category: PackCategory::SaasCollaboration,
        time: &["@timestamp", "created_at"],
        id_paths: &["_document_id"],
        actor: &["actor"],
        host: &[],
        ip: &["actor_ip"],
        resource: &["repo", "org"],
        records_key: None,
    },
    SourceSpec {
        id: "gcp-audit",
        name: "Google Cloud audit log",
        aliases: &["google:gcp:pubsub:audit:admin_activity", "google:gcp:pubsub:message", "gcp_audit"],
        pack_id: "gcp-audit-logs",
        pack_name: "Google Cloud Audit Logs",
        category: PackCategory::CloudAudit,
        time: &["timestamp", "receiveTimestamp"],
        id_paths: &["insertId"],
        actor: &["protoPayload.authenticationInfo.principalEmail"],
        host: &[],
        ip: &["protoPayload.requestMetadata.callerIp"],
        resource: &["protoPayload.resourceName", "resource.labels.project_id"],
        records_key: None,
    },
    SourceSpec {
        id: "azure-activity",
        name: "Azure activity log",
        aliases: &["mscs:azure:eventhub", "azure:monitor:activity", "azure_activity"],
        pack_id: "azure-activity",
        pack_name: "Azure Activity Logs",
        category: PackCategory::CloudAudit,
        time: &["time", "eventTimestamp"],
        id_paths: &["eventDataId"],
        actor: &["caller", "identity.claims.http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"],
        host: &[],
        ip: &["callerIpAddress", "httpRequest.clientIpAddress"],
        resource: &["resourceId"],
        records_key: Some("records"),
    },
    SourceSpec {
        id: "kubernetes-audit",
        name: "Kubernetes audit",
        aliases: &["kube:apiserver:audit", "k8s_audit", "kubernetes"],
        pack_id: "kubernetes",
        pack_name: "Kubernetes Audit",
        category: PackCategory::HostContainer,
        time: &["stageTimestamp", "requestReceivedTimestamp"],
        // A request's audit id is shared by its stages: the stage makes each event unique.
        id_paths: &[],
        actor: &["user.username"],
        host: &[],
        ip: &["sourceIPs.0"],
        resource: &[],
        records_key: Some("items"),
    },
    SourceSpec {
        id: "json",
        name: "Generic JSON",
        aliases: &["_json", "generic"],
        pack_id: "generic-json",
        pack_name: "Custom JSON logs",
        category: PackCategory::ApplicationWeb,
        time: &["@timestamp", "timestamp", "time", "eventTime", "date"],
        id_paths: &["event_id", "eventID", "id", "uuid"],
        actor: &["user.name", "usr.id", "user", "actor", "username"],
        host: &["host.name", "hostname", "host"],
        ip: &["source.ip", "network.client.ip", "client.ip", "src_ip", "ip"],
        resource: &["resource", "cloud.resource"],
        records_key: None,
    },
];

/// The source with this id or alias.
pub fn source(id: &str) -> Result<&'static SourceSpec, UnknownSource> {
    SOURCES
        .iter()
        .find(|s| s.id == id || s.aliases.iter().any(|a| a.eq_ignore_ascii_case(id)))
        .ok_or_else(|| UnknownSource(id.chars().take(100).collect()))
}

/// A source name no built-in source answers to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown log source '{0}': the known sources are {list}", list = known_sources())]
pub struct UnknownSource(pub String);

/// The known sources' ids, comma separated.
pub fn known_sources() -> String {
    SOURCES.iter().map(|s| s.id).collect::<Vec<_>>().join(", ")
}

/// What a source's parser finds in one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// When it happened (ms since the epoch), if the event says.
    pub time_ms: Option<i64>,
    /// The key idempotency is decided by: a hash of the source's event id, or of the event.
    pub key: [u8; 16],
    /// The event's own id when it has one.
    pub event_id: Option<String>,
    pub actor: Option<(EntityKind, String)>,
    pub host: Option<String>,
    /// The source IP, when the field holds an address (CloudTrail puts service names there).
    pub ip: Option<std::net::IpAddr>,
    pub resource: Option<String>,
}

impl Extracted {
    /// The entities the event names: actor, host, IP and cloud resource.
    pub fn entities(&self) -> Vec<(EntityKind, String)> {
        let mut entities = Vec::with_capacity(4);
        entities.extend(self.actor.clone());
        entities.extend(self.host.clone().map(|h| (EntityKind::Host, h)));
        entities.extend(self.ip.map(|ip| (EntityKind::Ip, ip.to_string())));
        entities.extend(self.resource.clone().map(|r| (EntityKind::CloudResource, r)));
        entities
    }
}

/// The longest entity name kept (longer values are cut at a character boundary).
const MAX_NAME: usize = 512;

impl SourceSpec {
    /// Reads the declared fields of one event (a JSON object's text). Only the fields named are
    /// decoded: the rest of the event is skipped over, never built.
    pub fn extract(&self, event: &RawValue) -> Extracted {
        let doc = Doc::new(event);
        let event_id = match self.id {
            "kubernetes-audit" => {
                let audit = doc.text("auditID");
                audit.map(|a| format!("{a}/{}", doc.text("stage").unwrap_or_default()))
            }
            _ => doc.first_text(self.id_paths),
        };
        let key = match &event_id {
            Some(id) => digest(&[b"id\0", id.as_bytes()]),
            // serde_json's maps are ordered by key: the same event hashes alike however a
            // shipper ordered its fields.
            None => {
                let value: Value = serde_json::from_str(event.get()).unwrap_or(Value::Null);
                digest(&[b"event\0", value.to_string().as_bytes()])
            }
        };
        let actor = doc.first_text(self.actor).map(|name| (actor_kind(self.id, &name), name));
        let resource = match self.id {
            "kubernetes-audit" => kubernetes_object(&doc),
            _ => doc.first_text(self.resource),
        };
        Extracted {
            time_ms: self.time.iter().find_map(|p| doc.at(p).and_then(time_ms)),
            key,
            event_id,
            actor,
            host: doc.first_text(self.host),
            ip: self.ip.iter().find_map(|p| doc.text(p)).and_then(|ip| ip.trim().parse().ok()),
            resource,
        }
    }
}

/// Whether an actor is a person or a cloud identity (a role, a service account, a key).
fn actor_kind(source: &str, name: &str) -> EntityKind {
    let cloud = match source {
        "cloudtrail" => !name.contains(":user/"),
        "gcp-audit" => name.ends_with(".gserviceaccount.com"),
        "kubernetes-audit" => name.starts_with("system:"),
        "azure-activity" => !name.contains('@'),
        _ => false,
    };
    if cloud {
        EntityKind::CloudIdentity
    } else {
        EntityKind::User
    }
}

fn kubernetes_object(doc: &Doc<'_>) -> Option<String> {
    let resource = doc.text("objectRef.resource")?;
    let parts: Vec<String> = ["objectRef.namespace", "objectRef.name"].iter().filter_map(|p| doc.text(p)).collect();
    Some(std::iter::once(resource).chain(parts).collect::<Vec<_>>().join("/"))
}

fn digest(parts: &[&[u8]]) -> [u8; 16] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    let full = hasher.finalize();
    let mut key = [0; 16];
    key.copy_from_slice(&full[..16]);
    key
}

/// An object key, borrowed from the text unless it holds escapes.
#[derive(Debug, PartialEq, Eq, Hash, serde::Deserialize)]
struct Key<'a>(#[serde(borrow)] Cow<'a, str>);

type Object<'a> = HashMap<Key<'a>, &'a RawValue>;

/// One event's top-level fields, decoded once; deeper fields are decoded as a path reaches them.
struct Doc<'a> {
    top: Object<'a>,
}

impl<'a> Doc<'a> {
    fn new(event: &'a RawValue) -> Doc<'a> {
        Doc { top: serde_json::from_str(event.get()).unwrap_or_default() }
    }

    /// The value at a dotted path (`a.b.0.c`; a number indexes an array). A key that itself
    /// holds dots (Azure's claim URIs) is tried whole for the rest of the path.
    fn at(&self, path: &str) -> Option<&'a RawValue> {
        step(&self.top, path)
    }

    fn text(&self, path: &str) -> Option<String> {
        self.at(path).and_then(text_of)
    }

    fn first_text(&self, paths: &[&str]) -> Option<String> {
        paths.iter().find_map(|p| self.text(p))
    }
}

fn step<'a>(object: &Object<'a>, path: &str) -> Option<&'a RawValue> {
    if let Some(found) = object.get(&Key(Cow::Borrowed(path))) {
        return Some(found);
    }
    let (head, rest) = path.split_once('.')?;
    let next = *object.get(&Key(Cow::Borrowed(head)))?;
    below(next, rest)
}

fn below<'a>(value: &'a RawValue, path: &str) -> Option<&'a RawValue> {
    match value.get().as_bytes().first()? {
        b'{' => step(&serde_json::from_str::<Object<'a>>(value.get()).ok()?, path),
        b'[' => {
            let (head, rest) = match path.split_once('.') {
                Some((head, rest)) => (head, Some(rest)),
                None => (path, None),
            };
            let items: Vec<&'a RawValue> = serde_json::from_str(value.get()).ok()?;
            let item = *items.get(head.parse::<usize>().ok()?)?;
            match rest {
                Some(rest) => below(item, rest),
                None => Some(item),
            }
        }
        _ => None,
    }
}

/// The text of a value: a non-empty string, or a number written out (cut to [`MAX_NAME`]).
fn text_of(raw: &RawValue) -> Option<String> {
    let text = match raw.get().as_bytes().first()? {
        b'"' => serde_json::from_str::<Cow<'_, str>>(raw.get()).ok()?.trim().to_owned(),
        b'-' | b'0'..=b'9' => raw.get().to_owned(),
        _ => return None,
    };
    if text.is_empty() {
        return None;
    }
    Some(match text.char_indices().nth(MAX_NAME) {
        Some((cut, _)) => text[..cut].to_owned(),
        None => text,
    })
}

/// An event time: RFC 3339 text, or a number of seconds (or milliseconds, when it is too big to
/// be seconds) since the epoch.
fn time_ms(raw: &RawValue) -> Option<i64> {
    match raw.get().as_bytes().first()? {
        b'"' => {
            let text: Cow<'_, str> = serde_json::from_str(raw.get()).ok()?;
            chrono::DateTime::parse_from_rfc3339(text.trim()).ok().map(|t| t.timestamp_millis())
        }
        b'0'..=b'9' => {
            let n: f64 = raw.get().parse().ok()?;
            if !n.is_finite() {
                return None;
            }
            Some(if n >= 1e11 { n as i64 } else { (n * 1000.0) as i64 })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(value: &Value) -> Box<RawValue> {
        serde_json::value::to_raw_value(value).unwrap()
    }

    #[test]
    fn an_unknown_source_lists_the_known_ones() {
        let error = source("syslog").unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown log source 'syslog': the known sources are cloudtrail, okta, github-audit, gcp-audit, azure-activity, kubernetes-audit, json"
        );
        assert_eq!(source("aws:cloudtrail").unwrap().id, "cloudtrail");
    }

    #[test]
    fn cloudtrail_names_its_identity_address_and_resource() {
        let event = json!({
            "eventTime": "2024-07-31T13:06:24Z", "eventID": "10163ed2", "sourceIPAddress": "86.245.153.234",
            "userIdentity": { "arn": "arn:aws:iam::143434273843:user/christophe", "type": "IAMUser" },
            "requestParameters": { "name": "trail-1" }
        });
        let found = source("cloudtrail").unwrap().extract(&raw(&event));
        assert_eq!(found.time_ms, Some(1_722_431_184_000));
        assert_eq!(found.event_id.as_deref(), Some("10163ed2"));
        assert_eq!(found.actor, Some((EntityKind::User, "arn:aws:iam::143434273843:user/christophe".into())));
        assert_eq!(found.ip, Some("86.245.153.234".parse().unwrap()));
        assert_eq!(found.resource.as_deref(), Some("trail-1"));
        let role = json!({ "userIdentity": { "arn": "arn:aws:sts::1:assumed-role/admin/x" }, "sourceIPAddress": "ec2.amazonaws.com" });
        let found = source("cloudtrail").unwrap().extract(&raw(&role));
        assert_eq!(found.actor.unwrap().0, EntityKind::CloudIdentity);
        assert_eq!(found.ip, None, "a service name is not an address");
    }

    #[test]
    fn each_source_reads_its_own_shape() {
        let okta = json!({ "uuid": "u-1", "published": "2026-01-02T03:04:05.678Z", "actor": { "alternateId": "ana@example.com" },
            "client": { "ipAddress": "81.2.69.142", "device": "Computer" }, "target": [{ "alternateId": "app-1" }] });
        let found = source("okta").unwrap().extract(&raw(&okta));
        assert_eq!((found.event_id.as_deref(), found.time_ms), (Some("u-1"), Some(1_767_323_045_678)));
        assert_eq!((found.host.as_deref(), found.resource.as_deref()), (Some("Computer"), Some("app-1")));

        let github = json!({ "_document_id": "d-1", "@timestamp": 1_767_323_045_678_i64, "actor": "octocat", "actor_ip": "2001:218::1", "repo": "org/repo" });
        let found = source("github-audit").unwrap().extract(&raw(&github));
        assert_eq!((found.time_ms, found.ip.map(|i| i.to_string())), (Some(1_767_323_045_678), Some("2001:218::1".into())));

        let gcp = json!({ "insertId": "i-1", "timestamp": "2026-01-02T03:04:05Z",
            "protoPayload": { "authenticationInfo": { "principalEmail": "deploy@p.iam.gserviceaccount.com" }, "requestMetadata": { "callerIp": "1.128.0.1" }, "resourceName": "projects/p/buckets/b" } });
        let found = source("gcp-audit").unwrap().extract(&raw(&gcp));
        assert_eq!(found.actor, Some((EntityKind::CloudIdentity, "deploy@p.iam.gserviceaccount.com".into())));
        assert_eq!(found.resource.as_deref(), Some("projects/p/buckets/b"));

        let k8s = |stage: &str| json!({ "auditID": "a-1", "stage": stage, "user": { "username": "system:serviceaccount:kube-system:x" },
            "sourceIPs": ["10.0.0.1"], "objectRef": { "resource": "secrets", "namespace": "prod", "name": "db" } });
        let (received, complete) = (source("kubernetes-audit").unwrap().extract(&raw(&k8s("RequestReceived"))), source("kubernetes-audit").unwrap().extract(&raw(&k8s("ResponseComplete"))));
        assert_ne!(received.key, complete.key, "each stage of a request is its own event");
        assert_eq!(complete.resource.as_deref(), Some("secrets/prod/db"));

        let azure = json!({ "time": "2026-01-02T03:04:05Z", "caller": "ana@contoso.com", "callerIpAddress": "89.160.20.112", "resourceId": "/subscriptions/s/rg/x" });
        let found = source("azure-activity").unwrap().extract(&raw(&azure));
        assert_eq!(found.event_id, None);
        assert_eq!(found.actor, Some((EntityKind::User, "ana@contoso.com".into())));
    }

    #[test]
    fn escaped_keys_dotted_keys_and_odd_values_are_read() {
        let azure: Box<RawValue> = serde_json::from_str(
            r#"{"identity":{"claims":{"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"ana@contoso.com"}},"call\u0065r":"bo@contoso.com","time":"not a time"}"#,
        )
        .unwrap();
        let found = source("azure-activity").unwrap().extract(&azure);
        assert_eq!(found.actor, Some((EntityKind::User, "bo@contoso.com".into())), "an escaped key is still the key");
        assert_eq!(found.time_ms, None);
        let claim: Box<RawValue> = serde_json::from_str(r#"{"identity":{"claims":{"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"ana@contoso.com"}}}"#).unwrap();
        assert_eq!(source("azure-activity").unwrap().extract(&claim).actor, Some((EntityKind::User, "ana@contoso.com".into())));
        let odd: Box<RawValue> = serde_json::from_str(r#"{"eventID":42,"sourceIPAddress":["1.2.3.4"],"userIdentity":null,"eventTime":1767323045}"#).unwrap();
        let found = source("cloudtrail").unwrap().extract(&odd);
        assert_eq!((found.event_id.as_deref(), found.ip, found.actor, found.time_ms), (Some("42"), None, None, Some(1_767_323_045_000)));
    }

    #[test]
    fn an_event_without_an_id_is_keyed_by_its_content_in_any_field_order() {
        let generic = source("json").unwrap();
        let a: Box<RawValue> = serde_json::from_str(r#"{"msg":"x","host":"web-1","date":1767323045.5}"#).unwrap();
        let b: Box<RawValue> = serde_json::from_str(r#"{"date":1767323045.5,"host":"web-1","msg":"x"}"#).unwrap();
        let c: Box<RawValue> = serde_json::from_str(r#"{"date":1767323045.5,"host":"web-1","msg":"y"}"#).unwrap();
        assert_eq!(generic.extract(&a).key, generic.extract(&b).key);
        assert_ne!(generic.extract(&a).key, generic.extract(&c).key);
        assert_eq!(generic.extract(&a).time_ms, Some(1_767_323_045_500));
        assert_eq!(generic.extract(&a).host.as_deref(), Some("web-1"));
    }
}
