//! `strata check`: refuses Tekton Pipelines and PipelineRuns that Tekton would reject when
//! the run starts, so a broken composition of the CI catalog fails at build time.
//!
//! The checks follow Tekton's own validation (`pipeline_validation.go`, the DAG builder
//! and the PipelineRun reconciler's resource and parameter binding), for `tekton.dev`
//! `v1alpha1`, `v1beta1` and `v1`:
//! - pipeline task names are unique; each has exactly one of `taskRef` and `taskSpec`;
//!   `runAfter`, `from` and `$(tasks.X.results.Y)` name tasks of the same Pipeline, and
//!   together they form no cycle; `finally` tasks have no `runAfter`; a result reference
//!   names a result its task's Task declares (when that Task is present);
//! - `$(params.x)` used in a pipeline task is declared in `spec.params`;
//! - the variables a Task's steps use (`$(inputs.params.x)`, `$(inputs.resources.x...)`,
//!   `$(outputs.resources.x...)` in v1alpha1; `$(params.x)` later; `$(workspaces.x...)`,
//!   `$(results.x...)`) name what the Task declares;
//! - the resources and workspaces a pipeline task binds are declared by the Pipeline;
//! - a `taskRef` found among the checked objects gets every parameter it requires, every
//!   workspace it needs and exactly the resources it declares;
//! - a PipelineRun's `pipelineRef`, its resource bindings (and the PipelineResources they
//!   name, with their types), its parameters and its workspaces match its Pipeline.
//!
//! References to objects that are not among the checked ones (a Task installed in the
//! cluster, say) are checked only when at least one object of that kind is present, since
//! a build need not carry everything a cluster has.
//!
//! [`schema`] adds what the API itself refuses at admission: each document against the
//! schema of its apiVersion in a chosen Tekton release.

pub mod schema;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::resource::Resource;
use crate::yaml::Node;

/// One reason Tekton would reject an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// `Kind namespace/name` of the object.
    pub object: String,
    /// The field, as a path (`spec.tasks[1].runAfter[0]`).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.object, self.field, self.message)
    }
}

/// Checks every Tekton Pipeline and PipelineRun among `resources`; returns the problems in
/// object order.
pub fn check(resources: &[Resource]) -> Vec<Problem> {
    let objs: Vec<Obj<'_>> = resources.iter().filter_map(Obj::new).collect();
    let mut out = Vec::new();
    for o in &objs {
        match o.kind {
            "Pipeline" => check_pipeline(o, &objs, &mut out),
            "PipelineRun" => check_run(o, &objs, &mut out),
            "Task" | "ClusterTask" => check_task(o, &mut out),
            _ => {}
        }
    }
    out
}

/// A Tekton object with what the checks need.
struct Obj<'a> {
    kind: &'a str,
    name: &'a str,
    namespace: &'a str,
    node: &'a Node,
}

impl<'a> Obj<'a> {
    fn new(r: &'a Resource) -> Option<Obj<'a>> {
        let group = r.api_version().split('/').next().unwrap_or("");
        if group != "tekton.dev" {
            return None;
        }
        // An object not named yet (only `generateName`) is known by its generateName.
        let name = match r.name() {
            "" => r.node.str_at(&["metadata", "generateName"]).unwrap_or(""),
            n => n,
        };
        Some(Obj {
            kind: r.kind(),
            name,
            namespace: r.namespace(),
            node: &r.node,
        })
    }

    fn label(&self) -> String {
        label(self.kind, self.namespace, self.name)
    }

    fn spec(&self) -> Option<&'a Node> {
        self.node.get("spec")
    }
}

/// `Kind namespace/name` (or `Kind name`), how a problem names its object.
fn label(kind: &str, namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        format!("{kind} {name}")
    } else {
        format!("{kind} {namespace}/{name}")
    }
}

/// The label of a resource, known by its generateName while it has no name.
fn label_of(r: &Resource) -> String {
    let name = match r.name() {
        "" => r.node.str_at(&["metadata", "generateName"]).unwrap_or(""),
        n => n,
    };
    label(r.kind(), r.namespace(), name)
}

/// Collects problems for one object.
struct Report<'o> {
    object: String,
    out: &'o mut Vec<Problem>,
}

impl Report<'_> {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.out.push(Problem {
            object: self.object.clone(),
            field: field.into(),
            message: message.into(),
        });
    }
}

/// Returns the items of a sequence field (empty when absent or not a sequence).
fn seq<'a>(n: Option<&'a Node>, key: &str) -> &'a [Node] {
    n.and_then(|n| n.get(key))
        .and_then(Node::as_seq)
        .map_or(&[], Vec::as_slice)
}

/// Returns a string field.
fn s<'a>(n: &'a Node, key: &str) -> &'a str {
    n.get(key).and_then(Node::as_str).unwrap_or("")
}

/// Returns true for a boolean `true` scalar.
fn is_true(n: Option<&Node>) -> bool {
    n.and_then(Node::as_scalar)
        .is_some_and(|sc| sc.value == "true")
}

/// Returns the names of the items of a sequence of named maps.
fn names(items: &[Node]) -> Vec<&str> {
    items.iter().map(|i| s(i, "name")).collect()
}

/// Reports duplicate and empty names in a declaration list.
fn unique_names(items: &[Node], field: &str, what: &str, rep: &mut Report<'_>) {
    let mut seen = BTreeSet::new();
    for (i, n) in names(items).into_iter().enumerate() {
        if n.is_empty() {
            rep.add(format!("{field}[{i}].name"), format!("{what} has no name"));
        } else if !seen.insert(n) {
            rep.add(
                format!("{field}[{i}].name"),
                format!("{what} {n:?} is declared twice"),
            );
        }
    }
}

/// Calls `f` on every string scalar under `n`.
fn strings<'a>(n: &'a Node, f: &mut dyn FnMut(&'a str)) {
    match n {
        Node::Scalar(_) => {
            if let Some(v) = n.as_str() {
                f(v);
            }
        }
        Node::Seq(items) => items.iter().for_each(|i| strings(i, f)),
        Node::Map(m) => m.values().for_each(|v| strings(v, f)),
    }
}

/// Returns the `$(PREFIX...)` references in `text`: the name after `prefix`, up to the
/// first character that cannot be in a name (handles `params.x`, `params["x"]`, `params['x']`).
fn refs<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let pat = format!("$({prefix}");
    let mut rest = text;
    while let Some(i) = rest.find(&pat) {
        let after = &rest[i + pat.len()..];
        let name = if let Some(r) = after.strip_prefix('.') {
            let end = r
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(r.len());
            &r[..end]
        } else if let Some(r) = after
            .strip_prefix("[\"")
            .or_else(|| after.strip_prefix("['"))
        {
            let end = r.find(['"', '\'']).unwrap_or(r.len());
            &r[..end]
        } else {
            ""
        };
        if !name.is_empty() {
            out.push(name);
        }
        rest = after;
    }
    out
}

/// The Task a pipeline task refers to, with its declared parameters and resources.
struct TaskDecl<'a> {
    params: Vec<(&'a str, bool)>,
    inputs: Vec<&'a str>,
    outputs: Vec<&'a str>,
    /// Workspaces the Task needs bound (not `optional: true`).
    workspaces: Vec<&'a str>,
    /// Results the Task declares.
    results: Vec<&'a str>,
}

fn task_decl<'a>(task: &Obj<'a>) -> TaskDecl<'a> {
    let spec = task.spec();
    // v1alpha1 keeps params and resources under inputs/outputs; later versions at the top.
    let inputs = spec.and_then(|s| s.get("inputs"));
    let outputs = spec.and_then(|s| s.get("outputs"));
    let mut params: Vec<(&str, bool)> = Vec::new();
    for p in seq(inputs, "params").iter().chain(seq(spec, "params")) {
        params.push((s(p, "name"), p.get("default").is_some()));
    }
    let res = spec.and_then(|s| s.get("resources"));
    let inputs_res: Vec<&str> = names(seq(inputs, "resources"))
        .into_iter()
        .chain(names(seq(res, "inputs")))
        .collect();
    let outputs_res: Vec<&str> = names(seq(outputs, "resources"))
        .into_iter()
        .chain(names(seq(res, "outputs")))
        .collect();
    let workspaces = seq(spec, "workspaces")
        .iter()
        .filter(|w| !is_true(w.get("optional")))
        .map(|w| s(w, "name"))
        .collect();
    TaskDecl {
        params,
        inputs: inputs_res,
        outputs: outputs_res,
        workspaces,
        results: names(seq(spec, "results")),
    }
}

fn find<'a, 'b>(
    objs: &'b [Obj<'a>],
    kind: &str,
    name: &str,
    namespace: &str,
) -> Option<&'b Obj<'a>> {
    objs.iter()
        .find(|o| o.kind == kind && o.name == name && o.namespace == namespace)
}

fn any_of(objs: &[Obj<'_>], kind: &str) -> bool {
    objs.iter().any(|o| o.kind == kind)
}

fn check_pipeline(p: &Obj<'_>, objs: &[Obj<'_>], out: &mut Vec<Problem>) {
    let mut rep = Report {
        object: p.label(),
        out,
    };
    let spec = p.spec();
    let tasks = seq(spec, "tasks");
    let finally = seq(spec, "finally");
    let declared_params: BTreeSet<&str> = names(seq(spec, "params")).into_iter().collect();
    let declared_res: BTreeMap<&str, &str> = seq(spec, "resources")
        .iter()
        .map(|r| (s(r, "name"), s(r, "type")))
        .collect();
    let declared_ws: BTreeSet<&str> = names(seq(spec, "workspaces")).into_iter().collect();
    unique_names(seq(spec, "params"), "spec.params", "parameter", &mut rep);
    unique_names(
        seq(spec, "resources"),
        "spec.resources",
        "resource",
        &mut rep,
    );
    unique_names(
        seq(spec, "workspaces"),
        "spec.workspaces",
        "workspace",
        &mut rep,
    );

    let all: Vec<(&str, &Node)> = tasks
        .iter()
        .map(|t| ("spec.tasks", t))
        .chain(finally.iter().map(|t| ("spec.finally", t)))
        .collect();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let dag_names: BTreeSet<&str> = names(tasks).into_iter().collect();
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut idx: BTreeMap<&str, usize> = BTreeMap::new();
    // The results of each pipeline task whose Task is among the checked objects.
    let results: BTreeMap<&str, Vec<&str>> = tasks
        .iter()
        .filter_map(|t| {
            let (_, _, task) = task_ref(t, p.namespace, objs)?;
            Some((s(t, "name"), task_decl(task?).results))
        })
        .collect();
    for (list, t) in &all {
        let i = *idx.entry(list).and_modify(|n| *n += 1).or_insert(0);
        let at = format!("{list}[{i}]");
        let name = s(t, "name");
        if name.is_empty() {
            rep.add(format!("{at}.name"), "pipeline task has no name");
        } else if !seen.insert(name) {
            rep.add(
                format!("{at}.name"),
                format!("pipeline task {name:?} is declared twice"),
            );
        }
        if t.get("taskRef").is_some() == t.get("taskSpec").is_some() {
            rep.add(
                at.clone(),
                "a pipeline task needs exactly one of taskRef and taskSpec",
            );
        }
        if *list == "spec.finally" && t.get("runAfter").is_some() {
            rep.add(
                format!("{at}.runAfter"),
                "finally tasks cannot use runAfter",
            );
        }
        let mut deps: Vec<(String, &str, &str)> = Vec::new();
        for (j, r) in seq(Some(t), "runAfter").iter().enumerate() {
            deps.push((
                format!("{at}.runAfter[{j}]"),
                r.as_str().unwrap_or(""),
                "runAfter",
            ));
        }
        let res = t.get("resources");
        for dir in ["inputs", "outputs"] {
            for (j, b) in seq(res, dir).iter().enumerate() {
                let r = s(b, "resource");
                if !declared_res.contains_key(r) {
                    rep.add(
                        format!("{at}.resources.{dir}[{j}].resource"),
                        format!("resource {r:?} is not declared in spec.resources"),
                    );
                }
                for (k, f) in seq(Some(b), "from").iter().enumerate() {
                    deps.push((
                        format!("{at}.resources.{dir}[{j}].from[{k}]"),
                        f.as_str().unwrap_or(""),
                        "from",
                    ));
                }
            }
        }
        for (j, w) in seq(Some(t), "workspaces").iter().enumerate() {
            let ws = s(w, "workspace");
            if !ws.is_empty() && !declared_ws.contains(ws) {
                rep.add(
                    format!("{at}.workspaces[{j}].workspace"),
                    format!("workspace {ws:?} is not declared in spec.workspaces"),
                );
            }
        }
        let mut used_params: BTreeSet<&str> = BTreeSet::new();
        let mut result_tasks: BTreeSet<&str> = BTreeSet::new();
        let mut used_results: BTreeSet<(&str, &str)> = BTreeSet::new();
        // An embedded taskSpec's `$(params.x)` may name its own parameters: skip it.
        for (k, v) in t.as_map().into_iter().flatten() {
            if k != "taskSpec" {
                strings(v, &mut |v| {
                    used_params.extend(refs(v, "params"));
                    // `$(tasks.status)` and `$(tasks.X.status)` (finally only) are not
                    // dependencies; result references are.
                    for (x, y) in result_refs(v) {
                        result_tasks.insert(x);
                        used_results.insert((x, y));
                    }
                });
            }
        }
        for u in used_params {
            if !declared_params.contains(u) {
                rep.add(
                    at.clone(),
                    format!("parameter {u:?} is used but not declared in spec.params"),
                );
            }
        }
        for r in result_tasks {
            deps.push((at.clone(), r, "a result reference"));
        }
        for (x, y) in used_results {
            if let Some(declared) = results.get(x)
                && !declared.contains(&y)
            {
                rep.add(
                    at.clone(),
                    format!("$(tasks.{x}.results.{y}) names a result task {x:?} does not declare"),
                );
            }
        }
        for (field, dep, how) in deps {
            if dep == name {
                rep.add(field, format!("task {name:?} names itself in {how}"));
            } else if !dag_names.contains(dep) {
                rep.add(
                    field,
                    format!("{how} names {dep:?}, which is not a task of this pipeline"),
                );
            } else if *list == "spec.tasks" {
                edges.entry(name).or_default().insert(dep);
            }
        }
        check_task_ref(t, &at, p.namespace, objs, &mut rep);
    }
    if let Some(cycle) = find_cycle(&edges) {
        rep.add(
            "spec.tasks",
            format!("the tasks form a cycle: {}", cycle.join(" -> ")),
        );
    }
}

/// Checks that the variables a Task's steps use are declared by the Task: Tekton refuses
/// a Task that names a parameter, resource, workspace or result it does not declare.
fn check_task(task: &Obj<'_>, out: &mut Vec<Problem>) {
    let mut rep = Report {
        object: task.label(),
        out,
    };
    let Some(spec) = task.spec() else { return };
    let v1alpha1 = task.node.str_at(&["apiVersion"]) == Some("tekton.dev/v1alpha1");
    let inputs = spec.get("inputs");
    let outputs = spec.get("outputs");
    let decl = task_decl(task);
    let declared_params: BTreeSet<&str> = decl.params.iter().map(|(n, _)| *n).collect();
    let all_ws: BTreeSet<&str> = names(seq(Some(spec), "workspaces")).into_iter().collect();
    let results: BTreeSet<&str> = names(seq(Some(spec), "results")).into_iter().collect();
    let in_res: BTreeSet<&str> = names(seq(inputs, "resources")).into_iter().collect();
    let out_res: BTreeSet<&str> = names(seq(outputs, "resources")).into_iter().collect();
    // (variable prefix, the names it may take, where they are declared)
    let mut kinds: Vec<(&str, &BTreeSet<&str>, &str)> = vec![
        ("workspaces", &all_ws, "spec.workspaces"),
        ("results", &results, "spec.results"),
    ];
    if v1alpha1 {
        kinds.push(("inputs.params", &declared_params, "spec.inputs.params"));
        kinds.push(("inputs.resources", &in_res, "spec.inputs.resources"));
        kinds.push(("outputs.resources", &out_res, "spec.outputs.resources"));
    } else {
        kinds.push(("params", &declared_params, "spec.params"));
    }
    for key in ["steps", "sidecars", "volumes", "stepTemplate"] {
        let Some(part) = spec.get(key) else { continue };
        let mut used: BTreeSet<(&str, &str)> = BTreeSet::new();
        strings(part, &mut |v| {
            for (prefix, _, _) in &kinds {
                for r in refs(v, prefix) {
                    used.insert((prefix, r));
                }
            }
            if !v1alpha1 {
                for r in refs(v, "inputs.params") {
                    used.insert(("inputs.params", r));
                }
            }
        });
        for (prefix, name) in used {
            match kinds.iter().find(|(p, _, _)| *p == prefix) {
                Some((_, declared, place)) if !declared.contains(name) => rep.add(
                    format!("spec.{key}"),
                    format!("$({prefix}.{name}) is used but {name:?} is not declared in {place}"),
                ),
                Some(_) => {}
                None => rep.add(
                    format!("spec.{key}"),
                    format!("$({prefix}.{name}) is a v1alpha1 variable; this Task is not v1alpha1"),
                ),
            }
        }
    }
}

/// Returns the kind and name a pipeline task's `taskRef` names, and that Task when it is
/// among the checked objects (None for a resolver or custom-task reference).
fn task_ref<'a, 'b>(
    t: &'b Node,
    namespace: &str,
    objs: &'b [Obj<'a>],
) -> Option<(&'static str, &'b str, Option<&'b Obj<'a>>)> {
    let tr = t.get("taskRef")?;
    let kind = match s(tr, "kind") {
        "" | "Task" | "namespaced" => "Task",
        "ClusterTask" => "ClusterTask",
        _ => return None,
    };
    let name = s(tr, "name");
    let ns = if kind == "ClusterTask" { "" } else { namespace };
    Some((kind, name, find(objs, kind, name, ns)))
}

/// Returns the `(task, result)` pairs of the `$(tasks.X.results.Y)` references in `text`.
fn result_refs(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("$(tasks.") {
        rest = &rest[i + "$(tasks.".len()..];
        let Some((task, after)) = rest.split_once('.') else {
            break;
        };
        if let Some(r) = after.strip_prefix("results.") {
            let end = r
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(r.len());
            out.push((task, &r[..end]));
        }
    }
    out
}

/// Checks a pipeline task against the Task it names, when that Task is present.
fn check_task_ref(t: &Node, at: &str, namespace: &str, objs: &[Obj<'_>], rep: &mut Report<'_>) {
    let Some((kind, name, found)) = task_ref(t, namespace, objs) else {
        return;
    };
    let Some(task) = found else {
        if any_of(objs, kind) {
            rep.add(
                format!("{at}.taskRef.name"),
                format!("{kind} {name:?} is not among the checked objects"),
            );
        }
        return;
    };
    let decl = task_decl(task);
    let given: BTreeSet<&str> = names(seq(Some(t), "params")).into_iter().collect();
    for (p, has_default) in &decl.params {
        if !has_default && !given.contains(p) {
            rep.add(
                format!("{at}.params"),
                format!("{kind} {name:?} requires parameter {p:?}, which is not given"),
            );
        }
    }
    let bound_ws: Vec<&str> = names(seq(Some(t), "workspaces"));
    for w in &decl.workspaces {
        if !bound_ws.contains(w) {
            rep.add(
                format!("{at}.workspaces"),
                format!("{kind} {name:?} declares workspace {w:?}, which is not bound"),
            );
        }
    }
    let res = t.get("resources");
    for (dir, want) in [("inputs", &decl.inputs), ("outputs", &decl.outputs)] {
        let bound: Vec<&str> = names(seq(res, dir));
        for w in want.iter() {
            if !bound.contains(w) {
                rep.add(
                    format!("{at}.resources.{dir}"),
                    format!("{kind} {name:?} declares {dir} resource {w:?}, which is not bound"),
                );
            }
        }
        for (j, b) in bound.iter().enumerate() {
            if !want.contains(b) {
                rep.add(
                    format!("{at}.resources.{dir}[{j}].name"),
                    format!("{kind} {name:?} declares no {dir} resource {b:?}"),
                );
            }
        }
    }
}

/// Returns one cycle of the dependency graph (task -> tasks it waits for), if any.
fn find_cycle<'a>(edges: &BTreeMap<&'a str, BTreeSet<&'a str>>) -> Option<Vec<&'a str>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Active,
        Done,
    }
    fn visit<'a>(
        n: &'a str,
        edges: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        marks: &mut BTreeMap<&'a str, Mark>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<&'a str>> {
        match marks.get(n) {
            Some(Mark::Done) => return None,
            Some(Mark::Active) => {
                let start = stack.iter().position(|s| *s == n).unwrap_or(0);
                let mut c: Vec<&str> = stack[start..].to_vec();
                c.push(n);
                return Some(c);
            }
            None => {}
        }
        marks.insert(n, Mark::Active);
        stack.push(n);
        for d in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(d, edges, marks, stack) {
                return Some(c);
            }
        }
        stack.pop();
        marks.insert(n, Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for n in edges.keys() {
        let mut stack = Vec::new();
        if let Some(c) = visit(n, edges, &mut marks, &mut stack) {
            return Some(c);
        }
    }
    None
}

fn check_run(r: &Obj<'_>, objs: &[Obj<'_>], out: &mut Vec<Problem>) {
    let mut rep = Report {
        object: r.label(),
        out,
    };
    let spec = r.spec();
    let Some(pref) = spec.and_then(|s| s.get("pipelineRef")) else {
        return;
    };
    let pname = s(pref, "name");
    let Some(pipeline) = find(objs, "Pipeline", pname, r.namespace) else {
        if any_of(objs, "Pipeline") {
            rep.add(
                "spec.pipelineRef.name",
                format!("Pipeline {pname:?} is not among the checked objects"),
            );
        }
        return;
    };
    let pspec = pipeline.spec();

    let declared: BTreeMap<&str, &str> = seq(pspec, "resources")
        .iter()
        .map(|d| (s(d, "name"), s(d, "type")))
        .collect();
    let bindings = seq(spec, "resources");
    let bound: Vec<&str> = names(bindings);
    for d in declared.keys() {
        if !bound.contains(d) {
            rep.add(
                "spec.resources",
                format!("Pipeline {pname:?} declares resource {d:?}, which the run does not bind"),
            );
        }
    }
    for (i, b) in bindings.iter().enumerate() {
        let n = s(b, "name");
        let Some(want_type) = declared.get(n) else {
            rep.add(
                format!("spec.resources[{i}].name"),
                format!("Pipeline {pname:?} declares no resource {n:?}"),
            );
            continue;
        };
        let Some(rr) = b.get("resourceRef") else {
            continue;
        };
        let target = s(rr, "name");
        match find(objs, "PipelineResource", target, r.namespace) {
            Some(pr) => {
                let got = pr.spec().map_or("", |sp| s(sp, "type"));
                if !want_type.is_empty() && got != *want_type {
                    rep.add(
                        format!("spec.resources[{i}].resourceRef.name"),
                        format!("PipelineResource {target:?} has type {got:?}, the Pipeline wants {want_type:?}"),
                    );
                }
            }
            None if any_of(objs, "PipelineResource") => rep.add(
                format!("spec.resources[{i}].resourceRef.name"),
                format!("PipelineResource {target:?} is not among the checked objects"),
            ),
            None => {}
        }
    }

    let given: BTreeSet<&str> = names(seq(spec, "params")).into_iter().collect();
    for p in seq(pspec, "params") {
        let n = s(p, "name");
        if p.get("default").is_none() && !given.contains(n) {
            rep.add(
                "spec.params",
                format!("Pipeline {pname:?} requires parameter {n:?}, which the run does not give"),
            );
        }
    }
    let ws_given: BTreeSet<&str> = names(seq(spec, "workspaces")).into_iter().collect();
    for w in seq(pspec, "workspaces") {
        let n = s(w, "name");
        let optional = is_true(w.get("optional"));
        if !optional && !ws_given.contains(n) {
            rep.add(
                "spec.workspaces",
                format!("Pipeline {pname:?} declares workspace {n:?}, which the run does not bind"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_documents;

    fn problems(text: &str) -> Vec<String> {
        let docs = match parse_documents(text) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        let res: Vec<Resource> = docs
            .into_iter()
            .filter(|d| !d.is_null())
            .map(Resource::new)
            .collect();
        check(&res).into_iter().map(|p| p.to_string()).collect()
    }

    const GOOD: &str = "apiVersion: tekton.dev/v1alpha1\nkind: Pipeline\nmetadata:\n  name: p\n  namespace: ci\nspec:\n  resources:\n  - name: src\n    type: git\n  tasks:\n  - name: a\n    taskRef:\n      name: ta\n    resources:\n      inputs:\n      - name: src\n        resource: src\n      outputs:\n      - name: src\n        resource: src\n  - name: b\n    runAfter: [a]\n    taskRef:\n      name: tb\n    resources:\n      inputs:\n      - name: src\n        resource: src\n        from: [a]\n---\napiVersion: tekton.dev/v1alpha1\nkind: Task\nmetadata:\n  name: ta\n  namespace: ci\nspec:\n  inputs:\n    resources:\n    - name: src\n      type: git\n  outputs:\n    resources:\n    - name: src\n      type: git\n---\napiVersion: tekton.dev/v1alpha1\nkind: Task\nmetadata:\n  name: tb\n  namespace: ci\nspec:\n  inputs:\n    params:\n    - name: x\n      default: d\n    resources:\n    - name: src\n      type: git\n---\napiVersion: tekton.dev/v1alpha1\nkind: PipelineRun\nmetadata:\n  name: r\n  namespace: ci\nspec:\n  pipelineRef:\n    name: p\n  resources:\n  - name: src\n    resourceRef:\n      name: src-repo\n---\napiVersion: tekton.dev/v1alpha1\nkind: PipelineResource\nmetadata:\n  name: src-repo\n  namespace: ci\nspec:\n  type: git\n";

    #[test]
    fn a_valid_pipeline_passes() {
        assert_eq!(problems(GOOD), Vec::<String>::new());
    }

    #[test]
    fn unknown_tasks_in_run_after_and_from() {
        let t = GOOD
            .replace("runAfter: [a]", "runAfter: [zz]")
            .replace("from: [a]", "from: [yy]");
        let p = problems(&t);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("spec.tasks[1].runAfter[0]") && p[0].contains("\"zz\""));
        assert!(p[1].contains("from[0]") && p[1].contains("\"yy\""));
    }

    #[test]
    fn cycles_are_found() {
        let t = GOOD.replace(
            "  - name: a\n    taskRef:",
            "  - name: a\n    runAfter: [b]\n    taskRef:",
        );
        let p = problems(&t);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("cycle: a -> b -> a"), "{p:?}");
    }

    #[test]
    fn undeclared_params_and_resources() {
        let t = GOOD
            .replace(
                "    runAfter: [a]\n",
                "    runAfter: [a]\n    params:\n    - name: x\n      value: $(params.missing)\n",
            )
            .replace(
                "        resource: src\n        from: [a]",
                "        resource: nosuch\n        from: [a]",
            );
        let p = problems(&t);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p.iter()
                .any(|s| s.contains("\"nosuch\" is not declared in spec.resources"))
        );
        assert!(
            p.iter()
                .any(|s| s.contains("parameter \"missing\" is used but not declared"))
        );
    }

    #[test]
    fn run_bindings_and_task_contracts() {
        let t = GOOD
            .replace("      name: src-repo\n---", "      name: other\n---")
            .replace("  - name: x\n      default: d\n", "  - name: x\n");
        let p = problems(&t);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p.iter().any(|s| s.contains("requires parameter \"x\"")));
        assert!(
            p.iter()
                .any(|s| s.contains("PipelineResource \"other\" is not among"))
        );
        let t = GOOD.replace(
            "  resources:\n  - name: src\n    resourceRef:\n      name: src-repo\n",
            "  resources: []\n",
        );
        let p = problems(&t);
        assert!(
            p.iter().any(|s| s.contains("which the run does not bind")),
            "{p:?}"
        );
    }

    #[test]
    fn task_shape_finally_and_workspaces() {
        let t = GOOD
            .replace("    taskRef:\n      name: tb\n", "")
            .replace("  - name: src\n    type: git\n  tasks:", "  - name: src\n    type: git\n  finally:\n  - name: f\n    runAfter: [a]\n    taskRef:\n      name: ta\n    workspaces: []\n  tasks:");
        let p = problems(&t);
        assert!(
            p.iter().any(|s| s.contains(
                "spec.tasks[1]: a pipeline task needs exactly one of taskRef and taskSpec"
            )),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|s| s.contains("spec.finally[0].runAfter: finally tasks cannot use runAfter")),
            "{p:?}"
        );
        let t = GOOD.replace("  name: ta\n  namespace: ci\nspec:\n", "  name: ta\n  namespace: ci\nspec:\n  workspaces:\n  - name: out\n  - name: cache\n    optional: true\n");
        let p = problems(&t);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].contains("declares workspace \"out\", which is not bound"),
            "{p:?}"
        );
    }

    #[test]
    fn task_variables_must_be_declared() {
        let task = |api: &str, body: &str| {
            format!("apiVersion: tekton.dev/{api}\nkind: Task\nmetadata:\n  name: t\nspec:\n{body}")
        };
        let ok = task(
            "v1alpha1",
            "  inputs:\n    params:\n    - name: p\n    resources:\n    - name: src\n      type: git\n  outputs:\n    resources:\n    - name: img\n      type: image\n  steps:\n  - name: s\n    image: x\n    args: [\"$(inputs.params.p)\", \"$(inputs.resources.src.path)\", \"$(outputs.resources.img.url)\"]\n",
        );
        assert_eq!(problems(&ok), Vec::<String>::new());
        let bad = ok
            .replace("$(inputs.params.p)", "$(inputs.params.q)")
            .replace("img.url", "other.url");
        let p = problems(&bad);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p.iter().any(|s| s.contains(
            "$(inputs.params.q) is used but \"q\" is not declared in spec.inputs.params"
        )));
        assert!(
            p.iter()
                .any(|s| s.contains("\"other\" is not declared in spec.outputs.resources"))
        );
        let v1 = task(
            "v1",
            "  params:\n  - name: p\n  workspaces:\n  - name: w\n  results:\n  - name: r\n  steps:\n  - name: s\n    image: x\n    script: echo $(params.p) $(workspaces.w.path) > $(results.r.path) $(inputs.params.p) $(params.z)\n",
        );
        let p = problems(&v1);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p.iter()
                .any(|s| s.contains("$(inputs.params.p) is a v1alpha1 variable"))
        );
        assert!(
            p.iter()
                .any(|s| s.contains("\"z\" is not declared in spec.params"))
        );
    }

    #[test]
    fn result_references_name_declared_results() {
        let with_result = GOOD.replace(
            "  name: ta\n  namespace: ci\nspec:\n",
            "  name: ta\n  namespace: ci\nspec:\n  results:\n  - name: digest\n",
        );
        let uses = |r: &str| {
            with_result.replace(
                "    runAfter: [a]\n",
                &format!("    runAfter: [a]\n    params:\n    - name: x\n      value: $(tasks.a.results.{r})\n"),
            )
        };
        assert_eq!(problems(&uses("digest")), Vec::<String>::new());
        let p = problems(&uses("sha"));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].contains("$(tasks.a.results.sha) names a result task \"a\" does not declare"),
            "{p:?}"
        );
        assert_eq!(
            result_refs("$(tasks.a.results.b) $(tasks.c.status)"),
            vec![("a", "b")]
        );
        let status = GOOD.replace(
            "    runAfter: [a]\n",
            "    runAfter: [a]\n    params:\n    - name: x\n      value: $(tasks.status)\n",
        );
        assert_eq!(problems(&status), Vec::<String>::new());
    }

    #[test]
    fn refs_parse_all_spellings() {
        assert_eq!(
            refs(
                "a $(params.x) $(params[\"y-z\"]) $(params['w']) $(paramsx)",
                "params"
            ),
            vec!["x", "y-z", "w"]
        );
        assert_eq!(
            refs("$(tasks.build.results.digest)", "tasks"),
            vec!["build"]
        );
    }
}
