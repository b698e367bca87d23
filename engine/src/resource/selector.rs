//! Which resources a selector picks (patch and replacement targets, ValueAddTransformer):
//! kustomize's `types.Selector` matched as `ResMap.Select`
//! matches it.
//!
//! group, version, kind, name and namespace are regular expressions anchored at both
//! ends; name and namespace match the original or the current value; an empty
//! namespace means `default`. `labelSelector` and `annotationSelector` use Kubernetes'
//! label-selector syntax (`a=b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`).

use regex::Regex;

use crate::kustomization::Selector;
use crate::resource::{ResId, Resource};

/// A compiled selector.
#[derive(Debug, Clone)]
pub struct Target {
    group: Option<Regex>,
    version: Option<Regex>,
    kind: Option<Regex>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: Vec<Requirement>,
    annotations: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq)]
enum Op {
    In(Vec<String>),
    NotIn(Vec<String>),
    Exists,
    NotExists,
}

#[derive(Debug, Clone, PartialEq)]
struct Requirement {
    key: String,
    op: Op,
}

fn anchored(s: &str) -> Result<Option<Regex>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    Regex::new(&format!("^(?:{s})$"))
        .map(Some)
        .map_err(|e| format!("invalid regular expression {s:?}: {e}"))
}

impl Target {
    /// Compiles a selector; `Err` names the bad expression.
    pub fn new(s: &Selector) -> Result<Target, String> {
        Ok(Target {
            group: anchored(&s.group)?,
            version: anchored(&s.version)?,
            kind: anchored(&s.kind)?,
            name: anchored(&s.name)?,
            namespace: anchored(&s.namespace)?,
            labels: parse_selector(&s.label_selector)?,
            annotations: parse_selector(&s.annotation_selector)?,
        })
    }

    /// Returns true when the resource is selected.
    pub fn matches(&self, r: &Resource) -> bool {
        let cur = r.id();
        let org = r.orig_id();
        let m = |re: &Option<Regex>, s: &str| re.as_ref().is_none_or(|re| re.is_match(s));
        if !m(&self.namespace, org.effective_namespace())
            && !m(&self.namespace, cur.effective_namespace())
        {
            return false;
        }
        if !m(&self.name, &org.name) && !m(&self.name, &cur.name) {
            return false;
        }
        if !(m(&self.group, &cur.gvk.group)
            && m(&self.version, &cur.gvk.version)
            && m(&self.kind, &cur.gvk.kind))
        {
            return false;
        }
        let labels = r.labels();
        let annotations = r.annotations();
        self.labels.iter().all(|q| q.matches(&labels))
            && self.annotations.iter().all(|q| q.matches(&annotations))
    }

    /// Returns true when group, version, kind, name and namespace (empty is `default`) match
    /// this id (replacement targets).
    pub fn matches_id(&self, id: &ResId) -> bool {
        let m = |re: &Option<Regex>, s: &str| re.as_ref().is_none_or(|re| re.is_match(s));
        m(&self.namespace, id.effective_namespace())
            && m(&self.name, &id.name)
            && m(&self.group, &id.gvk.group)
            && m(&self.version, &id.gvk.version)
            && m(&self.kind, &id.gvk.kind)
    }

    /// Returns true when the label and annotation selectors match.
    pub fn matches_meta(&self, r: &Resource) -> bool {
        let labels = r.labels();
        let annotations = r.annotations();
        self.labels.iter().all(|q| q.matches(&labels))
            && self.annotations.iter().all(|q| q.matches(&annotations))
    }

    /// Returns the selector's fields as an id string, for messages.
    pub fn describe(s: &Selector) -> String {
        let id = ResId {
            gvk: crate::resource::Gvk {
                group: s.group.clone(),
                version: s.version.clone(),
                kind: s.kind.clone(),
            },
            name: s.name.clone(),
            namespace: s.namespace.clone(),
        };
        id.to_string()
    }
}

impl Requirement {
    fn matches(&self, set: &[(String, String)]) -> bool {
        let v = set
            .iter()
            .find(|(k, _)| *k == self.key)
            .map(|(_, v)| v.as_str());
        match &self.op {
            Op::Exists => v.is_some(),
            Op::NotExists => v.is_none(),
            Op::In(vals) => v.is_some_and(|v| vals.iter().any(|x| x == v)),
            Op::NotIn(vals) => v.is_none_or(|v| !vals.iter().any(|x| x == v)),
        }
    }
}

/// Splits on commas that are not inside parentheses.
fn split_top(s: &str) -> Vec<String> {
    split_outside(s, ',', '(', ')')
}

fn parse_set(s: &str) -> Result<Vec<String>, String> {
    let inner = s
        .trim()
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .ok_or_else(|| format!("found '{s}', expected: '('"))?;
    Ok(inner
        .split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect())
}

fn parse_selector(s: &str) -> Result<Vec<Requirement>, String> {
    let mut out = Vec::new();
    if s.trim().is_empty() {
        return Ok(out);
    }
    for part in split_top(s) {
        let p = part.trim();
        if p.is_empty() {
            return Err(format!(
                "unable to parse requirement: found '' in selector {s:?}"
            ));
        }
        let req = if let Some(k) = p.strip_prefix('!') {
            Requirement {
                key: k.trim().to_string(),
                op: Op::NotExists,
            }
        } else if let Some((k, v)) = p.split_once("!=") {
            Requirement {
                key: k.trim().to_string(),
                op: Op::NotIn(vec![v.trim().to_string()]),
            }
        } else if let Some((k, v)) = p.split_once("==") {
            Requirement {
                key: k.trim().to_string(),
                op: Op::In(vec![v.trim().to_string()]),
            }
        } else if let Some((k, v)) = p.split_once('=') {
            Requirement {
                key: k.trim().to_string(),
                op: Op::In(vec![v.trim().to_string()]),
            }
        } else if let Some((k, rest)) = p.split_once(" notin ") {
            Requirement {
                key: k.trim().to_string(),
                op: Op::NotIn(parse_set(rest)?),
            }
        } else if let Some((k, rest)) = p.split_once(" in ") {
            Requirement {
                key: k.trim().to_string(),
                op: Op::In(parse_set(rest)?),
            }
        } else if p
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        {
            Requirement {
                key: p.to_string(),
                op: Op::Exists,
            }
        } else {
            return Err(format!(
                "unable to parse requirement {p:?} in selector {s:?}"
            ));
        };
        if req.key.is_empty() {
            return Err(format!("unable to parse requirement {p:?}: empty key"));
        }
        out.push(req);
    }
    Ok(out)
}

/// Splits `s` on `sep` where it is not inside an `open`…`close` pair: dotted field paths
/// keep `[name=value]` whole, label selectors keep `in (a, b)` whole.
pub fn split_outside(s: &str, sep: char, open: char, close: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in s.chars() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
        } else if c == sep && depth == 0 {
            out.push(std::mem::take(&mut cur));
            continue;
        }
        cur.push(c);
    }
    out.push(cur);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_one;

    fn res(text: &str) -> Resource {
        Resource::new(parse_one(text).unwrap_or_default())
    }

    #[test]
    fn regexes_are_anchored_and_namespace_defaults() {
        let r = res(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: my-deploy\n  labels: {app: web, tier: fe}\n",
        );
        let sel = |s: Selector| Target::new(&s).map(|t| t.matches(&r)).unwrap_or(false);
        assert!(sel(Selector {
            name: ".*deploy".into(),
            ..Default::default()
        }));
        assert!(!sel(Selector {
            name: "deploy".into(),
            ..Default::default()
        }));
        assert!(sel(Selector {
            namespace: "default".into(),
            kind: "Deploy.*".into(),
            ..Default::default()
        }));
        assert!(sel(Selector {
            label_selector: "app=web,tier in (fe, be),!gone".into(),
            ..Default::default()
        }));
        assert!(!sel(Selector {
            label_selector: "app!=web".into(),
            ..Default::default()
        }));
        assert!(!sel(Selector {
            group: "".into(),
            version: "v1beta1".into(),
            ..Default::default()
        }));
    }

    #[test]
    fn bad_regex_is_an_error() {
        assert!(
            Target::new(&Selector {
                name: "(".into(),
                ..Default::default()
            })
            .is_err()
        );
    }
}
