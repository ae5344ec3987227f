//! Sigma rules with real data (docs/product.md §8): SigmaHQ's cloud, identity and application
//! rules imported, and Stratus Red Team's CloudTrail detonations evaluated against the AWS rules.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::intake::{run, shared, stratus_files};

/// How many Sigma documents (rules, correlations, filters) the files under `folder` hold.
fn documents_under(folder: &str) -> usize {
    fn walk(dir: &std::path::Path, n: &mut usize) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, n);
            } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                let text = std::fs::read_to_string(&path).unwrap();
                // Documents are separated by `---` lines; a leading one starts none.
                let separators = text.lines().filter(|l| l.trim_end() == "---").count();
                let leading = text.trim_start().starts_with("---");
                *n += 1 + separators - usize::from(leading);
            }
        }
    }
    let mut n = 0;
    walk(&shared(folder), &mut n);
    n
}

/// Reads `N label` lines of the import's report.
fn count(out: &str, label: &str) -> usize {
    out.lines()
        .find_map(|l| {
            let l = l.trim();
            l.strip_suffix(label).or_else(|| l.find(label).map(|at| &l[..at])).and_then(|n| n.trim().rsplit(' ').next()?.parse().ok())
        })
        .unwrap_or_else(|| panic!("'{label}' in {out}"))
}

#[test]
fn every_sigmahq_cloud_identity_and_application_rule_is_imported_or_skipped_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("rules.db").display());
    let folders = ["sigmahq/rules/cloud", "sigmahq/rules/identity", "sigmahq/rules/application"];
    let paths: Vec<String> = folders.iter().map(|f| shared(f).display().to_string()).collect();
    let mut args = vec!["rules", "import"];
    args.extend(paths.iter().map(String::as_str));
    args.extend(["--database-url", &url]);
    let (ok, out, err) = run(&args);
    assert!(ok, "{err}\n{out}");
    assert!(!err.contains("panicked"), "{err}");
    let documents: usize = folders.iter().map(|f| documents_under(f)).sum();
    let imported = count(&out, " rules imported");
    let skipped = count(&out, " skipped");
    assert_eq!(imported + skipped, documents, "every document is imported or skipped:\n{out}");
    assert_eq!(count(&out, " files read"), 348, "{out}");
    // The AWS CloudTrail rules all run; the log sources Signalboard does not ingest stay disabled.
    let (ok, list, _) = run(&["rules", "list", "--database-url", &url]);
    assert!(ok);
    let rows: Vec<&str> = list.lines().collect();
    let rows: Vec<&str> = rows.into_iter().filter(|r| !r.starts_with("intel-")).collect();
    assert_eq!(rows.len(), imported, "one line per rule (besides each source's threat-intelligence rule)");
    let cloudtrail: Vec<&&str> = rows.iter().filter(|r| r.contains(" cloudtrail ")).collect();
    assert!(cloudtrail.len() >= 50, "{}", cloudtrail.len());
    assert!(cloudtrail.iter().all(|r| r.contains(" enabled ")), "{cloudtrail:#?}");
    let m365: Vec<&&str> = rows.iter().filter(|r| r.contains("sigma-m365")).collect();
    assert!(!m365.is_empty() && m365.iter().all(|r| r.contains(" disabled ") && r.contains("does not ingest this log source")), "{m365:#?}");
    println!("{out}");

    // Importing again updates in place: nothing new, the same number updated.
    let (ok, again, err) = run(&args);
    assert!(ok, "{err}");
    assert_eq!(count(&again, " rules imported"), 0, "{again}");
    assert!(again.contains(&format!("0 rules imported, {imported} updated")), "{again}");
}

#[test]
fn the_aws_rules_on_the_stratus_detonations_match_the_nine_pairs_an_independent_evaluator_finds() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("stratus.db").display());
    let aws = shared("sigmahq/rules/cloud/aws").display().to_string();
    let (ok, out, err) = run(&["rules", "import", &aws, "--database-url", &url]);
    assert!(ok, "{err}");
    assert_eq!(count(&out, " not evaluable"), 0, "{out}");

    // Each file in its own replay, so every (rule, file) pair is seen, however the matches
    // group: a rule whose signals' events grew matched the file.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(storage::Database::open(&url)).unwrap();
    let per_rule = || -> BTreeMap<String, i64> {
        runtime.block_on(async {
            let storage::Database::Sqlite(pool) = &db else { unreachable!() };
            sqlx::query_as::<_, (String, i64)>("SELECT r.name, CAST(SUM(s.events) AS BIGINT) FROM signals s JOIN detection_rules r ON r.id = s.rule_id GROUP BY r.name")
                .fetch_all(pool)
                .await
                .unwrap()
                .into_iter()
                .collect()
        })
    };
    let files = stratus_files();
    let mut pairs = BTreeSet::new();
    let mut events = 0;
    let mut before = per_rule();
    for file in &files {
        let (ok, out, err) = run(&["ingest", "--source", "cloudtrail", file.to_str().unwrap(), "--database-url", &url]);
        assert!(ok, "{err}");
        events += out.split(' ').next().unwrap().parse::<usize>().unwrap_or_else(|_| panic!("{out}"));
        let after = per_rule();
        for (rule, n) in &after {
            if before.get(rule).copied().unwrap_or(0) < *n {
                pairs.insert((rule.clone(), file.file_name().unwrap().to_string_lossy().into_owned()));
            }
        }
        before = after;
    }
    assert_eq!(events, 310);
    // The nine pairs the independent evaluator found...
    let mut expected: BTreeSet<(String, String)> = [
        ("AWS CloudTrail Important Change", "aws.defense-evasion.cloudtrail-delete.json"),
        ("AWS CloudTrail Important Change", "aws.defense-evasion.cloudtrail-stop.json"),
        ("AWS IAM Backdoor Users Keys", "aws.persistence.iam-backdoor-user.json"),
        ("AWS IAM Backdoor Users Keys", "aws.persistence.iam-create-admin-user.json"),
        ("AWS Snapshot Backup Exfiltration", "aws.exfiltration.ec2-share-ebs-snapshot.json"),
        ("AWS VPC Flow Logs Deleted", "aws.defense-evasion.vpc-remove-flow-logs.json"),
        ("Ingress/Egress Security Group Modification", "aws.exfiltration.ec2-security-group-open-port-22-ingress.json"),
        ("Potential Malicious Usage of CloudTrail System Manager", "aws.credential-access.ec2-steal-instance-credentials.json"),
        ("Potential Malicious Usage of CloudTrail System Manager", "aws.execution.ssm-send-command.json"),
    ]
    .into_iter()
    .map(|(r, f)| (r.to_owned(), f.to_owned()))
    .collect();
    // ...and the pairs it misses because it does not follow a dotted field name into nested JSON
    // (`userIdentity.type` is `{"userIdentity": {"type": …}}` in CloudTrail, as SigmaHQ's rules
    // mean it): each of these rules matches only through such fields, every one of the nine uses
    // top-level fields only (or, in IAM Backdoor Users Keys, a filter that is false either way). The
    // independent evaluator is wrong here: these events do what the rules describe, e.g. the
    // assumed-role sessions of the detonations (AssumeRole Misuse), a console login without MFA,
    // a Lambda layer attached, and one user changing another's login profile.
    let nested: BTreeMap<&str, &[&str]> = [
        ("AWS STS AssumeRole Misuse", &["userIdentity.type", "userIdentity.sessionContext.sessionIssuer.type"][..]),
        ("AWS Successful Console Login Without MFA", &["additionalEventData.MFAUsed", "responseElements.ConsoleLogin"][..]),
        ("AWS New Lambda Layer Attached", &["requestParameters.layers"][..]),
        ("AWS User Login Profile Was Modified", &["requestParameters.userName"][..]),
    ]
    .into_iter()
    .collect();
    let aws = std::fs::read_dir(shared("sigmahq/rules/cloud/aws/cloudtrail")).unwrap().map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect::<Vec<_>>();
    for (rule, fields) in &nested {
        let text = aws.iter().find(|t| t.contains(&format!("title: {rule}\n"))).unwrap_or_else(|| panic!("{rule}"));
        for field in *fields {
            assert!(text.contains(field), "{rule} reads {field}");
        }
    }
    let extra: BTreeSet<(String, String)> = pairs.difference(&expected).cloned().collect();
    assert!(extra.iter().all(|(rule, _)| nested.contains_key(rule.as_str())), "only nested-field rules add pairs: {extra:#?}");
    assert_eq!(extra.iter().map(|(r, _)| r.as_str()).collect::<BTreeSet<_>>(), nested.keys().copied().collect(), "{extra:#?}");
    expected.extend(extra);
    assert_eq!(pairs, expected, "no pair of the nine is missing");

    // A replay of them all raises nothing again.
    let mut args = vec!["ingest".to_owned(), "--source".to_owned(), "cloudtrail".to_owned()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    args.extend(["--database-url".to_owned(), url.clone()]);
    let (ok, again, _) = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(ok);
    assert!(again.starts_with("0 events new, 310 duplicates, 0 refused, 0 signals created, 0 added"), "{again}");

    // Samples: each signal keeps its first ten events, the events of its own rule's files.
    let samples: Vec<(i64, i64, String)> = runtime.block_on(async {
        let storage::Database::Sqlite(pool) = &db else { unreachable!() };
        sqlx::query_as("SELECT s.id, s.events, m.event FROM signals s JOIN signal_samples m ON m.signal_id = s.id ORDER BY s.id, m.n").fetch_all(pool).await.unwrap()
    });
    let mut kept: BTreeMap<i64, (i64, usize)> = BTreeMap::new();
    for (id, events, event) in &samples {
        let event: Value = serde_json::from_str(event).unwrap();
        assert!(event["eventID"].is_string(), "{event}");
        let entry = kept.entry(*id).or_insert((*events, 0));
        entry.1 += 1;
    }
    assert!(kept.values().all(|(events, n)| *n as i64 == (*events).min(10)), "{kept:?}");
}
