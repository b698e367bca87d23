//! `SortOrderTransformer`: the final order of a build's output.
//!
//! Port of kustomize's `plugin/builtin/sortordertransformer`: `fifo` keeps accumulation
//! order; `legacy` ranks kinds by `orderFirst`/`orderLast` (kustomize's fixed defaults
//! unless given), then by group/version/kind, namespace and name.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::kustomization::{LegacySortOptions, SortOptions};
use crate::resource::{Gvk, ResId, ResMap};

/// kustomize's default `orderFirst`.
pub const DEFAULT_ORDER_FIRST: [&str; 22] = [
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

/// kustomize's default `orderLast`.
pub const DEFAULT_ORDER_LAST: [&str; 2] = [
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// Checks `sortOptions` as kustomize does; `Err` is the message.
pub fn validate(opts: &SortOptions) -> Result<(), String> {
    match opts.order.as_str() {
        "fifo" if opts.legacy_sort_options.is_some() => Err(
            "the field 'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo', not 'legacy'"
                .into(),
        ),
        "fifo" | "legacy" => Ok(()),
        _ => Err("the field 'sortOptions.order' must be one of [fifo, legacy]".into()),
    }
}

/// Applies `sortOptions` (already validated).
pub fn apply(resources: &mut ResMap, opts: &SortOptions) {
    if opts.order != "legacy" {
        return;
    }
    match &opts.legacy_sort_options {
        Some(l) => legacy_sort(resources, l),
        None => legacy_sort(resources, &default_legacy()),
    }
}

/// Returns kustomize's default legacy options.
pub fn default_legacy() -> LegacySortOptions {
    LegacySortOptions {
        order_first: DEFAULT_ORDER_FIRST.iter().map(|s| s.to_string()).collect(),
        order_last: DEFAULT_ORDER_LAST.iter().map(|s| s.to_string()).collect(),
    }
}

/// Sorts in kustomize's legacy order.
pub fn legacy_sort(resources: &mut ResMap, opts: &LegacySortOptions) {
    let mut ranks: HashMap<&str, i64> = HashMap::new();
    let n_first = opts.order_first.len() as i64;
    for (i, k) in opts.order_first.iter().enumerate() {
        ranks.insert(k, -n_first + i as i64);
    }
    for (i, k) in opts.order_last.iter().enumerate() {
        ranks.insert(k, 1 + i as i64);
    }
    // Precompute keys once: sorting compares O(n log n) times.
    let mut keyed: Vec<(i64, String, String, crate::resource::Resource)> =
        Vec::with_capacity(resources.len());
    let taken = std::mem::take(resources);
    for r in taken.into_vec() {
        let id = r.id();
        let rank = ranks.get(id.gvk.kind.as_str()).copied().unwrap_or(0);
        keyed.push((rank, gvk_sort_string(&id.gvk), id_sort_string(&id), r));
    }
    keyed.sort_by(|a, b| {
        if a.1 != b.1 {
            return gvk_cmp(a, b);
        }
        a.2.cmp(&b.2)
    });
    *resources = keyed.into_iter().map(|k| k.3).collect();
}

type Keyed = (i64, String, String, crate::resource::Resource);

fn gvk_cmp(a: &Keyed, b: &Keyed) -> Ordering {
    if a.0 != b.0 {
        return a.0.cmp(&b.0);
    }
    let (ka, kb) = (a.3.kind(), b.3.kind());
    let ga = a.3.api_version().contains('/');
    let gb = b.3.api_version().contains('/');
    if ka == "Namespace" && kb == "Namespace" && (!ga || !gb) {
        return b.1.cmp(&a.1);
    }
    a.1.cmp(&b.1)
}

fn gvk_sort_string(g: &Gvk) -> String {
    let or = |s: &str, d: &str| {
        if s.is_empty() {
            d.to_string()
        } else {
            s.to_string()
        }
    };
    format!(
        "{}_{}_{}",
        or(&g.group, "~G"),
        or(&g.version, "~V"),
        or(&g.kind, "~K")
    )
}

fn id_sort_string(id: &ResId) -> String {
    let ns = if id.namespace.is_empty() {
        "~X"
    } else {
        &id.namespace
    };
    let nm = if id.name.is_empty() { "~N" } else { &id.name };
    format!("{}|{ns}|{nm}", id.gvk.kustomize_string())
}
