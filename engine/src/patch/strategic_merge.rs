//! Strategic merge of one patch into one resource, as kustomize applies it.
//!
//! kustomize does not use Kubernetes' own strategic-merge code: it walks the resource and
//! the patch together with kyaml's walker (`kyaml/yaml/walk`, visitor `merge2.Merger`,
//! list direction "prepend"). This module follows that walker rule by rule, including
//! its quirks, because the output must be byte-identical:
//!
//! - maps merge field by field; a `null` in the patch deletes; nulls already in the
//!   resource stay unless the patch names them;
//! - a list merges element-wise only when the schema gives it a `merge` strategy (keyed
//!   by the merge keys; primitive lists by value); new elements come first, in patch
//!   order; every other list (and every list of a kind without schema) is replaced;
//! - `$patch: delete|replace|merge` on maps, and a `{$patch: ...}` element in a merged
//!   list; other `$`-directives (`$setElementOrder`, `$retainKeys`,
//!   `$deleteFromPrimitiveList`) are not special to kyaml and stay as plain fields.

use crate::schema::merge::{Schema, SchemaRef};
use crate::yaml::{Node, Scalar, Style, Tag};

/// Merges `patch` into `dest`. Returns None when the patch deletes the whole object.
pub fn merge(dest: Node, patch: Node, schema: &Schema) -> Result<Option<Node>, String> {
    let w = Walker { schema };
    // Only a top-level `$patch: replace` needs the resource as it was (see below).
    let replaces = patch.get("$patch").map(value_text) == Some("replace");
    let original = replaces.then(|| dest.clone());
    match w.walk(Some(dest), Some(patch), None, &mut Vec::new())? {
        Out::Clear => Ok(None),
        Out::KeepNull(n) => Ok(Some(n)),
        Out::Set(n, _) if n.is_null() => Ok(None),
        Out::Set(n, true) => Ok(Some(n)),
        // kustomize keeps the resource node and ignores a merge result that is another
        // node (a top-level `$patch: replace`), so such a patch changes nothing.
        Out::Set(n, false) => Ok(Some(original.unwrap_or(n))),
    }
}

/// What a walk produced for one position.
enum Out {
    /// Remove the field / element.
    Clear,
    /// A null the resource had and the patch did not mention: kept as is.
    KeepNull(Node),
    /// The merged value, and whether it is the destination node itself (merged in place).
    Set(Node, bool),
}

struct Walker<'s> {
    schema: &'s Schema,
}

#[derive(Clone, Copy, PartialEq)]
enum Directive {
    Merge,
    Replace,
    Delete,
}

fn missing_or_null(n: Option<&Node>) -> bool {
    n.is_none_or(Node::is_null)
}

fn is_empty_map(n: &Node) -> bool {
    matches!(n, Node::Map(m) if m.is_empty())
}

/// A node's scalar text as kyaml's `YNode().Value` (empty for collections).
fn value_text(n: &Node) -> &str {
    match n {
        Node::Scalar(s) => &s.value,
        _ => "",
    }
}

fn kind_label(n: &Node) -> &'static str {
    match n {
        Node::Scalar(_) => "ScalarNode",
        Node::Seq(_) => "SequenceNode",
        Node::Map(_) => "MappingNode",
    }
}

/// kyaml's merger gives the patch's value the style of the resource's value it replaces,
/// so a value replacing a quoted (or block) string stays a string: `cpu: "2"` patched
/// with `cpu: 1` prints `cpu: "1"`, `a: "hello"` patched with `a: 1` prints `a: "1"`,
/// and a value merged onto a plain one is plain for the next patch. A scalar whose style
/// is unknown (built or decoded on the way) is taken as quoted when its text would not
/// read back as a string unquoted, or spans lines.
fn keep_quoting(dest: Option<&Node>, origin: Node) -> Node {
    let Some(Node::Scalar(d)) = dest else {
        return origin;
    };
    let quoted = d.tag == Tag::Str
        && match d.style {
            Style::Quoted => true,
            Style::Plain => false,
            Style::Unknown => {
                d.value.contains('\n') || crate::yaml::resolve::resolve_plain(&d.value) != Tag::Str
            }
        };
    match origin {
        Node::Scalar(o) if o.tag != Tag::Null => Node::Scalar(Scalar {
            tag: if quoted { Tag::Str } else { o.tag },
            value: o.value,
            style: if quoted { Style::Quoted } else { d.style },
        }),
        other => other,
    }
}

/// Reads and removes a map's `$patch` directive.
fn map_directive(patch: &mut Option<Node>) -> Result<Directive, String> {
    let Some(Node::Map(m)) = patch else {
        return Ok(Directive::Merge);
    };
    let Some(v) = m.get("$patch") else {
        return Ok(Directive::Merge);
    };
    let d = match value_text(v) {
        "delete" => Directive::Delete,
        "replace" => Directive::Replace,
        "merge" => Directive::Merge,
        other => return Err(format!("unknown patch strategy '{other}'")),
    };
    m.shift_remove("$patch");
    Ok(d)
}

/// Reads and removes a list's `{$patch: ...}` element (only when it is the element's
/// sole field, as kyaml requires).
fn seq_directive(patch: &mut Option<Node>) -> Result<Directive, String> {
    let Some(Node::Seq(items)) = patch else {
        return Ok(Directive::Merge);
    };
    let Some(pos) = items
        .iter()
        .position(|e| matches!(e, Node::Map(m) if m.contains_key("$patch")))
    else {
        return Ok(Directive::Merge);
    };
    let Some(Node::Map(m)) = items.get(pos) else {
        return Ok(Directive::Merge);
    };
    if m.len() > 1 {
        return Ok(Directive::Merge);
    }
    let text = m.get("$patch").map(value_text).unwrap_or("").to_string();
    let d = match text.as_str() {
        "delete" => Directive::Delete,
        "replace" => Directive::Replace,
        "merge" => Directive::Merge,
        other => return Err(format!("unknown patch strategy '{other}'")),
    };
    items.retain(|e| !matches!(e, Node::Map(m) if m.len() == 1 && m.get("$patch").map(value_text) == Some(text.as_str())));
    Ok(d)
}

/// kyaml's `FieldMatcher{Name, StringValue}` on one element: `Ok(true)` when it has the
/// field (with that value, unless the value is empty).
fn field_matches(elem: &Node, name: &str, value: &str) -> Result<bool, String> {
    if elem.is_null() {
        return Ok(false);
    }
    if name.is_empty() {
        return match elem {
            Node::Scalar(s) => Ok(s.value == value),
            other => Err(format!(
                "wrong node kind: expected ScalarNode but got {}",
                kind_label(other)
            )),
        };
    }
    match elem {
        Node::Map(m) => Ok(match m.get(name) {
            Some(f) => value.is_empty() || value_text(f) == value,
            None => false,
        }),
        other => Err(format!(
            "wrong node kind: expected MappingNode but got {}",
            kind_label(other)
        )),
    }
}

/// kyaml's `ElementSetter`: replaces (or, without `element`, deletes) every element
/// matching all key/value pairs, appends when none matched, and drops empty elements.
fn element_setter(
    list: &mut Vec<Node>,
    element: Option<Node>,
    keys: &[String],
    values: &[String],
) -> Result<(), String> {
    let default_keys = [String::new()];
    let keys: &[String] = if keys.is_empty() { &default_keys } else { keys };
    let mapping_setter = !keys[0].is_empty() && values.first().is_some_and(|v| !v.is_empty());
    let mut out = Vec::with_capacity(list.len() + 1);
    let mut matched = false;
    for elem in list.drain(..) {
        if elem.is_null() || is_empty_map(&elem) {
            continue;
        }
        if elem.as_map().is_none() && mapping_setter {
            out.push(elem);
            continue;
        }
        let mut found = true;
        let mut val = false;
        for (j, key) in keys.iter().enumerate() {
            if let Some(v) = values.get(j) {
                val = field_matches(&elem, key, v)?;
            }
            if !val {
                found = false;
                break;
            }
        }
        if !found {
            if !values.is_empty() {
                out.push(elem);
            }
            continue;
        }
        matched = true;
        if let Some(e) = &element {
            out.push(e.clone());
        }
    }
    *list = out;
    match element {
        Some(e) if !e.is_null() && !matched => list.push(e),
        _ => {}
    }
    Ok(())
}

/// kyaml's `ElementMatcher`: the position of the first element matching the pairs.
fn element_position(list: &[Node], keys: &[String], values: &[String]) -> Option<usize> {
    if keys.is_empty() || keys[0].is_empty() {
        let want = values.first().map(String::as_str).unwrap_or("");
        return list.iter().position(|e| value_text(e) == want);
    }
    list.iter().position(|e| {
        let Node::Map(m) = e else { return false };
        keys.iter()
            .zip(values)
            .all(|(k, v)| m.get(k).is_some_and(|f| value_text(f) == v))
    })
}

/// The key values of every element (kyaml's `ElementValuesList`).
fn element_values_list(list: &[Node], keys: &[String]) -> Vec<Vec<String>> {
    list.iter()
        .map(|e| {
            keys.iter()
                .map(|k| match e.get(k) {
                    Some(f) if !f.is_null() && !is_empty_map(f) => value_text(f).to_string(),
                    _ => String::new(),
                })
                .collect()
        })
        .collect()
}

/// Keys that have a value in any element; the values for those keys.
fn validate_keys(
    values_list: &[Vec<String>],
    values: &[String],
    keys: &[String],
) -> (Vec<String>, Vec<String>) {
    let mut valid: Vec<&String> = Vec::new();
    for vs in values_list {
        for (i, v) in vs.iter().enumerate() {
            if !v.is_empty()
                && let Some(k) = keys.get(i)
                && !valid.contains(&k)
            {
                valid.push(k);
            }
        }
    }
    if valid.is_empty() {
        return (keys.to_vec(), values.to_vec());
    }
    let vk: Vec<String> = keys.iter().filter(|k| valid.contains(k)).cloned().collect();
    let vv: Vec<String> = values
        .iter()
        .enumerate()
        .filter(|(i, v)| !v.is_empty() || keys.get(*i).is_some_and(|k| valid.contains(&k)))
        .map(|(_, v)| v.clone())
        .collect();
    (vk, vv)
}

/// Two key tuples are the same element when they agree wherever both have a value.
fn merge_values(mut list: Vec<Vec<String>>) -> Vec<Vec<String>> {
    let n = list.len();
    for i in 0..n {
        for j in 0..n {
            if let Some(m) = match_values(&list[i], &list[j]) {
                list[i] = m.clone();
                list[j] = m;
            }
        }
    }
    list
}

fn match_values(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() != b.len() {
        return None;
    }
    let mut common = false;
    let mut res = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            res.push(x.clone());
            continue;
        }
        if !x.is_empty() && !y.is_empty() {
            return None;
        }
        res.push(if x.is_empty() { y.clone() } else { x.clone() });
    }
    common.then_some(res)
}

impl<'s> Walker<'s> {
    fn schema_of(&self, nodes: [Option<&Node>; 2]) -> Option<SchemaRef<'s>> {
        for n in nodes.into_iter().flatten() {
            if n.is_null() {
                continue;
            }
            let (Some(av), Some(k)) = (n.str_at(&["apiVersion"]), n.str_at(&["kind"])) else {
                continue;
            };
            if let Some(s) = self.schema.for_kind(av, k) {
                return Some(s);
            }
        }
        None
    }

    fn walk(
        &self,
        dest: Option<Node>,
        origin: Option<Node>,
        schema: Option<SchemaRef<'s>>,
        path: &mut Vec<String>,
    ) -> Result<Out, String> {
        let schema = schema.or_else(|| self.schema_of([dest.as_ref(), origin.as_ref()]));
        let first = [dest.as_ref(), origin.as_ref()]
            .into_iter()
            .flatten()
            .find(|n| !n.is_null());
        let kind = first.map(kind_label);
        if let Some(kind) = kind {
            for n in [dest.as_ref(), origin.as_ref()].into_iter().flatten() {
                if !n.is_null() && kind_label(n) != kind {
                    return Err(format!(
                        "wrong node kind: expected {kind} but got {} at field {}",
                        kind_label(n),
                        if path.is_empty() {
                            ".".to_string()
                        } else {
                            path.join(".")
                        }
                    ));
                }
            }
        }
        match kind {
            Some("SequenceNode") => {
                if schema.is_some_and(|s| s.is_associative()) {
                    self.walk_associative(dest, origin, schema, path)
                } else {
                    // Non-associative: the patch's list (as written) replaces.
                    Ok(match origin {
                        Some(o) => Out::Set(o, false),
                        None => dest.map_or(Out::Clear, |d| Out::Set(d, true)),
                    })
                }
            }
            Some("ScalarNode") => Ok(match origin {
                Some(o) => Out::Set(keep_quoting(dest.as_ref(), o), false),
                None => dest.map_or(Out::Clear, |d| Out::Set(d, true)),
            }),
            _ => self.walk_map(dest, origin, schema, path),
        }
    }

    fn walk_map(
        &self,
        dest: Option<Node>,
        mut origin: Option<Node>,
        schema: Option<SchemaRef<'s>>,
        path: &mut Vec<String>,
    ) -> Result<Out, String> {
        let (mut target, same) = if missing_or_null(dest.as_ref()) {
            if map_directive(&mut origin).unwrap_or(Directive::Merge) == Directive::Delete {
                return Ok(Out::Clear);
            }
            if origin.is_none()
                && let Some(d) = &dest
                && !value_text(d).is_empty()
            {
                return Ok(Out::KeepNull(d.clone()));
            }
            match origin.clone() {
                None => return Ok(Out::Clear),
                Some(o) => (o, false),
            }
        } else if origin.as_ref().is_some_and(Node::is_null) {
            return Ok(Out::Clear);
        } else {
            // Where the walk merges the patch into itself (new subtrees), kyaml's two
            // sources are one node, so removing the directive removes it from both.
            let aliased =
                origin.as_ref().is_some_and(|o| o.get("$patch").is_some()) && origin == dest;
            match map_directive(&mut origin)? {
                Directive::Delete => return Ok(Out::Clear),
                Directive::Replace => match origin.clone() {
                    Some(o) => (o, false),
                    None => return Ok(Out::Clear),
                },
                Directive::Merge => match dest {
                    Some(mut d) => {
                        if aliased && let Node::Map(m) = &mut d {
                            m.shift_remove("$patch");
                        }
                        (d, true)
                    }
                    None => return Ok(Out::Clear),
                },
            }
        };
        let Node::Map(tm) = &mut target else {
            // A null with nothing to merge into it.
            return Ok(Out::Set(target, same));
        };
        let mut names: Vec<String> = tm.keys().cloned().collect();
        if let Some(Node::Map(om)) = &origin {
            for k in om.keys() {
                if !tm.contains_key(k) {
                    names.push(k.clone());
                }
            }
        }
        names.sort();
        for key in names {
            // Each field moves out for its walk and the result moves back (in place, so
            // the order holds): no subtree is copied.
            let d = tm.get_mut(&key).map(std::mem::take);
            let o = origin.as_ref().and_then(|o| o.get(&key)).cloned();
            let fs = schema.and_then(|s| s.field(&key));
            path.push(key.clone());
            let r = self.walk(d, o, fs, path);
            path.pop();
            match r? {
                Out::Clear => {
                    tm.shift_remove(&key);
                }
                Out::Set(n, _) if n.is_null() => {
                    tm.shift_remove(&key);
                }
                Out::Set(n, _) | Out::KeepNull(n) => {
                    tm.insert(key, n);
                }
            }
        }
        Ok(Out::Set(target, same))
    }

    fn walk_associative(
        &self,
        dest: Option<Node>,
        mut origin: Option<Node>,
        schema: Option<SchemaRef<'s>>,
        path: &mut Vec<String>,
    ) -> Result<Out, String> {
        // VisitList for associative lists.
        // When the resource had no list (or the patch replaces it), the patch's list
        // becomes the destination and is merged into itself, as kyaml does.
        let mut dest_was_missing = missing_or_null(dest.as_ref());
        let mut dest_list: Vec<Node> = if missing_or_null(dest.as_ref()) {
            match origin.clone() {
                Some(Node::Seq(items)) => items,
                Some(_) | None => return Ok(Out::Clear),
            }
        } else if origin.as_ref().is_some_and(Node::is_null) {
            return Ok(Out::Clear);
        } else {
            match seq_directive(&mut origin)? {
                Directive::Delete => return Ok(Out::Clear),
                Directive::Replace => match origin.clone() {
                    Some(Node::Seq(items)) => {
                        dest_was_missing = true;
                        items
                    }
                    Some(o) => return Ok(Out::Set(o, false)),
                    None => return Ok(Out::Clear),
                },
                Directive::Merge => match dest {
                    Some(Node::Seq(items)) => items,
                    _ => return Ok(Out::Clear),
                },
            }
        };
        let origin_list: Option<Vec<Node>> = match origin {
            Some(Node::Seq(items)) => Some(items),
            _ => None,
        };
        let origin_ref: Option<&Vec<Node>> = origin_list.as_ref();
        let keys: Vec<String> = schema.map(|s| s.merge_keys().to_vec()).unwrap_or_default();
        let elem_schema = schema.and_then(|s| s.elements());

        // Key tuples in patch-first order (prepend), deduplicated.
        let mut values_list: Vec<Vec<String>> = Vec::new();
        let mut primitive = false;
        if !keys.is_empty() {
            let sources: [Option<&Vec<Node>>; 2] = [origin_ref, Some(&dest_list)];
            let snapshot: Vec<Vec<Vec<String>>> = sources
                .iter()
                .flatten()
                .map(|l| element_values_list(l, &keys))
                .collect();
            for vs in snapshot.into_iter().flatten() {
                if vs.is_empty() || values_list.contains(&vs) {
                    continue;
                }
                values_list.push(vs);
            }
        }
        let keys = if keys.is_empty() {
            primitive = true;
            let mut seen: Vec<String> = Vec::new();
            for l in [origin_ref, Some(&dest_list)].into_iter().flatten() {
                for item in l {
                    let v = value_text(item).to_string();
                    if !seen.contains(&v) {
                        seen.push(v);
                    }
                }
            }
            values_list = seen.into_iter().map(|v| vec![v]).collect();
            vec![String::new()]
        } else {
            keys
        };
        let _ = primitive;
        if keys.len() > 1 {
            values_list = merge_values(values_list);
        }

        let mut items: Vec<Node> = Vec::new();
        let mut valid_keys: Vec<String> = Vec::new();
        for values in &values_list {
            if values.is_empty() {
                continue;
            }
            let (vk, vv) = validate_keys(&values_list, values, &keys);
            valid_keys = vk.clone();
            let (lk, lv) = validate_keys(std::slice::from_ref(&vv), &vv, &vk);
            let dpos = element_position(&dest_list, &lk, &lv);
            let d = dpos.and_then(|p| dest_list.get(p)).cloned();
            let o = if dest_was_missing {
                d.clone()
            } else {
                origin_ref
                    .and_then(|l| element_position(l, &lk, &lv).and_then(|p| l.get(p)))
                    .cloned()
            };
            path.push(format!("[{}]", vv.join(",")));
            let r = self.walk(d, o, elem_schema, path);
            path.pop();
            let val = match r? {
                Out::Set(n, same) => {
                    // In a self-merge the patch element is the destination element.
                    if (same || dest_was_missing)
                        && let Some(p) = dpos
                    {
                        // kyaml merges into the resource's element in place.
                        dest_list[p] = n.clone();
                    }
                    Some(n)
                }
                Out::KeepNull(n) => Some(n),
                Out::Clear => None,
            };
            let mut val = match val {
                Some(v) if !v.is_null() && !is_empty_map(&v) => v,
                _ => {
                    element_setter(&mut dest_list, None, &vk, &vv)?;
                    continue;
                }
            };
            for (i, key) in vk.iter().enumerate() {
                if key.is_empty() {
                    continue;
                }
                if let Node::Map(m) = &mut val
                    && !m.contains_key(key)
                    && let Some(v) = vv.get(i).filter(|v| !v.is_empty())
                {
                    m.insert(key.clone(), Node::Scalar(Scalar::new(Tag::Str, v.clone())));
                }
            }
            element_setter(&mut items, Some(val), &vk, &vv)?;
        }
        if !values_list.is_empty() {
            append_list(&mut items, &dest_list, &valid_keys)?;
        } else {
            items = dest_list;
        }
        Ok(Out::Set(Node::Seq(items), false))
    }
}

/// kyaml's `appendListNode(dst, src, keys)`: sets each element of `src` into `dst`.
fn append_list(dst: &mut Vec<Node>, src: &[Node], keys: &[String]) -> Result<(), String> {
    for elem in src {
        if keys.first().is_none_or(String::is_empty) {
            let v = value_text(elem).to_string();
            element_setter(dst, Some(elem.clone()), &[String::new()], &[v])?;
            continue;
        }
        let mut v: Vec<String> = Vec::new();
        for key in keys {
            let field = match elem {
                Node::Map(m) => m.get(key),
                n if n.is_null() => None,
                other => {
                    return Err(format!(
                        "wrong node kind: expected MappingNode but got {}",
                        kind_label(other)
                    ));
                }
            };
            match field {
                None => dst.push(elem.clone()),
                Some(f) => v.push(value_text(f).to_string()),
            }
        }
        if keys.len() > 1 {
            element_setter(dst, None, keys, &v)?;
        }
        element_setter(dst, Some(elem.clone()), keys, &v)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::merge::builtin;
    use crate::yaml::{emit, parse_one};

    fn run(dest: &str, patch: &str) -> String {
        let d = parse_one(dest).unwrap_or_default();
        let p = parse_one(patch).unwrap_or_default();
        match merge(d, p, builtin()) {
            Ok(Some(n)) => emit(&n).unwrap_or_default(),
            Ok(None) => "<deleted>".into(),
            Err(e) => format!("error: {e}"),
        }
    }

    const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  finalizers: [a, b]\nspec:\n  replicas: null\n  template:\n    spec:\n      tolerations: [{key: a}]\n      containers:\n      - name: c\n        image: i\n        args: [x]\n        ports:\n        - {containerPort: 80, protocol: TCP, name: http}\n        - {containerPort: 81, name: h2}\n      - name: d\n        image: j\n";

    #[test]
    fn containers_merge_by_name_new_first_in_patch_order() {
        let out = run(
            DEPLOY,
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  finalizers: [c, a]\nspec:\n  template:\n    spec:\n      tolerations: [{key: c}]\n      containers:\n      - name: c\n        args: [z]\n        ports:\n        - {containerPort: 80, protocol: TCP, hostPort: 9}\n        - {containerPort: 82, protocol: UDP}\n        - {containerPort: 81, hostPort: 10}\n        - {containerPort: 83}\n      - name: e\n        image: k\n        foo: null\n",
        );
        let want = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  finalizers:\n  - c\n  - a\n  - b\n  name: d\nspec:\n  replicas: null\n  template:\n    spec:\n      containers:\n      - args:\n        - z\n        image: i\n        name: c\n        ports:\n        - containerPort: 82\n          protocol: UDP\n        - containerPort: 83\n        - containerPort: 80\n          hostPort: 9\n          name: http\n          protocol: TCP\n        - containerPort: 81\n          hostPort: 10\n          name: h2\n      - image: k\n        name: e\n      - image: j\n        name: d\n      tolerations:\n      - key: c\n";
        assert_eq!(out, want);
    }

    #[test]
    fn directives_delete_and_replace() {
        let out = run(
            DEPLOY,
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  finalizers:\n  - $patch: replace\n  - z\nspec:\n  template:\n    spec:\n      containers:\n      - name: d\n        $patch: delete\n",
        );
        assert!(out.contains("finalizers:\n  - z\n"), "{out}");
        assert!(!out.contains("name: d\n        image: j"), "{out}");
        assert_eq!(
            run(
                DEPLOY,
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n$patch: delete\n"
            ),
            "<deleted>"
        );
        // A top-level replace is ignored by kustomize.
        let replaced = run(
            DEPLOY,
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n$patch: replace\nspec: {}\n",
        );
        assert_eq!(replaced, run(DEPLOY, "{}\n"));
        assert!(replaced.contains("image: j"), "{replaced}");
    }

    #[test]
    fn lists_without_schema_are_replaced() {
        let out = run(
            "apiVersion: x/v1\nkind: Foo\nspec:\n  items: [{name: x, v: 1}, {name: y}]\n",
            "apiVersion: x/v1\nkind: Foo\nspec:\n  items: [{name: y, w: 3}]\n",
        );
        assert_eq!(
            out,
            "apiVersion: x/v1\nkind: Foo\nspec:\n  items:\n  - name: \"y\"\n    w: 3\n"
        );
    }

    #[test]
    fn quoted_strings_stay_strings_and_self_merges_drop_directives() {
        let out = run(
            "apiVersion: x/v1\nkind: Foo\nspec:\n  a: \"2\"\n  b: 2\n",
            "apiVersion: x/v1\nkind: Foo\nspec:\n  a: 1\n  b: \"3\"\n",
        );
        assert_eq!(
            out,
            "apiVersion: x/v1\nkind: Foo\nspec:\n  a: \"1\"\n  b: \"3\"\n"
        );
        let out = run(
            "apiVersion: v1\nkind: Pod\nspec: {}\n",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    $patch: merge\n    securityContext:\n      $patch: merge\n      runAsUser: 1\n",
        );
        assert!(!out.contains("$patch"), "{out}");
    }

    #[test]
    fn kind_mismatch_is_an_error() {
        assert!(run("a: {b: 1}\n", "a: [1]\n").starts_with("error: wrong node kind"));
    }
}
