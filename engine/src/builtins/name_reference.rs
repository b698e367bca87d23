//! Name back-references (kustomize's `nameReferenceTransformer` and `filters/nameref`):
//! after prefixes, suffixes, hashes and namespaces changed names, every field that
//! refers to a resource by name (volumes, envFrom, roleRef, subjects, Ingress backends,
//! the rest of the `nameReference` table) is rewritten to the new name.
//!
//! A reference `old` to kind K from referrer R picks, among the resources R could see
//! (same namespace, cluster-scoped, or a RoleBinding's ServiceAccount namespaces), the
//! ones that once were named `old` with kind K (and the `roleRef` kind), in R's
//! namespace; if several remain, those with the same prefix/suffix history as R; if
//! still several with different names, it is an error.

use super::common::terr;
use crate::error::Result;
use crate::fieldspec::{Create, FieldSpec, NameBackRef, TransformerConfig, apply};
use crate::resource::{Gvk, ResId, ResMap};
use crate::schema::is_cluster_scoped;
use crate::yaml::Node;

/// What a candidate looks like, captured before any referrer is edited.
#[derive(Clone, Debug)]
struct Info {
    cur: ResId,
    prev: Vec<ResId>,
    org: ResId,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

impl Info {
    fn name(&self) -> &str {
        &self.cur.name
    }
    fn namespace(&self) -> &str {
        &self.cur.namespace
    }
}

/// Rewrites every name reference in `resources`; `file` names the top kustomization.
pub fn fix_back_references(
    resources: &mut ResMap,
    config: &TransformerConfig,
    file: &std::path::Path,
) -> Result<()> {
    let infos: Vec<Info> = resources
        .iter()
        .map(|r| Info {
            cur: r.id(),
            prev: r.previous.clone(),
            org: r.orig_id(),
            prefixes: r.prefixes.clone(),
            suffixes: r.suffixes.clone(),
        })
        .collect();
    let index = Index::new(&infos);
    let referred = std::cell::RefCell::new(std::collections::BTreeSet::new());
    for i in 0..infos.len() {
        let me = &infos[i];
        let mut work: Vec<(&NameBackRef, &FieldSpec)> = Vec::new();
        for br in config.name_reference.iter() {
            for fs in &br.referrers {
                if fs.selects(&me.org.gvk) {
                    work.push((br, fs));
                }
            }
        }
        if work.is_empty() {
            continue;
        }
        let visible = visible_from(i, &infos, resources)
            .map_err(|m| terr(file, "name reference", None, m))?;
        let Some(res) = resources.at_mut(i) else {
            continue;
        };
        let role_ref = role_ref_gvk(&res.node);
        for (br, fs) in work {
            let mut spec = fs.clone();
            spec.gvk = Gvk::default();
            let ctx = Sel {
                referred: &referred,
                me,
                target: &br.gvk,
                role_ref: role_ref.as_ref(),
                is_role_ref: fs
                    .path
                    .ends_with(&["roleRef".to_string(), "name".to_string()]),
                infos: &infos,
                visible: &visible,
                index: &index,
            };
            apply(&mut res.node, &spec, Create::No, &mut |n| ctx.set(n)).map_err(|m| {
                terr(
                    file,
                    "name reference",
                    None,
                    format!(
                        "updating name reference in '{}' field of '{}': {m}",
                        fs.path_string(),
                        me.cur
                    ),
                )
            })?;
        }
    }
    for j in referred.into_inner() {
        if let Some(r) = resources.at_mut(j) {
            r.drop_empty_annotations();
        }
    }
    resources.fresh();
    Ok(())
}

fn role_ref_gvk(node: &Node) -> Option<Gvk> {
    let rr = node.get("roleRef")?;
    let group = rr.get("apiGroup")?.as_str()?.to_string();
    let kind = rr.get("kind")?.as_str()?.to_string();
    Some(Gvk {
        group,
        version: String::new(),
        kind,
    })
}

fn ns_equal(a: &ResId, b: &ResId) -> bool {
    a.effective_namespace() == b.effective_namespace()
}

/// Candidates by name and by original namespace, built once per build so that each
/// reference looks at the resources it could mean instead of scanning them all (which
/// made large trees quadratic).
struct Index {
    /// Positions of the resources that were once named so (their previous ids), ascending.
    by_name: std::collections::HashMap<String, Vec<usize>>,
    /// Positions of namespaced resources by the namespace of their original id, ascending.
    by_org_ns: std::collections::HashMap<String, Vec<usize>>,
}

impl Index {
    fn new(infos: &[Info]) -> Index {
        let mut by_name: std::collections::HashMap<String, Vec<usize>> =
            std::collections::HashMap::new();
        let mut by_org_ns: std::collections::HashMap<String, Vec<usize>> =
            std::collections::HashMap::new();
        for (j, info) in infos.iter().enumerate() {
            for p in &info.prev {
                let list = by_name.entry(p.name.clone()).or_default();
                if list.last() != Some(&j) {
                    list.push(j);
                }
            }
            if !is_cluster_scoped(&info.org.gvk) {
                by_org_ns
                    .entry(info.org.effective_namespace().to_string())
                    .or_default()
                    .push(j);
            }
        }
        Index { by_name, by_org_ns }
    }
}

/// kustomize's `SubsetThatCouldBeReferencedByResource`, as a predicate: which resources a
/// referrer can see (all, for a cluster-scoped referrer; else cluster-scoped ones, its
/// namespace's, and a RoleBinding's ServiceAccount subjects' namespaces).
struct Visible {
    all: bool,
    me: ResId,
    sa_namespaces: Vec<String>,
}

impl Visible {
    fn sees(&self, id: &ResId) -> bool {
        self.all
            || is_cluster_scoped(&id.gvk)
            || ns_equal(id, &self.me)
            || self.sa_namespaces.contains(&id.namespace)
    }
}

/// `Err` is kustomize's message for a RoleBinding ServiceAccount subject whose namespace
/// is present but not a string (blank).
fn visible_from(
    i: usize,
    infos: &[Info],
    resources: &ResMap,
) -> std::result::Result<Visible, String> {
    let me = &infos[i].cur;
    if is_cluster_scoped(&me.gvk) {
        return Ok(Visible {
            all: true,
            me: me.clone(),
            sa_namespaces: Vec::new(),
        });
    }
    let mut sa_namespaces: Vec<String> = Vec::new();
    if me.gvk.kind == "RoleBinding"
        && let Some(Node::Seq(subjects)) = resources.at(i).and_then(|r| r.node.get("subjects"))
    {
        for s in subjects {
            if s.get("kind").and_then(Node::as_str) == Some("ServiceAccount")
                && let Some(ns) = s.get("namespace")
            {
                match ns.as_string() {
                    Some(ns) => sa_namespaces.push(ns.to_string()),
                    None => {
                        return Err(format!(
                            "Invalid Input: namespace is blank for resource \"{me}\""
                        ));
                    }
                }
            }
        }
    }
    Ok(Visible {
        all: false,
        me: me.clone(),
        sa_namespaces,
    })
}

struct Sel<'a> {
    referred: &'a std::cell::RefCell<std::collections::BTreeSet<usize>>,
    me: &'a Info,
    target: &'a Gvk,
    role_ref: Option<&'a Gvk>,
    is_role_ref: bool,
    infos: &'a [Info],
    visible: &'a Visible,
    index: &'a Index,
}

impl Sel<'_> {
    fn set(&self, n: &mut Node) -> std::result::Result<(), String> {
        match n {
            Node::Scalar(s) if s.tag == crate::yaml::Tag::Null => Ok(()),
            Node::Scalar(_) => self.set_scalar(n),
            Node::Map(_) => self.set_mapping(n),
            Node::Seq(items) => {
                for it in items.iter_mut() {
                    match it {
                        Node::Scalar(_) => self.set_scalar(it)?,
                        Node::Map(_) => self.set_mapping(it)?,
                        Node::Seq(_) => return Err("node must be a scalar, sequence or map".into()),
                    }
                }
                Ok(())
            }
        }
    }

    fn set_scalar(&self, n: &mut Node) -> std::result::Result<(), String> {
        let old = n.as_str().unwrap_or("").to_string();
        let Some(j) = self.select(&old, self.named(&old), false)? else {
            return Ok(());
        };
        self.referred.borrow_mut().insert(j);
        let new = self.infos[j].name();
        if new != old {
            *n = Node::str(new);
        }
        Ok(())
    }

    fn set_mapping(&self, n: &mut Node) -> std::result::Result<(), String> {
        let Some(m) = n.as_map_mut() else {
            return Err("expect a mapping node".into());
        };
        let Some(old) = m.get("name").map(|x| x.as_str().unwrap_or("").to_string()) else {
            return Err("path config error; no 'name' field in node".into());
        };
        let candidates: Vec<usize> = match m.get("namespace") {
            None => self.named(&old),
            Some(nsn) => {
                let ns = nsn.as_str().unwrap_or("");
                let eff = |id: &ResId| {
                    if is_cluster_scoped(&id.gvk) {
                        None
                    } else {
                        Some(id.effective_namespace().to_string())
                    }
                };
                // kustomize matches the original namespace when any visible resource
                // had it, else the current one.
                let by_org = self
                    .index
                    .by_org_ns
                    .get(ns)
                    .is_some_and(|v| v.iter().any(|&j| self.visible.sees(&self.infos[j].cur)));
                let mut c = self.named(&old);
                if by_org {
                    c.retain(|&j| eff(&self.infos[j].org).as_deref() == Some(ns));
                } else {
                    c.retain(|&j| eff(&self.infos[j].cur).as_deref() == Some(ns));
                }
                c
            }
        };
        let Some(j) = self.select(&old, candidates, true)? else {
            return Ok(());
        };
        self.referred.borrow_mut().insert(j);
        let r = &self.infos[j];
        if r.name() == old && r.namespace().is_empty() {
            return Ok(());
        }
        m.insert("name".into(), Node::str(r.name()));
        if !r.namespace().is_empty() {
            m.insert("namespace".into(), Node::str(r.namespace()));
        }
        Ok(())
    }

    /// The visible resources that were once named `old`, ascending.
    fn named(&self, old: &str) -> Vec<usize> {
        self.index
            .by_name
            .get(old)
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|&j| self.visible.sees(&self.infos[j].cur))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn select(
        &self,
        old: &str,
        mut c: Vec<usize>,
        with_ns: bool,
    ) -> std::result::Result<Option<usize>, String> {
        let infos = self.infos;
        c.retain(|&j| infos[j].prev.iter().any(|p| p.name == old));
        c.retain(|&j| infos[j].prev.iter().any(|p| p.gvk.matches(self.target)));
        if self.is_role_ref
            && let Some(g) = self.role_ref
        {
            c.retain(|&j| infos[j].prev.iter().any(|p| p.gvk.matches(g)));
        }
        let me = &self.me.cur;
        if !is_cluster_scoped(&me.gvk) {
            c.retain(|&j| {
                let id = &infos[j].cur;
                is_cluster_scoped(&id.gvk) || id.gvk.kind == "ServiceAccount" || ns_equal(me, id)
            });
        }
        if c.len() == 1 {
            return Ok(c.first().copied());
        }
        // First letting an empty prefix or suffix history match anything, then exactly.
        for allow_empty in [true, false] {
            c.retain(|&j| {
                let fits = |a: &[String], b: &[String]| {
                    (allow_empty && (a.is_empty() || b.is_empty())) || same_ending(a, b)
                };
                fits(&infos[j].prefixes, &self.me.prefixes)
                    && fits(&infos[j].suffixes, &self.me.suffixes)
            });
            if c.len() == 1 {
                return Ok(c.first().copied());
            }
        }
        match c.as_slice() {
            [] => Ok(None),
            [j] => Ok(Some(*j)),
            [first, rest @ ..] => {
                let f = &infos[*first];
                if rest.iter().all(|&j| {
                    infos[j].name() == f.name()
                        && (!with_ns || infos[j].namespace() == f.namespace())
                }) {
                    Ok(Some(*first))
                } else {
                    let ids: Vec<String> = c.iter().map(|&j| infos[j].cur.to_string()).collect();
                    Err(format!(
                        "found multiple possible referrals: {}",
                        ids.join(", ")
                    ))
                }
            }
        }
    }
}

/// kustomize's `SameEndingSubSlice`.
fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return long.is_empty();
    }
    let diff = long.len() - short.len();
    short.iter().enumerate().all(|(i, s)| long[i + diff] == *s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_ending_is_kustomize_s() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(same_ending(&s(&["a", "b", "c"]), &s(&["b", "c"])));
        assert!(!same_ending(&s(&["a", "b", "c"]), &s(&["a", "b"])));
        assert!(!same_ending(&s(&[]), &s(&["a"])));
        assert!(same_ending(&s(&[]), &s(&[])));
    }
}
