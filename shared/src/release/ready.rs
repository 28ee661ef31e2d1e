//! Is a live object ready? The status rules Helm v4's `--wait` watcher uses (kstatus, as vendored by
//! Helm, with Helm's own Job and Pod readers for `--wait-for-jobs` and hooks), computed from one GET.

use serde_json::Value;

/// kstatus' verdict on an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Ready: what `--wait` waits for.
    Current,
    InProgress,
    /// Terminal: waiting longer will not help.
    Failed,
    Terminating,
    NotFound,
}

impl Status {
    /// kstatus' spelling, used in Helm's wait errors.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Current => "Current",
            Status::InProgress => "InProgress",
            Status::Failed => "Failed",
            Status::Terminating => "Terminating",
            Status::NotFound => "NotFound",
        }
    }
}

/// Which readers apply: plain `--wait`, `--wait-for-jobs` (Jobs must complete), or hooks (only Jobs
/// and Pods are waited for; every other kind is ready once it exists).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Wait,
    WaitWithJobs,
    Hooks,
}

/// The status of a live object (`None` = not found) and kstatus' message for it.
pub fn compute(obj: Option<&Value>, mode: Mode) -> (Status, String) {
    let Some(obj) = obj else { return (Status::NotFound, "Resource not found".into()) };
    let kind = s(obj, "/kind");
    let group = s(obj, "/apiVersion").rsplit_once('/').map(|(g, _)| g).unwrap_or("");
    match (mode, kind) {
        (Mode::Hooks | Mode::WaitWithJobs, "Job") if group == "batch" => return helm_job(obj),
        (Mode::Hooks, "Pod") if group.is_empty() => return helm_pod(obj),
        (Mode::Hooks, _) => return current("Resource is current"),
        _ => {}
    }
    if !s(obj, "/metadata/deletionTimestamp").is_empty() {
        return (Status::Terminating, "Resource scheduled for deletion".into());
    }
    if let (Some(generation), Some(observed)) = (int(obj, "/metadata/generation"), int(obj, "/status/observedGeneration")) {
        if generation != observed {
            return progress(format!("{kind} generation is {generation}, but latest observed generation is {observed}"));
        }
    }
    for c in conditions(obj) {
        if c.kind == "Reconciling" && c.status == "True" {
            return progress(c.message.to_string());
        }
        if c.kind == "Stalled" && c.status == "True" {
            return (Status::Failed, c.message.to_string());
        }
    }
    match (group, kind) {
        ("", "Service") => service(obj),
        ("", "Pod") => pod(obj),
        ("", "Secret") | ("", "ConfigMap") | ("batch", "CronJob") => current("Resource is always ready"),
        ("", "PersistentVolumeClaim") => match s(obj, "/status/phase") {
            "Bound" => current("PVC is Bound"),
            p => progress(format!("PVC is not Bound. phase: {}", if p.is_empty() { "unknown" } else { p })),
        },
        ("apps", "StatefulSet") => statefulset(obj),
        ("apps" | "extensions", "DaemonSet") => daemonset(obj),
        ("apps" | "extensions", "Deployment") => deployment(obj),
        ("apps" | "extensions", "ReplicaSet") => replicaset(obj),
        ("policy", "PodDisruptionBudget") => current("AllowedDisruptions has been computed."),
        ("batch", "Job") => kstatus_job(obj),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => crd(obj),
        _ => {
            for c in conditions(obj) {
                if c.kind == "Ready" {
                    return match c.status {
                        "True" => current("Resource is Ready"),
                        _ => progress(c.message.to_string()),
                    };
                }
            }
            current("Resource is current")
        }
    }
}

struct Condition<'a> {
    kind: &'a str,
    status: &'a str,
    reason: &'a str,
    message: &'a str,
}

fn conditions(obj: &Value) -> impl Iterator<Item = Condition<'_>> {
    obj.pointer("/status/conditions").and_then(Value::as_array).into_iter().flatten().map(|c| Condition {
        kind: c.get("type").and_then(Value::as_str).unwrap_or(""),
        status: c.get("status").and_then(Value::as_str).unwrap_or(""),
        reason: c.get("reason").and_then(Value::as_str).unwrap_or(""),
        message: c.get("message").and_then(Value::as_str).unwrap_or(""),
    })
}

fn s<'a>(obj: &'a Value, ptr: &str) -> &'a str {
    obj.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

fn int(obj: &Value, ptr: &str) -> Option<i64> {
    obj.pointer(ptr).and_then(Value::as_i64)
}

fn int_or(obj: &Value, ptr: &str, default: i64) -> i64 {
    int(obj, ptr).unwrap_or(default)
}

fn current(msg: impl Into<String>) -> (Status, String) {
    (Status::Current, msg.into())
}

fn progress(msg: impl Into<String>) -> (Status, String) {
    (Status::InProgress, msg.into())
}

fn service(obj: &Value) -> (Status, String) {
    let ty = obj.pointer("/spec/type").and_then(Value::as_str).unwrap_or("ClusterIP");
    if ty == "LoadBalancer" && s(obj, "/spec/clusterIP").is_empty() {
        return progress("ClusterIP not set. Service type: LoadBalancer");
    }
    current("Service is ready")
}

fn pod(obj: &Value) -> (Status, String) {
    match s(obj, "/status/phase") {
        "Succeeded" => current("Pod has completed successfully"),
        "Failed" => current("Pod has completed, but not successfully"),
        "Running" => {
            if conditions(obj).any(|c| c.kind == "Ready" && c.status == "True") {
                return current("Pod is Ready");
            }
            let looping: Vec<&str> = obj
                .pointer("/status/containerStatuses")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|cs| cs.pointer("/state/waiting/reason").and_then(Value::as_str) == Some("CrashLoopBackOff"))
                .filter_map(|cs| cs.get("name").and_then(Value::as_str))
                .collect();
            if !looping.is_empty() {
                return (Status::Failed, format!("Containers in CrashLoop state: {}", looping.join(",")));
            }
            progress("Pod is running but is not Ready")
        }
        "Pending" => {
            if conditions(obj).any(|c| c.kind == "PodScheduled" && c.status == "False" && c.reason == "Unschedulable") {
                return progress("Pod has not been scheduled");
            }
            progress("Pod is in the Pending phase")
        }
        "" => progress("Pod phase not available"),
        other => (Status::Failed, format!("unknown phase {other}")),
    }
}

fn statefulset(obj: &Value) -> (Status, String) {
    if s(obj, "/spec/updateStrategy/type") == "OnDelete" {
        return current("StatefulSet is using the ondelete update strategy");
    }
    let spec = int_or(obj, "/spec/replicas", 1);
    let ready = int_or(obj, "/status/readyReplicas", 0);
    let cur = int_or(obj, "/status/currentReplicas", 0);
    let updated = int_or(obj, "/status/updatedReplicas", 0);
    let replicas = int_or(obj, "/status/replicas", 0);
    let partition = int_or(obj, "/spec/updateStrategy/rollingUpdate/partition", -1);
    if spec > replicas {
        return progress(format!("Replicas: {replicas}/{spec}"));
    }
    if spec > ready {
        return progress(format!("Ready: {ready}/{spec}"));
    }
    if replicas > spec {
        return progress(format!("Pending termination: {}", replicas - spec));
    }
    if partition != -1 {
        if updated < spec - partition {
            return progress(format!("updated: {updated}/{}", spec - partition));
        }
        return current(format!("Partition rollout complete. updated: {updated}"));
    }
    if spec > cur {
        return progress(format!("current: {cur}/{spec}"));
    }
    if s(obj, "/status/currentRevision") != s(obj, "/status/updateRevision") {
        return progress("Waiting for updated revision to match current");
    }
    current(format!("All replicas scheduled as expected. Replicas: {replicas}"))
}

fn deployment(obj: &Value) -> (Status, String) {
    let mut progressing = int(obj, "/spec/progressDeadlineSeconds").is_none();
    let mut available = false;
    for c in conditions(obj) {
        match c.kind {
            "Progressing" if c.reason == "ProgressDeadlineExceeded" => {
                return (Status::Failed, "Progress deadline exceeded".into());
            }
            "Progressing" if c.status == "True" && c.reason == "NewReplicaSetAvailable" => progressing = true,
            "Available" if c.status == "True" => available = true,
            _ => {}
        }
    }
    let spec = int_or(obj, "/spec/replicas", 1);
    let replicas = int_or(obj, "/status/replicas", 0);
    let updated = int_or(obj, "/status/updatedReplicas", 0);
    let ready = int_or(obj, "/status/readyReplicas", 0);
    let avail = int_or(obj, "/status/availableReplicas", 0);
    if spec > replicas {
        return progress(format!("Replicas: {replicas}/{spec}"));
    }
    if spec > updated {
        return progress(format!("Updated: {updated}/{spec}"));
    }
    if replicas > spec {
        return progress(format!("Pending termination: {}", replicas - spec));
    }
    if updated > avail {
        return progress(format!("Available: {avail}/{updated}"));
    }
    if spec > ready {
        return progress(format!("Ready: {ready}/{spec}"));
    }
    if !progressing {
        return progress("ReplicaSet not Available");
    }
    if !available {
        return progress("Deployment not Available");
    }
    current(format!("Deployment is available. Replicas: {replicas}"))
}

fn replicaset(obj: &Value) -> (Status, String) {
    if conditions(obj).any(|c| c.kind == "ReplicaFailure" && c.status == "True") {
        return progress("Replica Failure condition. Check Pods");
    }
    let spec = int_or(obj, "/spec/replicas", 1);
    let replicas = int_or(obj, "/status/replicas", 0);
    let ready = int_or(obj, "/status/readyReplicas", 0);
    let avail = int_or(obj, "/status/availableReplicas", 0);
    let labelled = int_or(obj, "/status/fullyLabeledReplicas", 0);
    if spec > labelled {
        return progress(format!("Labelled: {labelled}/{spec}"));
    }
    if spec > avail {
        return progress(format!("Available: {avail}/{spec}"));
    }
    if spec > ready {
        return progress(format!("Ready: {ready}/{spec}"));
    }
    if replicas > spec {
        return progress(format!("Pending termination: {}", replicas - spec));
    }
    current(format!("ReplicaSet is available. Replicas: {replicas}"))
}

fn daemonset(obj: &Value) -> (Status, String) {
    let kind = s(obj, "/kind");
    if int(obj, "/metadata/generation").is_none() {
        return progress(format!("{kind} metadata.generation not found"));
    }
    if int(obj, "/status/observedGeneration").is_none() {
        return progress(format!("{kind} status.observedGeneration not found"));
    }
    let desired = int_or(obj, "/status/desiredNumberScheduled", -1);
    let cur = int_or(obj, "/status/currentNumberScheduled", 0);
    let updated = int_or(obj, "/status/updatedNumberScheduled", 0);
    let avail = int_or(obj, "/status/numberAvailable", 0);
    let ready = int_or(obj, "/status/numberReady", 0);
    if desired == -1 {
        return progress("Missing .status.desiredNumberScheduled");
    }
    if desired > cur {
        return progress(format!("Current: {cur}/{desired}"));
    }
    if desired > updated {
        return progress(format!("Updated: {updated}/{desired}"));
    }
    if desired > avail {
        return progress(format!("Available: {avail}/{desired}"));
    }
    if desired > ready {
        return progress(format!("Ready: {ready}/{desired}"));
    }
    current(format!("All replicas scheduled as expected. Replicas: {desired}"))
}

fn job_counts(obj: &Value) -> (i64, i64, i64) {
    let parallelism = int_or(obj, "/spec/parallelism", 1);
    (int_or(obj, "/spec/completions", parallelism), int_or(obj, "/status/succeeded", 0), int_or(obj, "/status/failed", 0))
}

/// A Job's `Complete` or `Failed` condition as kstatus and Helm report it; `None` while it runs.
fn job_finished(obj: &Value) -> Option<(Status, String)> {
    let (completions, succeeded, failed) = job_counts(obj);
    for c in conditions(obj) {
        if c.kind == "Complete" && c.status == "True" {
            return Some(current(format!("Job Completed. succeeded: {succeeded}/{completions}")));
        }
        if c.kind == "Failed" && c.status == "True" {
            return Some((Status::Failed, format!("Job Failed. failed: {failed}/{completions}")));
        }
    }
    None
}

/// kstatus' Job: a started Job counts as current (plain `--wait` does not wait for completion).
fn kstatus_job(obj: &Value) -> (Status, String) {
    if let Some(done) = job_finished(obj) {
        return done;
    }
    if s(obj, "/status/startTime").is_empty() {
        return progress("Job not started");
    }
    let (_, succeeded, failed) = job_counts(obj);
    let active = int_or(obj, "/status/active", 0);
    current(format!("Job in progress. success:{succeeded}, active: {active}, failed: {failed}"))
}

/// Helm's Job reader (`--wait-for-jobs`, hooks): only completion counts.
fn helm_job(obj: &Value) -> (Status, String) {
    job_finished(obj).unwrap_or_else(|| progress("Job in progress"))
}

/// Helm's Pod reader for hooks: the pod must run to completion.
fn helm_pod(obj: &Value) -> (Status, String) {
    let name = s(obj, "/metadata/name");
    match s(obj, "/status/phase") {
        "Succeeded" => current(format!("pod {name} succeeded")),
        "Failed" => (Status::Failed, format!("pod {name} failed")),
        _ => progress("Pod in progress"),
    }
}

fn crd(obj: &Value) -> (Status, String) {
    for c in conditions(obj) {
        if c.kind == "NamesAccepted" && c.status == "False" {
            return (Status::Failed, c.message.to_string());
        }
        if c.kind == "Established" {
            if c.status == "False" && c.reason != "Installing" {
                return (Status::Failed, c.message.to_string());
            }
            if c.status == "True" {
                return current("CRD is established");
            }
        }
    }
    progress("Install in progress")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deploy(status: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "generation": 2},
               "spec": {"replicas": 2}, "status": status})
    }

    #[test]
    fn deployments_wait_for_every_replica_and_the_available_condition() {
        let (st, msg) = compute(Some(&deploy(json!({"observedGeneration": 1}))), Mode::Wait);
        assert_eq!((st, msg.as_str()), (Status::InProgress, "Deployment generation is 2, but latest observed generation is 1"));
        let partial = deploy(json!({"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 1, "readyReplicas": 1}));
        assert_eq!(compute(Some(&partial), Mode::Wait), (Status::InProgress, "Available: 1/2".into()));
        let done = deploy(json!({"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2, "readyReplicas": 2,
            "conditions": [{"type": "Available", "status": "True"}, {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]}));
        assert_eq!(compute(Some(&done), Mode::Wait), (Status::Current, "Deployment is available. Replicas: 2".into()));
        let stuck = deploy(json!({"observedGeneration": 2, "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}));
        assert_eq!(compute(Some(&stuck), Mode::Wait).0, Status::Failed);
    }

    #[test]
    fn jobs_count_as_ready_once_started_unless_waiting_for_jobs() {
        let running = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "status": {"startTime": "2026-01-01T00:00:00Z", "active": 1}});
        assert_eq!(compute(Some(&running), Mode::Wait).0, Status::Current);
        assert_eq!(compute(Some(&running), Mode::WaitWithJobs), (Status::InProgress, "Job in progress".into()));
        let failed = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": {"completions": 1},
            "status": {"failed": 1, "conditions": [{"type": "Failed", "status": "True"}]}});
        assert_eq!(compute(Some(&failed), Mode::WaitWithJobs), (Status::Failed, "Job Failed. failed: 1/1".into()));
    }

    #[test]
    fn hooks_wait_only_for_jobs_and_pods() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        assert_eq!(compute(Some(&cm), Mode::Hooks).0, Status::Current);
        let deploy_unready = deploy(json!({}));
        assert_eq!(compute(Some(&deploy_unready), Mode::Hooks).0, Status::Current);
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "status": {"phase": "Running"}});
        assert_eq!(compute(Some(&pod), Mode::Hooks), (Status::InProgress, "Pod in progress".into()));
        assert_eq!(compute(None, Mode::Hooks).0, Status::NotFound);
    }

    #[test]
    fn other_kinds_follow_their_ready_condition() {
        let cr = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
            "status": {"conditions": [{"type": "Ready", "status": "False", "message": "warming up"}]}});
        assert_eq!(compute(Some(&cr), Mode::Wait), (Status::InProgress, "warming up".into()));
        let pvc = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "d"}, "status": {"phase": "Pending"}});
        assert_eq!(compute(Some(&pvc), Mode::Wait), (Status::InProgress, "PVC is not Bound. phase: Pending".into()));
        let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"type": "ClusterIP"}});
        assert_eq!(compute(Some(&svc), Mode::Wait).0, Status::Current);
    }
}
