//! Sigma rules with real data (docs/product.md §8): SigmaHQ's cloud, identity and application
//! rules imported, and Stratus Red Team's CloudTrail detonations evaluated against the AWS rules.

use std::collections::{BTreeSet, HashMap};

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
    assert_eq!(rows.len(), imported, "one line per rule");
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

    let files = stratus_files();
    let mut args = vec!["ingest".to_owned(), "--source".to_owned(), "cloudtrail".to_owned()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    args.extend(["--database-url".to_owned(), url.clone()]);
    let (ok, out, err) = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(ok, "{err}");
    assert!(out.starts_with("310 events new, 0 duplicates, 0 refused, "), "{out}");

    // Which file each event came from, by its eventID.
    let mut file_of: HashMap<String, String> = HashMap::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for record in serde_json::from_slice::<Vec<Value>>(&std::fs::read(file).unwrap()).unwrap() {
            file_of.insert(record["eventID"].as_str().unwrap().to_owned(), name.clone());
        }
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (signals, samples): (Vec<(i64, String, i64)>, Vec<(i64, String)>) = runtime.block_on(async {
        let db = storage::Database::open(&url).await.unwrap();
        let storage::Database::Sqlite(pool) = &db else { unreachable!() };
        let signals = sqlx::query_as("SELECT s.id, r.name, s.events FROM signals s JOIN detection_rules r ON r.id = s.rule_id ORDER BY s.id")
            .fetch_all(pool)
            .await
            .unwrap();
        let samples = sqlx::query_as("SELECT signal_id, event FROM signal_samples ORDER BY signal_id, n").fetch_all(pool).await.unwrap();
        (signals, samples)
    });
    let mut pairs = BTreeSet::new();
    for (id, rule, events) in &signals {
        let kept: Vec<&String> = samples.iter().filter(|(s, _)| s == id).map(|(_, e)| e).collect();
        assert_eq!(kept.len() as i64, *events, "signal {id} ({rule}) keeps each of its {events} events (fewer than ten)");
        for event in kept {
            let event: Value = serde_json::from_str(event).unwrap();
            pairs.insert((rule.clone(), file_of[event["eventID"].as_str().unwrap()].clone()));
        }
    }
    let expected: BTreeSet<(String, String)> = [
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
    assert_eq!(pairs, expected);
    let created = out.split(" signals created").next().unwrap().rsplit(' ').next().unwrap().parse::<usize>().unwrap();
    assert_eq!(created, signals.len(), "{out}");

    // A replay raises nothing again.
    let (ok, again, _) = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(ok);
    assert!(again.starts_with("0 events new, 310 duplicates, 0 refused, 0 signals created, 0 added"), "{again}");
}
